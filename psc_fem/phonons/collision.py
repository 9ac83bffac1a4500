"""Phonon-electron collision integral, Eq. (8), for a given electron distribution.

Broadened form used here (energies in Delta0, prefactor pi lambda omega_D /
(2 eps_F) set to 1):

    I(omega) = int_0^omega deps P(eps) [(N+1) n(eps) n(omega-eps) - N (1-n(eps)) (1-n(omega-eps))]
             + 2 int_0^inf deps Q(eps) [(N+1) n(eps+omega) (1-n(eps)) - N (1-n(eps+omega)) n(eps)]

    P(eps) = N1(eps) N1(omega-eps) + R2(eps) R2(omega-eps)      (recombination, Eq. 9)
    Q(eps) = N1(eps) N1(eps+omega) - R2(eps) R2(eps+omega)      (relaxation, Eq. 10)

with N = N0(omega). Why this is Eq. (8): in the BCS limit gamma -> 0,
N1 -> eps/sqrt(eps^2 - D^2) and R2 -> D/sqrt(eps^2 - D^2) above the gap and
both vanish inside it, so P -> Phi_rec(eps, omega-eps) and
Q -> Phi_rel(eps+omega, eps) and the delta functions of (8) reduce the
double integrals to these single ones (recombination: 0 < eps < omega; the
relaxation variable is the lower energy). With gamma > 0 the same weights are
the Keldysh phonon self-energy with broadened spectral functions: the
recombination weight is the eps' = -eps branch, N1(-e) N1(w-e) - R2(-e) R2(w-e)
= P(e) since N1 is even and R2 odd. The distribution is assumed
branch-imbalance free, n(eps) = n(-eps), as in the paper.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .bcs import bose, n1_r2
from .quadrature import recombination_rule, scattering_rule


class Collision(NamedTuple):
    """Emission (terms with N+1) and absorption (terms with N) parts of Eq. (8)."""

    emission: np.ndarray
    absorption: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.emission - self.absorption


def recombination_weight(eps, omega, psi, gamma):
    """P(eps) = N1(eps) N1(omega - eps) + R2(eps) R2(omega - eps) (Eqs. 9, 13)."""
    n_a, r_a = n1_r2(eps, psi, gamma)
    n_b, r_b = n1_r2(omega - eps, psi, gamma)
    return n_a * n_b + r_a * r_b


def scattering_weight(eps, omega, psi, gamma):
    """Q(eps) = N1(eps) N1(eps + omega) - R2(eps) R2(eps + omega) (Eqs. 10, 13)."""
    n_a, r_a = n1_r2(eps, psi, gamma)
    n_b, r_b = n1_r2(eps + omega, psi, gamma)
    return n_a * n_b - r_a * r_b


def collision_integral(omega, n: Callable, psi, T, gamma, phonons=None, eps_max=None):
    """Eq. (8) at each omega for the electron distribution n(eps), eps >= 0.

    n: vectorised callable (for a sampled distribution pass e.g.
    ``lambda e: np.interp(e, eps_grid, n_values)``). phonons: N(omega),
    default the equilibrium N0 at T (Eq. 8 uses N0). eps_max: upper limit of
    the relaxation integral, default psi + 40 T; raise it for hot electrons.
    """
    omega = np.atleast_1d(np.asarray(omega, dtype=float))
    big_n = (bose(omega, T) if phonons is None else np.asarray(phonons, float))[:, None]
    w = omega[:, None]

    eps, wt = recombination_rule(omega, psi, gamma)
    p = recombination_weight(eps, w, psi, gamma) * wt
    na, nb = n(eps), n(w - eps)
    rec_em = np.sum(p * (big_n + 1.0) * na * nb, axis=1)
    rec_ab = np.sum(p * big_n * (1.0 - na) * (1.0 - nb), axis=1)

    eps, wt = scattering_rule(omega, psi, T, gamma, eps_max)
    q = scattering_weight(eps, w, psi, gamma) * wt
    lo, hi = n(eps), n(eps + w)
    rel_em = 2.0 * np.sum(q * (big_n + 1.0) * hi * (1.0 - lo), axis=1)
    rel_ab = 2.0 * np.sum(q * big_n * (1.0 - hi) * lo, axis=1)
    return Collision(rec_em + rel_em, rec_ab + rel_ab)
