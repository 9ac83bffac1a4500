"""Phase-slip statistics of a run: settled window, period, mean V, AC Josephson ratio.

Slips are counted by the end-phase difference theta = theta_+ - theta_-
= int V dtau winding by 2 pi (exact and threshold-free: every slip anywhere
in the wire unwinds it by 2 pi, and it is known at every step).  The
crossings of theta through 2 pi k give the winding times; a run has
settled when the mean time per winding over its last N windings agrees,
to a relative ``rtol``, with the N before them and with N windings a
quarter of the run's slipping time earlier (the lookback catches slow
drifts that consecutive windows hide).  Every number quoted comes from the
last N windings only, never from the transient.

In that window: mean V = (theta(b) - theta(a)) / (b - a), int V dtau by
the scheme's own quadrature (the links of the bank rows, forms/covariant.py:
the trapezoid rule of the V series for BDF2, where both agree to round-off,
Adams-Moulton k for BDF-k, whose large steps leave the trapezoid of the V
samples 0.14% off on the Fig. 1 wire), the winding period 2 pi / mean V, the PSC
period between the dips of psi_min = min_x |Psi| (the core wherever it
sits), the slips per period (their ratio, an integer) and the AC Josephson
ratio period * mean V / (2 pi slips), which checks that |Psi| at the core
and the phase winding keep time (1 in a settled state).
"""

import math

import numpy as np

SETTLE_PERIODS = 5  # N: the windings of the quoted window (time.settle_periods)
SETTLE_RTOL = 1e-3  # agreement of the windows' mean periods (time.settle_rtol)
LOOKBACK = 0.25  # the third window lies this fraction of the slipping time earlier
STATIONARY_V = 1e-6  # |V| below this over the trailing window: stationary ...
STATIONARY_PSI = 1e-6  # ... and min_x |Psi| steady to this over it
STEADY_V = 1e-6  # V steady to this (relative) with min_x |Psi| steady: a resistive steady state (`steady`)


class WindingCounter:
    """Net windings of theta(tau)/(2 pi) through the integers, fed in pieces (a run's steps as they come).

    A winding is an upward crossing of an integer, its time linear between
    samples.  Crossings back down (a transient can unwind) are dropped with
    the upward crossing they undo, so the times are those of net windings.
    """

    def __init__(self):
        self.times = []
        self.done = None  # highest integer already crossed
        self.last = None  # (t, theta/(2 pi)) of the last sample fed

    def feed(self, t, theta):
        """Add samples; returns the number of new windings."""
        t, w = np.asarray(t, float), np.asarray(theta, float) / (2 * math.pi)
        if t.size == 0:
            return 0
        if self.last is None:
            self.done = math.floor(w[0])
        else:
            t, w = np.concatenate([[self.last[0]], t]), np.concatenate([[self.last[1]], w])
        level = np.floor(w)
        before = len(self.times)
        for i in np.flatnonzero(np.diff(level) != 0):
            for k in range(int(level[i]) + 1, int(level[i + 1]) + 1):
                if k > self.done:
                    self.times.append(t[i] + (k - w[i]) / (w[i + 1] - w[i]) * (t[i + 1] - t[i]))
                    self.done = k
        self.last = (t[-1], w[-1])
        return len(self.times) - before


def winding_times(t, theta):
    """Times at which theta(tau)/(2 pi) crosses an integer upwards (`WindingCounter`)."""
    counter = WindingCounter()
    counter.feed(t, theta)
    return np.array(counter.times)


def settled_window(t, theta, periods=SETTLE_PERIODS, rtol=SETTLE_RTOL, lookback=LOOKBACK):
    """The last ``periods`` windings of a series and whether the run has settled on them (see `settle_check`)."""
    return settle_check(winding_times(t, theta), periods, rtol, lookback)


