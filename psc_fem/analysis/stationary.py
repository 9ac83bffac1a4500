"""The stationary GL branch between rigid banks: its maximum supercurrent, the end of the stationary state.

``stationary_branch_max(L)`` solves the stationary GL equation between
rigid banks, Psi'' + (1 - |Psi|^2) Psi = 0, Psi(+-L/2) = exp(+-i chi/2),
by continuation in chi (scipy solve_bvp) and returns the maximum of its
supercurrent over chi: the saddle-node where the stationary state ends,
the same for every delta (delta only enters the dynamics).
`psc-fem critical --gl` prints it beside J0; the sweep's cost model
(`psc_fem.studies.sweep.estimate_j0`) uses it as a J0 estimate.
"""

from __future__ import annotations

import math

import numpy as np

DEPAIRING = 2 / (3 * math.sqrt(3))  # j_dep of the uniform wire, units of j0


def _gl_solve(L, chi, x, y):
    """The stationary state at phase difference ``chi`` from the guess (x, y): (j, scipy solution) or None."""
    from scipy.integrate import solve_bvp

    c, s = math.cos(chi / 2), math.sin(chi / 2)

    def fun(_, y):
        u1, u2, p1, p2 = y
        r = 1 - u1 * u1 - u2 * u2
        return np.vstack([p1, p2, -r * u1, -r * u2])

    def bc(ya, yb):
        return np.array([ya[0] - c, ya[1] + s, yb[0] - c, yb[1] - s])

    sol = solve_bvp(fun, bc, x, y, tol=1e-8, max_nodes=200_000)
    if not sol.success:
        return None
    j = sol.y[0] * sol.y[3] - sol.y[1] * sol.y[2]
    return float(np.mean(j)), sol


def stationary_branch_max(length: float, dchi: float | None = None) -> float:
    """max over chi of the stationary GL supercurrent between rigid banks (see module doc)."""
    from scipy.optimize import minimize_scalar

    L = float(length)
    dchi = dchi or min(0.05, 0.02 * max(L, 1.0)) * max(1.0, L / 10)
    x = np.linspace(-L / 2, L / 2, 201)
    y = np.zeros((4, x.size))
    y[0] = 1.0
    best = (0.0, 0.0, x, y)  # (j, chi, x, y)
    chi, falling = 0.0, 0
    while falling < 3 and chi < 4 * L + 10:
        chi += dchi
        got = _gl_solve(L, chi, x, y)
        if got is None:
            break
        j, sol = got
        x, y = sol.x, sol.y
        if j > best[0]:
            best, falling = (j, chi, x, y), 0
        else:
            falling += 1
    j0, chi0, xb, yb = best

    def neg(c):
        got = _gl_solve(L, c, xb, yb)
        return -got[0] if got else 0.0

    r = minimize_scalar(neg, bounds=(chi0 - dchi, chi0 + dchi), method="bounded", options={"xatol": 1e-6})
    return max(j0, -float(r.fun))
