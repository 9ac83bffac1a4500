"""Files shipped with psc_fem: the example configs of examples/, from any working directory.

    cfg = psc_fem.load_config(psc_fem.example_config("fig1.toml"))

examples/ is installed as the package data psc_fem.examples (pyproject.toml),
so a notebook started in examples/ or anywhere else finds the same file.
"""

from importlib import resources
from pathlib import Path


def example_config(name: str) -> Path:
    """Path of an example config shipped in examples/ (e.g. "fig1.toml"); FileNotFoundError lists the choices."""
    root = resources.files("psc_fem.examples")
    path = Path(str(root / name))
    if not path.is_file():
        known = sorted(p.name for p in Path(str(root)).glob("*.toml"))
        raise FileNotFoundError(f"no example config {name!r}; shipped: {', '.join(known)}")
    return path
