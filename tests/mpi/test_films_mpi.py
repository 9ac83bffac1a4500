"""A film under mpirun -n 2 equals the same film on one rank (docs/films.md).

Both ranks own part of the strip, its terminals' bank rows and (one of them)
the gauge vertex and each probe; the series must agree to solver tolerance
with the same adaptive steps, and the fields file written by both ranks
(DOLFINx's XDMF, no gather) must hold the serial run's frames.
"""

import h5py
import numpy as np
import pytest
from helpers.films import constriction_config, film_config
from mpi4py import MPI

from psc_fem.solver.simulation import simulate

pytestmark = pytest.mark.mpi


@pytest.mark.parametrize(
    "ends, B, degree", [("banks", 0.0, 1), ("normal", 0.0, 1), ("normal", 0.4, 1), ("normal", 0.4, 2)]
)
def test_a_film_on_two_ranks_matches_one(tmp_path, ends, B, degree):
    comm = MPI.COMM_WORLD
    mesh = {"mesh_size": 0.1 * degree, "degree": degree}  # P2: the probes' cells' six dofs, frames at vertices
    cfg = film_config(
        geometry={"length": 4.0, "width": 0.4 if B == 0.0 else 1.6, "ends": ends, **mesh},
        field={"B": B},
        drive={"current": 0.8 if ends == "banks" else 0.5},
        time={"t_end": 30.0, "until": "t_end"},
        output={"every": 1.0, "probes": None},
    )
    par_dir = comm.bcast(str(tmp_path), root=0) + "/parallel"
    par = simulate(cfg, par_dir, comm=comm, progress=False, echo=False)
    ser = simulate(cfg, tmp_path / f"serial{comm.rank}", comm=MPI.COMM_SELF, progress=False, echo=False)
    assert par.run["steps"] == ser.run["steps"]
    assert np.ptp(ser.series["V"]) > 1e-3  # the run does something: V changes
    for key in ("V", "psi_center", "psi_min", "theta_plus"):
        scale = max(1.0, np.max(np.abs(ser.series[key])))
        assert np.max(np.abs(par.series[key] - ser.series[key])) < 1e-8 * scale, key
    if comm.rank == 0:
        with h5py.File(f"{par_dir}/fields.h5") as fp, h5py.File(tmp_path / "serial0/fields.h5") as fs:
            xp, xs = fp["Mesh/mesh/geometry"][:], fs["Mesh/mesh/geometry"][:]
            op, os_ = np.lexsort(xp.T[::-1]), np.lexsort(xs.T[::-1])
            np.testing.assert_allclose(xp[op], xs[os_], atol=1e-14)
            last = str(len(fs["Function/phi"]) - 1)
            for key in ("abs_psi", "phi"):
                a, b = fp[f"Function/{key}/{last}"][:, 0][op], fs[f"Function/{key}/{last}"][:, 0][os_]
                np.testing.assert_allclose(a, b, atol=1e-8, err_msg=key)


def test_a_gmsh_film_on_two_ranks_matches_one(tmp_path):
    """A constriction with a hole, meshed by gmsh on rank 0 and distributed, in a field: as on one rank."""
    from psc_fem.film.config import validate_film
    from psc_fem.meshes import shapes

    comm = MPI.COMM_WORLD
    vertices, _ = shapes.constriction(6.0, 2.0, 0.8, 1.0)
    cfg = validate_film(
        {
            "geometry": {
                "kind": "polygon",
                "vertices": vertices,
                "holes": [[[-1.8, -0.3], [-1.2, -0.3], [-1.2, 0.3], [-1.8, 0.3]]],
                "mesh_size": 0.2,
                "refine": [{"center": [0.0, 0.0], "radius": 0.8, "mesh_size": 0.1}],
            },
            "field": {"B": 0.3},
            "model": {"delta": 10 / 3, "eta": 0.1},
            "drive": {"current": 0.25},
            "time": {"t_end": 30.0, "until": "t_end"},
            "output": {"every": 1.0},
        }
    )
    par = simulate(cfg, comm.bcast(str(tmp_path), root=0) + "/parallel", comm=comm, progress=False, echo=False)
    ser = simulate(cfg, tmp_path / f"serial{comm.rank}", comm=MPI.COMM_SELF, progress=False, echo=False)
    assert par.run["steps"] == ser.run["steps"]
    assert np.ptp(ser.series["V"]) > 1e-3
    for key in ("V", "psi_center", "psi_min"):
        scale = max(1.0, np.max(np.abs(ser.series[key])))
        assert np.max(np.abs(par.series[key] - ser.series[key])) < 1e-8 * scale, key


