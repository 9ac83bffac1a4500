"""A constricted wire (examples/constriction.toml, shortened) on 2 ranks against 1 rank.

The quadrature-point cross-section S(x) is sampled cell by cell, so it is
the same on every partition; V(t), min |Psi| and the frames agree to
round-off (serial LU against the exact parallel solver, so not bitwise).
The same for normal-metal banks (free ends, phi fixed at x = 0, the comoving frame).
"""

from pathlib import Path

import h5py
import numpy as np
import pytest
from mpi4py import MPI

from psc_fem.config import load_config
from psc_fem.solver.simulation import simulate

pytestmark = pytest.mark.mpi
ROOT = Path(__file__).resolve().parents[2]


def two_ranks_against_one(tmp_path, cfg, t_end, keys, frame_keys):
    """The run on all ranks against a serial run on each rank: series and frames within 1e-9 (the parallel solver is exact: same steps, round-off only)."""
    comm = MPI.COMM_WORLD
    par_dir = Path(comm.bcast(str(tmp_path), root=0)) / "parallel"
    par = simulate(cfg, par_dir, comm=comm, progress=False, echo=False)
    ser = simulate(cfg, tmp_path / f"serial{comm.rank}", comm=MPI.COMM_SELF, progress=False, echo=False)
    grid = np.linspace(1.0, t_end, 300)
    for key in keys:
        a, b = np.interp(grid, par.series["t"], par.series[key]), np.interp(grid, ser.series["t"], ser.series[key])
        assert np.max(np.abs(a - b)) < 1e-9 * max(1.0, np.max(np.abs(b))), key
    if comm.rank == 0:
        with h5py.File(par_dir / "series.h5") as fp, h5py.File(tmp_path / "serial0" / "series.h5") as fs:
            np.testing.assert_allclose(fp["frames/x"][:], fs["frames/x"][:], atol=1e-14)
            for key in frame_keys:
                np.testing.assert_allclose(
                    fp[f"frames/{key}"][:], fs[f"frames/{key}"][:], atol=1e-9, rtol=1e-9, err_msg=key
                )
    return par


def test_constricted_wire_two_ranks_match_one(tmp_path):
    cfg = load_config(
        ROOT / "examples" / "constriction.toml", ["time.t_end=30", "output.fields=false", "output.every=0.5"]
    )
    par = two_ranks_against_one(
        tmp_path, cfg, 30.0, ("V", "psi_min", "theta_plus"), ("abs_psi", "phi", "js", "jn", "jint")
    )
    assert par.series["psi_min"].min() < 0.1  # the run slips (at the constriction, tests/system/test_geometry.py)


def test_normal_banks_two_ranks_match_one(tmp_path):
    """examples/normal_banks.toml (Psi = 0 reservoir ends, phi(0) = 0 on whichever rank owns x = 0) for t_end 40."""
    cfg = load_config(
        ROOT / "examples" / "normal_banks.toml", ["time.t_end=40", "output.fields=false", "output.every=0.5"]
    )
    assert cfg.time.frame == "comoving"  # the default with normal banks: its mu and frames on 2 ranks
    two_ranks_against_one(
        tmp_path,
        cfg,
        40.0,
        ("V", "psi_min", "psi_center", "theta_plus"),
        ("abs_psi", "re_psi", "phi", "js", "jn", "jint"),
    )
