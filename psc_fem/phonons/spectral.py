"""Spectral function eta1(omega; |Psi|, T, gamma) of Eqs. (12)-(13).

Four variants (energies in Delta0, psi = |Psi| = |Delta|/Delta0):

"consistent" (default): Eq. (8) linearised in delta n = tau_eps alpha d|Delta|/dt,
alpha from Eq. (11). With r = R2/N1 and the identities (T = 1 for brevity)
N0(w) + n0(w-e) = N0(w) (1-n0(w-e))/n0(e), N0(w) + 1 - n0(e) = N0(w) n0(e)/n0(e+w),
N0(w) + n0(e+w) = N0(w) e^w n0(e+w)/n0(e), and alpha = (2/T) n0 (1-n0) r,
the linear part of Eq. (8) is exactly (2 tau_eps/T) N0(w) d|Delta|/dt eta1 with

    eta1 = 2 int_0^w  de P(e) r(e) (1-n0(e)) (1-n0(w-e))
         + 2 int_0^inf de Q(e) n0(e) (1-n0(e+w)) [r(e+w) - r(e)].

Times the prefactor of Eq. (8) and rho(omega) of Eq. (7) this reproduces the
prefactor of Eq. (12) exactly, so C = 1 there means Eq. (12) as printed.

"printed": Eq. (13) as printed, with g(e) = r(e)/cosh^2(e/2T),

    eta1 = 1/4 int_0^w de P(e) g(e) - 1/4 int_0^inf de Q(e) [g(e+w) - g(e)],

read with the retarded branch of N1, R2 and the recombination integral
restricted to 0 < e < w by the delta function of Eq. (8). Its relaxation term
has the opposite sign to the linearisation, and its thermal factors are the
T >> omega, eps limit of the consistent ones at half their size.

"printed-eq8": Eq. (13) as printed (as "printed") but with the sign of its
relaxation term taken from Eq. (8), i.e. + 1/4 int Q [g(e+w) - g(e)]: the
fourth reading of Eq. (13).  Its spectrum changes sign once, at omega =
0.677/1.056/1.511/1.828 Delta0 for |Psi| = 0.2/0.5/0.8/1.0 (T = 0.9 Tc,
gamma = 0.3 Delta0).

"literal": Eq. (13) exactly as typeset, for comparison with the paper only:
principal root of (e + i gamma)^2 - psi^2 (wrong branch for the negative
arguments omega - e) and the recombination integral up to infinity. The
negative P(e > w) that this produces is what makes its spectrum change sign.
"""

import numpy as np
from scipy.special import expit

from .bcs import n1_r2, n1_r2_naive
from .quadrature import TAIL_IN_T, panel_rule, recombination_rule, scattering_rule


def gap_ratio(eps, psi, gamma):
    """r(eps) = R2/N1, odd in eps (the coherence ratio in alpha, Eq. 11)."""
    n, r = n1_r2(eps, psi, gamma)
    return r / n


def _sech2(eps, T):
    """cosh^-2(eps/2T) = 4 n0 (1 - n0), overflow-free."""
    x = np.asarray(eps, dtype=float) / T
    return 4.0 * expit(x) * expit(-x)


def alpha(eps, psi, T, gamma):
    """Eq. (11): alpha = cosh^-2(eps/2T) R2/N1 / (2T), per unit tau_eps.

    delta n(eps) = tau_eps alpha d|Delta|/dt; alpha > 0 for eps > 0.
    """
    return _sech2(eps, T) * gap_ratio(eps, psi, gamma) / (2.0 * T)


def _recombination_terms(omega, psi, gamma):
    """Nodes, weights, P(eps) and r at eps, omega - eps on 0 < eps < omega."""
    eps, wt = recombination_rule(omega, psi, gamma)
    (na, ra), (nb, rb) = n1_r2(eps, psi, gamma), n1_r2(omega[:, None] - eps, psi, gamma)
    return eps, wt, na * nb + ra * rb, ra / na


