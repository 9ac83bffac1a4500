"""Phonon feedback on 2 ranks agrees with 1 rank (run by `make test` under mpirun -n 2)."""

import numpy as np
import pytest
from helpers.configs import make_config
from mpi4py import MPI

from psc_fem.solver.simulation import simulate

pytestmark = pytest.mark.mpi

PHONONS = {"feedback": True, "tau_es": 1.0, "phonon_electron_rate": 1.0, "pair_breaking": 0.05, "n_omega": 32}


def test_feedback_two_ranks_match_one(tmp_path):
    comm = MPI.COMM_WORLD
    root = comm.bcast(str(tmp_path), root=0)
    # a wire of 61 nodes with 4 phase slips in 20 t0
    cfg = make_config(wire={"length": 3.0, "h": 0.05}, drive={"current": 1.2}, time={"t_end": 20.0}, phonons=PHONONS)
    par = simulate(cfg, f"{root}/parallel", comm=comm, progress=False, echo=False)
    ser = simulate(cfg, tmp_path / f"serial{comm.rank}", comm=MPI.COMM_SELF, progress=False, echo=False)
    assert np.min(ser.series["p_min"]) < -0.1 and ser.stats["n_slips"] >= 3  # the feedback acts on the PSC
    grid = np.linspace(1.0, 20.0, 300)
    for key in ("V", "psi_center", "p_min", "phonon_energy"):
        a = np.interp(grid, par.series["t"], par.series[key])
        b = np.interp(grid, ser.series["t"], ser.series[key])
        assert np.max(np.abs(a - b)) < 1e-9 * max(1.0, np.max(np.abs(b))), key
    # energies summed over the run: the budget is the same whatever the partition
    for key in ("phonon_escape", "phonon_source", "phonon_input"):
        assert np.sum(par.series[key]) == pytest.approx(np.sum(ser.series[key]), rel=1e-9, abs=1e-12), key
