"""psc_fem: phase-slip centers in 1D superconducting wires (finite-gap TDGL).

The DOLFINx wheel must be initialised before dolfinx or petsc4py import.
"""

import dolfinx_solver  # noqa: F401  (must precede dolfinx / petsc4py)

__version__ = "0.1.0"
