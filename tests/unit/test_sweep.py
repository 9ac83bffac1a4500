"""I-V sweeps without a run (issue 3): parsing and bad input, the PSC counter and the state
labels on synthetic data, the batch schedule.

Real sweeps and hysteresis: tests/system/test_sweep_runs.py.
"""

from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from psc_fem.analysis.psc_count import iv_point, psc_cores, relaxed, slip_events
from psc_fem.cli import main as cli_main
from psc_fem.cli.sweep import parse_currents
from psc_fem.errors import UsageError
from psc_fem.studies import batch

ROOT = Path(__file__).resolve().parents[2]
GAPLESS = ROOT / "examples" / "fig1_gapless.toml"


# ---- parsing and bad input -------------------------------------------------------
def test_parse_currents():
    assert parse_currents("0.9:1.1:0.05") == pytest.approx([0.9, 0.95, 1.0, 1.05, 1.1])
    assert parse_currents("1.1:0.9:-0.1") == pytest.approx([1.1, 1.0, 0.9])
    assert parse_currents("0.5:0.5:0.1") == [0.5]
    assert parse_currents("0:1:0.3") == pytest.approx([0.0, 0.3, 0.6, 0.9])  # STOP off the grid: not included


def test_parse_current_lists():
    assert parse_currents("1.1,1.2,1.35") == [1.1, 1.2, 1.35]
    assert parse_currents("1.35,1.1") == [1.35, 1.1]  # taken in its order (a continuation follows it)
    assert parse_currents("0.7") == [0.7]


@pytest.mark.parametrize("text", ["1,x", "1,,2", "1,1", "1,inf", "1,200"])
def test_parse_current_lists_rejects(text):
    with pytest.raises(UsageError, match="--currents"):
        parse_currents(text)


@pytest.mark.parametrize(
    "length, size, expected",
    [
        (1.1, 2, 1),  # the Fig. 1 wire: 69 unknowns, one run per rank
        (10.0, 2, 1),  # 603 unknowns
        (800.0, 2, 2),  # 48003 unknowns: split (1.6x on 2 ranks, docs/cluster.md)
        (800.0, 8, 8),  # 6000 per rank
        (200.0, 8, 4),  # 12003 unknowns: 4 ranks keep >= 2000 each, 8 would not
        (200.0, 6, 6),  # 2000.5 per rank
        (200.0, 7, 1),  # k must divide 7, and 7 ranks would keep 1715 unknowns each
    ],
)
def test_ranks_per_run_auto(length, size, expected):
    from psc_fem.cli.common import ranks_per_run
    from psc_fem.config import validate

    cfg = validate(
        {
            "wire": {"length": length, "h": 0.05},
            "model": {"delta": 0.0, "eta": 0.1},
            "drive": {"current": 1.0},
            "time": {"t_end": 1.0},
        }
    )
    assert ranks_per_run("auto", cfg, size) == expected
    assert ranks_per_run(None, cfg, size) == expected
    from psc_fem.studies.batch import auto_ranks_per_run

    assert auto_ranks_per_run(cfg, size) == expected  # run_sweep's default, the same rule
    assert ranks_per_run("3", cfg, size) == 3  # a number is taken as given (checked against the ranks later)
    with pytest.raises(UsageError, match="--ranks-per-run expects a number or auto"):
        ranks_per_run("many", cfg, size)


@pytest.mark.parametrize("text", ["1:2", "a:b:c", "0:1:0", "1:0:0.1", "0:1e9:1e-9", "0:nan:0.1", "0:200:50"])
def test_parse_currents_rejects(text):
    with pytest.raises(UsageError):
        parse_currents(text)


@pytest.mark.parametrize(
    "extra",
    [
        ["--currents", "1:2"],
        ["--currents", "0.9:1.1:0.1", "--down", "--mode", "independent"],
        ["--currents", "0.9:1.1:0.1", "--ranks-per-run", "3"],
        ["--currents", "0.9:1.1:0.1", "--periods", "1"],
        ["--currents", "0.9:1.1:0.1", "--set", "wire.lenght=3"],
        ["--currents", "0.9:1.1:0.1", "--set", "drive.ramp_to=2", "--set", "drive.ramp_time=5"],
    ],
)
def test_sweep_bad_input_exits_2_and_writes_nothing(tmp_path, extra, capsys):
    out = tmp_path / "out"
    assert cli_main(["sweep", str(GAPLESS), "--out", str(out), *extra]) == 2
    assert not out.exists()
    assert "psc-fem: error:" in capsys.readouterr().err


# ---- PSC counter and state labels on synthetic data --------------------------------
def _synthetic_frames(cores, L=40.0, period=5.0, t_end=60.0):
    """|Psi(x,t)| with cores that dip to zero once per period (at the same time)."""
    x = np.linspace(-L / 2, L / 2, 801)
    t = np.arange(0.0, t_end, 0.25)
    phase = (t % period) / period
    depth = np.abs(np.sin(np.pi * phase))  # 0 at each slip
    a = np.ones((t.size, x.size)) * 0.9
    for xc in cores:
        well = np.exp(-((x - xc) ** 2) / 4.0)
        a = a * (1 - well[None, :] * (1 - depth[:, None]))
    return {"x": x, "t": t, "abs_psi": a}


@pytest.mark.parametrize("cores", [[0.0], [-8.0, 8.0], [-12.0, 0.0, 12.0]])
def test_psc_cores_finds_every_core(cores):
    f = _synthetic_frames(cores)
    found = psc_cores(f["x"], f["t"], f["abs_psi"])
    assert [round(p, 1) for p, _ in found] == cores


