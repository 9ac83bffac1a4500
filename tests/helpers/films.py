"""Film configs of the tests: the Fig. 1 wire as a narrow strip (docs/films.md)."""

from mpi4py import MPI

import psc_fem  # noqa: F401  (initialises the DOLFINx wheel first)
from psc_fem.film.config import validate_film
from psc_fem.solver.simulation import simulate

# The Fig. 1 wire (L = 1.1 xi, delta = 10/3, eta = 0.1, j = 1.5) as a strip of width 0.1 xi between banks,
# V read at the ends as on the wire
STRIP = {
    "geometry": {"kind": "strip", "length": 1.1, "width": 0.1, "mesh_size": 0.05, "ends": "banks"},
    "model": {"delta": 10 / 3, "eta": 0.1},
    "drive": {"current": 1.5},
    "time": {"t_end": 400.0, "until": "periodic"},
    "output": {"every": 1.0, "probes": [[-0.55, 0.0], [0.55, 0.0]]},
}


def film_config(**sections):
    data = {k: dict(v) for k, v in STRIP.items()}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return validate_film(data)


def run_film(tmp_path, comm=MPI.COMM_SELF, **sections):
    """simulate() of a film quietly into tmp_path; returns the Solution."""
    return simulate(film_config(**sections), tmp_path, comm=comm, progress=False, echo=False)


def constriction_config(until="periodic", mesh_size=0.2):
    """The 8 x 1 xi constriction of docs/films.md (neck 0.4 x 2, normal terminals, j = 0.22): periodic phase
    slips in the neck.  On the default coarse mesh (831 unknowns) its period is 13.62, far from the fine
    meshes' 8.14: for comparisons on one mesh."""
    from psc_fem.meshes import shapes

    vertices, holes = shapes.constriction(8.0, 1.0, 0.4, 2.0)
    return validate_film(
        {
            "geometry": {"kind": "polygon", "vertices": vertices, "holes": holes, "mesh_size": mesh_size},
            "model": {"delta": 10 / 3, "eta": 0.1},
            "drive": {"current": 0.22},
            "time": {"t_end": 1000.0, "until": until},
            "output": {"fields": False},
        }
    )
