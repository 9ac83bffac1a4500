"""The example script (from the repository root) and the notebook (from examples/, as Jupyter starts it) run."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_example(*args):
    """``args`` run from the repository root with one thread and no screen: the CompletedProcess."""
    env = {**os.environ, "CI": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.slow
def test_quickstart_script(tmp_path):
    res = run_example("examples/quickstart.py", tmp_path / "q")
    assert res.returncode == 0, res.stderr
    import re

    ratio = float(re.search(r"state = periodic, .*period\*mean\(V\)/\(2 pi\) = ([0-9.]+)", res.stdout).group(1))
    assert abs(ratio - 1.0) < 1e-4, res.stdout  # settled (time.until = "periodic"), AC Josephson relation
    assert (tmp_path / "q" / "fig1.png").is_file() and (tmp_path / "q" / "spectrum.h5").is_file()


def test_quickstart_notebook(tmp_path):
    """Run the notebook the way Jupyter does: an IPython kernel (nbclient) started in examples/, with
    matplotlib's own default backend; Fig. 1 comes back as an image, the spectrum as numbers."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "examples" / "quickstart.ipynb", as_version=4)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # no backend forced from outside
    env.update(PSC_FEM_NOTEBOOK_OUT=str(tmp_path / "nb"), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits this environment
    try:
        NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "examples")}}
        ).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    code = [c for c in nb.cells if c.cell_type == "code"]
    fig1_cell = next(c for c in code if "plot_fig1" in c.source)
    assert any("image/png" in o.get("data", {}) for o in fig1_cell.outputs), "Fig. 1 is not displayed"
    spec_cell = next(c for c in code if "sol.spectrum()" in c.source)
    e_plus, e_minus = eval(spec_cell.outputs[-1]["data"]["text/plain"], {"np": __import__("numpy")})
    assert e_plus > 0 > e_minus and abs(e_plus / -e_minus - 1) < 1e-3
    assert (tmp_path / "nb" / "spectrum.h5").is_file()


def test_disc_vortices_example(tmp_path):
    """examples/disc_vortices.py (docs/films.md): the disc at B = 1.5 settles with 4 vortices, no antivortex."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    res = subprocess.run(
        [sys.executable, "examples/disc_vortices.py", str(tmp_path / "d")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    assert "tau = 300: 4 vortices, 0 antivortices" in res.stdout
    assert (tmp_path / "d" / "film.png").is_file()
    # psc-fem plot --animate: film.gif (a frame per frame) and the vortex tracks
    res = run_example("-m", "psc_fem.cli", "plot", tmp_path / "d", "--animate")
    assert res.returncode == 0, res.stderr
    from PIL import Image

    from psc_fem.plotting.film_movie import vortex_tracks
    from psc_fem.solution import Solution

    with Image.open(tmp_path / "d" / "film.gif") as gif:
        assert gif.n_frames == 31
    assert (tmp_path / "d" / "film_tracks.png").is_file()
    t, vortices, antivortices = vortex_tracks(Solution.load(tmp_path / "d"))[-1]
    assert t == 300.0 and len(vortices) == 4 and len(antivortices) == 0


@pytest.mark.slow
def test_film_constriction_example(tmp_path):
    """examples/film_constriction.toml as docs/films.md quotes it: periodic slips, period 12.53, mean V 0.750."""
    import json

    res = run_example("-m", "psc_fem.cli", "run", "examples/film_constriction.toml", "--out", tmp_path / "c", "--quiet")
    assert res.returncode == 0, res.stderr
    a = json.loads((tmp_path / "c" / "run.json").read_text())["analysis"]
    assert a["state"] == "periodic" and a["period_change"] <= 1e-3
    assert a["period"] == pytest.approx(12.53, rel=1e-3) and a["mean_V"] == pytest.approx(0.750, rel=1e-3)