def settle_check(c, periods=SETTLE_PERIODS, rtol=SETTLE_RTOL, lookback=LOOKBACK):
    """Settledness from the winding times ``c`` (module doc).

    Returns None with fewer than 3 windings, else a dict: ``window`` (a, b)
    of the last ``periods`` windings (of the windings after the first if
    there are fewer; never settled then), ``n_used`` their number, ``winding_period``
    (their mean), ``settled``, ``change`` (relative difference to the
    previous window's mean period), ``lookback_change`` (to the window a
    quarter of the slipping time earlier) and ``drift`` (relative change
    of the period per unit tau against that window; nan when there is none).
    """
    c = np.asarray(c, float)
    n = int(periods)
    if c.size < 3:
        return None
    if c.size < n + 1:  # too few windings to decide: the last ones after the first (a transient), not settled
        m = c.size - 2
        return dict(
            window=(float(c[1]), float(c[-1])),
            winding_period=float((c[-1] - c[1]) / m),
            n_windings=int(c.size),
            n_used=m,
            settled=False,
            change=math.nan,
            drift=math.nan,
            lookback_change=math.nan,
        )
    b_win = c[-n - 1 :]
    T_b = (b_win[-1] - b_win[0]) / n
    out = dict(
        window=(float(b_win[0]), float(b_win[-1])),
        winding_period=float(T_b),
        n_windings=int(c.size),
        n_used=n,
        settled=False,
        change=math.nan,
        drift=math.nan,
        lookback_change=math.nan,
    )
    if c.size < 2 * n + 1:
        return out
    T_a = (c[-n - 1] - c[-2 * n - 1]) / n
    out["change"] = float(abs(T_b - T_a) / T_b)
    span = max(lookback * (c[-1] - c[0]), n * T_b)
    j = int(np.argmin(np.abs(c - (c[-1] - span))))  # end of the lookback window
    if j - n < 0:
        return out  # the lookback window would start before the first winding: not yet decidable
    T_d = (c[j] - c[j - n]) / n
    mid_b, mid_d = 0.5 * (b_win[0] + b_win[-1]), 0.5 * (c[j] + c[j - n])
    out["lookback_change"] = float(abs(T_b - T_d) / T_b)
    out["drift"] = float((T_b - T_d) / T_b / (mid_b - mid_d)) if mid_b > mid_d else math.nan
    out["settled"] = bool(out["change"] <= rtol and out["lookback_change"] <= rtol)
    return out


class Settler:
    """``stop`` hook of `psc_fem.solver.simulation.simulate` for ``time.until = "periodic"``.

    Ends the run once it is settled (periodic on the last ``periods``
    windings, `settle_check`) or stationary (`stationary`, checked every
    ``every`` steps).  It reads only the series (identical on all ranks)
    and keys everything to the series' length, so a resumed run, whose
    series is read back, stops at the same step as an uninterrupted one.
    """

    def __init__(self, periods=SETTLE_PERIODS, rtol=SETTLE_RTOL, every=50, t_min=20.0, josephson=True):
        self.periods, self.rtol, self.every, self.t_min = periods, rtol, every, t_min
        self.josephson = josephson
        self.counter = WindingCounter()
        self.windings = self.counter.times
        self.seen = 0  # series entries processed

    def _update(self, s):
        # theta_plus - theta_minus = 2 theta_plus (antisymmetric gauge)
        return self.counter.feed(s["t"][self.seen :], 2 * np.asarray(s["theta_plus"][self.seen :])) > 0

    def __call__(self, s):
        start, n = self.seen, len(s["t"])
        new = self._update(s) if self.josephson else False
        self.seen = n  # (with normal banks too: slip_times runs once per ``every`` steps, not every step)
        poll = n // self.every > start // self.every and s["t"][-1] >= self.t_min
        if not self.josephson and poll:  # normal banks: slips are the dips of psi_min
            self.windings, new = list(slip_times(s["t"], s["psi_min"])), True
        if new:
            win = settle_check(self.windings, self.periods, self.rtol)
            if win is not None and win["settled"]:
                return "settled: periodic"
        if poll and stationary(s["t"], s["V"], s["psi_min"]):
            return "settled: stationary"
        if poll and steady(s["t"], s["V"], s["psi_min"]):
            return "settled: steady"
        return None


