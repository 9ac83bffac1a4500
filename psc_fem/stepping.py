"""Variable-step BDF1/BDF2 with a predictor-corrector error estimate.

Pure arithmetic, no DOLFINx: the driver asks this module for the BDF
weights of the next step, for the predictor, and for the new step size.

BDF2 with step ratio w = h_n / h_{n-1} approximates

    u_t(t_{n+1}) ~ (a0 u_{n+1} + a1 u_n + a2 u_{n-1}) / h_n,
    a0 = (1 + 2w)/(1 + w),  a1 = -(1 + w),  a2 = w^2/(1 + w).

Its local error is c_C h^3 u''' with c_C = -(a1 + a2 r^3)/(6 a0),
r = (h_n + h_{n-1})/h_n.  The predictor (the quadratic through the last
three solutions, extrapolated) errs by c_P h^3 u''' with
c_P = r r2 / 6, r2 = (h_n + h_{n-1} + h_{n-2})/h_n.  Hence the corrector's
error is estimated as c_C/(c_P - c_C) (u_C - u_P)  (-2/11 (u_C - u_P) at
constant steps).  BDF1 uses the linear predictor in the same way.
"""

from dataclasses import dataclass

import numpy as np


def bdf_weights(order, h, h_prev=None):
    """(a0, a1, a2) of the BDF formula for the step h after h_prev."""
    if order == 1 or h_prev is None:
        return 1.0, -1.0, 0.0
    w = h / h_prev
    return (1 + 2 * w) / (1 + w), -(1 + w), w * w / (1 + w)


def extrapolation_weights(h, past):
    """Weights on (u_n, u_{n-1}, u_{n-2}) of the polynomial through them at t_n + h.

    ``past`` = [h_{n-1}, h_{n-2}] (as many as known); degree = len(past).
    """
    # nodes relative to t_n: 0, -h_{n-1}, -(h_{n-1} + h_{n-2})
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


def error_factor(order, h, past):
    """Factor c_C / (c_P - c_C) turning (u_C - u_P) into the local error.

    ``past`` = [h_{n-1}, h_{n-2}]; BDF2 needs both, BDF1 one.
    """
    if order == 1:
        # BDF1: c_C = -1/2 (u'' h^2), linear predictor: c_P = (1 + h_{n-1}/h)/2.
        c_c = -0.5
        c_p = 0.5 * (h + past[0]) / h
        return c_c / (c_p - c_c)
    a0, a1, a2 = bdf_weights(2, h, past[0])
    r = (h + past[0]) / h
    r2 = (h + past[0] + past[1]) / h
    c_c = -(a1 + a2 * r**3) / (6.0 * a0)
    c_p = r * r2 / 6.0
    return c_c / (c_p - c_c)


@dataclass
class StepController:
    """Elementary controller h_new = h * clip(safety * err^(-1/(p+1)))."""

    order: int = 2
    safety: float = 0.85
    grow_max: float = 2.0  # below 1 + sqrt(2): variable-step BDF2 zero-stability
    shrink_min: float = 0.2
    newton_shrink: float = 0.25

    def next_step(self, h, err):
        if err <= 0.0:
            return h * self.grow_max
        factor = self.safety * err ** (-1.0 / (self.order + 1))
        return h * min(self.grow_max, max(self.shrink_min, factor))


def dense_weights(times, t):
    """Value and d/dt weights of the Lagrange polynomial through ``times`` at t.

    The driver's dense output: frames between steps use the polynomial of
    the BDF formula itself (quadratic for BDF2), so a frame's d/dtau at a
    step's end is the BDF derivative.
    """
    n = len(times)
    value, deriv = [], []
    for i in range(n):
        others = [times[k] for k in range(n) if k != i]
        denom = np.prod([times[i] - tk for tk in others])
        value.append(np.prod([t - tk for tk in others]) / denom)
        d = 0.0
        for m in range(len(others)):
            d += np.prod([t - tk for q, tk in enumerate(others) if q != m])
        deriv.append(d / denom)
    return np.array(value), np.array(deriv)
