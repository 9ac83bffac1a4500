"""Checkpoints under MPI (run by `make test-mpi`, mpirun -n 2).

* A 2-rank run interrupted (a graceful stop requested on every rank, as a
  forwarded SIGTERM does) and resumed on 2 ranks equals the uninterrupted
  2-rank run bit for bit.
* Checkpoints are keyed by dof coordinates, not by the partition: a 2-rank
  checkpoint resumes on 1 rank and a 1-rank checkpoint on 2 ranks, and both
  agree with the uninterrupted runs to solver tolerance (the LU differs:
  PETSc's in serial, psc_fem.solver.dd_solver in parallel).
"""

import gc
import shutil
import signal

import h5py
import numpy as np
import pytest
from helpers.configs import make_config
from mpi4py import MPI

from psc_fem import signals
from psc_fem.solver.simulation import simulate

pytestmark = pytest.mark.mpi

CFG = make_config(time={"t_end": 20.0}, output={"fields": True, "every": 0.25})
WORLD = MPI.COMM_WORLD


def shared_dir(tmp_path):
    return WORLD.bcast(str(tmp_path), root=0)


def collect():
    """Destroy PETSc objects of finished runs on all ranks at the same point (collective
    destructors) before the ranks do different things."""
    gc.collect()
    WORLD.Barrier()


def run(path, comm, resume=False, stop_at=None):
    """simulate(); with stop_at, interrupted (as by SIGTERM) after the first step past stop_at."""

    def hook(series):
        if series["t"][-1] > stop_at:
            signals.request(signal.SIGTERM)

    try:
        return simulate(CFG, path, comm=comm, progress=False, echo=False, resume=resume, stop=hook if stop_at else None)
    except signals.Interrupted as exc:
        assert stop_at is not None
        return exc


def close(a, b, tol=1e-6):
    grid = np.linspace(1.0, 20.0, 200)
    for key in ("V", "psi_center", "theta_plus"):
        x = np.interp(grid, a.series["t"], a.series[key])
        y = np.interp(grid, b.series["t"], b.series[key])
        assert np.max(np.abs(x - y)) < tol * max(1.0, np.max(np.abs(y))), key


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Uninterrupted 2-rank and 1-rank runs, and interrupted ones of each kind."""
    base = shared_dir(tmp_path_factory.mktemp("ckmpi"))
    out = {"base": base}
    out["ref2"] = run(f"{base}/ref2", WORLD)
    exc = run(f"{base}/cut2", WORLD, stop_at=8.0)
    assert isinstance(exc, signals.Interrupted) and exc.exit_code == 143
    del exc
    collect()
    if WORLD.rank == 0:
        out["ref1"] = run(f"{base}/ref1", MPI.COMM_SELF)
        assert isinstance(run(f"{base}/cut1", MPI.COMM_SELF, stop_at=11.0), signals.Interrupted)
        shutil.copytree(f"{base}/cut2", f"{base}/cut2_on1")
    out["ref1"] = WORLD.bcast(out.get("ref1"), root=0)
    collect()
    return out


def test_resume_on_two_ranks_is_bitwise(runs):
    base = runs["base"]
    res = run(f"{base}/cut2", WORLD, resume=True)
    for k, v in runs["ref2"].series.items():
        np.testing.assert_array_equal(res.series[k], v, err_msg=k)
    if WORLD.rank == 0:
        with h5py.File(f"{base}/cut2/series.h5") as a, h5py.File(f"{base}/ref2/series.h5") as b:
            for k in a["frames"]:
                np.testing.assert_array_equal(a["frames"][k][:], b["frames"][k][:], err_msg=k)
        with h5py.File(f"{base}/cut2/fields.h5") as a, h5py.File(f"{base}/ref2/fields.h5") as b:
            assert len(a["Function/phi"]) == len(b["Function/phi"]) == 81
            np.testing.assert_array_equal(a["Function/phi/80"][:], b["Function/phi/80"][:])


def test_two_rank_checkpoint_resumes_on_one_rank(runs):
    base = runs["base"]
    if WORLD.rank == 0:
        res = run(f"{base}/cut2_on1", MPI.COMM_SELF, resume=True)
        close(res, runs["ref2"])
        with h5py.File(f"{base}/cut2_on1/series.h5") as f:
            assert f["t"][-1] == pytest.approx(20.0) and np.all(np.diff(f["t"][:]) > 0)
    collect()


def test_one_rank_checkpoint_resumes_on_two_ranks(runs):
    base = runs["base"]
    res = run(f"{base}/cut1", WORLD, resume=True)
    close(res, runs["ref1"])
    if WORLD.rank == 0:
        with h5py.File(f"{base}/cut1/series.h5") as f:
            assert np.all(np.diff(f["t"][:]) > 0) and f["frames/t"].shape[0] == 81