def test_a_serial_films_checkpoint_resumes_on_two_ranks(tmp_path):
    """The checkpoint keys the state by (x, y): written on one rank, continued on two, as on one."""
    import shutil

    comm = MPI.COMM_WORLD
    base = comm.bcast(str(tmp_path), root=0)
    cfg = film_config(
        geometry={"length": 4.0, "width": 1.6, "mesh_size": 0.1, "ends": "normal"},
        field={"B": 0.4},
        drive={"current": 0.5},
        time={"t_end": 12.0, "until": "t_end"},
        output={"every": 1.0, "probes": None},
    )
    longer = cfg.model_copy(update={"time": cfg.time.model_copy(update={"t_end": 24.0})})
    if comm.rank == 0:
        simulate(cfg, f"{base}/par", comm=MPI.COMM_SELF, progress=False, echo=False)
        shutil.copytree(f"{base}/par", f"{base}/ser")
    comm.Barrier()
    par = simulate(longer, f"{base}/par", comm=comm, progress=False, echo=False, resume=True)
    ser = None
    if comm.rank == 0:
        ser = simulate(longer, f"{base}/ser", comm=MPI.COMM_SELF, progress=False, echo=False, resume=True).series
    ser = comm.bcast(ser, root=0)
    assert par.series["t"][-1] == pytest.approx(24.0) and par.series["t"].size == ser["t"].size
    for key in ("V", "psi_min"):
        np.testing.assert_allclose(par.series[key], ser[key], rtol=1e-8, atol=1e-10, err_msg=key)


@pytest.mark.parametrize("split", [False, True])
def test_a_3d_box_on_two_ranks_matches_one(tmp_path, monkeypatch, split):
    """A wire segment of finite cross-section (tetrahedra) in a field, normal terminals: as on one rank; with
    MUMPS (a small film) and with a large 3D film's field split (a multigrid on Psi, GAMG on phi)."""
    from psc_fem.solver import petsc_options

    if split:
        monkeypatch.setattr(petsc_options, "ITERATIVE_FROM_3D", 100)
    comm = MPI.COMM_WORLD
    cfg = film_config(
        geometry={"length": 1.6, "width": 0.8, "thickness": 0.4, "mesh_size": 0.1, "ends": "normal"},
        field={"B": 0.4},
        drive={"current": 0.5},
        time={"t_end": 6.0, "until": "t_end"},
        output={"every": 1.0, "probes": None},
    )
    par = simulate(cfg, comm.bcast(str(tmp_path), root=0) + "/parallel", comm=comm, progress=False, echo=False)
    ser = simulate(cfg, tmp_path / f"serial{comm.rank}", comm=MPI.COMM_SELF, progress=False, echo=False)
    assert par.run["steps"] == ser.run["steps"] and np.ptp(ser.series["V"]) > 1e-3
    if split:  # what these runs were given
        assert petsc_options.petsc_options({}, comm, 3, par.run["dofs"])["fieldsplit_psi_pc_type"] == "gamg"
    for key in ("V", "psi_center", "psi_min"):
        scale = max(1.0, np.max(np.abs(ser.series[key])))
        assert np.max(np.abs(par.series[key] - ser.series[key])) < 1e-8 * scale, key


def test_a_3d_ring_from_gmsh_on_two_ranks_matches_one(tmp_path):
    """A ring extruded by gmsh on rank 0 and distributed (tetrahedra), in an axial field: as on one rank."""
    from psc_fem.film.config import validate_film
    from psc_fem.meshes import shapes

    comm = MPI.COMM_WORLD
    vertices, holes = shapes.ring(2.0, 0.8, 32)
    cfg = validate_film(
        {
            "geometry": {
                "kind": "polygon",
                "vertices": vertices,
                "holes": holes,
                "mesh_size": 0.3,
                "ends": "none",
                "thickness": 0.3,
            },
            "field": {"B": 0.8},
            "model": {"delta": 0.0, "eta": 0.1},
            "drive": {"current": 0.0},
            "time": {"t_end": 4.0},
            "output": {"every": 1.0},
        }
    )
    par = simulate(cfg, comm.bcast(str(tmp_path), root=0) + "/parallel", comm=comm, progress=False, echo=False)
    ser = simulate(cfg, tmp_path / f"serial{comm.rank}", comm=MPI.COMM_SELF, progress=False, echo=False)
    assert par.run["steps"] == ser.run["steps"] and np.ptp(ser.series["psi_min"]) > 0.05
    for key in ("psi_center", "psi_min"):
        assert np.max(np.abs(par.series[key] - ser.series[key])) < 1e-8, key


