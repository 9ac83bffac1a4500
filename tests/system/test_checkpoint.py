"""Checkpoints and --resume (psc_fem.io.checkpoint), in process and serial.

A run is interrupted deterministically by a stop hook that requests a
graceful stop (as SIGTERM would) after a given time; resuming it must give
the uninterrupted run's series and frames bit for bit.
"""

import json
import shutil
import signal

import h5py
import numpy as np
import pytest
from helpers.configs import make_config
from helpers.runs import assert_frames_readable, assert_same_run
from mpi4py import MPI

from psc_fem import signals
from psc_fem.cli import main
from psc_fem.errors import ResumeError
from psc_fem.io.lock import RunLock
from psc_fem.rundir import RunDirectory
from psc_fem.solver.simulation import simulate

T_END = 24.0
CFG = dict(time={"t_end": T_END}, output={"fields": True, "every": 0.25})


def sim(path, resume=False, stop=None, **sections):
    cfg = make_config(**{**CFG, **sections})
    return simulate(cfg, path, comm=MPI.COMM_SELF, progress=False, echo=False, resume=resume, stop=stop)


def interrupt_after(t_stop, signum=signal.SIGTERM):
    """A stop hook that asks for a graceful stop once t > t_stop (never stops by itself)."""

    def hook(series):
        if series["t"][-1] > t_stop:
            signals.request(signum)

    return hook


def interrupted(path, t_stop, **sections):
    with pytest.raises(signals.Interrupted) as info:
        sim(path, stop=interrupt_after(t_stop), **sections)
    return info.value


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "ref"
    return path, sim(path)


def test_resume_is_bitwise_identical(tmp_path, reference):
    ref_dir, ref = reference
    exc = interrupted(tmp_path, 9.0)
    assert exc.exit_code == 143 and 9.0 < exc.t < 10.0
    info = json.loads((tmp_path / "run.json").read_text())
    assert info["status"] == "interrupted" and info["interrupted"]["signal"] == "SIGTERM"
    assert info["checkpoint"]["t"] == exc.t
    assert RunDirectory(tmp_path).state() == "interrupted" and not RunDirectory(tmp_path).is_complete()
    res = sim(tmp_path, resume=True)
    assert res.run["status"] == "completed"
    for k in ref.series:
        np.testing.assert_array_equal(res.series[k], ref.series[k], err_msg=k)
    assert res.run["steps"] == ref.run["steps"] and res.run["rejected_error"] == ref.run["rejected_error"]
    assert_same_run(tmp_path, ref_dir)
    assert_frames_readable(tmp_path, int(T_END / 0.25) + 1, 0.25)
    info = json.loads((tmp_path / "run.json").read_text())
    assert info["status"] == "completed" and info["resumed"][0]["from_status"] == "interrupted"
    assert "interrupted" not in info
    assert (
        RunDirectory(tmp_path).is_complete()
        and RunDirectory(tmp_path).is_complete(t_end=T_END)
        and not RunDirectory(tmp_path).is_complete(t_end=2 * T_END)
    )


@pytest.mark.parametrize("scheme", ["bdf4", "vbdf"])
def test_resume_is_bitwise_identical_with_higher_orders(tmp_path, scheme):
    """A BDF4 run carries four old states and three links, a variable-order run also its order and last
    correction (Integrator.order_state): the checkpoint holds them all."""
    four = dict(time={"t_end": T_END, "scheme": scheme}, output={"fields": False, "every": 1.0})
    ref = sim(tmp_path / "ref", **four)
    interrupted(tmp_path / "run", 9.0, **four)
    res = sim(tmp_path / "run", resume=True, **four)
    for k in ref.series:
        np.testing.assert_array_equal(res.series[k], ref.series[k], err_msg=k)
    assert res.run["steps"] == ref.run["steps"]


def test_resume_without_field_output(tmp_path):
    """output.fields = false: no fields.xdmf/h5 to cut back; series and frames still bitwise."""
    no_fields = {"output": {"fields": False, "every": 0.5}, "time": {"t_end": 12.0}}
    ref = sim(tmp_path / "ref", **no_fields)
    with pytest.raises(signals.Interrupted):
        sim(tmp_path / "run", stop=interrupt_after(5.0), **no_fields)
    res = sim(tmp_path / "run", resume=True, **no_fields)
    for k in ref.series:
        np.testing.assert_array_equal(res.series[k], ref.series[k], err_msg=k)
    assert not (tmp_path / "run" / "fields.h5").exists()
    with h5py.File(tmp_path / "run" / "series.h5") as f, h5py.File(tmp_path / "ref" / "series.h5") as g:
        np.testing.assert_array_equal(f["frames/phi"][:], g["frames/phi"][:])


