"""psc_fem: phase-slip centers in 1D superconducting wires (finite-gap TDGL).

    import psc_fem
    cfg = psc_fem.load_config("examples/fig1.toml", ["time.t_end=60"])
    sol = psc_fem.simulate(cfg, "runs/api")         # a Solution: series, frames, stats
    sol = psc_fem.load_run("runs/api")              # the same, read back from the directory
    sol.plot_fig1()

The DOLFINx wheel must be initialised before dolfinx or petsc4py import;
importing psc_fem does that.  The API names load lazily, so the command
line starts fast.
"""

from typing import TYPE_CHECKING

import dolfinx_solver  # noqa: F401  (must precede dolfinx / petsc4py)

if TYPE_CHECKING:  # the lazy names below, for type checkers and IDEs
    from psc_fem.config import Config, load_config
    from psc_fem.errors import ConfigError
    from psc_fem.phonons.spectrum import run_spectrum, write_curves
    from psc_fem.resources import example_config
    from psc_fem.solution import Solution, load_run
    from psc_fem.solver.simulation import simulate

__version__ = "0.1.0"

_API = {
    "Config": "psc_fem.config",
    "ConfigError": "psc_fem.errors",
    "load_config": "psc_fem.config",
    "simulate": "psc_fem.solver.simulation",
    "load_run": "psc_fem.solution",
    "Solution": "psc_fem.solution",
    "run_spectrum": "psc_fem.phonons.spectrum",
    "write_curves": "psc_fem.phonons.spectrum",
    "example_config": "psc_fem.resources",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'psc_fem' has no attribute {name!r}")
