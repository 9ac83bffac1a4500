"""The linear problem of a disc in a field, solved independently of the FEM (a radial finite-volume grid).

-(grad - iA)^2 Psi = E Psi on a disc of radius R with the insulating
condition, A = B (-y, x)/2 (lengths in xi, B in Hc2).  With
Psi = f(r) exp(i L theta) it is the radial problem
    -(1/r)(r f')' + (L/r - B r/2)^2 f = E f,   f'(R) = 0,
whose lowest E(L) decides which vorticity L nucleates from the normal
state (E < 1 grows at the rate (1 - E)/u in TDGL time) and at which field
(E = 1): the disc's Hc3 and its steps in L (Saint-James, Phys. Lett. 15,
13 (1965); Moshchalkov et al., Nature 373, 319 (1995); Schweigert and
Peeters, Phys. Rev. B 57, 13817 (1998)).
"""

import numpy as np
from scipy.linalg import eigh_tridiagonal


def disc_level(radius, B, L, cells=4000):
    """Lowest E of angular momentum L: cell-centred finite volumes in r, second order (4000 cells: ~1e-7)."""
    h = radius / cells
    r = (np.arange(cells) + 0.5) * h
    faces = np.arange(cells + 1) * h
    faces[-1] = 0.0  # the flux r f' vanishes at r = 0 (faces[0] = 0) and, insulating, at r = R
    stiff_diag = (faces[:-1] + faces[1:]) / h**2 + r * (L / r - 0.5 * B * r) ** 2
    stiff_off = -faces[1:-1] / h**2  # interior faces
    s = 1.0 / np.sqrt(r)  # K f = E diag(r) f, symmetrised
    return eigh_tridiagonal(stiff_diag * s * s, stiff_off * s[:-1] * s[1:], select="i", select_range=(0, 0))[0][0]


def nucleating_vorticity(radius, B, L_max=20):
    """(L, E) of the lowest level over L = 0 .. L_max."""
    levels = {L: disc_level(radius, B, L) for L in range(L_max + 1)}
    L = min(levels, key=levels.get)
    return L, levels[L]