def test_files_ahead_of_the_checkpoint_are_cut_back(tmp_path, reference):
    """A kill between the flush of the files and the checkpoint leaves files ahead of it:
    resume truncates series.h5, fields.h5 and fields.xdmf to the checkpoint, no duplicates."""
    ref_dir, _ = reference
    interrupted(tmp_path, 7.0)
    early = tmp_path / "early_checkpoint.h5"
    shutil.copy(tmp_path / "checkpoint.h5", early)
    with pytest.raises(signals.Interrupted):
        sim(tmp_path, resume=True, stop=interrupt_after(15.0))
    shutil.copy(early, tmp_path / "checkpoint.h5")  # the files now hold more than this checkpoint
    (tmp_path / "series.h5.tmp").write_text("debris of a killed flush")
    sim(tmp_path, resume=True)
    assert not (tmp_path / "series.h5.tmp").exists()
    assert_same_run(tmp_path, ref_dir)
    assert_frames_readable(tmp_path, int(T_END / 0.25) + 1, 0.25)


def test_extend_a_completed_run(tmp_path, reference):
    """A completed run continues to a longer time.t_end: same steps up to the old end."""
    ref_dir, ref = reference
    shutil.copytree(ref_dir, tmp_path / "run")
    longer = sim(tmp_path / "run", resume=True, time={"t_end": 40.0})
    n = ref.series["t"].size
    np.testing.assert_array_equal(longer.series["t"][:n], ref.series["t"])
    assert longer.series["t"][-1] == pytest.approx(40.0) and np.all(np.diff(longer.series["t"]) > 0)
    assert_frames_readable(tmp_path / "run", 161, 0.25)
    # resuming a complete run with its own t_end computes nothing more
    again = sim(tmp_path / "run", resume=True, time={"t_end": 40.0})
    np.testing.assert_array_equal(again.series["V"], longer.series["V"])


def test_stop_hook_sees_the_whole_series_after_resume(tmp_path, reference):
    """Sweeps decide from the series so far: after a resume their stop hook still gets all of it."""
    _, ref = reference
    exc = interrupted(tmp_path, 6.0, time={"t_end": 12.0})
    lengths = []
    sim(tmp_path, resume=True, stop=lambda series: lengths.append(len(series["t"])), time={"t_end": 12.0})
    n = int(np.searchsorted(ref.series["t"], exc.t)) + 1  # steps up to the checkpoint
    assert lengths == list(range(n + 1, n + 1 + len(lengths)))


def test_resume_without_a_run_starts_afresh(tmp_path, reference):
    _, ref = reference
    res = sim(tmp_path / "new", resume=True)
    np.testing.assert_array_equal(res.series["V"], ref.series["V"])


@pytest.mark.parametrize(
    "override, key",
    [
        ({"time": {"t_end": T_END, "rtol": 1e-5}}, "time.rtol"),
        ({"time": {"t_end": 10.0}}, "time.t_end"),
        ({"drive": {"current": 1.4}}, "drive.current"),
        ({"petsc": {"snes_rtol": 1e-10}}, "petsc.snes_rtol"),
        ({"output": {"fields": True, "every": 0.5}}, "output.every"),
    ],
)
def test_resume_with_other_parameters_is_refused(tmp_path, reference, override, key):
    ref_dir, _ = reference
    run = tmp_path / "run"
    shutil.copytree(ref_dir, run)
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    with pytest.raises(ResumeError, match=key.replace(".", r"\.")):
        sim(run, resume=True, **override)
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before  # nothing written


def test_cli_resume_mismatch_exits_2(tmp_path, reference, capsys):
    ref_dir, _ = reference
    run = tmp_path / "run"
    shutil.copytree(ref_dir, run)
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[wire]\nlength = 1.1\nh = 0.05\n[model]\ndelta = 3.3333333333333335\neta = 0.1\n"
        "[drive]\ncurrent = 1.5\n[time]\nt_end = 24.0\n[output]\nevery = 0.25\n"
    )
    assert main(["run", str(cfg), "--out", str(run), "--resume", "--quiet", "--set", "drive.current=1.2"]) == 2
    err = capsys.readouterr().err
    assert "drive.current differs" in err and "Traceback" not in err


def test_checkpoint_keys_are_validated(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[wire]\nlength = 1.1\n[model]\ndelta = 0.0\neta = 0.1\n[drive]\ncurrent = 1.5\n[time]\nt_end = 1.0\n"
    )
    for bad in (
        "output.checkpoint_every=0",
        "output.checkpoint_every=-1.0",
        "output.checkpoint_wall='1h'",
        "output.checkpoint_wall=nan",
        "output.checkpoint_evry=5.0",
    ):
        assert main(["run", str(cfg), "--out", str(tmp_path / "out"), "--set", bad]) == 2
        assert bad.split("=")[0].split(".")[1][:10] in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_checkpoints_agree_with_the_files(tmp_path, monkeypatch):
    """Every checkpoint is written at a flush: series.h5 then holds exactly its steps.
    With frames off and few steps no block fills, and checkpoint_every spaces them."""
    from psc_fem.io import checkpoint

    seen = []
    save = checkpoint.Checkpointer.save

    def spy(self):
        save(self)
        with h5py.File(tmp_path / "checkpoint.h5", "r") as c, h5py.File(tmp_path / "series.h5", "r") as f:
            assert c.attrs["n_steps"] == f["t"].shape[0] and c.attrs["t"] == f["t"][-1]
            assert c.attrs["n_frames"] == f["frames/t"].shape[0] == c.attrs["next_frame"]
            seen.append(float(c.attrs["t"]))

    monkeypatch.setattr(checkpoint.Checkpointer, "save", spy)
    monkeypatch.setattr(checkpoint, "THROTTLE", 0.0)  # the spacing rule alone, whatever the copy cost
    sim(tmp_path, output={"fields": False, "every": 1.0, "checkpoint_every": 5.0})
    gaps = np.diff([0.0, *seen[:-1]])
    assert len(seen) >= 5 and seen[-1] == pytest.approx(T_END), seen
    assert np.all((gaps >= 5.0) & (gaps < 5.0 + 2.0)), seen  # dt_max = 2


