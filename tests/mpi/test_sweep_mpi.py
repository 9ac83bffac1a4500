"""Batch sweeps and bisection under mpirun -n 2 equal one rank (make test-mpi).

* ranks-per-run 1: two groups of one rank share the currents (dynamic
  dispatch by world rank 0); every run is the same serial computation as
  on one rank, so the table must agree run by run (to the last digit).
* ranks-per-run 2: one group, each run domain-decomposed over both ranks
  (psc_fem.solver.dd_solver instead of PETSc's serial LU): equal to round-off.
* critical with two groups probes two points per round (multisection)
  and must land where the one-rank bisection lands.
"""

import math

import numpy as np
import pytest
from helpers.configs import make_config
from mpi4py import MPI

from psc_fem.studies import batch
from psc_fem.studies.critical import critical_current
from psc_fem.studies.sweep import run_sweep
from psc_fem.studies.tables import COLUMNS

pytestmark = pytest.mark.mpi

CURRENTS = [0.95, 1.0, 1.05, 1.1]
EXACT = [c for c in COLUMNS if c not in ("wall_time", "run_dir", "group")]


def shared(tmp_path):
    return MPI.COMM_WORLD.bcast(str(tmp_path), root=0)


def _cfg():
    return make_config(model={"delta": 0.0}, time={"t_end": 300.0}, output={"every": 0.5})


def _serial_reference(cfg, base):
    """The same sweep run by one rank (COMM_SELF); the ranks share the currents, rank 0 gathers."""
    world = MPI.COMM_WORLD
    mine = CURRENTS[world.rank :: world.size]
    rows = run_sweep(cfg, mine, f"{base}/serial{world.rank}", world=MPI.COMM_SELF, periods=4, progress=False)
    parts = world.gather(rows, root=0)
    if world.rank != 0:
        return None
    return sorted((r for p in parts for r in p), key=lambda r: r["current"])


@pytest.mark.parametrize("schedule", ["dynamic", "static"])
def test_batch_equals_one_rank_run_by_run(tmp_path, schedule):
    world = MPI.COMM_WORLD
    base = shared(tmp_path)
    cfg = _cfg()
    rows = run_sweep(
        cfg, CURRENTS, f"{base}/batch", world=world, ranks_per_run=1, periods=4, progress=False, schedule=schedule
    )
    ref = _serial_reference(cfg, base)
    if world.rank == 0:
        assert [r["current"] for r in rows] == CURRENTS
        assert {r["group"] for r in rows} == set(range(world.size))  # every group took runs
        assert [r["state"] for r in rows] == ["superconducting", "one PSC", "one PSC", "one PSC"]
        for a, b in zip(rows, ref):
            for c in EXACT:
                va, vb = a[c], b[c]
                if isinstance(va, float) and math.isnan(va):
                    assert math.isnan(vb), (a["current"], c)
                else:
                    assert va == vb, (a["current"], c, va, vb)
    else:
        assert rows is None


def test_domain_decomposed_runs_equal_one_rank(tmp_path):
    world = MPI.COMM_WORLD
    base = shared(tmp_path)
    cfg = _cfg()
    currents = [1.3]  # one short run (period ~ 10): per-step collectives are slow on a busy machine
    rows = run_sweep(cfg, currents, f"{base}/dd", world=world, ranks_per_run=world.size, periods=2, progress=False)
    ref = (
        run_sweep(cfg, currents, f"{base}/one", world=MPI.COMM_SELF, periods=2, progress=False)
        if world.rank == 0
        else None
    )
    world.Barrier()
    if world.rank == 0:
        for a, b in zip(rows, ref):
            assert (
                a["state"] == b["state"] == "one PSC" and a["n_psc"] == b["n_psc"] and a["n_periods"] == b["n_periods"]
            )
            for c in ("V_mean", "period", "josephson_ratio"):
                assert a[c] == pytest.approx(b[c], rel=1e-9), c
            assert a["psc_positions"] == pytest.approx(b["psc_positions"], abs=1e-9)


