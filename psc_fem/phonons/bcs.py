"""Broadened BCS functions N1, R2 and equilibrium occupations (Eqs. 8, 11, 13).

Energies in units of Delta0 (see `units`), so |Delta| = psi. The broadening
gamma = 1/(2 tau_eps) enters through z = eps + i gamma (Eq. 3, Eq. 11).
"""

import numpy as np
from scipy.special import expit


def retarded_root(eps, psi, gamma):
    """h(z) = sqrt(z - psi) sqrt(z + psi), z = eps + i gamma.

    The product of two principal roots is analytic in the upper half plane and
    behaves as z at large |z|: the retarded branch. The naive sqrt(z^2 - psi^2)
    crosses its branch cut at eps < 0 (e.g. the argument omega - eps of P in
    Eq. 13), flipping the sign of N1 there.
    """
    z = np.asarray(eps, dtype=float) + 1j * gamma
    return np.sqrt(z - psi) * np.sqrt(z + psi)


def n1_r2(eps, psi, gamma):
    """(N1, R2) of Eq. (11): N1 = Re[z/h], R2 = Re[psi/h] with the retarded h.

    N1 is even and R2 odd in eps (h(-conj z) = -conj h(z)), so both are
    evaluated at |eps|, where Im(z^2 - psi^2) >= 0 and the single principal
    root sqrt(z^2 - psi^2) equals retarded_root (both lie in the upper half
    plane): one complex root instead of two, same values.
    """
    eps = np.asarray(eps, dtype=float)
    z = np.abs(eps) + 1j * gamma
    inv = 1.0 / np.sqrt(z * z - psi * psi)
    return (z * inv).real, np.sign(eps) * psi * inv.real


def n1_r2_naive(eps, psi, gamma):
    """(N1, R2) with the principal root of (eps + i gamma)^2 - psi^2, for comparison only.

    Wrong for eps < 0: there it returns -N1(-eps) (odd, not even) and
    +R2(-eps). Used by the "literal" variant of Eq. (13) and by the tests that
    show the retarded branch matters.
    """
    z = np.asarray(eps, dtype=float) + 1j * gamma
    h = np.sqrt(z * z - psi * psi)
    return (z / h).real, (psi / h).real


def n1(eps, psi, gamma):
    """Broadened BCS density of states N1(eps) (Eq. 11); -> 1 at large |eps|."""
    return n1_r2(eps, psi, gamma)[0]


def r2(eps, psi, gamma):
    """Broadened anomalous (coherence) function R2(eps) (Eq. 11); odd in eps."""
    return n1_r2(eps, psi, gamma)[1]


def fermi(eps, T):
    """Equilibrium quasiparticle occupation n0 = 1/(exp(|eps|/T) + 1) (below Eq. 10)."""
    return expit(-np.abs(eps) / T)


def bose(omega, T):
    """Equilibrium phonon occupation N0 = 1/(exp(omega/T) - 1), omega > 0 (below Eq. 10)."""
    return 1.0 / np.expm1(np.asarray(omega, dtype=float) / T)
