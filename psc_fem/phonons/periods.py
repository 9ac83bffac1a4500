"""PSC periods and integrals over them.

A PSC period runs between consecutive minima of |Psi| at the wire's center
(the phase slips, Fig. 1b), found by `psc_fem.analysis.periods.slip_times`, the
same definition the run's own analysis uses. Time integrals over a period use the
piecewise-linear interpolant of the integrand, so window ends need not fall
on frames.
"""

import numpy as np

from psc_fem.analysis.periods import slip_times as find_minima  # noqa: F401  (one definition of a phase slip)


def full_periods(minima, t_start, t_end, skip_first=True):
    """(n, 2) bounds of the full periods inside [t_start, t_end].

    The first full period still carries the start-up transient and is dropped
    when a later one exists.
    """
    m = np.asarray(minima, float)
    m = m[(m >= t_start) & (m <= t_end)]
    bounds = np.stack([m[:-1], m[1:]], axis=1) if len(m) > 1 else np.empty((0, 2))
    if len(bounds) == 0:
        raise ValueError("no full PSC period (two minima of |Psi(0,t)|) inside the frames")
    return bounds[1:] if skip_first and len(bounds) > 1 else bounds


def _antiderivative(t, f, c, s):
    """Integral of the linear interpolant of f from t[0] to each s (c: cumulative)."""
    i = np.clip(np.searchsorted(t, s, side="right") - 1, 0, len(t) - 2)
    h = (s - t[i]) / (t[i + 1] - t[i])
    fs = f[i] + (f[i + 1] - f[i]) * h.reshape(h.shape + (1,) * (f.ndim - 1))
    ds = (s - t[i]).reshape(h.shape + (1,) * (f.ndim - 1))
    return c[i] + 0.5 * ds * (f[i] + fs)


def window_integrals(t, f, bounds):
    """Integrals of f(t, ...) over each window [a, b] of bounds (n, 2): (n, ...)."""
    t, f, bounds = np.asarray(t, float), np.asarray(f, float), np.asarray(bounds, float)
    if bounds.size and (bounds.min() < t[0] or bounds.max() > t[-1]):
        raise ValueError("integration window outside the sampled times")
    dt = np.diff(t).reshape((-1,) + (1,) * (f.ndim - 1))
    c = np.concatenate([np.zeros((1,) + f.shape[1:]), np.cumsum(0.5 * dt * (f[1:] + f[:-1]), axis=0)])
    return _antiderivative(t, f, c, bounds[:, 1]) - _antiderivative(t, f, c, bounds[:, 0])
