"""Post-processing of a run's series: winding-counted periods and mean V (periods), PSC counting (psc_count)."""

from psc_fem.analysis.periods import (
    SETTLE_PERIODS,
    SETTLE_RTOL,
    Settler,
    WindingCounter,
    format_summary,
    mean_over,
    periodic_stats,
    settle_check,
    slip_times,
    winding_times,
)

__all__ = [
    "SETTLE_PERIODS", "SETTLE_RTOL", "Settler", "WindingCounter", "format_summary", "mean_over", "periodic_stats",
    "settle_check", "slip_times", "winding_times",
]
