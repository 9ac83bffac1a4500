"""Post-processing of a run's series: winding-counted periods and mean V (periods), the end-of-run summary
(summary), PSC counting (psc_count), the stationary GL branch of rigid banks (stationary)."""

from psc_fem.analysis.periods import (
    SETTLE_PERIODS,
    SETTLE_RTOL,
    Settler,
    WindingCounter,
    mean_over,
    periodic_stats,
    settle_check,
    slip_times,
    winding_times,
)
from psc_fem.analysis.stationary import DEPAIRING, stationary_branch_max
from psc_fem.analysis.summary import format_summary

__all__ = [
    "DEPAIRING",
    "SETTLE_PERIODS",
    "SETTLE_RTOL",
    "Settler",
    "WindingCounter",
    "format_summary",
    "mean_over",
    "periodic_stats",
    "settle_check",
    "slip_times",
    "stationary_branch_max",
    "winding_times",
]
