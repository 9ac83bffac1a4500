"""The command line: a real run's directory, and bad input (exit 2, nothing written)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import meshio
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIG1 = ROOT / "examples" / "fig1.toml"


def psc_fem(*args, cwd=None):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "psc_fem.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env
    )


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "fig1"
    res = psc_fem("run", FIG1, "--out", out, "--set", "time.t_end=60", "--set", "output.every=0.5", "--quiet")
    assert res.returncode == 0, res.stderr
    return out, res.stdout


def test_run_directory_contents(run_dir):
    out, stdout = run_dir
    for name in ("fields.xdmf", "fields.h5", "series.h5", "run.json", "fig1.png"):
        assert (out / name).is_file(), name
    info = json.loads((out / "run.json").read_text())
    assert info["status"] == "completed"
    assert info["parameters"]["drive"]["current"] == 1.5
    assert {"dolfinx", "petsc", "psc_fem"} <= set(info["versions"])
    assert info["wall_time"] > 0 and info["steps"] > 0
    with h5py.File(out / "series.h5") as f:
        for key in ("t", "dt", "V", "psi_center", "theta_minus", "theta_plus", "newton_its"):
            assert f[key].shape == f["t"].shape, key
        assert f.attrs["wire.length"] == 1.1 and f.attrs["time.t_end"] == 60.0
        assert f.attrs["model.delta"] == pytest.approx(10 / 3)
        np.testing.assert_allclose(f["frames/t"][:], np.arange(0, 60.0001, 0.5))
    assert "AC Josephson ratio" in stdout


def test_xdmf_read_by_an_independent_reader(run_dir):
    """meshio reads fields.xdmf: names, times and values equal the series frames."""
    out, _ = run_dir
    with h5py.File(out / "series.h5") as f:
        frames = {k: f["frames"][k][:] for k in f["frames"]}
    with meshio.xdmf.TimeSeriesReader(out / "fields.xdmf") as reader:
        points, _ = reader.read_points_cells()
        np.testing.assert_allclose(points[:, 0], frames["x"])
        assert reader.num_steps == frames["t"].size
        for k in (0, 7, reader.num_steps - 1):
            t, point_data, cell_data = reader.read_data(k)
            assert t == pytest.approx(frames["t"][k])
            for name in ("abs_psi", "re_psi", "im_psi", "phi", "dabs_psi_dt"):
                np.testing.assert_allclose(point_data[name], frames[name][k], rtol=1e-12, atol=1e-14)
            # ParaView sees the node currents series.h5 holds, and the exact cell averages as NAME_cell
            for name in ("js", "jn", "jint"):
                np.testing.assert_allclose(point_data[name], frames[name][k], rtol=1e-12, atol=1e-14)
            assert set(cell_data) == {"js_cell", "jn_cell", "jint_cell"}
            # cell averages of the current parts add up to j in every cell (A.2)
            total = sum(cell_data[n][0] for n in ("js_cell", "jn_cell", "jint_cell"))
            np.testing.assert_allclose(total, 1.5, rtol=1e-8)


def test_xdmf_is_one_dataset_in_vtk_at_double_precision(run_dir):
    """VTK's XDMF reader (ParaView's family) sees one grid, not an empty "mesh" block beside it, in doubles."""
    vtk = pytest.importorskip("vtk")
    out, _ = run_dir
    with h5py.File(out / "series.h5") as f:
        frames = {k: f["frames"][k][:] for k in ("t", "x", "abs_psi", "js")}
    reader = vtk.vtkXdmfReader()
    reader.SetFileName(str(out / "fields.xdmf"))
    reader.UpdateInformation()
    times = reader.GetOutputInformation(0).Get(vtk.vtkStreamingDemandDrivenPipeline.TIME_STEPS())
    np.testing.assert_allclose(times, frames["t"], rtol=1e-12)
    k = len(times) - 1
    reader.UpdateTimeStep(times[k])
    grid = reader.GetOutputDataObject(0)
    assert grid.IsA("vtkUnstructuredGrid")  # a vtkMultiBlockDataSet was the two-block layout
    x = np.array([grid.GetPoint(i)[0] for i in range(grid.GetNumberOfPoints())])
    order = np.argsort(x)
    np.testing.assert_allclose(x[order], frames["x"], atol=1e-14)
    for name in ("abs_psi", "js"):
        array = grid.GetPointData().GetArray(name)
        assert array.GetDataTypeAsString() == "double"
        values = np.array([array.GetValue(i) for i in range(array.GetNumberOfTuples())])[order]
        np.testing.assert_allclose(values, frames[name][k], rtol=1e-14, atol=1e-15)


def test_fields_are_in_the_antisymmetric_gauge(run_dir):
    """(A.6): phi(-L/2) = -phi(L/2) = V/2 at every frame; |Psi| = 1 at both banks."""
    out, _ = run_dir
    with h5py.File(out / "series.h5") as f:
        phi, t = f["frames/phi"][1:], f["frames/t"][1:]
        from scipy.interpolate import CubicSpline

        V = CubicSpline(f["t"][:], f["V"][:])(t)
        np.testing.assert_allclose(phi[:, 0], -phi[:, -1], atol=1e-10)
        # frames (dense output) and steps agree to the run's tolerance (rtol = 1e-4; V involves the
        # time derivative of |Psi|: measured 1e-2 at most); test_physics checks the agreement tightly
        np.testing.assert_allclose(phi[:, 0] - phi[:, -1], V, rtol=2e-2, atol=1e-4)
        np.testing.assert_allclose(f["frames/abs_psi"][:, [0, -1]], 1.0, atol=1e-8)


BAD_CONFIGS = {
    "unknown key": ("[wire]\nlenght = 1.1\n", "lenght"),
    "negative length": ("[wire]\nlength = -1.0\n", "wire.length"),
    "missing section": (None, "missing section [drive]"),
    "wrong type": ("[time]\nt_end = 'long'\n", "time.t_end"),
    "broken toml": ("[wire\nlength = 1\n", "not valid TOML"),
    "eta out of range": ("[model]\neta = 1.5\n", "model.eta"),
}


def base_toml(drop=None):
    text = FIG1.read_text()
    if drop:
        start = text.index(f"[{drop}]")
        end = text.index("[", start + 1)
        text = text[:start] + text[end:]
    return text


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_exits_2_and_writes_nothing(tmp_path, case):
    snippet, expected = BAD_CONFIGS[case]
    if snippet is None:
        text = base_toml(drop="drive")
    else:
        section = snippet.split("]")[0] + "]"
        text = base_toml(drop=section[1:-1]) + "\n" + snippet if section in base_toml() else base_toml() + snippet
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    out = tmp_path / "out"
    res = psc_fem("run", cfg, "--out", out)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert expected in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--set", "wire.length=0"], "wire.length"),
        (["--set", "time.scheme=rk4"], "time.scheme"),
        (["--set", "drive.currnt=1"], "did you mean 'current'"),
        (["--set", "nonsense"], "section.key=value"),
    ],
)
def test_bad_set_exits_2(tmp_path, args, expected):
    res = psc_fem("run", FIG1, "--out", tmp_path / "out", *args)
    assert res.returncode == 2 and expected in res.stderr, res.stderr
    assert not (tmp_path / "out").exists()


def test_missing_config_file(tmp_path):
    res = psc_fem("run", tmp_path / "nope.toml")
    assert res.returncode == 2 and "not found" in res.stderr


def test_spectrum_curves_csv(tmp_path):
    res = psc_fem(
        "spectrum", "--curves", "--psi", "0.2,0.5,0.8,1.0", "--temperature", "0.9", "--gamma", "0.3", "--out", tmp_path
    )
    assert res.returncode == 0, res.stderr
    header = (tmp_path / "fig2b.csv").read_text().splitlines()[0]
    assert header == "omega,psi=0.2,psi=0.5,psi=0.8,psi=1.0"
    data = np.loadtxt(tmp_path / "fig2b.csv", delimiter=",", skiprows=1)
    assert data.shape[1] == 5 and np.all(np.diff(data[:, 0]) > 0)
    assert (tmp_path / "fig2b.png").is_file()


@pytest.mark.parametrize(
    "args, expected",
    [
        (["spectrum", "/nonexistent"], "not a run directory"),
        (["spectrum", "--curves", "--temperature", "1.5"], "--temperature"),
        (["spectrum", "--curves", "--gamma", "-1"], "--gamma"),
        (["spectrum", "--curves", "--psi", "a,b"], "--psi"),
        (["spectrum", "--curves", "--variant", "bogus"], "invalid choice"),
        (["plot", "/nonexistent"], "no such directory"),
    ],
)
def test_bad_post_processing_input_exits_2(tmp_path, args, expected):
    res = psc_fem(*args, "--out", tmp_path / "o") if args[0] == "spectrum" else psc_fem(*args)
    assert res.returncode == 2 and expected in res.stderr, res.stderr
    assert not (tmp_path / "o").exists()
