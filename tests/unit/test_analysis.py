"""The run statistics on synthetic series with known answers (psc_fem.analysis)."""

import math
from pathlib import Path

import numpy as np
import pytest

from psc_fem.analysis.periods import (
    Settler,
    WindingCounter,
    creep,
    periodic_stats,
    settle_check,
    winding_times,
)
from psc_fem.analysis.summary import format_summary


def test_winding_times_are_the_integer_crossings():
    """theta = 2 pi (tau - 0.3)/T: crossings at 0.3 + k T (k = 0, 1, ...), exact for a linear theta."""
    T = 1.7
    t = np.linspace(0.0, 20.0, 3001)
    c = winding_times(t, 2 * math.pi * (t - 0.3) / T)
    np.testing.assert_allclose(c, 0.3 + T * np.arange(c.size), atol=1e-12)
    assert c.size == int((20.0 - 0.3) / T) + 1


def test_an_unwinding_transient_counts_net_windings():
    """theta goes up through 2 pi, back below it and up again: one winding, at the last crossing."""
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    w = np.array([0.5, 1.5, 0.5, 1.5, 1.8]) * 2 * math.pi
    np.testing.assert_allclose(winding_times(t, w), [0.5])  # the re-crossing does not count again
    t2 = np.array([0.0, 1.0, 2.0, 3.0])
    w2 = np.array([0.5, 0.2, 1.4, 2.6]) * 2 * math.pi
    np.testing.assert_allclose(winding_times(t2, w2), [1.0 + 0.8 / 1.2, 2.0 + 0.6 / 1.2])


def test_counter_fed_in_pieces_equals_one_pass():
    rng = np.random.default_rng(2)
    t = np.cumsum(rng.uniform(0.001, 0.05, 4000))
    theta = 2 * math.pi * (t / 1.3 + 0.4 * np.sin(t))  # non-monotone: unwinds now and then
    counter = WindingCounter()
    for piece in np.array_split(np.arange(t.size), 37):
        counter.feed(t[piece], theta[piece])
    np.testing.assert_array_equal(counter.times, winding_times(t, theta))


def test_settle_check_sees_a_slow_drift():
    """Periods relaxing as T(k) = 3 (1 + 0.5 exp(-k/tau_k)): not settled while the lookback window
    differs by more than rtol, settled later; the drift has the right sign."""

    def windings(n, tau_k):
        periods = 3.0 * (1 + 0.5 * np.exp(-np.arange(n) / tau_k))
        return np.cumsum(periods)

    early = settle_check(windings(40, 20.0), periods=5, rtol=1e-3)
    assert not early["settled"] and early["lookback_change"] > 1e-3
    assert early["drift"] < 0  # periods shrink with time
    late = settle_check(windings(400, 20.0), periods=5, rtol=1e-3)
    assert late["settled"] and late["winding_period"] == pytest.approx(3.0, rel=1e-6)
    assert settle_check(np.arange(2.0), periods=5) is None  # fewer than three windings
    few = settle_check(np.arange(4.0) * 2.0, periods=5)
    assert not few["settled"] and few["n_used"] == 2 and few["window"] == (2.0, 6.0)


def test_periodic_stats_quote_the_settled_window_only():
    """A transient of slow slips, then period T = 2: mean V = 2 pi / T from the window, not the run."""
    t = np.linspace(0.0, 100.0, 200_001)
    rate = np.where(t < 40.0, 0.5, 2 * math.pi / 2.0)  # winding rate: slow transient, then steady
    theta = np.concatenate([[0.0], np.cumsum(0.5 * (rate[1:] + rate[:-1]) * np.diff(t))])
    V = rate  # theta = int V
    psi_min = 0.5 + 0.5 * np.cos(theta / 2) ** 2  # one dip per winding (between them)
    st = periodic_stats(t, V, theta, psi_min, periods=5, rtol=1e-3)
    assert st["state"] == "periodic"
    assert st["mean_V"] == pytest.approx(math.pi, rel=1e-6)
    assert st["winding_period"] == pytest.approx(2.0, rel=1e-6)
    assert st["window"][0] > 40.0
    short = periodic_stats(t[t < 50.0], V[t < 50.0], theta[t < 50.0], psi_min[t < 50.0], periods=5, rtol=1e-3)
    assert short["state"] == "not settled"


