"""The environment of every test, the collective teardown, and the shared Fig. 1 runs.

Test modules import their helpers from the ``helpers`` package (tests/helpers),
never from this file.  The session-scoped runs below are computed once per
session (once per worker under pytest-xdist) and are read-only: a test that
writes into a run directory (spectrum.h5, figures, a resume) copies it first.
"""

import gc
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

pytest.register_assert_rewrite("helpers")  # assertion messages inside the shared checks

from helpers.configs import ROOT, run  # noqa: E402
from helpers.runs import fig1_toml  # noqa: E402
from mpi4py import MPI  # noqa: E402

import psc_fem  # noqa: E402,F401  (initialises the DOLFINx wheel first)
from psc_fem.config import load_config  # noqa: E402
from psc_fem.solver.simulation import simulate  # noqa: E402

_module = [None]


def pytest_runtest_setup(item):
    """At the first test of a module (before its fixtures): collect what the modules before left
    (their module fixtures are torn down by now), then move every survivor, long-lived from here on
    (imports, caches, session fixtures), out of the garbage collector's sight with gc.freeze().  The
    gc.collect() after each test then scans only the module's own objects: 0.1 s per test otherwise,
    a third of the serial suite's time.  Every rank runs the same tests, so this is collective too."""
    if item.module is not _module[0]:
        _module[0] = item.module
        gc.collect()
        gc.freeze()


@pytest.fixture(autouse=True)
def _collective_teardown():
    yield
    gc.collect()  # PETSc objects are destroyed collectively
    MPI.COMM_WORLD.Barrier()


@pytest.fixture(scope="session")
def fig1_run(tmp_path_factory):
    """examples/fig1.toml at its settings (until periodic: settled, the spectra of Fig. 2 come from
    whole periods), without field output and with frames every 0.05 t0: the run directory (Path).

    Shared by the spectrum and cooling tests, which work on copies of it."""
    out = tmp_path_factory.mktemp("fig1") / "run"
    cfg = load_config(ROOT / "examples" / "fig1.toml", ["output.fields=false", "output.every=0.05"])
    simulate(cfg, out, comm=MPI.COMM_SELF, progress=False, echo=False)
    return out


@pytest.fixture(scope="session")
def fig1_t30(tmp_path_factory):
    """The Fig. 1 wire of helpers.configs to tau = 30 (frames every 1, no fields): the Solution."""
    return run(tmp_path_factory.mktemp("fig1_t30"), time={"t_end": 30.0})


@pytest.fixture(scope="session")
def fig1_checkpointed(tmp_path_factory):
    """The uninterrupted serial run of helpers.runs.fig1_toml (Fig. 1 to tau = 30, frames every 0.1,
    checkpoints every 2), the reference of the kill and signal tests: (config path, run directory, Solution)."""
    tmp = tmp_path_factory.mktemp("fig1_checkpointed")
    cfg_path = fig1_toml(tmp)
    ref = simulate(load_config(cfg_path), tmp / "ref", comm=MPI.COMM_SELF, progress=False, echo=False)
    return cfg_path, tmp / "ref", ref