def stationary(t, V, psi_min, window=None):
    """True when the state is stationary: |V| and the change of min_x |Psi| tiny over the trailing window.

    The window is the last 10% of the run, at least 10 tau.  min_x |Psi|
    must be steady too, because finite-gap wires above J0 can sit with a
    small V for hundreds of tau while |Psi| sinks towards the first slip.
    """
    tail = _trailing(t, V, psi_min, window)
    return tail is not None and bool(np.abs(tail[0]).max() < STATIONARY_V and np.ptp(tail[1]) < STATIONARY_PSI)


def _trailing(t, V, psi_min, window):
    """(V, min_x |Psi|) over the trailing window (the last 10% of the run, at least 10 tau), or None."""
    t, V, pm = np.asarray(t, float), np.asarray(V, float), np.asarray(psi_min, float)
    if t.size < 4:
        return None
    window = max(10.0, 0.1 * t[-1]) if window is None else window
    if t[-1] - t[0] < window:
        return None
    last = t >= t[-1] - window
    return V[last], pm[last]


def steady(t, V, psi_min, window=None):
    """True when V (not 0) and min_x |Psi| are constant over the trailing window (as `stationary`'s).

    A resistive steady state: no slips, but a voltage, e.g. across the
    suppressed superconductor next to normal terminals or normal banks.
    """
    tail = _trailing(t, V, psi_min, window)
    if tail is None:
        return False
    v, pm = tail
    return bool(np.ptp(v) < STEADY_V * max(float(np.max(np.abs(v))), STATIONARY_V) and np.ptp(pm) < STATIONARY_PSI)


def creep(t, V, psi_min, windings, window=None):
    """The drift of a state that has no slips over the trailing window but still moves one way, or None.

    V or min_x |Psi| beyond the steady thresholds with their change across
    the window at least half their range: a steady state being approached
    too slowly for the run (not an oscillation, whose ends nearly agree).
    Returns (tau_a, tau_b, V's relative change, min_x |Psi|'s change).
    """
    t = np.asarray(t, float)
    tail = _trailing(t, V, psi_min, window)
    if tail is None:
        return None
    v, pm = tail
    a, b = float(t[-v.size]), float(t[-1])
    windings = np.asarray(windings, float)
    if np.any((windings >= a) & (windings <= b)):
        return None
    scale = max(float(np.max(np.abs(v))), STATIONARY_V)
    moving = [(x, tol) for x, tol in ((v, STEADY_V * scale), (pm, STATIONARY_PSI)) if np.ptp(x) >= tol]
    if not moving or any(abs(x[-1] - x[0]) < 0.5 * np.ptp(x) for x, _ in moving):
        return None
    return a, b, float((v[-1] - v[0]) / scale), float(pm[-1] - pm[0])


def slip_times(t, psi, threshold=None):
    """Times of the minima of |Psi|(tau) (psi_min or |Psi(0)|) inside its dips below ``threshold``.

    The default threshold is halfway between min and max over the run's last
    half (after the transient from Psi = 1); dips shallower than 1% of the
    maximum are not counted (a stationary state's round-off).  Minima are
    refined on |Psi|^2, which is smooth (parabolic) through a slip while
    |Psi| has a cusp there.
    """
    t, y = np.asarray(t, float), np.asarray(psi, float)
    if y.size < 5:
        return np.array([])
    late = y[t >= 0.5 * t[-1]]
    lo, hi = late.min(), late.max()
    if not hi - lo > 1e-2 * hi:
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


def mean_rate(t, theta, a, b):
    """(theta(b) - theta(a)) / (b - a), theta linear between samples: mean V from theta = int V dtau."""
    return float((np.interp(b, t, theta) - np.interp(a, t, theta)) / (b - a))


