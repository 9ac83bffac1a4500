"""Variable-step BDF of order 1-5 with a predictor-corrector error estimate.

Pure arithmetic, no DOLFINx: the integrator asks this module for the BDF
weights of the next step, for the predictor, and for the new step size.

BDF-k at t_{n+1} replaces u_t by the derivative of the polynomial through
u_{n+1}, u_n, ..., u_{n+1-k}: u_t ~ (a0 u_{n+1} + a1 u_n + ...)/h.  For k = 2
and step ratio w = h_n / h_{n-1}: a0 = (1 + 2w)/(1 + w), a1 = -(1 + w),
a2 = w^2/(1 + w).  Its local error is c_C h^{k+1} u^{(k+1)} and the
predictor's (the polynomial through the last k + 1 solutions, extrapolated)
c_P h^{k+1} u^{(k+1)}, so the corrector's error is estimated as
c_C/(c_P - c_C) (u_C - u_P)  (-2/11 (u_C - u_P) for BDF2 at constant steps).
The constants follow from the formulas applied to s^{k+1}/(k+1)!.
"""

import functools
import math
from dataclasses import dataclass

import numpy as np

MAX_ORDER = 5
# time.scheme -> the highest order k (the forms carry k old states); "vbdf" chooses 1..5 as it goes
SCHEME_ORDER = {"bdf1": 1, "bdf2": 2, "bdf3": 3, "bdf4": 4, "bdf5": 5, "vbdf": 5}


def history_length(order):
    """Old states a BDF-k problem carries (w_n, w_{n-1}, ...): k, and at least 2 (forms and tests use w_nm1)."""
    return max(2, order)


# The weights below are computed every step: plain float arithmetic on at most
# MAX_ORDER + 2 nodes (numpy's poly/polyval/polyder cost ~0.3 ms a step in all).


def _offsets(h, past):
    """Node offsets (t_j - t_{n+1})/h of t_{n+1}, t_n, t_{n-1}, ... for the past steps h_{n-1}, ..."""
    nodes = [0.0, -1.0]
    for hp in past:
        nodes.append(nodes[-1] - hp / h)
    return nodes


def _basis(nodes, i):
    """Ascending coefficients of the Lagrange basis polynomial of node i: prod_{k != i} (s - s_k)/(s_i - s_k)."""
    coef, denom = [1.0], 1.0
    for k, sk in enumerate(nodes):
        if k == i:
            continue
        denom *= nodes[i] - sk
        nxt = [0.0] * (len(coef) + 1)
        for j, c in enumerate(coef):  # coef * (s - s_k)
            nxt[j + 1] += c
            nxt[j] -= sk * c
        coef = nxt
    return [c / denom for c in coef]


def _derivative_weights(s):
    """h d/dt at s = 0 of the Lagrange polynomial through nodes s (in units of h)."""
    return [_basis(s, i)[1] for i in range(len(s))]


def bdf_weights(order, h, h_prev=None, past=None):
    """(a0, a1, ..., a_k) of the BDF-k formula for the step h (``past`` = [h_{n-1}, h_{n-2}, ...]).

    ``h_prev`` is the short form for k = 2; without enough past steps the
    order drops (BDF1 on the first step).
    """
    if past is None:
        past = [] if h_prev is None else [h_prev]
    k = min(order, len(past) + 1)
    if k == 1:
        return 1.0, -1.0, 0.0
    return tuple(_derivative_weights(_offsets(h, past[: k - 1])))


def extrapolation_weights(h, past):
    """Weights on (u_n, u_{n-1}, u_{n-2}, ...) of the polynomial through them at t_n + h.

    ``past`` = [h_{n-1}, h_{n-2}, ...] (as many as known); degree = len(past).
    """
    # nodes relative to t_n: 0, -h_{n-1}, -(h_{n-1} + h_{n-2}), ...
    nodes = [0.0]
    for hp in past:
        nodes.append(nodes[-1] - hp)
    weights = []
    for i, xi in enumerate(nodes):
        wgt = 1.0
        for k, xk in enumerate(nodes):
            if k != i:
                wgt *= (h - xk) / (xi - xk)
        weights.append(wgt)
    return weights


@functools.cache
def constant_step_error_factor(order):
    """`error_factor` at constant steps (-1/3, -2/11, -3/25, ... for BDF1, 2, 3): a per-step constant."""
    return error_factor(order, 1.0, [1.0] * order)


