"""The lines a run prints at its end: its state and, when it slipped, period, mean V and the Josephson ratio
(from `psc_fem.analysis.periods.periodic_stats`)."""

import math


def format_summary(stats):
    """Lines printed at the end of every run."""
    state = stats["state"]
    if "window" not in stats:  # stationary, steady, not periodic, or a failed run without steps
        if state == "steady":
            return [f"state: steady, no phase slips (V = {stats['mean_V']:.6g})"]
        if state == "not settled":  # creeping without slips (`creep`)
            a, b = stats["creep_window"]
            return [
                f"state: NOT SETTLED, no phase slips, still creeping: over tau = {a:.6g} .. {b:.6g} V changed by "
                f"{stats['V_drift']:+.2e} (relative) and min|Psi| by {stats['psi_min_drift']:+.2e} "
                f"(V = {stats['mean_V']:.6g} at the end); raise time.t_end"
            ]
        tail = stats.get("mean_abs_V_tail")
        return [f"state: {state}" + (f" (mean |V| over the last half: {tail:.3e})" if tail is not None else "")]
    a, b = stats["window"]
    lines = []
    if state == "not settled":
        drift, change = stats.get("period_drift", math.nan), stats.get("period_change", math.nan)
        if math.isfinite(change):
            why = (
                f"the period changed by {change:.2%} against the previous {stats['n_periods']} windings"
                + (
                    f" and by {stats['lookback_change']:.2%} against the lookback window"
                    if math.isfinite(stats.get("lookback_change", math.nan))
                    else ""
                )
                + (f" (drift {100 * drift * 100:+.3g}% per 100 tau)" if math.isfinite(drift) else "")
            )
        else:
            why = f"too few windings to judge (quoting the last {stats['n_periods']})"
        lines.append(f'state: NOT SETTLED: {why}; raise time.t_end, or use time.until = "periodic" or "orbit"')
    else:
        lines.append(
            f"state: periodic phase slips, settled (last {stats['n_periods']} windings, tau = {a:.6g} .. {b:.6g})"
        )
    lines += [
        f"PSC period            = {stats['period']:.6g}"
        + (f" ({stats['slips_per_period']} slips per period)" if stats.get("slips_per_period", 1) > 1 else ""),
        f"mean V ({'settled window' if state == 'periodic' else 'last windings'}) = {stats['mean_V']:.6g}",
        f"AC Josephson ratio period*mean(V)/(2 pi) = {stats['josephson_ratio']:.6f}"
        if math.isfinite(stats["josephson_ratio"])
        else "AC Josephson ratio: not defined (normal contacts: V includes their voltage; docs/geometry.md, docs/films.md)",
    ]
    return lines
