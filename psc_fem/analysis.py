"""Phase-slip statistics of a voltage series: period, mean V, AC Josephson ratio.

A phase slip is a dip of |Psi(0, tau)| towards zero.  The period comes from
the times of those minima (each refined by a parabola through the three
samples around it); mean V is the time average of V over whole periods;
the AC Josephson relation says period * mean V = 2 pi (every slip unwinds
the end-phase difference by 2 pi), the first check of any run.
"""

import math

import numpy as np


def slip_times(t, psi_center, threshold=None):
    """Times of the minima of |Psi(0, t)| inside its dips below ``threshold``.

    The default threshold is halfway between min and max over the run's last
    half (after the transient from Psi = 1), so small wiggles never count.
    Minima are refined on |Psi|^2, which is smooth (parabolic) through a slip
    while |Psi| has a cusp there.
    """
    t, y = np.asarray(t, float), np.asarray(psi_center, float)
    if y.size < 5:
        return np.array([])
    late = y[t >= 0.5 * t[-1]]
    lo, hi = late.min(), late.max()
    if hi - lo < 1e-3:
        return np.array([])
    threshold = 0.5 * (lo + hi) if threshold is None else threshold
    below = y < threshold
    edges = np.flatnonzero(np.diff(below.astype(int)))
    starts = list(edges[~below[edges]] + 1)
    ends = list(edges[below[edges]] + 1)
    if below[0]:
        starts.insert(0, 0)
    if below[-1]:
        ends.append(y.size)
    times = []
    for a, b in zip(starts, ends):
        if a == 0 or b == y.size:
            continue  # a dip cut by the window's edge has no reliable minimum
        i = a + int(np.argmin(y[a:b]))
        times.append(_parabola_min(t[i - 1 : i + 2], y[i - 1 : i + 2] ** 2))
    return np.array(times)


def _parabola_min(ts, ys):
    if len(ts) < 3:
        return float(ts[len(ts) // 2])
    coef = np.polyfit(ts - ts[1], ys, 2)
    if coef[0] <= 0:
        return float(ts[1])
    tm = -coef[1] / (2 * coef[0])
    return float(ts[1] + np.clip(tm, ts[0] - ts[1], ts[2] - ts[1]))


def mean_over(t, v, a, b):
    """Time average of v over [a, b] (trapezoid on the samples, ends interpolated)."""
    inside = (t > a) & (t < b)
    ts = np.concatenate([[a], t[inside], [b]])
    vs = np.concatenate([[np.interp(a, t, v)], v[inside], [np.interp(b, t, v)]])
    return float(np.trapezoid(vs, ts) / (b - a))


def periodic_stats(t, V, psi_center, skip=1, stationary_tol=1e-6, josephson=True):
    """Summary of a run: state, period, mean V over whole periods, Josephson ratio.

    ``skip`` transient slips are dropped.  Without two whole periods the run
    is either stationary (mean |V| over its last half below
    ``stationary_tol``) or undecided ("not periodic").  ``josephson=False``
    (normal-metal banks: V includes the banks' voltage) reports no
    Josephson ratio.
    """
    t, V = np.asarray(t, float), np.asarray(V, float)
    slips = slip_times(t, psi_center)
    used = slips[skip:]
    out = {"n_slips": int(slips.size), "slip_times": slips.tolist()}
    if used.size >= 3:
        periods = np.diff(used)
        period = float((used[-1] - used[0]) / (used.size - 1))
        mean_v = mean_over(t, V, used[0], used[-1])
        out.update(
            state="periodic",
            period=period,
            period_spread=float(periods.std() / period),
            mean_V=mean_v,
            josephson_ratio=period * mean_v / (2 * math.pi) if josephson else math.nan,
            n_periods=int(used.size - 1),
        )
        return out
    half = t >= 0.5 * t[-1]
    tail = float(np.mean(np.abs(V[half]))) if half.any() else float("nan")
    state = "stationary" if tail < stationary_tol else "not periodic"
    out.update(state=state, period=math.nan, mean_V=tail if state != "stationary" else 0.0, josephson_ratio=math.nan, n_periods=0)
    out["mean_abs_V_tail"] = tail
    return out


def format_summary(stats):
    """Lines printed at the end of every run."""
    if stats["state"] != "periodic":
        return [f"state: {stats['state']} (mean |V| over the last half: {stats.get('mean_abs_V_tail', 0):.3e})"]
    return [
        f"state: periodic phase slips ({stats['n_periods']} whole periods used)",
        f"PSC period            = {stats['period']:.6g}",
        f"mean V (whole periods) = {stats['mean_V']:.6g}",
        f"AC Josephson ratio period*mean(V)/(2 pi) = {stats['josephson_ratio']:.6f}"
        if math.isfinite(stats["josephson_ratio"])
        else "AC Josephson ratio: not defined (normal banks: V includes the banks' voltage, docs/geometry.md)",
    ]
