"""SIGKILL at random moments: the files stay readable, and --resume finishes the run
with the same result as an uninterrupted one (bit for bit, serial).

Two tests.  The first hammers the output writer alone (a child process
flushing blocks back to back, so most kills land inside a write) and checks
after every kill that h5py opens series.h5 and fields.h5, that meshio reads
every frame fields.xdmf lists, and that the data are complete blocks.  The
second kills a real ``psc-fem run`` several times, checks the files after
each kill, resumes with ``--resume``, and compares the final series.h5 and
fields.h5 with an uninterrupted run.
"""

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import h5py
import meshio
import numpy as np
import pytest
from helpers.runs import ENV, assert_frames_readable, assert_same_run, fig1_toml

SEED = int(os.environ.get("PSC_KILL_SEED", "20261125"))

WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    import numpy as np
    from mpi4py import MPI
    import psc_fem.io
    from psc_fem.io.writer import RunWriter
    from psc_fem.config import validate

    psc_fem.io.writer.versions = lambda: {}  # starts faster: no dolfinx import

    out = Path(sys.argv[1])
    cfg = validate({"wire": {"length": 1.1}, "model": {"delta": 0.0, "eta": 0.1}, "drive": {"current": 1.5}, "time": {"t_end": 1.0}})

    class Evaluator:  # stands in for psc_fem.solver.fields.FieldEvaluator: frame k holds the value k
        x_nodes = np.linspace(-0.55, 0.55, 23)
        x_cells = 0.5 * (x_nodes[1:] + x_nodes[:-1])
        point = dict.fromkeys(("abs_psi", "re_psi", "im_psi", "phi", "dabs_psi_dt"))
        cell = dict.fromkeys(("js", "jn", "jint"))
        k = 0
        def gathered(self):
            v = float(self.k)
            self.k += 1
            return {n: np.full(23, v) for n in self.point}, {n: np.full(22, v) for n in self.cell}
        def at_nodes(self, values):
            return np.interp(self.x_nodes, self.x_cells, values)

    writer = RunWriter(out, cfg, Evaluator(), MPI.COMM_SELF)
    step = frame = 0
    while True:  # blocks of 64 steps and 8 frames, flushed back to back
        for _ in range(64):
            writer.add_step(**{k: float(step) for k in ("t", "dt", "V", "psi_center", "psi_min", "theta_minus",
                                                       "theta_plus", "current", "newton_its", "error")})
            step += 1
        for _ in range(8):
            writer.add_frame(0.5 * frame)
            frame += 1
        writer.flush()
        if frame == 8:
            (out / "ready").touch()
""")


def check_writer_files(out):
    """Complete blocks only: 64 steps per 8 frames, values = index; XML frames all in fields.h5."""
    with h5py.File(out / "series.h5", "r") as f:
        n = f["t"].shape[0]
        for k in ("t", "V", "newton_its"):
            np.testing.assert_array_equal(f[k][:], np.arange(n), err_msg=k)
        m = f["frames/t"].shape[0]
        assert n == 8 * m and m % 8 == 0
        np.testing.assert_array_equal(f["frames/abs_psi"][:, 5], np.arange(m))
    with h5py.File(out / "fields.h5", "r") as f:
        in_h5 = len(f["Function/abs_psi"]) if "Function" in f else 0
        assert all(len(f[f"Function/{name}"]) == in_h5 for name in f["Function"]) if in_h5 else True
    with meshio.xdmf.TimeSeriesReader(out / "fields.xdmf") as reader:
        reader.read_points_cells()
        listed = reader.num_steps
        assert listed <= in_h5 and listed % 8 == 0
        for k in range(listed):
            t, point, cell = reader.read_data(k)
            assert t == 0.5 * k and point["phi"][0] == k and cell["js_cell"][0][0] == k and point["js"][0] == k
    json.loads((out / "run.json").read_text())
    return n, m, listed


def test_sigkill_during_writes_leaves_readable_files(tmp_path):
    rng = random.Random(SEED)
    seen = []
    for i in range(6):
        out = tmp_path / f"w{i}"
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(out)], env=ENV, stderr=subprocess.PIPE)
        t0 = time.monotonic()
        while not (out / "ready").exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() - t0 < 60
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        seen.append(check_writer_files(out))
    assert max(m for _, m, _ in seen) >= 16, seen  # the kills came after several blocks


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume(tmp_path, fig1_checkpointed):
    cfg_path = fig1_toml(tmp_path)
    _, ref_dir, _ = fig1_checkpointed  # the uninterrupted run of the same config (tests/conftest.py)
    run = tmp_path / "run"
    rng = random.Random(SEED + 1)
    cmd = [sys.executable, "-m", "psc_fem.cli", "run", str(cfg_path), "--out", str(run), "--quiet"]
    killed_at = []
    for attempt in range(3):
        proc = subprocess.Popen(
            cmd + (["--resume"] if attempt else []), env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        t0 = time.monotonic()
        while not (run / "checkpoint.h5").exists() and proc.poll() is None and time.monotonic() - t0 < 120:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        with h5py.File(run / "checkpoint.h5", "r") as c, h5py.File(run / "series.h5", "r") as f:
            t_ckpt, n_frames = float(c.attrs["t"]), f["frames/t"].shape[0]
            assert f["t"].shape[0] >= c.attrs["n_steps"] and n_frames >= c.attrs["n_frames"]
            assert np.all(np.diff(f["t"][:]) > 0)
        with meshio.xdmf.TimeSeriesReader(run / "fields.xdmf") as reader:
            reader.read_points_cells()
            reader.read_data(reader.num_steps - 1)
            assert reader.num_steps <= n_frames
        killed_at.append((proc.returncode, t_ckpt))
    res = subprocess.run(cmd + ["--resume"], env=ENV, capture_output=True, text=True)
    assert res.returncode == 0, (killed_at, res.stderr)
    assert any(rc == -signal.SIGKILL for rc, _ in killed_at), killed_at
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "completed" and len(info["resumed"]) >= 1, info.get("resumed")
    assert_same_run(run, ref_dir)
    assert_frames_readable(run, 301, 0.1)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["spectrum", "plot"])
def test_sigkill_during_spectrum_or_plot_leaves_the_old_file_or_none(tmp_path, fig1_run, command):
    """Derived files are written tmp + rename: a SIGKILL leaves either no file or a whole one (before:
    a 4.5 MB truncated spectrum.h5, then a traceback from plot), and the next plot works."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(fig1_run, run)
    for f in run.glob("spectrum.h5"):
        f.unlink()
    cmd = [sys.executable, "-m", "psc_fem.cli", command, str(run)]
    rng = random.Random(SEED)
    for delay in sorted(rng.uniform(0.6, 3.6) for _ in range(5)):
        proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        for name in ("spectrum.h5",):
            if (run / name).exists():
                with h5py.File(run / name, "r") as f:  # whole: opens, and says which run it came from
                    assert f.attrs["source_run_id"]
        for png in run.glob("[!.]*.png"):  # (.NAME.tmp.png: the killed writer's own, never read)
            assert png.read_bytes().endswith(b"IEND\xaeB`\x82"), png  # a complete PNG
    done = subprocess.run(
        [sys.executable, "-m", "psc_fem.cli", "plot", str(run)], env=ENV, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (run / "fig1.png").exists()
    assert (run / "fig2.png").exists() == (run / "spectrum.h5").exists()  # plot draws Fig. 2 from spectrum.h5 only
    assert not list(run.glob(".*.tmp.png"))  # the next save of a figure removes its stray tmp
