"""The thermal chain under one filament: the exact 1D series stack of the full balance (`Chain`), Eq. (14)'s leak.

Conductivities are power laws k = a T^n (`Material.k_params`); each layer is
solved through its Kirchhoff transform theta = int k dT (`_theta`), each
Kapitza interface by q = h0 (T1^4 - T2^4) / 4.  The FEM model
(`psc_fem.cooling.heat`) reproduces `Chain` for a slab.
"""

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from psc_fem.cooling.materials import Material


def _theta(a, n, T):
    return a * np.asarray(T, float) ** (n + 1) / (n + 1)


def _theta_inv(a, n, th):
    if th < 0:
        return None
    return ((n + 1) * th / a) ** (1.0 / (n + 1))


@dataclass(frozen=True)
class Chain:
    """The 1D series stack under one filament, cold finger at the bottom.

    cold finger (T_b) | substrate (area A_s, thickness t_s, k_s = a T^n)
    | Kapitza filament|substrate (h0_fs T^3, area S) | filament (k_f, d, area S,
    Joule source) | Kapitza filament|top (h0_ft, area S) | top plate (A_t, t_t,
    k_t) | load P_load on its outer face.

    The pumped heat P_c leaves the top plate at the filament|top interface and
    enters the substrate at the filament|substrate interface (the phonons of
    Eq. 12 cross the filament without thermalising, tau_es -> 0). Everything is
    per filament. The steady state follows by marching up from the cold finger,
    inverting exact 1D relations (Kirchhoff transform theta = int k dT in each
    layer, q = h0 (T1^4 - T2^4)/4 across each interface).
    """

    T_b: float
    S: float
    d: float
    k_f: tuple
    h0_fs: float
    h0_ft: float
    A_s: float
    t_s: float
    k_s: tuple
    A_t: float
    t_t: float
    k_t: tuple

    def solve(self, P_J, P_c, P_load=0.0):
        """Temperatures (K) of the stack, or None where the stack cannot carry it (T < 0)."""
        q_sub = P_J + P_load
        T_a = _theta_inv(*self.k_s, float(_theta(*self.k_s, self.T_b)) + q_sub * self.t_s / self.A_s)
        if T_a is None:
            return None
        q_fs = q_sub - P_c
        x = T_a**4 + 4 * q_fs / (self.h0_fs * self.S)
        if x < 0:
            return None
        T_fb = x**0.25
        a, n = self.k_f
        th0 = float(_theta(a, n, T_fb))
        th_top = th0 + (q_fs - 0.5 * P_J) * self.d / self.S
        th_mean = th0 + (0.5 * q_fs - P_J / 6.0) * self.d / self.S
        y = q_fs * self.d / P_J if P_J > 0 else -1.0
        th_max = max(th0, th_top, th0 + q_fs**2 * self.d / (2 * P_J * self.S) if 0 < y < self.d else th0)
        T_ft = _theta_inv(a, n, th_top)
        if T_ft is None:
            return None
        q_up = P_c - P_load
        x = T_ft**4 - 4 * q_up / (self.h0_ft * self.S)
        if x < 0:
            return None
        T_e = x**0.25
        T_top = _theta_inv(*self.k_t, float(_theta(*self.k_t, T_e)) + P_load * self.t_t / self.A_t)
        if T_top is None:
            return None
        return {
            "T_substrate_top": T_a,
            "T_filament_bottom": T_fb,
            "T_filament_top": T_ft,
            "T_filament_mean": _theta_inv(a, n, th_mean),
            "T_filament_max": _theta_inv(a, n, th_max),
            "T_top_interface": T_e,
            "T_top": T_top,
        }

    def T_top(self, P_J, P_c, P_load=0.0):
        r = self.solve(P_J, P_c, P_load)
        return 0.0 if r is None else r["T_top"]

    def load_at(self, T_cold, P_J, P_c):
        """The load (W, per filament) the top plate can take at T_cold (negative: it heats)."""
        lo, hi = -1.0, 1.0
        scale = max(P_J, abs(P_c), 1e-30)
        lo, hi = -scale, scale
        for _ in range(200):
            if self.T_top(P_J, P_c, lo) <= T_cold:
                break
            lo *= 4
        for _ in range(200):
            if self.T_top(P_J, P_c, hi) >= T_cold:
                break
            hi *= 4
        return optimize.brentq(lambda q: self.T_top(P_J, P_c, q) - T_cold, lo, hi, xtol=1e-40, rtol=1e-12)

    def pump_for(self, T_cold, P_J, P_load=0.0):
        """The pumped power P_c (per filament) that holds the top plate at T_cold under P_load."""

        def g(pc):
            return self.T_top(P_J, pc, P_load) - T_cold

        if g(0.0) <= 0:
            return 0.0
        hi = max(P_J, P_load, 1e-30)
        for _ in range(400):
            if g(hi) <= 0:
                break
            hi *= 2
        return optimize.brentq(g, 0.0, hi, xtol=1e-40, rtol=1e-12)


def leak_eq14(fil: Material, S: float, d: float, T_cold, T_b: float):
    """Eq. (14) per filament: (S/d) int_{T_cold}^{T_b} k dT (k S/d (T_b - T_cold) for constant k)."""
    return S / d * fil.conductivity_integral(T_cold, T_b)