def error_factor(order, h, past):
    """Factor c_C / (c_P - c_C) turning (u_C - u_P) into the local error.

    ``past`` = [h_{n-1}, h_{n-2}, ...]: BDF-k needs k of them (the predictor
    through k + 1 solutions).
    """
    k = order
    s = _offsets(h, past[:k])  # t_{n+1}, t_n, ..., t_{n-k}
    m = [sj ** (k + 1) / math.factorial(k + 1) for sj in s]  # a solution whose (k+1)-th derivative is 1 (h = 1)
    a = _derivative_weights(s[: k + 1])
    # corrector: a0 u + sum_j a_j m_j = h m'(0) = 0 (m'(0) = 0) -> u_C - m(0) = -sum_j a_j m_j / a0
    c_c = -sum(aj * mj for aj, mj in zip(a[1:], m[1 : k + 1])) / a[0]
    w = extrapolation_weights(1.0, [s[j] - s[j + 1] for j in range(1, k + 1)])  # predictor through t_n .. t_{n-k}
    c_p = sum(wj * mj for wj, mj in zip(w, m[1:]))  # at t_{n+1}; m(0) = 0
    return c_c / (c_p - c_c)


@dataclass
class StepController:
    """Elementary controller h_new = h * clip(safety * err^(-1/(p+1)))."""

    order: int = 2
    safety: float = 0.85
    grow_max: float = 2.0  # below 1 + sqrt(2): variable-step BDF2 zero-stability (1.5 for BDF3: see for_order)
    shrink_min: float = 0.2
    newton_shrink: float = 0.25

    @classmethod
    def for_order(cls, order):
        """The controller of BDF-k: step growth per step below the variable-step zero-stability bounds
        (1 + sqrt 2 for k = 2, ~1.5 for 3, ~1.2 for 4, ~1.1 for 5; Calvo, Grande & Grigorieff 1990)."""
        return cls(order=order, grow_max={1: 2.0, 2: 2.0, 3: 1.5, 4: 1.2, 5: 1.1}[order])

    def factor(self, err):
        """The unclipped step factor safety * err^(-1/(k+1)) (inf for err = 0)."""
        return math.inf if err <= 0.0 else self.safety * err ** (-1.0 / (self.order + 1))

    def next_step(self, h, err):
        return h * min(self.grow_max, max(self.shrink_min, self.factor(err)))


def dense_weights(times, t):
    """Value and d/dt weights of the Lagrange polynomial through ``times`` at t.

    The recorder's dense output: frames between steps use the polynomial of
    the BDF formula itself (quadratic for BDF2), so a frame's d/dtau at a
    step's end is the BDF derivative.
    """
    n = len(times)
    value, deriv = [], []
    for i in range(n):
        others = [times[k] for k in range(n) if k != i]
        denom = math.prod(times[i] - tk for tk in others)
        value.append(math.prod(t - tk for tk in others) / denom)
        d = 0.0
        for m in range(len(others)):
            d += math.prod(t - tk for q, tk in enumerate(others) if q != m)
        deriv.append(d / denom)
    return np.array(value), np.array(deriv)


def link_nodes(n_before, h, past=(), order=2):
    """Times (from t_n) of the phi values whose interpolant gives the link int phi dtau of a step.

    The first step knows only phi_{n+1} (phi(0) is algebraic): phi constant,
    the backward rule.  Later steps of BDF-k: the polynomial through phi_{n+1},
    phi_n, ..., k values as far as known (2 for BDF1) (``past`` = [h_{n-1}, ...]), i.e.
    Adams-Moulton of order k, so the link's error (O(h^{k+1}) per step, over
    dt in D_tau Psi) is of the order of the BDF formula's own.  For BDF2 the
    trapezoid rule: the end phases are then exactly the trapezoid integral
    of the V series, and the AC Josephson identity holds between them to
    round-off.  (Adams-Moulton 3 with BDF2 changed mean V by 5e-5 relative
    at delta = 10, L = 10: the BDF2 error of Psi, not the link, limits the
    step.)
    """
    if n_before == 0:
        return [h]
    nodes = [h, 0.0]
    for hp in past[: max(0, min(order, n_before + 1) - 2)]:
        nodes.append(nodes[-1] - hp)
    return nodes


def interval_weights(nodes, a, b):
    """Weights w_i with int_a^b p(s) ds = sum w_i p(nodes[i]) for the interpolating polynomial p."""
    weights = []
    for i in range(len(nodes)):
        coef = _basis(nodes, i)
        weights.append(sum(c * (b ** (j + 1) - a ** (j + 1)) / (j + 1) for j, c in enumerate(coef)))
    return np.array(weights)
