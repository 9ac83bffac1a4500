"""Independent finite-difference reference for a quasi-1D strip between normal terminals (docs/films.md).

A strip whose terminals span its whole end edges (Psi = 0 there, the current
j entering uniformly) carries a y-independent state, the 1D wire with
Psi(-+L/2) = 0.  Written from the equations py-tdgl solves (``[model]
interference = false``: D = 1, no interference current, gamma = delta),
NumPy/SciPy only, sharing nothing with psc_fem:

* Psi'' by central differences, the supercurrent Im(Psi* Psi') on the
  half-nodes as Im(conj(Psi_i) Psi_{i+1}) / h, phi' = js - j by the
  midpoint rule, phi(0) = 0;
* (A.1) with u / sqrt(1 + delta^2 |Psi|^2) (I + delta^2 Psi Psi^T) on the
  covariant derivative, solved for dPsi/dtau node by node (as
  tests/helpers/fd_reference.py does for the banks' wire).

The strip's steady states have a static Psi in this gauge (the mirror
symmetry Psi(-x) = Psi*(x) keeps the centre's phase): `steady_state` finds
them by Newton, with no time stepping, and `critical_current` follows the
branch in j to its fold, where the steady state ends (the strip then turns
normal).
"""

from __future__ import annotations

import numpy as np

from helpers.fd_reference import U_EXACT


class NormalEnds:
    """dPsi/dtau at the interior nodes for the state y = [Re Psi_1..N-1, Im Psi_1..N-1] (vectorised in columns)."""

    def __init__(self, length, n_cells, current, delta, u=U_EXACT):
        self.N, self.h, self.j, self.d2, self.u = n_cells, length / n_cells, current, delta**2, u

    def fields(self, y):
        """Psi (all nodes, 0 at the terminals), phi (all nodes, 0 at the centre) and R = Psi'' + (1 - |Psi|^2) Psi."""
        n = self.N - 1
        inner = y[:n] + 1j * y[n : 2 * n]
        zero = np.zeros_like(inner[:1])
        psi = np.concatenate([zero, inner, zero])
        lap = (psi[2:] - 2.0 * inner + psi[:-2]) / self.h**2
        R = lap + (1.0 - np.abs(inner) ** 2) * inner
        js = (psi[:-1].conj() * psi[1:]).imag / self.h
        cum = np.concatenate([np.zeros_like(js[:1]), np.cumsum(self.h * (js - self.j), axis=0)])
        return psi, cum - cum[self.N // 2], R

    def rhs(self, t, y):
        psi, phi, R = self.fields(y)
        inner = psi[1:-1]
        a2 = np.abs(inner) ** 2
        r = R * np.sqrt(1.0 + self.d2 * a2) / self.u
        # (I + delta^2 Psi Psi^T)^-1 r, then the i phi Psi of the covariant derivative
        psit = r - self.d2 * (inner.conj() * r).real / (1.0 + self.d2 * a2) * inner - 1j * phi[1:-1] * inner
        return np.concatenate([psit.real, psit.imag])

    def voltage(self, y, inset=1.0):
        """phi(probe 1) - phi(probe 2), probes ``inset`` inside each terminal (on nodes)."""
        _, phi, _ = self.fields(y)
        k = round(inset / self.h)
        return float(phi[k] - phi[self.N - k])


def relax(length, n_cells, current, delta, t_end=200.0):
    """The state at t_end from Psi = 1 (SciPy's BDF): a start for Newton near the steady state."""
    from scipy.integrate import solve_ivp

    model = NormalEnds(length, n_cells, current, delta)
    n = n_cells - 1
    y0 = np.concatenate([np.ones(n), np.zeros(n)])
    sol = solve_ivp(model.rhs, (0.0, t_end), y0, method="BDF", rtol=1e-6, atol=1e-8, vectorized=True)
    return sol.y[:, -1]


def steady_state(length, n_cells, current, delta, y0=None, tol=1e-12, max_it=30):
    """Newton on rhs = 0 (Jacobian by central differences) from y0 (default: `relax`); None when it fails."""
    model = NormalEnds(length, n_cells, current, delta)
    n = n_cells - 1
    y = relax(length, n_cells, current, delta) if y0 is None else y0.copy()
    eps = 1e-7
    eye = np.eye(2 * n)
    # a constant phase turns one steady state into another (Psi = 0 at both ends): the centre's Im Psi = 0
    # (the mirror symmetry's phase) replaces its own row, which the symmetric state satisfies anyway
    c = n + n_cells // 2 - 1
    for _ in range(max_it):
        f = model.rhs(0.0, y)
        jac = (model.rhs(0.0, y[:, None] + eps * eye) - model.rhs(0.0, y[:, None] - eps * eye)) / (2 * eps)
        f[c], jac[c] = y[c], eye[c]
        dy = np.linalg.solve(jac, -f)
        y = y + dy
        if not np.all(np.isfinite(y)):
            return None
        if np.max(np.abs(dy)) < tol:
            return y
    return None


def critical_current(length, n_cells, delta, j_start=0.2, step=0.01, resolution=1e-7):
    """The fold of the steady branch in j (lower bound within ``resolution``) and its V there."""
    model = NormalEnds(length, n_cells, j_start, delta)
    y = steady_state(length, n_cells, j_start, delta)
    assert y is not None and np.max(np.abs(y)) > 0.1, "no superconducting steady state at j_start"
    j = j_start
    while step > resolution:
        trial = steady_state(length, n_cells, j + step, delta, y0=y)
        if trial is not None and np.max(np.abs(trial)) > 0.1:  # still on the superconducting branch
            j, y = j + step, trial
        else:
            step /= 2
    model.j = j
    return j, model.voltage(y)
