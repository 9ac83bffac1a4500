"""Energy quadrature for the phonon-electron integrals (Eqs. 8, 13).

The integrands are products of N1, R2 at eps, omega - eps or eps + omega.
With broadening gamma they are smooth but peak (height ~ sqrt(psi/gamma))
within ~gamma of the gap edges, so each row gets Gauss-Legendre panels that
are geometrically graded around its gap-edge breakpoints, from gamma/16 out to
the background panel width, on top of uniform panels. Every row has the same
number of nodes (edges outside [a, b] are clipped to zero-width panels), so a
whole omega grid is integrated in one vectorised call.
"""

import numpy as np

ORDER = 8
_X, _W = np.polynomial.legendre.leggauss(ORDER)

# Thermal factors fall as exp(-eps/T); at eps = psi + 40 T they are below 5e-18.
TAIL_IN_T = 40.0
N_UNIFORM_RECOMBINATION = 16
N_UNIFORM_SCATTERING = 32


def panel_rule(a, b, breaks, gamma, n_uniform):
    """Nodes and weights on [a_i, b_i] for each row i, graded around breaks[i].

    a, b: (m,) interval ends; breaks: (m, k) peak locations (may lie outside).
    Returns (nodes, weights), both (m, n) with n fixed.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    breaks = np.atleast_2d(np.asarray(breaks, dtype=float))
    if gamma <= 0.0:
        raise ValueError("the broadened integrals need gamma > 0")
    uniform = a[:, None] + (b - a)[:, None] * np.linspace(0.0, 1.0, n_uniform + 1)
    widest = max(float(np.max(b - a)) / n_uniform, gamma)
    n_grade = int(np.ceil(np.log2(16.0 * widest / gamma))) + 1
    steps = gamma / 16.0 * 2.0 ** np.arange(n_grade)
    offsets = np.concatenate(([0.0], steps, -steps))
    graded = (breaks[:, :, None] + offsets).reshape(len(a), -1)
    edges = np.concatenate([uniform, graded], axis=1)
    edges = np.sort(np.clip(edges, a[:, None], b[:, None]), axis=1)
    half = 0.5 * np.diff(edges, axis=1)
    mid = 0.5 * (edges[:, 1:] + edges[:, :-1])
    nodes = (mid[:, :, None] + half[:, :, None] * _X).reshape(len(a), -1)
    weights = (half[:, :, None] * _W).reshape(len(a), -1)
    return nodes, weights


def recombination_rule(omega, psi, gamma):
    """Rule for 0 < eps < omega (first term of Eqs. 8, 13), peaks at psi, omega - psi."""
    omega = np.atleast_1d(np.asarray(omega, dtype=float))
    breaks = np.stack([np.full_like(omega, psi), omega - psi], axis=1)
    return panel_rule(np.zeros_like(omega), omega, breaks, gamma, N_UNIFORM_RECOMBINATION)


def scattering_rule(omega, psi, T, gamma, eps_max=None):
    """Rule for 0 < eps < eps_max (second term, lower energy eps, upper eps + omega).

    Peaks at eps = psi and eps + omega = psi. eps_max defaults to psi + 40 T,
    enough for occupations that fall off like the equilibrium ones.
    """
    omega = np.atleast_1d(np.asarray(omega, dtype=float))
    top = psi + TAIL_IN_T * T if eps_max is None else float(eps_max)
    breaks = np.stack([np.full_like(omega, psi), psi - omega], axis=1)
    return panel_rule(np.zeros_like(omega), np.full_like(omega, top), breaks, gamma, N_UNIFORM_SCATTERING)
