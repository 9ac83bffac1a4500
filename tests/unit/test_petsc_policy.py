"""A problem's PETSc options do not outlive it in PETSc's global options database, nor leave it early."""

import gc

import numpy as np
from helpers.configs import make_config
from helpers.films import film_config
from mpi4py import MPI
from petsc4py import PETSc

from psc_fem.film.problem import FilmProblem
from psc_fem.solver.problem import WireProblem


def test_a_films_options_do_not_reach_the_next_wire():
    """A film lags its Jacobian (snes_lag_jacobian 3); a wire built after it in the same process (a sweep,
    the test suite) must not: from a poor guess its Newton still converges quadratically (each
    iteration's rate below the last), which a lagged Jacobian would break (it did, before `forget`).
    Each problem's options live under a prefix of its own and leave the database with the problem."""
    film = FilmProblem(film_config(geometry={"width": 0.2, "mesh_size": 0.1}), MPI.COMM_SELF)
    prefix = film.snes.getOptionsPrefix()
    assert PETSc.Options().getInt(f"{prefix}snes_lag_jacobian") == 3
    cfg = make_config(model={"delta": 10 / 3}, petsc={"snes_rtol": 1e-14, "snes_atol": 1e-13, "snes_stol": 0.0})
    wire = WireProblem(cfg, MPI.COMM_SELF)
    assert wire.snes.getOptionsPrefix() != prefix
    wire.set_step(0.05, (1.0, -1.0, 0.0))
    wire.w.x.array[wire._phi_dofs] = 0.0
    ok, its, res = wire.solve()
    rates = res[1:] / res[:-1]
    assert ok and np.all(np.diff(rates) < 0), res
    del film
    gc.collect()
    assert not [k for k in PETSc.Options().getAll() if k.startswith(prefix)]


def test_options_read_at_the_solvers_set_up_are_used():
    """PETSc reads a block Jacobi's sub-solvers and a multigrid's levels when the solver is set up (the
    first Newton step), not at setFromOptions; they were removed from the database before that, and a
    user's choice was ignored without a word (ILU and Chebyshev/Jacobi instead of these)."""
    split = {"pc_type": "fieldsplit", "fieldsplit_psi_sub_pc_type": "lu", "fieldsplit_phi_mg_levels_pc_type": "sor"}
    film = FilmProblem(film_config(geometry={"width": 0.2, "mesh_size": 0.1}, petsc=split), MPI.COMM_SELF)
    wire = WireProblem(
        make_config(petsc={"ksp_type": "gmres", "pc_type": "bjacobi", "sub_pc_type": "lu"}), MPI.COMM_SELF
    )
    for problem in (film, wire):
        problem.set_step(0.01, (101.0, -100.0, 0.0))
        assert problem.solve()[0]
    psi, phi = film.snes.getKSP().getPC().getFieldSplitSubKSP()
    assert [k.getPC().getType() for k in psi.getPC().getBJacobiSubKSP()] == ["lu"]
    mg = phi.getPC()
    assert mg.getType() == "gamg" and mg.getMGSmoother(1).getPC().getType() == "sor"
    assert [k.getPC().getType() for k in wire.snes.getKSP().getPC().getBJacobiSubKSP()] == ["lu"]


def test_several_ranks_solve_a_film_with_mumps_and_a_wire_by_domain_decomposition():
    """A film's cut has O(sqrt N) dofs, too many for the wire's exact decomposition (359 against 47 ms per
    Newton iteration on 2 ranks, benchmarks/bench_film_scaling.py); a wire's cut has a few."""
    from types import SimpleNamespace

    from psc_fem.solver.petsc_options import petsc_options

    two = SimpleNamespace(size=2)
    film = petsc_options({}, two, dim=2)
    assert film["pc_type"] == "lu" and film["pc_factor_mat_solver_type"] == "mumps"
    wire = petsc_options({}, two, dim=1)
    assert wire["pc_type"] == "python" and wire["pc_python_type"].endswith("WoodburyPC")
    assert petsc_options({"pc_factor_mat_solver_type": "superlu_dist"}, two, dim=2)["pc_type"] == "lu"


def test_films_from_1e4_unknowns_take_the_field_split_on_any_rank_count_wires_never():
    from types import SimpleNamespace

    from psc_fem.solver.petsc_options import ITERATIVE_FROM, petsc_options

    for ranks in (1, 2):
        comm = SimpleNamespace(size=ranks)
        big = petsc_options({}, comm, dim=2, unknowns=ITERATIVE_FROM)
        assert big["pc_type"] == "fieldsplit" and big["fieldsplit_phi_pc_type"] == "gamg"
        assert "pc_factor_mat_solver_type" not in big and big["snes_lag_jacobian"] == 3
        assert petsc_options({}, comm, dim=2, unknowns=ITERATIVE_FROM - 1)["pc_type"] == "lu"
        assert petsc_options({}, comm, dim=1, unknowns=10**6)["pc_type"] != "fieldsplit"
        for chosen in ({"pc_type": "lu"}, {"ksp_type": "preonly"}, {"pc_factor_mat_solver_type": "mumps"}):
            assert petsc_options(chosen, comm, dim=2, unknowns=10**6)["pc_type"] != "fieldsplit"


def test_3d_films_take_the_split_from_fewer_unknowns_with_a_multigrid_psi_block():
    """In 3D the LU's fill grows faster: the split was 1.3x faster already at 2.3e3 unknowns (docs/films.md)."""
    from types import SimpleNamespace

    from psc_fem.solver.petsc_options import ITERATIVE_FROM_3D, petsc_options

    comm = SimpleNamespace(size=1)
    box = petsc_options({}, comm, dim=3, unknowns=ITERATIVE_FROM_3D)
    assert box["pc_type"] == "fieldsplit" and box["fieldsplit_psi_pc_type"] == "gamg"
    assert box["fieldsplit_psi_mg_levels_pc_type"] == "sor" and "fieldsplit_psi_sub_pc_type" not in box
    assert petsc_options({}, comm, dim=3, unknowns=ITERATIVE_FROM_3D - 1)["pc_type"] == "lu"
    assert petsc_options({}, comm, dim=2, unknowns=ITERATIVE_FROM_3D)["pc_type"] == "lu"
    assert (
        petsc_options({"fieldsplit_psi_pc_type": "bjacobi"}, comm, dim=3, unknowns=10**5)["fieldsplit_psi_pc_type"]
        == "bjacobi"
    )


def test_a_flag_written_true_reaches_petsc_as_a_flag(tmp_path):
    """`ksp_converged_reason = true` in [petsc]: PETSc's viewers take no value and refused "true" (the run
    died in SNESSetFromOptions); the option goes in as a flag and the run prints the reasons."""
    import subprocess
    import sys
    from pathlib import Path

    from psc_fem.petsc_policy import check
    from psc_fem.solver.petsc_options import petsc_options

    assert petsc_options({"ksp_converged_reason": True}, MPI.COMM_SELF)["ksp_converged_reason"] == ""
    assert check({"ksp_converged_reason": "ascii:/tmp/x"})  # a viewer: files refused
    fig1 = Path(__file__).resolve().parents[2] / "examples" / "fig1.toml"
    cmd = [sys.executable, "-m", "psc_fem.cli", "run", str(fig1), "--out", str(tmp_path), "--overwrite"]
    cmd += ["--set", "time.t_end=0.01"]
    cmd += ["--set", "petsc.ksp_converged_reason=true", "--set", "output.fields=false", "--quiet"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "solve converged due to" in out.stdout + out.stderr
