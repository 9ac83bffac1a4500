"""A film stopped by SIGTERM writes its checkpoint and run.json "interrupted"; --resume continues it to the
same run as an uninterrupted one (docs/films.md, "Checkpoints and --resume").

The checkpoint keys the state by node coordinates (x, y), as a wire's by
x; the resumed run writes its frames to fields.1.xdmf/.h5, and
psc_fem.film.frames reads both segments as one series of frames.  Not bit
for bit as a wire's resume: a film reuses its Jacobian over three Newton
iterations across steps (snes_lag_jacobian, psc_fem.solver.petsc_options)
and the lagged Jacobian is not in the checkpoint, so the resumed Newton
iterates differ within Newton's tolerance (1e-9 relative measured); the
steps are the same.
"""

import json
import signal
import sys

import numpy as np
import pytest
from helpers.runs import start_and_signal
from mpi4py import MPI

from psc_fem.config import load_config
from psc_fem.film.frames import frame_times, psi_of, read_frame
from psc_fem.solver.simulation import simulate

FILM = """[geometry]
kind = "strip"
length = 4.0
width = 1.6
mesh_size = 0.1
ends = "normal"
[field]
B = 0.4
[model]
delta = 3.3333333333333335
eta = 0.1
[drive]
current = 0.5
[time]
t_end = 30.0
[output]
every = 1.0
checkpoint_every = 3.0
"""


@pytest.fixture(scope="module")
def film_and_reference(tmp_path_factory):
    base = tmp_path_factory.mktemp("film_resume")
    cfg = base / "film.toml"
    cfg.write_text(FILM)
    ref = simulate(load_config(cfg), base / "ref", comm=MPI.COMM_SELF, progress=False, echo=False)
    return cfg, ref


def test_sigterm_then_resume_is_the_uninterrupted_run(tmp_path, film_and_reference):
    cfg, ref = film_and_reference
    run = tmp_path / "run"
    cmd = [sys.executable, "-m", "psc_fem.cli", "run", str(cfg), "--out", str(run), "--quiet"]
    rc, text = start_and_signal(cmd, run, signal.SIGTERM)
    assert rc == 143, text
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "interrupted" and info["interrupted"]["signal"] == "SIGTERM"
    stopped_at = info["checkpoint"]["t"]
    assert 0.0 < stopped_at < 30.0

    sol = simulate(load_config(cfg), run, comm=MPI.COMM_SELF, progress=False, echo=False, resume=True)
    assert sol.run["status"] == "completed" and sol.run["resumed"][0]["t"] == stopped_at
    assert sol.run["steps"] == ref.run["steps"]
    for key in ("t", "V", "psi_center", "psi_min", "theta_plus"):
        np.testing.assert_allclose(sol.series[key], ref.series[key], rtol=1e-7, atol=1e-9, err_msg=key)
    assert np.ptp(ref.series["V"]) > 0.1  # a run that does something
    # the frames: fields.h5 up to the interruption, fields.1.h5 from the resume, read as one
    assert (run / "fields.1.xdmf").is_file() and (run / "fields.1.h5").is_file()
    np.testing.assert_allclose(frame_times(run / "fields.h5"), frame_times(ref.rundir.fields_h5), atol=1e-12)
    for index in (3, -1):
        a, b = read_frame(run / "fields.h5", index), read_frame(ref.rundir.fields_h5, index)
        order_a, order_b = np.lexsort(a[0].T[::-1]), np.lexsort(b[0].T[::-1])
        np.testing.assert_allclose(psi_of(a[3])[order_a], psi_of(b[3])[order_b], atol=1e-7)


def test_a_completed_film_is_extended_by_resume_with_a_longer_t_end(tmp_path, film_and_reference):
    """The short run is the extended run's beginning, step for step; its frames continue in fields.1."""
    cfg, _ = film_and_reference
    short = tmp_path / "short.toml"
    short.write_text(FILM.replace("t_end = 30.0", "t_end = 12.0"))
    first = simulate(load_config(short), tmp_path / "run", comm=MPI.COMM_SELF, progress=False, echo=False)
    sol = simulate(load_config(cfg), tmp_path / "run", comm=MPI.COMM_SELF, progress=False, echo=False, resume=True)
    n = first.series["t"].size
    for key in ("t", "V", "psi_min"):
        np.testing.assert_array_equal(sol.series[key][:n], first.series[key])
    assert sol.series["t"][-1] == pytest.approx(30.0) and np.all(np.diff(sol.series["t"]) > 0)
    np.testing.assert_allclose(frame_times(tmp_path / "run" / "fields.h5"), np.arange(31.0), atol=1e-12)


def test_overwrite_removes_a_resumed_films_segments(tmp_path, film_and_reference):
    cfg, _ = film_and_reference
    run = tmp_path / "run"
    run.mkdir()
    for name in ("fields.1.xdmf", "fields.1.h5", "film.png", "notes.txt"):
        (run / name).write_text("old")
    simulate(load_config(cfg), run, comm=MPI.COMM_SELF, progress=False, echo=False, overwrite=True)
    assert not (run / "fields.1.h5").exists() and not (run / "fields.1.xdmf").exists()
    assert (run / "notes.txt").read_text() == "old"  # not psc_fem's: left alone


def test_the_fields_roll_over_to_a_new_segment_every_n_frames(tmp_path, monkeypatch, film_and_reference):
    """XDMFFile rewrites its XML at every frame (cost growing with the file): after SEGMENT_FRAMES frames
    the next fields.N.xdmf begins. Here 8 per segment: 31 frames in 4 segments, read back as one series
    (equal to the one-file run's frames), each segment a whole XDMF file (meshio reads it)."""
    import meshio

    from psc_fem.film.run import FilmFields

    cfg, ref = film_and_reference
    monkeypatch.setattr(FilmFields, "SEGMENT_FRAMES", 8)
    sol = simulate(load_config(cfg), tmp_path / "seg", comm=MPI.COMM_SELF, progress=False, echo=False)
    names = sorted(p.name for p in (tmp_path / "seg").glob("fields*.xdmf"))
    assert names == ["fields.1.xdmf", "fields.2.xdmf", "fields.3.xdmf", "fields.xdmf"]
    np.testing.assert_allclose(frame_times(sol.rundir.fields_h5), np.arange(31.0), atol=1e-12)
    for name, frames in (("fields.xdmf", 8), ("fields.3.xdmf", 7)):
        with meshio.xdmf.TimeSeriesReader(str(tmp_path / "seg" / name)) as reader:
            reader.read_points_cells()
            assert reader.num_steps == frames
    a, b = read_frame(sol.rundir.fields_h5, 20), read_frame(ref.rundir.fields_h5, 20)
    np.testing.assert_allclose(psi_of(a[3]), psi_of(b[3]), atol=1e-12)  # the same run, the same node order
