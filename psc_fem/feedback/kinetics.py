"""The phonon kinetic equation (5)-(6) at every node, and P(|Delta|) of Eqs. (3)-(4).

Dimensionless (tau in t0, energies in Delta0; docs/feedback.md):

    d dN/dtau = g [s - nu(psi) dN] - dN / tau_es                   (5), (6)
    s         = (delta eps_t / T) d|Psi|/dtau source(omega; psi)
    p         = P/eta = -(delta c_P / eta) sum_i dw w_i^2 pair(w_i; psi) dN_i   (3), (4), (A.1)

g = t0 pi lambda omega_D Delta0 / (2 eps_F) is the normal-state phonon-electron
rate at omega = Delta0 in units of 1/t0 (nu = omega in the normal state), and
eps_t = 1/(t0 Delta0) = 8 u eta / (pi Delta0/Tc) (hbar = 1): tau_eps d|Delta|/dt
= (delta/2) eps_t d|Psi|/dtau in Delta0.

One step [t_n, t_n + h] holds psi and d|Psi|/dtau at the secant values
psi_mid = (psi_n + psi_{n+1})/2, (psi_{n+1} - psi_n)/h, so s and
k = g nu + 1/tau_es are constant and the step is solved exactly
(exponential integrator, stable for any h/tau_es):

    dN_{n+1} = dN_n e^{-kh} + s' h phi1(kh),   int dN dtau = h [dN_n phi1(kh) + s' h phi2(kh)]

with s' = g s, phi1(x) = (1 - e^{-x})/x, phi2(x) = (x - 1 + e^{-x})/x^2.  The
energy identity of the step, E_{n+1} - E_n = input - escaped with
E = sum dw w^3 dN, input = sum dw w^3 (s' h - g nu int dN) and
escaped = sum dw w^3 int dN / tau_es, then holds to round-off
(1 - x phi2 = phi1, x phi1 = 1 - e^{-x}).  "local-equilibrium" sets
d dN/dtau = 0: dN = s'/k, held over the step; input = escaped exactly and
the stored energy is not conserved (that is the approximation).
tau_es = 0 is free escape: dN = 0, p = 0, escaped = input = s' h.
"""

import math
from dataclasses import dataclass

import numpy as np

from psc_fem.phonons.units import delta0_over_tc

SERIES_X = 1e-3  # below this k h, phi2 from its Taylor series (no cancellation)


def phi1(x):
    """(1 - e^{-x})/x, = 1 at x = 0."""
    x = np.asarray(x, dtype=float)
    safe = np.where(x > 0, x, 1.0)
    return np.where(x > 0, -np.expm1(-safe) / safe, 1.0)


def phi2(x):
    """(x - 1 + e^{-x})/x^2, = 1/2 at x = 0."""
    x = np.asarray(x, dtype=float)
    safe = np.where(x > SERIES_X, x, 1.0)
    series = 0.5 - x / 6.0 + x * x / 24.0 - x**3 / 120.0
    return np.where(x > SERIES_X, (np.expm1(-safe) + safe) / (safe * safe), series)


def time_energy(eta, u):
    """eps_t = 1/(t0 Delta0) in units of Delta0 (hbar = 1): t0 = pi/(8 u (Tc - T)) (Appendix A)."""
    return 8.0 * u * eta / (math.pi * delta0_over_tc(eta))


@dataclass(frozen=True)
class Couplings:
    """The numbers of Eqs. (3)-(6) in the units above (docs/feedback.md)."""

    g: float  # phonon_electron_rate
    source: float  # delta eps_t / T
    p: float  # delta c_P / eta
    tau_es: float
    mode: str = "kinetic"

    @classmethod
    def from_config(cls, model, phonons, T):
        """From [model] and [phonons]; T in Delta0."""
        return cls(
            g=phonons.phonon_electron_rate,
            source=model.delta * time_energy(model.eta, model.u_value) / T,
            p=model.delta * phonons.pair_breaking / model.eta,
            tau_es=phonons.tau_es,
            mode=phonons.mode,
        )


@dataclass
class StepBudget:
    """Per node and omega (n_nodes, n_omega): phonon numbers of one step (times dw w^3: energies)."""

    source: np.ndarray  # s' h: emitted by the PSC (Eq. 8 linearised)
    absorbed: np.ndarray  # g nu int dN: re-absorbed by the electrons
    escaped: np.ndarray  # int dN / tau_es: into the bath (Eq. 6)


class PhononKinetics:
    """dN(omega) at n_nodes points, advanced step by step; p at those points."""

    def __init__(self, kernels, couplings, n_nodes):
        self.k, self.c = kernels, couplings
        self.dN = np.zeros((n_nodes, kernels.omega.size))
        w = kernels.omega
        self.energy_weight = kernels.d_omega * w**3  # sum(energy_weight * dN) = phonon energy
        self.p_weight = kernels.d_omega * w**2

    def energy(self, dN=None):
        """Stored phonon energy sum dw w^3 dN at each node."""
        return (self.dN if dN is None else dN) @ self.energy_weight

    def step(self, psi_old, psi_new, h):
        """Advance dN over a step of length h; returns the step's `StepBudget`."""
        c = self.c
        psi_mid = 0.5 * (np.asarray(psi_old) + np.asarray(psi_new))
        rate = (np.asarray(psi_new) - np.asarray(psi_old)) / h
        src = (c.g * c.source) * rate[:, None] * self.k.source.rows(psi_mid)
        if c.tau_es == 0.0:  # free escape (the paper): everything emitted leaves at once
            self.dN[:] = 0.0
            return StepBudget(src * h, np.zeros_like(src), src * h)
        g_nu = c.g * self.k.decay.rows(psi_mid)
        k = g_nu + 1.0 / c.tau_es
        if c.mode == "kinetic":
            x = k * h
            integral = h * (self.dN * phi1(x) + src * h * phi2(x))
            self.dN = self.dN * np.exp(-x) + src * h * phi1(x)
        else:  # local equilibrium: d dN/dtau = 0
            self.dN = src / k
            integral = h * self.dN
        return StepBudget(src * h, g_nu * integral, integral / c.tau_es)

    def p(self, psi):
        """p = P/eta of Eqs. (3)-(4) at each node for the current dN and |Psi| = psi."""
        return -self.c.p * np.einsum("ij,ij->i", self.k.pair.rows(psi) * self.p_weight, self.dN)
