"""Phase-slip centres of a finished run: how many, where, and the state label.

A phase-slip centre (PSC) is a fixed place where |Psi(x, tau)| drops to
zero once per period while the phase unwinds by 2 pi.  Two records of a run
show them:

* the per-step series ``psi_min(tau)`` = min_x |Psi| (exact in time): a slip
  anywhere in the wire is a dip of psi_min to ~0.  Slip *times* come from
  it, so the period and the AC Josephson ratio do not depend on where the
  PSCs sit (the core series ``psi_center`` misses PSCs away from x = 0);
* the field frames ``abs_psi(t_k, x)`` (exact in x, sampled every
  ``output.every``): the *positions* are the deep local minima of
  m(x) = min_k |Psi(x, t_k)| over the frames of the analysed window.

State labels (the column ``state`` of iv.csv):
``superconducting`` (stationary, V -> 0), ``steady`` (no slips, V constant
but not 0: the resistance of normal terminals or banks), ``one PSC`` (periodic, one core),
``several PSCs`` (two or more cores), ``normal domain`` (a stretch of wire
stays normal, |Psi| ~ 0: long wires well above J0), ``not periodic`` (slips
that are not periodic, or a run too short to decide), ``failed`` (the
integrator gave up).
"""

import math

import numpy as np

from psc_fem.analysis.periods import mean_over, mean_rate, slip_times, steady

STATES = ("superconducting", "steady", "one PSC", "several PSCs", "normal domain", "not periodic", "failed")

SLIP_DEPTH = 0.15  # a dip of psi_min counts as a slip only if it goes below this
V_TOL = 1e-6  # stationary: |V| below this over the trailing window ...
DECAY = 1e-3  # ... or decayed by this factor while still shrinking
NORMAL_LEVEL = 0.1  # psi_min never above this: a normal domain, not a PSC


def slip_events(t, psi_min, depth=SLIP_DEPTH):
    """Times of phase slips anywhere in the wire: deep dips of psi_min(tau).

    The dips are found as in `psc_fem.analysis.periods.slip_times` (minima below the
    halfway level of the run's last half, parabola-refined); a dip counts as
    a slip only when psi_min goes below ``depth`` (|Psi| -> 0 at the core; on
    a mesh the nearest node can stay a few per cent above zero).
    """
    t, y = np.asarray(t, float), np.asarray(psi_min, float)
    times = slip_times(t, y)
    if times.size == 0:
        return times
    # depth of each dip: min of psi_min within half the gap to the neighbours
    keep = []
    for i, ts in enumerate(times):
        a = 0.5 * (times[i - 1] + ts) if i > 0 else ts - 1.0
        b = 0.5 * (ts + times[i + 1]) if i + 1 < times.size else ts + 1.0
        sel = (t >= a) & (t <= b)
        keep.append(sel.any() and y[sel].min() < depth)
    return times[np.array(keep, dtype=bool)]


def relaxed(t, V, window=None, v_tol=V_TOL, decay=DECAY):
    """True when V(tau) has relaxed to the stationary state.

    Either |V| stays below ``v_tol`` over the trailing window (default: the
    last 10% of the run, at least 10 tau), or it decays exponentially: its
    maximum over that window is below half of the one over the window
    before and below ``decay`` times the transient's peak.  That catches
    the slow relaxation of finite-gap runs near J0, where |V| can sit at
    1e-5 for hundreds of tau.  The ghost of a lost stationary state (just
    above J0) does not pass: approaching it V falls only algebraically
    (~ 1/tau^2, a factor 0.8 per window) and then levels off at ~ (j - J0).
    """
    t, V = np.asarray(t, float), np.abs(np.asarray(V, float))
    if t.size < 4:
        return False
    window = max(10.0, 0.1 * t[-1]) if window is None else window
    last = t >= t[-1] - window
    before = (t >= t[-1] - 2 * window) & ~last
    if not before.any() or t[-1] < 2 * window:
        return False
    v_last, v_before = V[last].max(), V[before].max()
    if v_last < v_tol:
        return True
    peak = V[: np.argmax(before) + 1].max()
    return bool(v_last < 0.5 * v_before and v_last < decay * peak)