def psc_period(t, psi_min, a, b, winding_period):
    """(PSC period, slips per period) in [a, b] from the dips of psi_min, or (winding period, 1) if none resolve."""
    t, y = np.asarray(t, float), np.asarray(psi_min, float)
    dips = slip_times(t, y)
    dips = dips[(dips >= a - 0.5 * winding_period) & (dips <= b + 0.5 * winding_period)]
    if dips.size < 2:
        return winding_period, 1
    period = float((dips[-1] - dips[0]) / (dips.size - 1))
    return period, max(1, round(period / winding_period))


def periodic_stats(t, V, theta, psi_min, periods=SETTLE_PERIODS, rtol=SETTLE_RTOL, josephson=True):
    """Summary of a run: state, the settled window, period, mean V, Josephson ratio.

    ``theta`` = theta_+ - theta_- (the series' theta_plus - theta_minus),
    ``psi_min`` = min_x |Psi| per step.  States: "periodic" (settled on the
    last ``periods`` windings), "not settled" (windings whose period still
    changes: the numbers are those of the last windows, with the change and
    the drift; or, without slips, a state still creeping one way: `creep`),
    "stationary" (V -> 0, |Psi| steady), "steady" (V constant but not 0,
    |Psi| steady: normal contacts) and "not periodic" (none of these).
    ``josephson=False`` (normal-metal banks: theta = int V also
    holds the banks' voltage) reports no Josephson ratio and counts slips by
    the dips of psi_min.
    """
    t, V = np.asarray(t, float), np.asarray(V, float)
    theta = np.asarray(theta, float)
    out = {"n_slips": 0, "slip_times": []}
    if t.size < 2:
        out.update(state="not periodic", period=math.nan, mean_V=math.nan, josephson_ratio=math.nan, n_periods=0)
        return out
    if josephson:
        win = settled_window(t, theta, periods, rtol)
        windings = winding_times(t, theta)
    else:  # normal banks: slips are the dips of psi_min, and "theta" counts one winding per slip
        windings = slip_times(t, psi_min)
        win = settle_check(windings, periods, rtol)  # the Settler's very check, so the two agree
    out["n_slips"] = int(windings.size)
    out["slip_times"] = windings.tolist()
    if win is not None:
        a, b = win["window"]
        mean_v = mean_rate(t, theta, a, b)
        if josephson:
            period, per = psc_period(t, psi_min, a, b, win["winding_period"])
            ratio = period * mean_v / (2 * math.pi * per)
        else:
            period, per, ratio = win["winding_period"], 1, math.nan
        out.update(
            state="periodic" if win["settled"] else "not settled",
            period=period,
            winding_period=win["winding_period"],
            slips_per_period=per,
            mean_V=mean_v,
            josephson_ratio=ratio,
            n_periods=int(win["n_used"]),
            window=[a, b],
            period_change=win["change"],
            period_drift=win["drift"],
            lookback_change=win["lookback_change"],
        )
        return out
    half = t >= 0.5 * t[-1]
    tail = float(np.mean(np.abs(V[half]))) if half.any() else float("nan")
    state = "stationary" if stationary(t, V, psi_min) else "steady" if steady(t, V, psi_min) else "not periodic"
    drift = creep(t, V, psi_min, windings) if state == "not periodic" else None
    if drift is not None:  # no slips, still creeping towards a steady state: its latest V, with the drift
        a, b, dv, dpsi = drift
        out.update(state="not settled", period=math.nan, mean_V=float(V[-1]), josephson_ratio=math.nan)
        out.update(n_periods=0, mean_abs_V_tail=tail, creep_window=[a, b], V_drift=dv, psi_min_drift=dpsi)
        return out
    out.update(
        state=state,
        period=math.nan,
        mean_V={"stationary": 0.0, "steady": float(V[-1])}.get(state, tail),
        josephson_ratio=math.nan,
        n_periods=0,
        mean_abs_V_tail=tail,
    )
    return out