def test_parallel_branches_run_side_by_side(tmp_path):
    """--branches parallel: the up branch on group 0, the down branch on group 1 from its own state at the
    top current; on the Fig. 1 wire (one periodic state per current) both branches give the same points."""
    world = MPI.COMM_WORLD
    base = shared(tmp_path)
    currents = [1.3, 1.4]
    rows = run_sweep(
        _cfg(), currents, f"{base}/par", mode="continuation", down=True, branches="parallel", world=world,
        ranks_per_run=world.size // 2, periods=2, progress=False,
    )  # fmt: skip
    if world.rank == 0:
        up = {r["current"]: r for r in rows if r["branch"] == "up"}
        down = {r["current"]: r for r in rows if r["branch"] == "down"}
        assert sorted(up) == sorted(down) == currents
        assert {r["group"] for r in up.values()} == {0} and {r["group"] for r in down.values()} == {1}
        for j in currents:
            assert up[j]["state"] == down[j]["state"] == "one PSC"
            assert up[j]["V_mean"] == pytest.approx(down[j]["V_mean"], rel=2e-3)
    else:
        assert rows is None


def test_multisection_matches_bisection(tmp_path):
    """Two groups probe two points per round; the bracket holds the one-rank J0."""
    world = MPI.COMM_WORLD
    base = shared(tmp_path)
    cfg = make_config(model={"delta": 0.0})
    groups = batch.split(world, 1)
    res = critical_current(cfg, f"{base}/multi", tolerance=0.005, bracket=[0.9, 1.1], groups=groups)
    groups.comm.Free()
    lo, hi = res["bracket"]
    assert hi - lo <= 0.005
    assert lo <= 0.9804 + 2e-4 <= hi + 4e-4  # the GL end of the branch (tests/system/test_critical.py)
    # two probes per round after the bracket check: fewer rounds than bisection's six
    rounds = (len(res["probes"]) - 2) / world.size
    assert rounds <= 4
    assert np.isfinite(res["J0"])


def test_long_wire_with_several_pscs_two_ranks_equal_one(tmp_path):
    """A 100 xi wire, domain-decomposed over the ranks, equals the same wire on one rank.

    u = 0.3 (a small |Psi| relaxation time): PSCs nucleate at several
    places (Baranov, Balanov & Kabanov 2013; with the paper's u = 5.79 a
    long wire between rigid banks turns into a normal domain instead,
    docs/sweeps.md).  From Psi = 1 at j = 0.45 the wire first slips at the
    centre and near the banks (tau ~ 8-12), then a train of PSCs spreads
    along it (tau 15-25: a dozen cores).  The irregular many-PSC dynamics
    that follows would amplify round-off differences, so the comparison
    stops at 25 (measured there: 5e-12 in |Psi|).
    """
    import h5py

    from psc_fem.analysis.psc_count import psc_cores, slip_events
    from psc_fem.solver.simulation import simulate

    world = MPI.COMM_WORLD
    base = shared(tmp_path)
    cfg = make_config(
        wire={"length": 100.0, "h": 0.5},
        model={"delta": 0.0, "u": 0.3},
        drive={"current": 0.45},
        time={"t_end": 25.0, "rtol": 1e-3, "atol": 1e-4},
        output={"every": 0.5},
    )
    par = simulate(cfg, f"{base}/par", comm=world, progress=False, echo=False)
    ser = simulate(cfg, f"{base}/ser", comm=MPI.COMM_SELF, progress=False, echo=False) if world.rank == 0 else None
    world.Barrier()
    if world.rank != 0:
        return
    assert par.run["dofs"] == ser.run["dofs"] >= 600
    grid = np.linspace(0.5, 25.0, 500)
    for key in ("V", "psi_min"):
        a, b = np.interp(grid, par.series["t"], par.series[key]), np.interp(grid, ser.series["t"], ser.series[key])
        assert np.max(np.abs(a - b)) < 1e-7 * max(1.0, np.max(np.abs(b))), key
    assert slip_events(ser.series["t"], ser.series["psi_min"]).size >= 4
    with h5py.File(f"{base}/par/series.h5") as fp, h5py.File(f"{base}/ser/series.h5") as fs:
        # the runs differ by round-off (1e-12 measured: parallel vs serial LU, the same steps)
        np.testing.assert_allclose(fp["frames/abs_psi"][:], fs["frames/abs_psi"][:], atol=1e-8)
        x, ft = fs["frames/x"][:], fs["frames/t"][:]
        cores = psc_cores(x, ft, fs["frames/abs_psi"][:], t_from=15.0)
        cores_par = psc_cores(x, ft, fp["frames/abs_psi"][:], t_from=15.0)
    assert len(cores) >= 6  # several PSCs along the wire
    assert [c[0] for c in cores] == [c[0] for c in cores_par]