def psc_cores(x, frames_t, abs_psi, t_from=-math.inf, depth=0.35, prominence=0.1, min_separation=1.0, floor=0.02):
    """Positions of the PSC cores: deep local minima of min over frames of |Psi(x)|.

    ``frames_t``, ``abs_psi`` (nf, nx) are the run's frames; only frames at
    t >= ``t_from`` are used (the analysed window, after the transient).
    A core is a local minimum of m(x) = min_k |Psi(x, t_k)| below ``depth``
    that rises by at least ``prominence`` on both sides before the next
    deeper minimum, with cores closer than ``min_separation`` merged (the
    deepest kept); m is clipped from below at ``floor``, so a stretch that
    was (numerically) normal counts as one core at its middle.  The frames sample time every output.every, so at a core
    m(x) is near, but not exactly, zero: hence the generous ``depth``.

    Returns [(x, m(x))] sorted by x.
    """
    x = np.asarray(x, float)
    ft = np.asarray(frames_t, float)
    a = np.asarray(abs_psi, float)
    sel = ft >= t_from
    if a.ndim != 2 or not sel.any() or x.size < 3:
        return []
    # below ``floor`` |Psi| is zero for this purpose: the minima of a stretch
    # at round-off level (a core that sat at |Psi| ~ 1e-13 for a while) are
    # noise, so such a stretch counts once, at its middle
    m = np.maximum(a[sel].min(axis=0), floor)
    cand = []
    i = 1
    while i < x.size - 1:
        k = i
        while k + 1 < x.size - 1 and m[k + 1] == m[i]:
            k += 1  # a plateau i..k
        if m[i] <= m[i - 1] and m[k] <= m[k + 1] and m[i] < depth:
            cand.append((i + k) // 2)
        i = k + 1
    cores = []
    for i in sorted(cand, key=lambda i: m[i]):
        # prominence: climb to both sides until a deeper point or the end
        left = m[: i + 1][::-1]
        right = m[i:]

        def rise(side):
            deeper = np.flatnonzero(side < m[i] - 1e-12)
            stop = deeper[0] if deeper.size else side.size
            return side[:stop].max() - m[i]

        if min(rise(left), rise(right)) < prominence:
            continue
        if any(abs(x[i] - xc) < min_separation for xc, _ in cores):
            continue
        cores.append((float(x[i]), float(m[i])))
    return sorted(cores)


def core_dips(x, frames_t, abs_psi, positions, a, b, depth=0.35):
    """Number of slips of the cores at ``positions`` in the frames of (a, b].

    A slip is |Psi(x_core)| falling below ``depth`` after having recovered
    above halfway between its minimum and maximum over the window; a dip
    already under way at ``a`` is not counted, one reaching ``depth`` by
    ``b`` is (each slip belongs to one window of whole periods).
    """
    x, ft, a_psi = np.asarray(x), np.asarray(frames_t), np.asarray(abs_psi)
    sel = (ft >= a) & (ft <= b)
    total = 0
    for xc in positions:
        y = a_psi[sel, int(np.argmin(np.abs(x - xc)))]
        if y.size < 3:
            continue
        high = 0.5 * (y.min() + y.max())
        armed = y[0] > high
        for v in y[1:]:
            if armed and v < depth:
                total += 1
                armed = False
            elif v > high:
                armed = True
    return total


def normal_window(t):
    """The trailing window in which a normal domain must persist: max(30, 0.2 tau)."""
    return max(30.0, 0.2 * float(t[-1]))


def iv_point(series, frames=None, skip=1, periods=None, spread_tol=0.02, min_periods=2, josephson=True):
    """One point of an I-V curve from a run's series (and frames).

    ``series``: dict with t, V, psi_min (numpy arrays), e.g. `Solution.series`.
    ``frames``: dict with t, x, abs_psi from series.h5 (for the PSC count).
    ``skip`` transient slips are dropped; of the rest, the last
    ``periods`` + 1 slips (all when None) give the period, its spread and
    the mean V over whole periods.  Returns a dict with state, V_mean (over
    whole periods; 0 when superconducting; the last half's mean otherwise),
    period (between successive slips anywhere in the wire), period_spread,
    josephson_ratio, slips_per_period, n_psc, psc_positions, n_periods,
    n_slips.

    States: ``normal domain`` when psi_min stays below NORMAL_LEVEL = 0.1
    over the analysed window (the whole periods used, or the trailing
    max(30, 0.2 tau)): some stretch of wire never recovers, V is roughly
    that stretch's normal resistance times j, and whatever slips there are
    (the phase still winds at the Josephson frequency, with an amplitude
    of |Psi| of a few per cent) are not counted as PSCs; ``one PSC`` /
    ``several PSCs`` when the
    slips are periodic (spread of the used periods below ``spread_tol``)
    and the frames show one / several cores (several cores: also when the
    slips are not periodic); ``superconducting`` when there are no slips in
    the last half and V has relaxed; ``steady`` when there are none and V
    and psi_min are constant (V not 0: normal contacts); ``not periodic``
    otherwise.

    AC Josephson relation: each slip unwinds the end-phase difference by
    2 pi, so period * V_mean / (2 pi) is the number of 2 pi slips in one
    period: 1 for one PSC, n for n cores slipping together (the symmetric
    wire keeps its mirror symmetry, so cores at +-x0 slip at the same time).
    ``slips_per_period`` is that integer and ``josephson_ratio`` the rest:
    period * V_mean / (2 pi slips_per_period), which must be 1.  With
    several cores that do not slip together the integer is not known from
    psi_min alone: ``slips_per_period`` is then the number of core dips in
    the frames of the analysed window (`core_dips`) per period, which
    counts right when the frames (every output.every) resolve every dip.
    """
    t = np.asarray(series["t"], float)
    V = np.asarray(series["V"], float)
    pmin = np.asarray(series["psi_min"], float)
    nan = math.nan
    out = dict(
        state="not periodic",
        V_mean=nan,
        period=nan,
        period_spread=nan,
        josephson_ratio=nan,
        slips_per_period=0,
        n_psc=0,
        psc_positions=[],
        n_periods=0,
        n_slips=0,
    )
    if t.size < 2:
        out["state"] = "failed"
        return out
    slips = slip_events(t, pmin)
    out["n_slips"] = int(slips.size)
    tail_mean = mean_over(t, V, 0.5 * t[-1], t[-1])  # time average: steps crowd at slips, where V peaks
    win = t >= t[-1] - normal_window(t)
    if t[-1] > normal_window(t) and pmin[win].max() < NORMAL_LEVEL and slips[skip:].size < min_periods + 1:
        out.update(state="normal domain", V_mean=mean_over(t, V, t[-1] - normal_window(t), t[-1]))
        return out
    used = slips[skip:]
    if periods is not None:
        used = used[-(periods + 1) :]
    window_from = 0.5 * t[-1]
    periodic = False
    if used.size >= min_periods + 1:
        period = float((used[-1] - used[0]) / (used.size - 1))
        spread = float(np.diff(used).std() / period)
        # int V dtau by the scheme's quadrature where the series has the end phases (psc_fem.analysis.periods)
        theta = series.get("theta_plus")
        v_mean = (
            mean_rate(t, np.asarray(theta, float) - np.asarray(series["theta_minus"], float), used[0], used[-1])
            if theta is not None and len(theta) == t.size
            else mean_over(t, V, used[0], used[-1])
        )
        raw = period * v_mean / (2 * math.pi)
        per = float(max(1, round(raw)))
        out.update(
            V_mean=v_mean,
            period=period,
            period_spread=spread,
            josephson_ratio=raw / per,
            slips_per_period=per,
            n_periods=int(used.size - 1),
        )
        window_from = used[0]
        periodic = spread < spread_tol
    elif slips.size == 0 or slips[-1] < 0.5 * t[-1]:
        if relaxed(t, V):
            out.update(state="superconducting", V_mean=0.0)
            return out
        if steady(t, V, pmin):  # no slips, V constant but not 0: normal contacts' resistance
            out.update(state="steady", V_mean=float(V[-1]))
            return out
        out["V_mean"] = tail_mean
        return out
    else:
        out["V_mean"] = tail_mean
    if pmin[t >= window_from].max() < NORMAL_LEVEL:
        # slips, but |Psi| never recovers above NORMAL_LEVEL anywhere near the
        # core: the Josephson oscillation of a normal stretch, not a PSC
        out["state"] = "normal domain"
        return out
    if frames is not None and "abs_psi" in frames and np.size(frames["t"]) > 1:
        cores = psc_cores(frames["x"], frames["t"], frames["abs_psi"], t_from=window_from)
        out["n_psc"] = len(cores)
        out["psc_positions"] = [c[0] for c in cores]
    elif periodic:
        out["n_psc"] = 1  # no frames: one core assumed (the series cannot tell)
    n = out["n_psc"]
    counted = False  # slips per period counted from the frames' core dips
    if n >= 2 and out["n_periods"] > 0:
        # several cores need not slip together: count each core's dips in the
        # frames of the analysed window (a, b] and use that count per period
        dips = core_dips(frames["x"], frames["t"], frames["abs_psi"], out["psc_positions"], used[0], used[-1])
        if dips > 0:
            per = dips / out["n_periods"]
            counted = True
            out["slips_per_period"] = per
            out["josephson_ratio"] = out["V_mean"] * out["period"] / (2 * math.pi * per)
    if n >= 2:
        out["state"] = "several PSCs"
    elif periodic:
        out["state"] = "one PSC"
    if not josephson and out["n_periods"] > 0:
        # normal banks: V also holds the banks' and the S/N boundaries' voltage,
        # so period * V / 2 pi counts nothing; one slip per core per period
        out["josephson_ratio"] = nan
        if not counted:
            out["slips_per_period"] = max(n, 1)
    return out
