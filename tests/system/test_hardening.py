"""No data lost, no code run from a config (issue 18): symlinks, stray files, signals, paths, resume checks."""

import json
import os
import subprocess
import sys

import pytest
from helpers.configs import ROOT

from psc_fem import signals
from psc_fem.errors import Interrupted, ResumeError
from psc_fem.io.atomic import atomic_h5, remove_stale_tmp, save_figure, write_text
from psc_fem.rundir import RunDirectory

FIG1 = ROOT / "examples" / "fig1.toml"
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def psc_fem_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "psc_fem.cli", *map(str, args)], capture_output=True, text=True, env=ENV, cwd=cwd
    )


def test_only_psc_fems_own_tmp_files_are_removed(tmp_path):
    (tmp_path / "notes.tmp").write_text("mine")
    (tmp_path / "series.h5.tmp").write_text("debris of a killed flush")
    remove_stale_tmp(tmp_path, RunDirectory.OWNED)
    assert (tmp_path / "notes.tmp").read_text() == "mine" and not (tmp_path / "series.h5.tmp").exists()


def test_no_write_through_a_planted_symlink(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    d = tmp_path / "out"
    d.mkdir()
    for name in ("run.json.tmp", "series.h5.tmp", "fig.png", ".fig.tmp.png"):
        (d / name).symlink_to(victim)
    write_text(d / "run.json", "{}")
    with atomic_h5(d / "series.h5", create=True) as f:
        f["x"] = [1.0]
    from matplotlib.figure import Figure

    save_figure(Figure(), d / "fig.png")
    assert victim.read_text() == "precious"
    assert not (d / "fig.png").is_symlink() and (d / "fig.png").stat().st_size > 0


def test_a_symlinked_lock_is_refused_and_its_target_untouched(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "run"
    out.mkdir()
    (out / ".psc_fem.lock").symlink_to(victim)
    from helpers.configs import make_config

    from psc_fem.solver.simulation import simulate

    with pytest.raises(ResumeError, match="symbolic link"):
        simulate(make_config(time={"t_end": 1.0}), out, progress=False, echo=False, resume=True)
    assert victim.read_text() == "precious"
    assert psc_fem_cli("run", FIG1, "--out", out).returncode == 2  # without --resume: not empty
    assert victim.read_text() == "precious"


@pytest.mark.parametrize("config", [FIG1, FIG1.parent / "strip.toml"])  # a wire's and a film's
def test_viewer_and_python_pc_options_exit_2_and_write_nothing(tmp_path, config):
    victim = tmp_path / "victim.txt"
    res = psc_fem_cli("run", config, "--out", tmp_path / "run", "--set", f'petsc.snes_view="ascii:{victim}"')
    assert res.returncode == 2 and "petsc.snes_view" in res.stderr
    res = psc_fem_cli(
        "run",
        config,
        "--out",
        tmp_path / "run",
        "--set",
        'petsc.pc_type="python"',
        "--set",
        'petsc.pc_python_type="os.system"',
    )
    assert res.returncode == 2 and "petsc.pc_python_type" in res.stderr
    assert not victim.exists() and not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["spectrum", "{run}", "--gamma", "1e300"], "--gamma"),
        (["spectrum", "{run}", "--gamma", "inf"], "--gamma"),
        (["run", "{tmp}", "--out", "{tmp}/x"], "is a directory"),  # a config that is a directory
        (["run", "{bad}", "--out", "{tmp}/x"], "UTF-8"),
        (["run", str(FIG1), "--out", "{file}/x"], "Not a directory"),  # an --out under a file
        (["run", str(FIG1), "--out", "{file}"], "not a directory"),  # an --out that is a file
    ],
)
def test_bad_paths_and_values_exit_2_with_a_message(tmp_path, args, message):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xff\xfe[wire]\n")
    a_file = tmp_path / "afile"
    a_file.write_text("x")
    fake_run = tmp_path / "fakerun"
    fake_run.mkdir()
    (fake_run / "series.h5").write_bytes(b"")
    subst = {"{run}": str(fake_run), "{tmp}": str(tmp_path), "{bad}": str(bad), "{file}": str(a_file)}
    filled = []
    for a in args:
        for k, v in subst.items():
            a = a.replace(k, v)
        filled.append(a)
    res = psc_fem_cli(*filled)
    assert res.returncode == 2, res.stderr
    assert message in res.stderr and "Traceback" not in res.stderr


