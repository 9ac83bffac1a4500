"""I-V sweeps in real runs: the CLI, the physics of the I-V curve and hysteresis (issue 3).

Runs are kept short (t_end <= 400, frames every 0.5 tau); each run stops
as soon as its state is decided (psc_fem.studies.sweep.Decider).  The parsing,
the PSC counter on synthetic data and the batch schedule: tests/unit/test_sweep.py.
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from helpers.configs import make_config
from mpi4py import MPI

from psc_fem.studies.sweep import run_sweep
from psc_fem.studies.tables import COLUMNS, read_csv

ROOT = Path(__file__).resolve().parents[2]
GAPLESS = ROOT / "examples" / "fig1_gapless.toml"


def psc_fem(*args):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "psc_fem.cli", *map(str, args)], capture_output=True, text=True, env=env
    )


# ---- real runs ------------------------------------------------------------------------
# the sweep of iv_dir (its --resume in test_resume_keeps_completed_runs repeats it exactly)
IV_SWEEP = ("sweep", GAPLESS, "--currents", "0.95:1.15:0.1", "--periods", "4")
IV_SWEEP += ("--set", "time.t_end=400", "--set", "output.every=0.5")


@pytest.fixture(scope="module")
def iv_dir(tmp_path_factory):
    """psc-fem sweep on the Fig. 1 gapless wire: one current below J0 = 0.980, two above."""
    out = tmp_path_factory.mktemp("sweep") / "iv"
    res = psc_fem(*IV_SWEEP, "--out", out)
    assert res.returncode == 0, res.stderr
    return out, res.stdout


def test_sweep_writes_table_plot_and_run_directories(iv_dir):
    out, stdout = iv_dir
    for name in ("iv.csv", "iv.h5", "iv.png", "sweep.json"):
        assert (out / name).is_file(), name
    rows = read_csv(out / "iv.csv")
    assert [r["current"] for r in rows] == pytest.approx([0.95, 1.05, 1.15])
    assert {"branch", "current", "V_mean", "period", "n_psc", "state", "josephson_ratio"} <= set(rows[0])
    with h5py.File(out / "iv.h5") as f:
        assert set(COLUMNS) <= set(f["iv"])
        np.testing.assert_allclose(f["iv/current"][:], [0.95, 1.05, 1.15])
        assert f.attrs["wire.length"] == 1.1
    for r in rows:  # each point is a full run directory, openable in ParaView
        d = Path(r["run_dir"])
        assert d.name == f"up_j={r['current']:.4f}"
        assert (d / "fields.xdmf").is_file() and (d / "series.h5").is_file()
        assert json.loads((d / "run.json").read_text())["parameters"]["drive"]["current"] == r["current"]
    assert "iv.csv" in stdout


def test_plot_redraws_the_iv_curve(iv_dir, tmp_path):
    """`psc-fem plot SWEEP_DIR --pdf` redraws iv.png and writes iv.pdf from iv.csv."""
    import shutil

    from psc_fem import cli

    d = tmp_path / "iv"
    shutil.copytree(iv_dir[0], d, ignore=shutil.ignore_patterns("runs"))
    (d / "iv.png").unlink()
    assert cli.main(["plot", str(d), "--pdf"]) == 0
    assert (d / "iv.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (d / "iv.pdf").read_bytes()[:5] == b"%PDF-"


def test_sweep_physics(iv_dir):
    """Below J0 superconducting (V = 0); above, one PSC at x = 0 obeying period * V = 2 pi, V growing with j."""
    rows = read_csv(iv_dir[0] / "iv.csv")
    below, *above = rows
    assert below["state"] == "superconducting" and below["V_mean"] == 0.0 and below["n_psc"] == 0
    for r in above:
        assert r["state"] == "one PSC" and r["n_psc"] == 1
        assert r["psc_positions"] == pytest.approx([0.0], abs=0.06)
        assert r["josephson_ratio"] == pytest.approx(1.0, abs=2e-3)
        assert r["period"] * r["V_mean"] == pytest.approx(2 * math.pi, rel=2e-3)
    assert above[0]["V_mean"] < above[1]["V_mean"]
    assert above[0]["period"] > above[1]["period"]  # the period diverges towards J0


def test_decider_stops_runs_early(iv_dir):
    rows = read_csv(iv_dir[0] / "iv.csv")
    assert rows[0]["stopped"] == "stationary" and rows[0]["t_run"] < 400
    assert all(r["stopped"] == "periodic" and r["n_periods"] == 4 for r in rows[1:])


# Hysteresis on a small case: L = 5 xi, gapless.  J0 = 0.4259 (GL stationary
# branch between rigid banks, tests/system/test_critical.py), retrapping current
# 0.370 < j_r < 0.375 (docs/sweeps.md).
J0_L5 = 0.4259


def test_continuation_exposes_hysteresis(tmp_path):
    cfg = make_config(
        wire={"length": 5.0, "h": 0.2}, model={"delta": 0.0}, time={"t_end": 400.0}, output={"every": 0.5}
    )
    rows = run_sweep(
        cfg,
        [0.36, 0.40, 0.44],
        tmp_path,
        mode="continuation",
        down=True,
        world=MPI.COMM_SELF,
        periods=4,
        progress=False,
    )
    states = {(r["branch"], r["current"]): r for r in rows}
    assert [(r["branch"], r["current"]) for r in rows] == [
        ("up", 0.36),
        ("up", 0.40),
        ("up", 0.44),
        ("down", 0.40),
        ("down", 0.36),
    ]
    # up: stationary until J0 is passed
    assert states["up", 0.40]["state"] == "superconducting"
    assert states["up", 0.44]["state"] == "one PSC"
    # down: still slipping at j = 0.40 < J0 (hysteresis), with AC Josephson ...
    down = states["down", 0.40]
    assert 0.40 < J0_L5 and down["state"] == "one PSC" and down["V_mean"] > 0.3
    assert down["josephson_ratio"] == pytest.approx(1.0, abs=3e-3)
    # ... and retrapped at j = 0.36: the slipping branch ends at a retrapping current in (0.36, 0.40)
    assert states["down", 0.36]["state"] == "superconducting"


def test_second_psc_appears_at_higher_current(tmp_path):
    """L = 20 xi, gapless, u = 0.3: one PSC at x = 0 just above J0 (0.386), two at higher current.

    With a small u the modulus of Psi relaxes faster than the phase
    (Michotte et al. 2004) and PSCs nucleate at separate places
    (Baranov, Balanov & Kabanov 2013); with the paper's u = 5.79 a wire
    this long turns into a normal domain above J0 (docs/sweeps.md).
    """
    cfg = make_config(
        wire={"length": 20.0, "h": 0.2}, model={"delta": 0.0, "u": 0.3}, time={"t_end": 300.0}, output={"every": 0.25}
    )
    one, two = run_sweep(cfg, [0.39, 0.42], tmp_path, world=MPI.COMM_SELF, periods=4, progress=False)
    assert one["state"] == "one PSC" and one["n_psc"] == 1
    assert one["psc_positions"] == pytest.approx([0.0], abs=0.25)
    assert one["josephson_ratio"] == pytest.approx(1.0, abs=2e-3)
    assert two["state"] == "several PSCs" and two["n_psc"] == 2
    left, right = two["psc_positions"]
    assert left == pytest.approx(-right, abs=0.25) and 2.0 < right < 6.0  # a mirror pair, off the centre
    # the pair slips together: two 2 pi slips per period, AC Josephson per slip
    assert two["slips_per_period"] == 2 and two["josephson_ratio"] == pytest.approx(1.0, abs=2e-3)
    assert two["V_mean"] > 3 * one["V_mean"]


def test_resume_keeps_completed_runs(iv_dir):
    """--resume on the same directory: nothing is run again, the table is the same."""
    out, _ = iv_dir
    before = read_csv(out / "iv.csv")
    res = psc_fem(*IV_SWEEP, "--out", out, "--resume", "--quiet")
    assert res.returncode == 0, res.stderr
    after = read_csv(out / "iv.csv")
    assert all(r["wall_time"] < 2.0 for r in after)  # classified from the files, not simulated
    for a, b in zip(before, after):
        for c in ("state", "V_mean", "period", "n_psc", "josephson_ratio", "steps", "t_run"):
            assert a[c] == b[c] or (a[c] != a[c] and b[c] != b[c]), c


def test_a_reused_problem_gives_the_same_run_bit_for_bit(tmp_path):
    """psc_fem.solver.reuse: the second run of the same wire takes the first's compiled problem, reset,
    and gives every series value and frame a fresh problem gives; another wire builds its own."""
    from psc_fem.solver.reuse import ProblemCache
    from psc_fem.solver.simulation import simulate

    cfg = make_config(time={"t_end": 15.0}, output={"fields": True, "every": 0.5})
    cache = ProblemCache()

    def sim(path, current, use_cache, **sections):
        c = cfg.replace(drive={"current": current}, **sections)
        return simulate(
            c, tmp_path / path, comm=MPI.COMM_SELF, progress=False, echo=False, cache=cache if use_cache else None
        )

    sim("first", 1.2, True)
    kept = cache.problem
    reused = sim("reused", 1.5, True)
    assert cache.reused == 1 and cache.problem is kept
    fresh = sim("fresh", 1.5, False)
    for k in fresh.series:
        np.testing.assert_array_equal(reused.series[k], fresh.series[k], err_msg=k)
    for k in fresh.frames:
        np.testing.assert_array_equal(reused.frames[k], fresh.frames[k], err_msg=k)
    sim("other", 1.5, True, wire={"length": 1.2})
    assert cache.reused == 1 and cache.problem is not kept
    sim("ramp", 1.5, True, wire={"length": 1.2}, time={"t_end": 5.0, "scheme": "bdf2"})
    assert cache.reused == 2


def test_run_sweep_defaults_to_the_commands_auto_ranks(tmp_path, monkeypatch):
    """Python's run_sweep, like `psc-fem sweep`, splits a run over ranks only where it pays off
    (continuation included: before, it put every rank on one run of any wire)."""
    from psc_fem.studies import batch

    asked = []
    rule = batch.auto_ranks_per_run
    monkeypatch.setattr(batch, "auto_ranks_per_run", lambda config, size: asked.append(size) or rule(config, size))
    cfg = make_config(time={"t_end": 2.0})
    rows = run_sweep(cfg, [1.2], tmp_path / "iv", mode="continuation", progress=False, world=MPI.COMM_SELF)
    assert asked == [1] and len(rows) == 1


def test_parallel_branches_need_down_and_two_groups(tmp_path):
    """--branches parallel on one group (or without --down) is refused before anything runs."""
    from psc_fem.errors import UsageError

    cfg = make_config(time={"t_end": 2.0})
    for down in (True, False):
        with pytest.raises(UsageError, match="needs --down and at least two groups"):
            run_sweep(cfg, [1.2], tmp_path / "iv", mode="continuation", down=down, branches="parallel",
                      world=MPI.COMM_SELF)  # fmt: skip
    assert not (tmp_path / "iv").exists()


def test_cli_parallel_branches_on_one_rank_exit_2(tmp_path):
    done = psc_fem(
        "sweep", GAPLESS, "--currents", "1.0,1.1", "--down", "--branches", "parallel", "--out", tmp_path / "s"
    )
    assert done.returncode == 2 and "at least two groups" in done.stderr
    assert not (tmp_path / "s").exists()
