"""The orbit search (time.until = "orbit") on 2 ranks finds the orbit 1 rank finds.

The Poincare map is the parallel integrator (exact across ranks, tests/mpi/test_mpi.py);
Anderson's inner products are summed over ranks, so every rank takes the same step.
"""

import numpy as np
import pytest
from helpers.configs import make_config
from mpi4py import MPI

from psc_fem.solver.simulation import simulate

pytestmark = pytest.mark.mpi


def test_orbit_on_two_ranks_matches_one(tmp_path):
    comm = MPI.COMM_WORLD
    cfg = make_config(
        wire={"length": 10.0, "h": 0.1},
        model={"delta": 3.0},
        drive={"current": 0.589035},
        time={"t_end": 500.0, "until": "orbit"},
    )
    shared = comm.bcast(str(tmp_path), root=0)
    par = simulate(cfg, f"{shared}/parallel", comm=comm, progress=False, echo=False)
    ser = simulate(cfg, tmp_path / f"serial{comm.rank}", comm=MPI.COMM_SELF, progress=False, echo=False)
    a, b = par.run["orbit"], ser.run["orbit"]
    assert a["converged"] and b["converged"]
    assert a["windings"] == b["windings"]
    assert a["period"] == pytest.approx(b["period"], rel=1e-9)
    assert par.stats["mean_V"] == pytest.approx(ser.stats["mean_V"], rel=1e-9)
    assert np.isfinite(par.stats["period"])
