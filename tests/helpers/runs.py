"""Checks on run directories, and the short Fig. 1 config of the kill and signal tests."""

import os
import subprocess
import time

import h5py
import meshio
import numpy as np

from helpers.configs import ROOT

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def h5_tree(path):
    """{dataset path: array} of a whole HDF5 file."""
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def assert_same_run(a, b):
    """series.h5 and fields.h5 of two run directories: same datasets, same values.

    Usually bit for bit; a resume in another process may differ in the last
    bits (1e-13 seen), so the check is at 1e-10, far below the solver tolerance.
    """
    for name in ("series.h5", "fields.h5"):
        ta, tb = h5_tree(a / name), h5_tree(b / name)
        assert ta.keys() == tb.keys(), name
        for k in ta:
            np.testing.assert_allclose(ta[k], tb[k], rtol=1e-10, atol=1e-12, err_msg=f"{name}:{k}")


def assert_frames_readable(run_dir, n_frames, every):
    """meshio reads every frame of fields.xdmf, at times k * every, without gaps or repeats."""
    with meshio.xdmf.TimeSeriesReader(run_dir / "fields.xdmf") as reader:
        reader.read_points_cells()
        assert reader.num_steps == n_frames
        times = [reader.read_data(k)[0] for k in range(reader.num_steps)]
    np.testing.assert_allclose(times, np.arange(n_frames) * every, atol=1e-12)


def fig1_toml(tmp_path):
    """The Fig. 1 wire, short, with dense frames and frequent checkpoints."""
    text = (ROOT / "examples" / "fig1.toml").read_text()
    path = tmp_path / "kill.toml"
    assert 'until = "periodic"\nt_end = 400.0' in text
    path.write_text(
        text.replace('until = "periodic"\nt_end = 400.0', "t_end = 30.0").replace(
            "every = 0.1", "every = 0.1\ncheckpoint_every = 2.0"
        )
    )
    return path


def start_and_signal(cmd, run, signum):
    """Start ``cmd``, send ``signum`` once the first checkpoint exists; (exit code, stderr)."""
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not (run / "checkpoint.h5").exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < 120
        time.sleep(0.005)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out + err