def test_psc_cores_ignores_shallow_dips():
    f = _synthetic_frames([0.0])
    shallow = 1 - 0.3 * (1 - f["abs_psi"])  # never below 0.7: no slip, no core
    assert psc_cores(f["x"], f["t"], shallow) == []


def _periodic_series(period=5.0, t_end=80.0, slips_per_period=1):
    t = np.linspace(0, t_end, 16001)
    phase = (t % period) / period
    psi_min = np.abs(np.sin(np.pi * phase)) * 0.8
    V = 2 * np.pi * slips_per_period / period * (1 + 0.3 * np.cos(2 * np.pi * phase))
    return {"t": t, "V": V, "psi_min": psi_min}


def test_iv_point_one_psc_and_josephson_ratio():
    s = _periodic_series()
    f = _synthetic_frames([0.0], period=5.0, t_end=80.0)
    p = iv_point(s, f, skip=1)
    assert p["state"] == "one PSC" and p["n_psc"] == 1
    assert p["period"] == pytest.approx(5.0, rel=1e-4)
    assert p["josephson_ratio"] == pytest.approx(1.0, abs=1e-3) and p["slips_per_period"] == 1


def test_iv_point_two_cores_slipping_together():
    s = _periodic_series(slips_per_period=2)
    f = _synthetic_frames([-8.0, 8.0], period=5.0, t_end=80.0)
    p = iv_point(s, f, skip=1)
    assert p["state"] == "several PSCs" and p["n_psc"] == 2
    assert p["psc_positions"] == pytest.approx([-8.0, 8.0], abs=0.1)
    assert p["slips_per_period"] == 2 and p["josephson_ratio"] == pytest.approx(1.0, abs=1e-3)


def test_iv_point_superconducting_and_normal():
    t = np.linspace(0, 300, 3001)
    relaxing = {"t": t, "V": 0.1 * np.exp(-t / 20), "psi_min": 0.8 - 0.1 * np.exp(-t / 20)}
    assert iv_point(relaxing)["state"] == "superconducting"
    normal = {"t": t, "V": 4.0 + 0 * t, "psi_min": np.where(t < 50, 0.8, 1e-6)}
    p = iv_point(normal)
    assert p["state"] == "normal domain" and p["V_mean"] == pytest.approx(4.0)


def test_relaxed_tells_decay_from_ghost():
    """Exponential relaxation (below J0) passes; the ghost of the lost state (above J0) does not."""
    t = np.linspace(0, 400, 4001)
    assert relaxed(t, 1e-2 * np.exp(-t / 40))  # below 1e-6 at the end
    assert relaxed(t, 1e-2 * np.exp(-t / 50))  # |V| ~ 8e-6 at the end, but decaying exponentially
    ghost = 1e-2 / (1 + (t / 10) ** 2) + 1e-5  # algebraic approach, then a plateau ~ j - J0
    assert not relaxed(t, ghost)
    assert not relaxed(t[t < 150], ghost[t < 150])  # even before the plateau: algebraic is too slow


def test_slip_events_need_deep_dips():
    t = np.linspace(0, 100, 10001)
    wiggle = 0.8 + 0.05 * np.sin(t)  # a breathing stationary-like state: no slips
    assert slip_events(t, wiggle).size == 0
    slips = 0.8 * np.abs(np.sin(np.pi * t / 10))
    assert slip_events(t, slips).size == 9  # 10, 20, ..., 90


def test_progress_reports_done_total_and_eta():
    import io

    log = io.StringIO()  # not a terminal (a batch log): a line per finished run unless lines=False
    off = batch.Progress(2, enabled=True, stream=log, lines=False)
    off.update({})
    assert log.getvalue() == ""
    p = batch.Progress(2, enabled=True, stream=log, describe=lambda r: f"j={r['j']}")
    p.update({"j": 1.0})
    p.update({"j": 1.1})
    lines = log.getvalue().splitlines()
    assert lines[0].startswith("[1/2] j=1.0") and "ETA" in lines[0]
    assert lines[1].startswith("[2/2] j=1.1") and "ETA 0 s" in lines[1]
    silent = io.StringIO()
    batch.Progress(2, enabled=True, quiet=True, stream=silent, lines=True).update({})
    assert silent.getvalue() == ""


def test_unperiodic_mean_voltage_is_a_time_average():
    """Adaptive steps crowd at a slip, where V peaks: V_mean must weight by time, not by sample.

    One slip at tau = 80.5 (too few for a period), V = 10 for one time unit
    around it and 0 elsewhere: the mean over the last half [50, 100] is 10/50.
    """
    t = np.concatenate([np.linspace(0, 79.9, 9), np.linspace(80, 81, 201), np.linspace(81.1, 100, 5)])
    V = np.where((t >= 80) & (t <= 81), 10.0, 0.0)
    psi_min = np.where(np.abs(t - 80.5) < 0.2, 0.0, 1.0)
    point = iv_point({"t": t, "V": V, "psi_min": psi_min})
    assert point["state"] == "not periodic" and point["n_slips"] == 1
    # trapezoid over the samples: the 0.1-wide ramps at each edge count half
    assert point["V_mean"] == pytest.approx(10 * (1.0 + 0.1) / 50, rel=1e-12)


def test_lpt_assignment_balances():
    costs = [5, 1, 1, 1, 1, 1, 4]
    lists = batch.lpt_assign(costs, 2)
    loads = [sum(costs[i] for i in lst) for lst in lists]
    assert sorted(i for lst in lists for i in lst) == list(range(7))
    assert max(loads) - min(loads) <= 1


def test_split_requires_divisor():
    with pytest.raises(ValueError):
        batch.split(MPI.COMM_SELF, 2)
