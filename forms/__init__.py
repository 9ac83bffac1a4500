"""UFL weak forms of the finite-gap TDGL wire, written next to the paper.

Installed as ``psc_fem.forms``.  `tdgl` holds the residual in COMSOL's
general form (B.1)-(B.4) and the current balance (A.2)-(A.3); `elliptic`
holds the interference factor of (A.2) in the two flavours of docs/design.md;
`covariant` holds the gauge-covariant BDF time derivative of Psi.
"""

from .covariant import covariant_bdf, times_i, transport
from .elliptic import agm_k_minus_e, interference_factor
from .tdgl import ModelCoefficients, current_parts, phi_residual, psi_residual

__all__ = [
    "ModelCoefficients",
    "covariant_bdf",
    "agm_k_minus_e",
    "current_parts",
    "interference_factor",
    "phi_residual",
    "psi_residual",
    "times_i",
    "transport",
]
