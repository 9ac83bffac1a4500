"""Parallel runs agree with serial runs (run by `make test` under mpirun -n 2).

Each rank also runs the same wire alone (COMM_SELF); the 2-rank run must
give the same series and frames to solver tolerance.  The default LU is
PETSc's in serial; in parallel each rank factors its piece the same way and
psc_fem.solver.dd_solver couples the pieces exactly, so runs agree to round-off
(the adaptive steps are the same: same step count asserted).
"""

import h5py
import numpy as np
import pytest
from helpers.configs import make_config
from mpi4py import MPI

from psc_fem.solver.simulation import simulate

pytestmark = pytest.mark.mpi


def shared_dir(tmp_path):
    """One directory for all ranks of COMM_WORLD (rank 0's tmp_path)."""
    return MPI.COMM_WORLD.bcast(str(tmp_path), root=0)


@pytest.mark.parametrize("delta, scheme", [(0.0, "bdf2"), (10 / 3, "bdf2"), (10 / 3, "bdf4"), (10 / 3, "vbdf")])
def test_two_ranks_match_one(tmp_path, delta, scheme):
    comm = MPI.COMM_WORLD
    # a longer wire than Fig. 1 so both ranks own many cells
    cfg = make_config(
        wire={"length": 8.0, "h": 0.1},
        model={"delta": delta},
        drive={"current": 0.6},
        time={"t_end": 25.0, "scheme": scheme},
        output={"fields": True, "every": 0.5},
    )
    par_dir = f"{shared_dir(tmp_path)}/parallel"
    par = simulate(cfg, par_dir, comm=comm, progress=False, echo=False)
    ser = simulate(cfg, tmp_path / f"serial{comm.rank}", comm=MPI.COMM_SELF, progress=False, echo=False)
    assert comm.size >= 1
    assert par.run["steps"] == ser.run["steps"]
    grid = np.linspace(1.0, 25.0, 300)
    for key in ("V", "psi_center", "theta_plus"):
        a = np.interp(grid, par.series["t"], par.series[key])
        b = np.interp(grid, ser.series["t"], ser.series[key])
        assert np.max(np.abs(a - b)) < 1e-9 * max(1.0, np.max(np.abs(b))), key
    if comm.rank == 0:
        with h5py.File(f"{par_dir}/series.h5") as fp, h5py.File(tmp_path / "serial0/series.h5") as fs:
            np.testing.assert_allclose(fp["frames/x"][:], fs["frames/x"][:], atol=1e-14)
            for key in ("abs_psi", "phi", "js", "jn", "jint"):
                np.testing.assert_allclose(
                    fp[f"frames/{key}"][:], fs[f"frames/{key}"][:], atol=1e-9, rtol=1e-9, err_msg=key
                )


def test_wasted_ranks_are_warned_about(tmp_path, capsys):
    """69 unknowns on 2 ranks: slower than 1 rank (docs/cluster.md), and the run says so on rank 0."""
    comm = MPI.COMM_WORLD
    cfg = make_config(time={"t_end": 0.5})
    simulate(cfg, f"{shared_dir(tmp_path)}/fig1", comm=comm, progress=False, echo=True)
    err = capsys.readouterr().err
    if comm.size > 1 and comm.rank == 0:
        assert f"warning: 69 unknowns on {comm.size} ranks" in err
        assert "psc-fem sweep --ranks-per-run 1" in err
    else:
        assert "warning" not in err