def test_run_lock_refuses_a_second_writer(tmp_path, reference):
    ref_dir, _ = reference
    run = tmp_path / "run"
    shutil.copytree(ref_dir, run)
    info = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps({**info, "status": "running"}))
    assert RunDirectory(run).state() == "killed"  # "running" but nobody holds the directory
    with RunLock(run, MPI.COMM_SELF):  # as if another process were running there
        assert RunDirectory(run).state() == "running"
        with pytest.raises(ResumeError, match="in use"):
            sim(run, resume=True)
        with pytest.raises(ResumeError, match="in use"):
            sim(run)
    assert RunDirectory(run).state() == "killed"


def test_second_sigint_is_a_hard_stop_and_the_files_survive(tmp_path, reference):
    """Ctrl-C twice: the second one raises KeyboardInterrupt at once (no checkpoint of
    that step), the files stay readable and --resume still reproduces the run."""
    import os

    ref_dir, _ = reference

    def hook(series):
        if series["t"][-1] > 18.0:  # after the first block of 64 frames was flushed
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        sim(tmp_path, stop=hook)
    assert RunDirectory(tmp_path).state() == "killed"
    with h5py.File(tmp_path / "series.h5", "r") as f, h5py.File(tmp_path / "checkpoint.h5", "r") as c:
        assert 0 < c.attrs["n_steps"] <= f["t"].shape[0] and c.attrs["t"] < 18.0
    sim(tmp_path, resume=True)
    assert_same_run(tmp_path, ref_dir)


def test_sigint_exit_code_and_status(tmp_path):
    with pytest.raises(signals.Interrupted) as info:
        sim(tmp_path, stop=interrupt_after(3.0, signal.SIGINT))
    assert info.value.exit_code == 130
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["status"] == "interrupted" and run["interrupted"]["signal"] == "SIGINT"
    with h5py.File(tmp_path / "series.h5", "r") as f:
        assert f.attrs["status"] == "interrupted" and f["t"][-1] == info.value.t


# ---- failure handling ---------------------------------------------------------


def test_newton_divergence_and_nan_mid_run_recover(tmp_path, reference, monkeypatch):
    """Two injected failures in the middle of a run: a step whose Newton 'diverges'
    and a step whose solution turns NaN (caught by the finiteness check of
    WireProblem.solve).  Both are rejected and retried with dt/4; the run ends as
    the reference does."""
    from psc_fem.solver.problem import WireProblem

    _, ref = reference
    solve, calls = WireProblem.solve, {"n": 0}

    def flaky(self):
        calls["n"] += 1
        if calls["n"] == 80:
            ok, its, res = solve(self)
            return False, its, res  # as if Newton had diverged
        if calls["n"] == 120:
            inner = self.problem.solve

            def poisoned():
                out = inner()
                self.w.x.array[3] = np.nan
                return out

            self.problem.solve = poisoned
            try:
                return solve(self)
            finally:
                del self.problem.solve
        return solve(self)

    monkeypatch.setattr(WireProblem, "solve", flaky)
    res = sim(tmp_path)
    assert calls["n"] > 120 and res.run["status"] == "completed"
    assert res.run["rejected_newton"] == 2
    assert np.all(np.isfinite(res.series["V"])) and res.series["t"][-1] == pytest.approx(T_END)
    np.testing.assert_allclose(np.interp(ref.series["t"], res.series["t"], res.series["V"]), ref.series["V"], atol=2e-2)


def test_step_floor_failure_in_the_cli(tmp_path, capsys):
    """Below time.dt_min: exit 1 with one line naming time, dt and the residual; run.json 'failed'."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[wire]\nlength = 1.1\n[model]\ndelta = 0.0\neta = 0.1\n[drive]\ncurrent = 1.5\n"
        "[time]\nt_end = 5.0\ndt_initial = 1.0\ndt_min = 0.5\n[petsc]\nsnes_max_it = 1\n[output]\nfields = false\n"
    )
    assert main(["run", str(cfg), "--out", str(tmp_path / "run"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "run failed: step failed at tau = " in err and "dt = " in err and "residual" in err
    assert "Traceback" not in err
    info = json.loads((tmp_path / "run" / "run.json").read_text())
    assert info["status"] == "failed" and "dt_min" in info["error"]
    assert RunDirectory(tmp_path / "run").state() == "failed"
