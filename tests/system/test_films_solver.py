"""A film's linear solver (psc_fem.solver.petsc_options, docs/films.md "Solver").

From `ITERATIVE_FROM` unknowns on a film is solved by GMRES with a field
split (ILU(0) blocks on Psi, algebraic multigrid on phi) instead of the
LU, and switched to the LU while that is cheaper (psc_fem.solver.linear_choice);
solved to 1e-10, the Newton iterations and so the adaptive steps are
the LU's, and the series agree to solver tolerance, whichever solver each
step took.  The user's [petsc] table still chooses: naming a solver
(pc_type, ksp_type, pc_factor_*) turns the default off.
"""

import numpy as np
from helpers.films import film_config
from mpi4py import MPI

from psc_fem.film.problem import FilmProblem
from psc_fem.solver import petsc_options
from psc_fem.solver.linear_choice import LU as LU_NAME
from psc_fem.solver.linear_choice import SPLIT, LinearSolverChoice
from psc_fem.solver.petsc_options import ITERATIVE_FROM
from psc_fem.solver.simulation import simulate

# 8 x 2.2 xi at mesh 0.1 in a field: 10869 unknowns, vortices entering from the edges
BIG = {
    "geometry": {"length": 8.0, "width": 2.2, "mesh_size": 0.1, "ends": "normal"},
    "field": {"B": 0.4},
    "drive": {"current": 0.5},
    "time": {"t_end": 5.0, "until": "t_end"},
    "output": {"every": 1.0, "probes": None, "fields": False},
}
LU = {"ksp_type": "preonly", "pc_type": "lu"}
OTHER = {SPLIT: LU_NAME, LU_NAME: SPLIT}


def test_a_large_film_takes_the_field_split_and_the_lus_newton_iterations(tmp_path, monkeypatch):
    cfg = film_config(**BIG)
    problem = FilmProblem(cfg, MPI.COMM_SELF)
    unknowns = problem.W.dofmap.index_map.size_global * problem.W.dofmap.index_map_bs
    assert unknowns >= ITERATIVE_FROM and problem.linear is not None
    ksp = problem.snes.getKSP()
    pc = ksp.getPC()
    assert ksp.getType() == "gmres" and pc.getType() == "fieldsplit"
    assert [k.getPC().getType() for k in pc.getFieldSplitSubKSP()] == ["bjacobi", "gamg"]  # psi, phi
    pinned = film_config(**BIG, petsc={"pc_type": "fieldsplit"})  # the split all run
    assert FilmProblem(pinned, MPI.COMM_SELF).linear is None
    runs = {"split": simulate(pinned, tmp_path / "split", comm=MPI.COMM_SELF, progress=False, echo=False)}
    # the choice's mechanics: a solver swapped at every step (the costs decide in a real run)
    monkeypatch.setattr(LinearSolverChoice, "observe", lambda self, dt, its, ok: self._use(OTHER[self.active]))
    runs["swapped"] = simulate(cfg, tmp_path / "swapped", comm=MPI.COMM_SELF, progress=False, echo=False)
    swapped = runs["swapped"].run
    assert swapped["linear_solver"]["switches"] == sum(
        swapped[k] for k in ("steps", "rejected_error", "rejected_newton")
    )
    lu = simulate(film_config(**BIG, petsc=LU), tmp_path / "lu", comm=MPI.COMM_SELF, progress=False, echo=False)
    assert np.ptp(lu.series["V"]) > 0.1  # the state changes
    for name, run in runs.items():
        assert run.run["steps"] == lu.run["steps"] and run.run["newton_per_step"] == lu.run["newton_per_step"]
        for key in ("V", "psi_min", "theta_plus"):
            scale = max(1.0, np.max(np.abs(lu.series[key])))
            assert np.max(np.abs(run.series[key] - lu.series[key])) < 1e-8 * scale, (name, key)


def test_a_small_film_and_a_users_solver_keep_the_lu():
    small = FilmProblem(film_config(geometry={"width": 0.4, "mesh_size": 0.1}), MPI.COMM_SELF)
    assert small.snes.getKSP().getPC().getType() == "lu"
    chosen = FilmProblem(film_config(**BIG, petsc={"pc_type": "lu"}), MPI.COMM_SELF)
    assert chosen.snes.getKSP().getType() == "preonly" and chosen.snes.getKSP().getPC().getType() == "lu"
    tuned = FilmProblem(film_config(**BIG, petsc={"ksp_rtol": 1e-12}), MPI.COMM_SELF)  # tuning is not choosing
    assert tuned.snes.getKSP().getPC().getType() == "fieldsplit" and tuned.snes.getKSP().getTolerances()[0] == 1e-12


def test_a_3d_film_keeps_the_split_with_a_multigrid_psi_block(monkeypatch):
    """In 3D the LU was never the cheaper and its trial alone took 127 s against the split's 1.6 s per Newton
    iteration (a 4 x 2 x 1 xi box at 1.1e5 unknowns, 2.6 GB): a 3D film keeps the split, a 2D one may swap.
    A 3D film's Psi block is a multigrid (its iterations grow less with the step than ILU(0)'s)."""
    monkeypatch.setattr(petsc_options, "ITERATIVE_FROM", 100)  # the split on small films, to keep this quick
    monkeypatch.setattr(petsc_options, "ITERATIVE_FROM_3D", 100)
    box = {"geometry": {"length": 1.1, "width": 0.2, "thickness": 0.2, "mesh_size": 0.1}}
    for sections, swaps, psi_pc in (({}, True, "bjacobi"), (box, False, "gamg")):  # the box last: solved below
        problem = FilmProblem(film_config(**sections), MPI.COMM_SELF)
        pc = problem.snes.getKSP().getPC()
        assert pc.getType() == "fieldsplit" and pc.getFieldSplitSubKSP()[0].getPC().getType() == psi_pc
        assert (problem.linear is not None) == swaps
    problem.set_step(0.01, (101.0, -100.0, 0.0))
    assert problem.solve()[0]
    levels = pc.getFieldSplitSubKSP()[0].getPC()
    assert levels.getMGSmoother(1).getPC().getType() == "sor"