def test_a_signal_after_the_last_check_is_not_lost():
    with pytest.raises(Interrupted) as info:
        with signals.graceful():
            with signals.graceful():  # a run inside a command
                pass
            signals.request()  # arrives after the run's last check
    assert info.value.exit_code == 143
    with signals.graceful():  # and it does not leak into the next command
        pass


def test_resume_with_short_fields_is_refused_before_anything_is_written(tmp_path):
    from helpers.configs import make_config

    from psc_fem.solver.simulation import simulate

    out = tmp_path / "run"
    cfg = make_config(time={"t_end": 10.0}, output={"fields": True, "every": 0.5, "checkpoint_every": 2.0})
    simulate(cfg, out, progress=False, echo=False)
    rd = RunDirectory(out)
    os.remove(rd.fields_h5)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    with pytest.raises(ResumeError, match="fields.h5 holds 0 frames"):
        simulate(cfg.replace(time={"t_end": 20.0}), out, progress=False, echo=False, resume=True)
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before and "resumed" not in json.loads(rd.run_info.read_text())


def test_sweep_decider_is_keyed_to_the_series_length():
    """A resumed point's stop hook sees the whole series again: it must check at the same steps."""
    from psc_fem.studies.sweep import Decider

    fresh, resumed = Decider(every=5), Decider(every=5)
    series = {"t": [], "psi_min": [], "V": [], "theta_plus": []}
    checked_fresh, checked_resumed = [], []
    for n in range(1, 31):
        for k in series:
            series[k].append(0.1 * n if k == "t" else 1.0)
        fresh(series)
        checked_fresh.append(fresh.k % 5 == 0)
        if n >= 13:  # resumed at step 13: the hook is called from there on with the whole series
            resumed(series)
            checked_resumed.append(resumed.k % 5 == 0)
    assert checked_resumed == checked_fresh[12:] and any(checked_resumed)


def test_a_full_disk_ends_the_run_cleanly_and_resume_finishes_it(tmp_path, fig1_checkpointed, monkeypatch, capsys):
    """Fault injection: the disk fills up after a few writes (mid-run or at the final flush, depending on how many
    flushes the wall-time throttle allowed).  The write is refused before HDF5 starts it
    (HDF5 crashed when a write failed half-way), exit 1 with the reason, every file whole; --resume on a
    disk with room again gives the uninterrupted run bit for bit."""
    import shutil

    from helpers.runs import assert_same_run
    from mpi4py import MPI

    from psc_fem.cli import main
    from psc_fem.config import load_config
    from psc_fem.io import atomic
    from psc_fem.solver.simulation import simulate

    cfg_path, ref_dir, _ = fig1_checkpointed
    real, calls = shutil.disk_usage, []

    def filling_up(path):
        calls.append(path)
        usage = real(path)
        return usage._replace(free=usage.free if len(calls) < 8 else 5 * 2**20)  # 5 MB left after 7 writes

    monkeypatch.setattr(atomic.shutil, "disk_usage", filling_up)
    run = tmp_path / "run"
    assert main(["run", str(cfg_path), "--out", str(run), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device (5 MB free" in err and "Traceback" not in err
    assert not list(run.glob("*.tmp"))  # refused before a copy was made
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "failed" and info["error"].startswith("disk full at tau = ")
    monkeypatch.setattr(atomic.shutil, "disk_usage", real)
    simulate(load_config(cfg_path), run, comm=MPI.COMM_SELF, progress=False, echo=False, resume=True)
    assert_same_run(run, ref_dir)


def test_a_read_only_out_exits_2_with_the_path(tmp_path, monkeypatch, capsys):
    """A directory the user may not write to: exit 2 and the path, no traceback.  (This machine runs as
    root, which ignores permission bits, so the refusal is injected where the run directory is made.)"""
    from pathlib import Path

    from psc_fem.cli import main

    out = tmp_path / "locked" / "run"
    real_mkdir = Path.mkdir

    def denied(self, *args, **kwargs):
        if self == out or out.is_relative_to(self) and self != tmp_path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", denied)
    assert main(["run", str(FIG1), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Permission denied" in err and "locked" in err and "Traceback" not in err
    assert not (tmp_path / "locked").exists()
