import gc
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
from mpi4py import MPI  # noqa: E402

import psc_fem  # noqa: E402,F401  (initialises the DOLFINx wheel first)
from psc_fem.config import validate  # noqa: E402
from psc_fem.solver.simulation import simulate  # noqa: E402

# The Fig. 1 wire (examples/fig1.toml) and the reference cases of the tests.
FIG1 = {
    "wire": {"length": 1.1, "h": 0.05},
    "model": {"delta": 10 / 3, "eta": 0.1},
    "drive": {"current": 1.5},
    "time": {"t_end": 100.0},
}


def make_config(**sections):
    """Config from section dicts on top of the Fig. 1 wire, no field output."""
    data = {k: dict(v) for k, v in FIG1.items()}
    data["output"] = {"fields": False, "every": 1.0}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return validate(data)


def run(tmp_path, comm=MPI.COMM_SELF, **sections):
    """simulate() quietly into tmp_path; returns the Solution."""
    return simulate(make_config(**sections), tmp_path, comm=comm, progress=False, echo=False)


@pytest.fixture(autouse=True)
def _collective_teardown():
    yield
    gc.collect()  # PETSc objects are destroyed collectively
    MPI.COMM_WORLD.Barrier()
