"""Phonon flux spectrum of a PSC, Eq. (12), and its parts over a period.

Dimensionless form (C = 1):

    dW(omega, x, t) = d|Psi|/dtau * N0(omega) * eta1(omega; |Psi|, T, gamma) * omega^3

with omega, T, gamma in Delta0 and tau in t0. With C the prefactor of
Eq. (12), K = lambda tau_eps V omega_D / (2 pi u^3 T eps_F) (hbar = k_B = 1),
the physical spectral power per unit dimensionless omega is K Delta0^6 / t0
times dW, and an energy integrated over omega and tau is K Delta0^6 times
the dimensionless one; for x integrals (x in xi) take V = A xi, A the cross
section.

E+ and E- are the positive and negative parts of dW integrated over omega,
the wire and one PSC period, taken point by point in (omega, x, t): the
emitted and the absorbed phonon energy that thermal diodes would separate.
Since dW = d|Psi|/dtau F(|Psi|, omega), its integral over a period [t0, t1]
is G(|Psi(t1)|) - G(|Psi(t0)|) with dG/d|Psi| = F: zero at every omega and x
for a periodic |Psi|. Hence E+ = -E- exactly, and Eq. (12) carries no net
(Joule) heat; numerically the residual is the time-quadrature error.
"""

import numpy as np

from .bcs import bose
from .periods import window_integrals
from .table import Eta1Table


def phonon_weight(omega, T):
    """N0(omega) omega^3, continued by its limit 0 at omega = 0."""
    omega = np.asarray(omega, dtype=float)
    safe = np.where(omega > 0, omega, 1.0)
    return np.where(omega > 0, safe**3 * bose(safe, T), 0.0)


def flux_spectrum(dpsi_dt, eta1_values, omega, T):
    """Eq. (12) with C = 1: d|Psi|/dtau (...) times N0 eta1 omega^3 (..., n_omega)."""
    return np.asarray(dpsi_dt, float)[..., None] * eta1_values * phonon_weight(omega, T)


def trapezoid_weights(x):
    """Weights w with sum(w f) = trapezoid integral of f over the nodes x."""
    x = np.asarray(x, dtype=float)
    w = np.zeros_like(x)
    w[1:] += 0.5 * np.diff(x)
    w[:-1] += 0.5 * np.diff(x)
    return w


class FluxModel:
    """Eq. (12) on the omega grid of an eta1 table, vectorised over (t, x)."""

    def __init__(self, table: Eta1Table):
        self.table = table
        self.omega = table.omega
        # S(psi_j, omega) = N0 eta1 omega^3 on the table's psi grid
        self.shape = table.values * phonon_weight(table.omega, table.T)
        wo = trapezoid_weights(table.omega)
        self.s_plus = np.maximum(self.shape, 0.0) @ wo
        self.s_minus = np.minimum(self.shape, 0.0) @ wo

    def spectrum(self, psi, weight):
        """sum_x weight(t, x) S(psi(t, x), omega): (n_t, n_omega).

        Interpolation in psi is linear in the table rows, so the sum over x is
        a (n_t, n_psi) sparse-weight matrix times the table: cost ~ n_t n_x.
        """
        psi, weight = np.atleast_2d(psi), np.atleast_2d(weight)
        idx, w = self.table.psi_stencil(psi)
        n_t, n_psi = psi.shape[0], len(self.table.psi)
        rows = np.broadcast_to(np.arange(n_t)[:, None, None], idx.shape)
        coef = np.bincount(
            (rows * n_psi + idx).ravel(), (weight[..., None] * w).ravel(), minlength=n_t * n_psi
        ).reshape(n_t, n_psi)
        return coef @ self.shape

    def energy_rates(self, psi, dpsi_dt, weight):
        """Rates (n_t,) of emitted (>= 0) and absorbed (<= 0) energy, summed over x.

        The sign of dW at (omega, x, t) is sign(d|Psi|/dtau) sign(S(psi, omega)), so
        the omega integral of its positive part is d|Psi|/dtau times S+(psi) if
        d|Psi|/dtau > 0 and times S-(psi) otherwise.
        """
        idx, w = self.table.psi_stencil(psi)
        sp = np.einsum("...k,...k->...", w, self.s_plus[idx])
        sm = np.einsum("...k,...k->...", w, self.s_minus[idx])
        rise = dpsi_dt > 0
        plus = dpsi_dt * np.where(rise, sp, sm)
        minus = dpsi_dt * np.where(rise, sm, sp)
        return np.atleast_2d(plus * weight).sum(axis=-1), np.atleast_2d(minus * weight).sum(axis=-1)

    def period_energies(self, t, psi, dpsi_dt, weight, bounds):
        """E+ and E- (each (n_periods,)) over the windows in bounds."""
        plus, minus = self.energy_rates(psi, dpsi_dt, weight)
        return window_integrals(t, plus, bounds), window_integrals(t, minus, bounds)
