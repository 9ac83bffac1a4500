"""A non-editable install carries every subpackage (pyproject lists them by hand)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_subpackage_is_listed():
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setup["packages"])
    on_disk = {
        "psc_fem." + ".".join(p.parent.relative_to(ROOT / "psc_fem").parts)
        if p.parent != ROOT / "psc_fem"
        else "psc_fem"
        for p in (ROOT / "psc_fem").rglob("__init__.py")
    }
    on_disk |= {f"psc_fem.{name}" for name in ("forms", "meshes", "examples")}  # from forms/, meshes/, examples/
    assert on_disk <= listed, sorted(on_disk - listed)
    assert setup["package-dir"] == {
        "psc_fem": "psc_fem",
        "psc_fem.forms": "forms",
        "psc_fem.meshes": "meshes",
        "psc_fem.examples": "examples",
    }
