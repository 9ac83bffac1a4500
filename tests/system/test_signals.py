"""SIGTERM / SIGINT (what a batch scheduler and Ctrl-C send): finish the step, write a
checkpoint, close the files, run.json "interrupted", exit 143 / 130; then --resume.

Serial tests; the 2-rank case starts its own ``mpirun -n 2`` as a subprocess.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from helpers.runs import ENV, assert_frames_readable, assert_same_run, fig1_toml, start_and_signal
from mpi4py import MPI

from psc_fem.cli import main
from psc_fem.config import load_config
from psc_fem.solver.simulation import simulate

BIN = Path(sys.executable).parent


def assert_interrupted(run, signame):
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "interrupted" and info["interrupted"]["signal"] == signame
    with h5py.File(run / "series.h5", "r") as f, h5py.File(run / "checkpoint.h5", "r") as c:
        assert f.attrs["status"] == "interrupted"
        # the checkpoint is the last step on disk: nothing lost, nothing to cut back
        assert c.attrs["n_steps"] == f["t"].shape[0] and c.attrs["t"] == f["t"][-1] == info["checkpoint"]["t"]
        assert c.attrs["n_frames"] == f["frames/t"].shape[0]
        assert 2.0 <= c.attrs["t"] < 30.0
    assert_frames_readable(run, info["checkpoint"]["frames"], 0.1)
    return info


def test_sigterm_serial_then_resume(tmp_path, fig1_checkpointed):
    cfg_path, ref_dir, _ = fig1_checkpointed  # helpers.runs.fig1_toml and its uninterrupted run (tests/conftest.py)
    run = tmp_path / "run"
    rc, text = start_and_signal(
        [sys.executable, "-m", "psc_fem.cli", "run", str(cfg_path), "--out", str(run), "--quiet"], run, signal.SIGTERM
    )
    assert rc == 143, text
    assert "interrupted by SIGTERM" in text and "Traceback" not in text
    assert_interrupted(run, "SIGTERM")
    simulate(load_config(cfg_path), run, comm=MPI.COMM_SELF, progress=False, echo=False, resume=True)
    assert_same_run(run, ref_dir)


def test_sigint_in_process_cli_exits_130(tmp_path, capsys):
    """A real SIGINT (Ctrl-C) to this process during `psc-fem run`: exit code 130."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[wire]\nlength = 1.1\n[model]\ndelta = 0.0\neta = 0.1\n[drive]\ncurrent = 1.5\n"
        "[time]\nt_end = 1000.0\n[output]\nfields = false\n"
    )
    run_json = tmp_path / "run" / "run.json"
    done = threading.Event()

    def ctrl_c():  # once the run has started (run.json written), as a user would
        while not run_json.exists() and not done.wait(0.005):
            pass
        if not done.is_set():
            os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=ctrl_c)
    thread.start()
    try:
        rc = main(["run", str(cfg), "--out", str(tmp_path / "run"), "--quiet"])
    finally:
        done.set()
        thread.join()
    assert rc == 130
    assert "interrupted by SIGINT" in capsys.readouterr().out
    info = json.loads((tmp_path / "run" / "run.json").read_text())
    assert info["status"] == "interrupted" and info["checkpoint"]["t"] < 1000.0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers restored


def test_sigterm_to_mpirun_two_ranks_then_resume(tmp_path):
    """SIGTERM to `mpirun -n 2 psc-fem run`: both ranks stop after the same step, exit 143,
    files closed, status "interrupted".  The 2-rank checkpoint then resumes here on one
    rank (checkpoints do not depend on the partition) and the run agrees with an
    uninterrupted serial run to solver tolerance (psc_fem.solver.dd_solver vs PETSc's LU)."""
    cfg_path = tmp_path / "mpi.toml"
    cfg_path.write_text(fig1_toml(tmp_path).read_text().replace("t_end = 30.0", "t_end = 15.0"))
    config = load_config(cfg_path)
    ref = simulate(config, tmp_path / "ref", comm=MPI.COMM_SELF, progress=False, echo=False)
    run = tmp_path / "run"
    cmd = [str(BIN / "mpirun"), "-n", "2", str(BIN / "psc-fem"), "run", str(cfg_path), "--out", str(run), "--quiet"]
    rc, text = start_and_signal(cmd, run, signal.SIGTERM)
    assert rc == 143, text
    info = assert_interrupted(run, "SIGTERM")
    assert info["mpi_ranks"] == 2
    res = simulate(config, run, comm=MPI.COMM_SELF, progress=False, echo=False, resume=True)
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "completed" and info["resumed"][-1]["mpi_ranks"] == 1
    t = res.series["t"]
    assert np.all(np.diff(t) > 0) and t[-1] == pytest.approx(15.0)
    grid = np.linspace(1.0, 15.0, 200)
    for got, want in ((res.series["V"], ref.series["V"]), (res.series["psi_center"], ref.series["psi_center"])):
        np.testing.assert_allclose(
            np.interp(grid, t, got), np.interp(grid, ref.series["t"], want), atol=1e-5, rtol=1e-5
        )
    assert_frames_readable(run, 151, 0.1)


def test_sigterm_during_a_sweep_keeps_finished_runs_and_resume_completes_it(tmp_path):
    """SIGTERM once the first point has finished: exit 143, no table yet (iv.csv appears only for a
    whole sweep), finished runs kept, the running one checkpointed; --resume then completes the sweep."""
    gapless = Path(__file__).resolve().parents[2] / "examples" / "fig1_gapless.toml"
    out = tmp_path / "iv"
    cmd = [sys.executable, "-m", "psc_fem.cli", "sweep", str(gapless), "--currents", "1.1,1.2,1.3,1.4"]
    cmd += ["--out", str(out), "--set", "time.t_end=300", "--set", "output.fields=false", "--quiet"]
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def finished():
        runs = list((out / "runs").glob("*/run.json")) if (out / "runs").is_dir() else []
        return [r for r in runs if '"completed"' in r.read_text()]

    t0 = time.monotonic()
    while not finished():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < 300
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    text = "".join(proc.communicate(timeout=300))
    assert proc.returncode == 143, text
    assert "Traceback" not in text
    assert not any((out / name).exists() for name in ("iv.csv", "iv.h5", "iv.png", "sweep.json"))
    assert not list(out.rglob("*.tmp"))
    states = [json.loads(r.read_text())["status"] for r in (out / "runs").glob("*/run.json")]
    assert "completed" in states and len(states) < 4 + 1
    assert set(states) <= {"completed", "interrupted"}
    done = subprocess.run([*cmd, "--resume"], env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = (out / "iv.csv").read_text().splitlines()
    assert len(rows) == 1 + 4 and all(",completed," in r for r in rows[1:])
