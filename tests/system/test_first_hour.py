"""A physicist's first hour (issue 14): nothing overwritten or mixed, nothing silent, a complete Solution."""

import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
from helpers.configs import ROOT, make_config, run

import psc_fem
from psc_fem.errors import OutputExists
from psc_fem.rundir import RunDirectory

FIG1 = ROOT / "examples" / "fig1.toml"
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
SHORT = ["--set", "time.until=t_end", "--set", "time.t_end=12", "--set", "output.every=0.5"]


def psc_fem_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "psc_fem.cli", *map(str, args)], capture_output=True, text=True, env=ENV
    )


def digests(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def test_second_run_into_a_nonempty_directory_is_refused_and_changes_nothing(tmp_path):
    out = tmp_path / "run"
    assert psc_fem_cli("run", FIG1, "--out", out, *SHORT).returncode == 0
    before = digests(out)
    res = psc_fem_cli("run", FIG1, "--out", out, *SHORT, "--set", "drive.current=1.3")
    assert res.returncode == 2
    assert "not empty" in res.stderr and "--overwrite" in res.stderr and "--resume" in res.stderr
    assert digests(out) == before  # byte-identical, the lock file included
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("a user's own file")
    assert psc_fem_cli("run", FIG1, "--out", tmp_path / "mine", *SHORT).returncode == 2


def test_overwrite_replaces_the_run_and_what_was_derived_from_it(tmp_path):
    out = tmp_path / "run"
    run(out, time={"t_end": 40.0}, output={"fields": True, "every": 0.1})
    sol = psc_fem.load_run(out)
    sol.spectrum()
    (out / "notes.tmp").write_text("the user's, not ours")
    with pytest.raises(OutputExists):
        run(out, time={"t_end": 40.0})
    from psc_fem.solver.simulation import simulate

    simulate(make_config(drive={"current": 1.3}, time={"t_end": 20.0}), out, progress=False, echo=False, overwrite=True)
    names = {p.name for p in out.iterdir()}
    assert "spectrum.h5" not in names and "fig2.png" not in names  # the old run's derived files went with it
    assert "fields.xdmf" not in names  # output.fields = false now: no old fields beside the new series
    assert (out / "notes.tmp").read_text() == "the user's, not ours"
    assert psc_fem.load_run(out).attrs["drive.current"] == 1.3


def test_a_spectrum_records_its_run_and_is_recomputed_when_the_run_changed(tmp_path):
    out = tmp_path / "run"
    run(out, time={"t_end": 60.0}, output={"every": 0.1})
    rd = RunDirectory(out)
    from psc_fem.phonons.spectrum import is_current

    psc_fem.load_run(out).spectrum(formats=())
    with h5py.File(rd.spectrum) as f:
        assert f.attrs["source_run_id"] == rd.read_run_info()["run_id"]
    assert is_current(rd.spectrum, rd)
    info = rd.read_run_info()
    info["finished"] = "later"  # as after a resume that extended the run
    rd.run_info.write_text(__import__("json").dumps(info))
    assert not is_current(rd.spectrum, rd)
    res = psc_fem_cli("plot", out)
    assert res.returncode == 0 and "recomputing" in res.stdout
    assert is_current(rd.spectrum, rd)


def test_progress_lines_when_stderr_is_not_a_terminal(tmp_path):
    res = psc_fem_cli("run", FIG1, "--out", tmp_path / "run", *SHORT)
    lines = [line for line in res.stderr.splitlines() if line.startswith("psc-fem: tau = ")]
    assert 5 <= len(lines) <= 10 and "(100%)" in lines[-1] and "ETA" in lines[0]  # one per 10% of t_end
    quiet = psc_fem_cli("run", FIG1, "--out", tmp_path / "quiet", *SHORT, "--quiet")
    assert "psc-fem: tau" not in quiet.stderr
    sweep = psc_fem_cli(
        "sweep",
        ROOT / "examples" / "fig1_gapless.toml",
        "--currents",
        "1.2:1.3:0.1",
        "--out",
        tmp_path / "sweep",
        "--set",
        "time.t_end=40",
    )
    assert sweep.returncode == 0, sweep.stderr
    done = [line for line in sweep.stderr.splitlines() if line.startswith("[")]
    assert len(done) == 2 and done[-1].startswith("[2/2]") and "ETA" in done[-1]


def test_solution_at_is_the_frames_at_frame_times_and_linear_between(tmp_path):
    sol = run(tmp_path, time={"t_end": 20.0}, output={"every": 0.5})
    f = sol.frames
    for k in (0, 7, f["t"].size - 1):
        at = sol.at(float(f["t"][k]))
        for name in ("abs_psi", "phi", "js", "jint"):
            np.testing.assert_array_equal(at[name], f[name][k])
    mid = sol.at(0.25 * f["t"][10] + 0.75 * f["t"][11])
    np.testing.assert_allclose(mid["re_psi"], 0.25 * f["re_psi"][10] + 0.75 * f["re_psi"][11], rtol=1e-14, atol=1e-15)
    with pytest.raises(ValueError, match="outside the frames"):
        sol.at(f["t"][-1] + 1.0)
    assert "steps" in repr(sol) and len(repr(sol)) < 300  # short, no arrays
    from matplotlib.figure import Figure

    assert isinstance(sol.plot_fig1(), Figure) and isinstance(sol.plot_frame(5.0), Figure)
    gif = sol.animate(tmp_path / "psi.gif", stride=8)
    assert gif.stat().st_size > 1000


def test_series_and_frames_carry_units(tmp_path):
    run(tmp_path, time={"t_end": 5.0})
    with h5py.File(tmp_path / "series.h5") as f:
        assert f["t"].attrs["units"] == "t0" and f["V"].attrs["units"] == "hbar/(2 e t0)"
        assert f["frames/x"].attrs["units"] == "xi(T)" and f["frames/js"].attrs["units"] == "j0"


def test_small_command_line_things(tmp_path):
    version = psc_fem_cli("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"psc-fem {psc_fem.__version__}"
    missing = psc_fem_cli("plot", tmp_path / "nonexistent")
    assert missing.returncode == 2 and "no such directory" in missing.stderr
    assert "a run directory" in psc_fem_cli("plot", "--help").stdout


def test_example_configs_resolve_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert psc_fem.example_config("fig1.toml").read_text() == FIG1.read_text()
    with pytest.raises(FileNotFoundError, match="fig1.toml"):
        psc_fem.example_config("nonexistent.toml")
