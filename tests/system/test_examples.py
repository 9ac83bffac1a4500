"""The example script and notebook run (they stop once settled), from the repository root."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quickstart_script(tmp_path):
    env = {**os.environ, "CI": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    res = subprocess.run(
        [sys.executable, "examples/quickstart.py", str(tmp_path / "q")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    import re

    ratio = float(re.search(r"state = periodic, .*period\*mean\(V\)/\(2 pi\) = ([0-9.]+)", res.stdout).group(1))
    assert abs(ratio - 1.0) < 1e-4, res.stdout  # settled (time.until = "periodic"), AC Josephson relation
    assert (tmp_path / "q" / "fig1.png").is_file() and (tmp_path / "q" / "spectrum.h5").is_file()


def test_quickstart_notebook(tmp_path, monkeypatch):
    """Execute the notebook's code cells in order in one namespace (no kernel needed)."""
    nb = json.loads((ROOT / "examples" / "quickstart.ipynb").read_text())
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CI", "1")
    monkeypatch.setenv("PSC_FEM_NOTEBOOK_OUT", str(tmp_path / "nb"))
    namespace = {}
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(cells) >= 3
    for cell in cells:
        source = "".join(cell["source"])
        exec(compile(source, "quickstart.ipynb", "exec"), namespace)
    assert (tmp_path / "nb" / "fig1.png").is_file()
    assert namespace["spec"]["E_plus"] > 0 > namespace["spec"]["E_minus"]