def test_a_large_film_solved_by_the_field_split_on_two_ranks_matches_one(tmp_path, monkeypatch):
    """From 1e4 unknowns a film is solved by GMRES with a field split (block-Jacobi ILU on Psi, GAMG on phi;
    psc_fem.solver.petsc_options), or by MUMPS while that is cheaper (psc_fem.solver.linear_choice; here
    swapped at every step on two ranks): on two ranks as on one, the same steps and the series to 1e-8."""
    from psc_fem.solver.linear_choice import LU, SPLIT, LinearSolverChoice

    comm = MPI.COMM_WORLD
    cfg = film_config(
        geometry={"length": 8.0, "width": 2.2, "mesh_size": 0.1, "ends": "normal"},
        field={"B": 0.4},
        drive={"current": 0.5},
        time={"t_end": 3.0, "until": "t_end"},
        output={"every": 1.0, "probes": None, "fields": False},
    )
    par_dir = comm.bcast(str(tmp_path), root=0) + "/parallel"
    with monkeypatch.context() as patch:
        other = {SPLIT: LU, LU: SPLIT}
        patch.setattr(LinearSolverChoice, "observe", lambda self, dt, its, ok: self._use(other[self.active]))
        par = simulate(cfg, par_dir, comm=comm, progress=False, echo=False)
    ser = simulate(cfg, tmp_path / f"serial{comm.rank}", comm=MPI.COMM_SELF, progress=False, echo=False)
    assert par.run["dofs"] >= 10_000 and par.run["steps"] == ser.run["steps"]
    assert par.run["linear_solver"]["switches"] >= par.run["steps"]
    for key in ("V", "psi_min", "theta_plus"):
        scale = max(1.0, np.max(np.abs(ser.series[key])))
        assert np.max(np.abs(par.series[key] - ser.series[key])) < 1e-8 * scale, key


def test_a_film_started_from_another_mesh_on_two_ranks_matches_one(tmp_path):
    """--from a coarser run of the same film: each rank interpolates the gathered state onto its own nodes;
    two ranks continue as one does (the same steps, the series to 1e-8)."""
    from psc_fem.io.checkpoint import read_start_state

    comm = MPI.COMM_WORLD
    base = comm.bcast(str(tmp_path), root=0)
    common = dict(drive={"current": 0.8}, output={"every": 1.0, "probes": None})
    coarse = film_config(geometry={"length": 4.0, "width": 0.4, "mesh_size": 0.1}, time={"t_end": 10.0}, **common)
    if comm.rank == 0:
        simulate(coarse, f"{base}/coarse", comm=MPI.COMM_SELF, progress=False, echo=False)
    comm.Barrier()
    fine = film_config(geometry={"length": 4.0, "width": 0.4, "mesh_size": 0.05}, time={"t_end": 5.0}, **common)
    par = simulate(fine, f"{base}/par", comm=comm, progress=False, echo=False,
                   initial_state=read_start_state(f"{base}/coarse", comm))  # fmt: skip
    ser = simulate(fine, tmp_path / f"ser{comm.rank}", comm=MPI.COMM_SELF, progress=False, echo=False,
                   initial_state=read_start_state(f"{base}/coarse", MPI.COMM_SELF))  # fmt: skip
    assert par.run["steps"] == ser.run["steps"]
    for key in ("V", "psi_min", "theta_plus"):
        scale = max(1.0, np.max(np.abs(ser.series[key])))
        assert np.max(np.abs(par.series[key] - ser.series[key])) < 1e-8 * scale, key


def test_a_films_orbit_on_two_ranks_matches_one(tmp_path):
    """until = "orbit" between normal terminals: the probes' phases (on whichever rank owns them), Anderson's
    inner products (summed over ranks) and the search's decisions are the serial run's."""
    comm = MPI.COMM_WORLD
    cfg = constriction_config("orbit")
    par = simulate(cfg, comm.bcast(str(tmp_path), root=0) + "/par", comm=comm, progress=False, echo=False)
    ser = simulate(cfg, tmp_path / f"ser{comm.rank}", comm=MPI.COMM_SELF, progress=False, echo=False)
    a, b = par.run["orbit"], ser.run["orbit"]
    assert a["converged"] and b["converged"] and a["windings"] == b["windings"] and a["steps"] == b["steps"]
    assert a["period"] == pytest.approx(b["period"], rel=1e-9)
    assert par.stats["state"] == ser.stats["state"] == "periodic"
    assert par.stats["mean_V"] == pytest.approx(ser.stats["mean_V"], rel=1e-7)


def test_the_choices_mumps_lu_reads_the_users_mumps_controls(monkeypatch):
    """[petsc] mat_mumps_icntl_* reach the MUMPS LU that the solver choice swaps in on several ranks (its KSP
    had no options prefix, so they were ignored: ICNTL(14), the memory relaxation, stayed MUMPS's own)."""
    from psc_fem.film.problem import FilmProblem
    from psc_fem.solver import petsc_options
    from psc_fem.solver.linear_choice import LU

    assert MPI.COMM_WORLD.size >= 2  # one rank factors with PETSc's own LU
    monkeypatch.setattr(petsc_options, "ITERATIVE_FROM", 100)  # the split, and with it the choice
    problem = FilmProblem(film_config(geometry={"width": 0.2, "mesh_size": 0.1}, petsc={"mat_mumps_icntl_14": 77}))
    problem.linear._use(LU)
    problem.set_step(0.01, (101.0, -100.0, 0.0))
    assert problem.solve()[0]
    assert problem.linear.ksp[LU].getPC().getFactorMatrix().getMumpsIcntl(14) == 77
