"""The Fig. 1 wire (examples/fig1.toml) and the reference cases of the tests."""

from pathlib import Path

from mpi4py import MPI

import psc_fem  # noqa: F401  (initialises the DOLFINx wheel first)
from psc_fem.config import validate
from psc_fem.solver.simulation import simulate

ROOT = Path(__file__).resolve().parents[2]

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


# The phonon feedback of the feedback tests (docs/feedback.md); each test sets tau_es.
N_OMEGA = 32
FEEDBACK = {"feedback": True, "phonon_electron_rate": 1.0, "pair_breaking": 0.05, "n_omega": N_OMEGA}
