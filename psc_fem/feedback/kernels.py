"""Spectral kernels of the phonon feedback, Eqs. (3)-(5), tabulated on (|Psi|, omega).

Energies in Delta0 (psc_fem.phonons.units), so |Delta| = |Psi| = psi.  The
electrons enter every kernel with their equilibrium distribution n0 at T;
their non-equilibrium part enters only through the source (docs/feedback.md).
With P(e) = N1(e) N1(w-e) + R2(e) R2(w-e), Q(e) = N1(e) N1(e+w) - R2(e) R2(e+w)
(psc_fem.phonons.collision) and h(e) = sqrt((e + i gamma)^2 - psi^2):

* source(w; psi) = N0(w) eta1(w; psi): Eq. (8) linearised in
  delta n = tau_eps alpha d|Delta|/dt (Eq. 11) is (2 tau_eps/T) d|Delta|/dt
  N0 eta1 (psc_fem.phonons.spectral, "consistent" variant): the PSC's
  emission per phonon mode, the same physics as the flux of Eq. (12).
* decay(w; psi) = -dI/dN at n = n0, the phonon-electron collision rate of
  Eq. (8) (prefactor 1):
      int_0^w P (1 - n0(e) - n0(w-e)) de + 2 int_0^inf Q (n0(e) - n0(e+w)) de,
  pair breaking plus absorption by quasiparticles; = w in the normal state.
* pair(w; psi): Eqs. (3)-(4) with the integrals swapped,
      P(|Delta|) = -2 tau_eps c_P int dw w^2 delta N(w) pair(w; psi),
      pair(w; psi) = int_0^w Re[1/h(e)] P(e) (1 - n0(e) - n0(w-e)) de,
  where c_P = pi lambda/(2 (u p_F)^2) (in Delta0^-2) and the BCS u, v of
  Eq. (4) are the broadened N1, R2 (eps' > 0 instead of eps' > |Delta|, as
  in the recombination term of Eq. 8).
"""

from dataclasses import dataclass

import numpy as np

from psc_fem.phonons.bcs import bose, fermi
from psc_fem.phonons.collision import collision_integral, recombination_weight
from psc_fem.phonons.quadrature import recombination_rule
from psc_fem.phonons.spectral import eta1
from psc_fem.phonons.table import Eta1Table, cached_table, default_grid

OMEGA_MAX_IN_T = 15.0  # N0 w^3 at 15 T is 7e-4 of its peak


def omega_grid(omega_max, n_omega):
    """Midpoints w_i = (i + 1/2) dw and the weight dw of the midpoint rule on (0, omega_max)."""
    dw = omega_max / n_omega
    return (np.arange(n_omega) + 0.5) * dw, dw


def source_shape(omega, psi, T, gamma):
    """N0(w) eta1(w; psi): Eq. (8) linearised, per unit (2 tau_eps/T) d|Delta|/dt."""
    return bose(omega, T) * eta1(omega, psi, T, gamma, "consistent")


def decay_rate(omega, psi, T, gamma):
    """-dI/dN of Eq. (8) at n = n0: absorption minus emission coefficient of one phonon."""
    omega = np.atleast_1d(np.asarray(omega, dtype=float))
    n0 = lambda e: fermi(e, T)  # noqa: E731
    emission = collision_integral(omega, n0, psi, T, gamma, phonons=np.zeros_like(omega)).emission
    absorption = collision_integral(omega, n0, psi, T, gamma, phonons=np.ones_like(omega)).absorption
    return absorption - emission


def pair_breaking(omega, psi, T, gamma):
    """pair(w; psi) = int_0^w Re[1/h(e)] P(e) (1 - n0(e) - n0(w - e)) de (Eqs. 3-4)."""
    omega = np.atleast_1d(np.asarray(omega, dtype=float))
    w = omega[:, None]
    eps, wt = recombination_rule(omega, psi, gamma)
    z = eps + 1j * gamma  # eps > 0: the principal root is the retarded one (phonons.bcs)
    re_inv_h = (1.0 / np.sqrt(z * z - psi * psi)).real
    thermal = 1.0 - fermi(eps, T) - fermi(w - eps, T)
    return np.sum(re_inv_h * recombination_weight(eps, w, psi, gamma) * thermal * wt, axis=1)


KERNELS = {"feedback-source": source_shape, "feedback-decay": decay_rate, "feedback-pair": pair_breaking}


def _build(T, gamma, variant, psi, omega):
    fn = KERNELS[variant]
    values = np.stack([fn(omega, float(p), T, gamma) for p in psi])
    return Eta1Table(float(T), float(gamma), variant, np.asarray(psi), np.asarray(omega), values)


@dataclass(frozen=True)
class Kernels:
    """source, decay and pair on one (psi, omega) grid; rows(psi) interpolate in psi (cubic)."""

    omega: np.ndarray
    d_omega: float
    source: Eta1Table
    decay: Eta1Table
    pair: Eta1Table


PSI_MAX_FEEDBACK = 2.0


def load_kernels(T, gamma, omega_max, n_omega, cache=None):
    """The three kernel tables (cached like the eta1 tables, psc_fem.phonons.table)."""
    # |Psi| up to 2: a phonon deficit (p > 0) lifts the bulk |Psi|^2 to 1 + p (p reached 0.71 in
    # docs/feedback.md), beyond the spectra's default table range of 1.25
    psi = default_grid(T, gamma, omega_max=1.0, n_omega=4, psi_max=PSI_MAX_FEEDBACK)[0]
    omega, dw = omega_grid(omega_max, n_omega)
    tables = [cached_table(T, gamma, name, psi, omega, _build, cache) for name in KERNELS]
    return Kernels(omega, dw, *tables)