def test_settler_stops_where_the_stats_say_settled():
    """The streaming stop hook fed step by step stops at the first series on which settle_check agrees."""
    t = np.linspace(0.0, 200.0, 20_001)
    T = 3.0 * (1 + 0.3 * np.exp(-t / 15.0))
    theta = np.concatenate([[0.0], np.cumsum(2 * math.pi / T[1:] * np.diff(t))])
    series = {"t": [], "theta_plus": [], "V": [], "psi_min": []}
    settler = Settler(periods=5, rtol=1e-3)
    stop_at = None
    for i in range(t.size):
        series["t"].append(t[i])
        series["theta_plus"].append(0.5 * theta[i])
        series["V"].append(2 * math.pi / T[i])
        series["psi_min"].append(0.5)
        if settler(series):
            stop_at = i
            break
    assert stop_at is not None
    assert settle_check(winding_times(t[: stop_at + 1], theta[: stop_at + 1]), 5, 1e-3)["settled"]
    assert not settle_check(winding_times(t[:stop_at], theta[:stop_at]), 5, 1e-3)["settled"]


def test_a_constant_nonzero_voltage_is_steady_not_stationary():
    """V relaxing to 0.4 with |Psi| steady: "steady" (mean V the final V), not "stationary" (V -> 0) and
    not "not periodic"; V relaxing to 0: "stationary"; V still moving by 1e-4: "not periodic"."""
    t = np.linspace(0.0, 200.0, 4001)
    theta = np.zeros_like(t)  # normal contacts: no windings of the end phases
    psi_min = 0.03 + 0.1 * np.exp(-t / 5.0)
    for V, state in (
        (0.4 + np.exp(-t / 5.0), "steady"),
        (np.exp(-t / 5.0), "stationary"),
        (0.4 + 1e-4 * np.sin(t), "not periodic"),
    ):
        stats = periodic_stats(t, V, theta, psi_min, josephson=False)
        assert stats["state"] == state
        if state == "steady":
            assert stats["mean_V"] == pytest.approx(0.4, rel=1e-12)


def test_a_state_creeping_without_slips_is_not_settled():
    """V still moving one way without slips (a film between normal terminals relaxing slowly): "not settled"
    with the drift over the trailing window and the latest V; an oscillation of the same size stays "not
    periodic", and a slip in the trailing window is not a creep."""
    t = np.linspace(0.0, 600.0, 6001)
    theta = np.zeros_like(t)
    psi_min = 0.2 - 1e-4 * np.exp(-t / 400.0)
    V = 0.3 + 1e-3 * np.exp(-t / 400.0)  # relative change over tau = 540..600: -4.4e-5 / 0.3
    stats = periodic_stats(t, V, theta, psi_min, josephson=False)
    assert stats["state"] == "not settled" and stats["creep_window"] == [pytest.approx(540.0), 600.0]
    assert stats["mean_V"] == V[-1]
    expect = (V[-1] - V[t >= 540.0][0]) / V[t >= 540.0].max()
    assert stats["V_drift"] == pytest.approx(expect, rel=1e-12) and stats["V_drift"] < -4e-5
    assert stats["psi_min_drift"] > 0
    assert "NOT SETTLED, no phase slips" in format_summary(stats)[0]
    wobble = periodic_stats(t, 0.3 + 1e-4 * np.sin(t), theta, np.full_like(t, 0.2), josephson=False)
    assert wobble["state"] == "not periodic"
    assert creep(t, V, psi_min, np.array([580.0])) is None  # a slip inside the window
    assert creep(t, V, psi_min, np.array([520.0])) is not None  # ... before it


def test_the_settler_and_the_final_analysis_agree_for_normal_contacts():
    """Slips counted by the dips of psi_min (normal terminals or banks): when the stop hook says settled,
    the run's analysis says periodic.  The series: a constriction between normal terminals (8 x 2 xi,
    neck 0.6 x 1, j = 0.25, delta = 10/3), whose analysis once dropped the newest slip and called the
    run the Settler had stopped "not settled" (period change 0.22% against 0.097%)."""
    data = np.load(Path(__file__).parents[1] / "data" / "constriction_slips.npz")
    t = data["t"]
    settler = Settler(josephson=False)
    for n in range(1, t.size + 1):
        if settler({k: data[k][:n] for k in data.files}):
            break
    assert n == t.size  # the run stopped here: "settled: periodic"
    stats = periodic_stats(t, data["V"], data["theta_plus"] - data["theta_minus"], data["psi_min"], josephson=False)
    assert stats["state"] == "periodic" and stats["n_slips"] == 15 and stats["period_change"] <= 1e-3
