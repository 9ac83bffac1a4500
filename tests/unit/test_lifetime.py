"""A finished run frees its problem: mesh, matrices and factors do not pile up over a sweep's points."""

import gc

from helpers.configs import make_config
from helpers.films import run_film
from mpi4py import MPI

from psc_fem.film.problem import FilmProblem
from psc_fem.solver.fields import FieldEvaluator
from psc_fem.solver.problem import WireProblem
from psc_fem.solver.simulation import simulate

KINDS = (FilmProblem, WireProblem, FieldEvaluator)


def _alive():
    gc.collect()
    return {kind.__name__: sum(type(o) is kind for o in gc.get_objects()) for kind in KINDS}


def test_runs_leave_no_problem_behind(tmp_path):
    """The SNES held the problem's residual and Jacobian as bound methods where the garbage collector does
    not look, a cycle never collected: each run of a process (an I-V sweep's film points, the test suite)
    kept its whole problem until the process ended (one more FilmProblem and WireProblem per run here)."""
    before = _alive()
    for k in range(2):
        run_film(tmp_path / f"film{k}", geometry={"mesh_size": 0.1}, time={"t_end": 0.2, "until": "t_end"})
        cfg = make_config(time={"t_end": 0.2, "until": "t_end"})
        simulate(cfg, tmp_path / f"wire{k}", comm=MPI.COMM_SELF, progress=False, echo=False)
        assert _alive() == before
