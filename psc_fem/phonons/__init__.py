"""Phonon emission and absorption by a phase-slip center (Eqs. 8-13, Fig. 2).

Energies are in units of Delta0 (`units`), so |Delta| = |Psi|.

* `bcs`: broadened BCS functions N1, R2 (retarded branch), n0, N0.
* `collision`: the phonon-electron collision integral, Eq. (8).
* `spectral`: eta1 of Eq. (13), variants "consistent" (default; the exact
  linearisation of Eq. 8), "printed", "printed-eq8" and "literal".
* `table`: eta1 on a (|Psi|, omega) grid, interpolated and cached on disk.
* `flux`: the flux spectrum of Eq. (12), E+ and E- per PSC period.
* `periods`, `quadrature`, `figures`, `synthetic`, `report`: helpers.
"""

from .bcs import bose, fermi, n1, n1_r2, r2
from .collision import collision_integral
from .flux import FluxModel, flux_spectrum, phonon_weight
from .spectral import VARIANTS, alpha, eta1
from .table import Eta1Table, load_table
from .units import temperature_in_delta0

__all__ = [
    "FluxModel",
    "Eta1Table",
    "VARIANTS",
    "alpha",
    "bose",
    "collision_integral",
    "eta1",
    "fermi",
    "flux_spectrum",
    "load_table",
    "n1",
    "n1_r2",
    "phonon_weight",
    "r2",
    "temperature_in_delta0",
]