def _scattering_terms(omega, psi, T, gamma):
    """Nodes, weights, Q(eps) and r at eps, eps + omega on 0 < eps < psi + 40 T."""
    eps, wt = scattering_rule(omega, psi, T, gamma)
    (na, ra), (nb, rb) = n1_r2(eps, psi, gamma), n1_r2(eps + omega[:, None], psi, gamma)
    return eps, wt, na * nb - ra * rb, ra / na, rb / nb


def eta1_consistent(omega, psi, T, gamma):
    """eta1 from the exact linearisation of Eq. (8) (module docstring)."""
    omega = np.atleast_1d(np.asarray(omega, dtype=float))
    w = omega[:, None]
    eps, wt, p, r = _recombination_terms(omega, psi, gamma)
    rec = p * r * expit(eps / T) * expit((w - eps) / T)
    eps, ws, q, r_lo, r_hi = _scattering_terms(omega, psi, T, gamma)
    rel = q * expit(-eps / T) * expit((eps + w) / T) * (r_hi - r_lo)
    return 2.0 * np.sum(rec * wt, axis=1) + 2.0 * np.sum(rel * ws, axis=1)


def _printed_terms(omega, psi, T, gamma):
    """The two integrals of Eq. (13) as printed: 1/4 int P g (recombination), 1/4 int Q [g(e+w) - g(e)] (relaxation)."""
    omega = np.atleast_1d(np.asarray(omega, dtype=float))
    w = omega[:, None]
    eps, wt, p, r = _recombination_terms(omega, psi, gamma)
    rec = p * r * _sech2(eps, T)
    eps, ws, q, r_lo, r_hi = _scattering_terms(omega, psi, T, gamma)
    rel = q * (r_hi * _sech2(eps + w, T) - r_lo * _sech2(eps, T))
    return 0.25 * np.sum(rec * wt, axis=1), 0.25 * np.sum(rel * ws, axis=1)


def eta1_printed(omega, psi, T, gamma):
    """eta1 of Eq. (13) as printed (retarded branch, 0 < eps < omega in P): recombination - relaxation."""
    recombination, relaxation = _printed_terms(omega, psi, T, gamma)
    return recombination - relaxation


def eta1_printed_eq8(omega, psi, T, gamma):
    """eta1 of Eq. (13) as printed, with the relaxation term's sign of Eq. (8) (module docstring)."""
    recombination, relaxation = _printed_terms(omega, psi, T, gamma)
    return recombination + relaxation


def eta1_literal(omega, psi, T, gamma):
    """eta1 of Eq. (13) as typeset: naive root, recombination integral to infinity."""
    omega = np.atleast_1d(np.asarray(omega, dtype=float))
    w = omega[:, None]

    def ratio(e):
        n, r = n1_r2_naive(e, psi, gamma)
        return _sech2(e, T) * r / n

    top = omega + psi + TAIL_IN_T * T
    breaks = np.stack([np.full_like(omega, psi), omega - psi, omega + psi], axis=1)
    eps, wt = panel_rule(np.zeros_like(omega), top, breaks, gamma, 48)
    (na, ra), (nb, rb) = n1_r2_naive(eps, psi, gamma), n1_r2_naive(w - eps, psi, gamma)
    rec = (na * nb + ra * rb) * ratio(eps)
    eps, ws = scattering_rule(omega, psi, T, gamma)
    (na, ra), (nb, rb) = n1_r2_naive(eps, psi, gamma), n1_r2_naive(eps + w, psi, gamma)
    rel = (na * nb - ra * rb) * (ratio(eps + w) - ratio(eps))
    return 0.25 * np.sum(rec * wt, axis=1) - 0.25 * np.sum(rel * ws, axis=1)


VARIANTS = {
    "consistent": eta1_consistent,
    "printed": eta1_printed,
    "printed-eq8": eta1_printed_eq8,
    "literal": eta1_literal,
}


def eta1(omega, psi, T, gamma, variant="consistent"):
    """eta1(omega; |Psi|, T, gamma) of the named variant (energies in Delta0)."""
    try:
        fn = VARIANTS[variant]
    except KeyError:
        raise ValueError(f"unknown variant {variant!r}; choose from {sorted(VARIANTS)}") from None
    return fn(omega, psi, T, gamma)
