"""A closed disc in a perpendicular field: vortices nucleate from the normal state (docs/films.md).

A disc of radius 3 xi (a 128-gon, psc_fem.meshes.shapes.disc) with no
terminals (ends = "none") at B = 1.5 Hc2, started from a small Psi with all
angular momenta 0..8: the fastest-growing one, L = 4, wins (the lowest
level of the disc's radial problem, tests/helpers/disc.py), and the disc
settles with 4 vortices.  ~4 s on one core.

    python examples/disc_vortices.py [OUT_DIR]
"""

import sys

import numpy as np

import psc_fem  # noqa: F401  (initialises the DOLFINx wheel first)
from psc_fem.film.config import validate_film
from psc_fem.film.frames import psi_of, read_frame
from psc_fem.film.run import simulate_film
from psc_fem.film.vortices import cell_windings, symmetric_gauge
from psc_fem.meshes import shapes

R, B = 3.0, 1.5
out = sys.argv[1] if len(sys.argv) > 1 else "runs/disc_vortices"
vertices, _ = shapes.disc(R, 128)
config = validate_film(
    {
        "geometry": {"kind": "polygon", "vertices": vertices, "mesh_size": 0.2, "ends": "none"},
        "field": {"B": B},
        "model": {"delta": 0.0, "eta": 0.1},
        "drive": {"current": 0.0},
        "time": {"t_end": 300.0},
        "output": {"every": 10.0},
    }
)


def small_psi(points):
    """0.01 sum_L (z/R)^L, L = 0..8: every vorticity present at the start."""
    z = (points[:, 0] + 1j * points[:, 1]) / R
    return 0.01 * sum(z**L for L in range(9))


sol = simulate_film(config, out, overwrite=True, initial_psi=small_psi, progress=False, echo=False)
points, cells, t, values = read_frame(sol.rundir.fields_h5)
windings = cell_windings(points, cells, psi_of(values), symmetric_gauge(B))
print(
    f"tau = {t:g}: {int((windings > 0).sum())} vortices, {int((windings < 0).sum())} antivortices, "
    f"max |Psi| = {np.abs(psi_of(values)).max():.4f}"
)
sol.plot_film(f"{out}/film.png")
print(f"figure: {out}/film.png")
