"""When one run of an I-V sweep is decided: the sweep's ``stop`` hook (psc_fem.studies.sweep, docs/sweeps.md)."""

from __future__ import annotations

import numpy as np


class Decider:
    """``stop`` hook of one sweep run: end it once its state is decided.

    Checked every ``every`` steps (the poll for the batch dispatcher runs
    at every step).  Decided when
    * periodic: settled as `psc_fem.analysis.periods.settle_check` says (the last
      ``periods`` windings of the end-phase difference agree to ``settle``
      with the ones before and with those a quarter of the run earlier),
      so that no I-V point quotes a transient, and ``skip`` + ``periods``
      + 1 dips of psi_min are there (the point's window); with normal banks (no end
      phase, ``josephson=False``) ``skip`` transient slips + ``periods``
      whole periods of psi_min dips whose older and newer halves give the
      same mean V to ``settle`` (a normal domain's edges can drift slowly
      while the phase winds regularly);
    * superconducting: no slip in the run's last half and V relaxed
      (`psc_fem.analysis.psc_count.relaxed`), after at least ``t_min``;
    * steady: no slip in the run's last half, V (not 0) and psi_min constant
      (`psc_fem.analysis.periods.steady`: the resistance of normal contacts);
    * normal domain: psi_min (min over the wire of |Psi|) below 0.1 for the
      last max(30, 0.2 tau) and V steady to 1% over that window.
    Depends on the series only (identical on all ranks of a run).
    """

    def __init__(self, periods=6, skip=1, t_min=20.0, every=20, poll=None, settle=2e-3, josephson=True):
        from psc_fem.analysis.periods import WindingCounter

        self.periods, self.skip, self.t_min, self.every = periods, skip, t_min, every
        self.settle = settle
        self.poll = poll
        self.josephson = josephson
        self.windings = WindingCounter()
        self._fed = 0  # series entries fed to the counter
        self.k = 0

    def __call__(self, s):
        if self.poll is not None:
            self.poll()
        # keyed to the series' length (not a call count): a resumed run, whose stop hook sees the
        # whole series again, checks at the same steps and stops at the same step
        self.k = len(s["t"])
        if self.k % self.every:
            return None
        from psc_fem.analysis.periods import steady
        from psc_fem.analysis.psc_count import relaxed, slip_events

        t = np.asarray(s["t"])
        if t[-1] < self.t_min:
            return None
        pmin = np.asarray(s["psi_min"])
        V = np.asarray(s["V"])
        slips = slip_events(t, pmin)
        if self.josephson:
            from psc_fem.analysis.periods import settle_check

            # theta_+ - theta_- = 2 theta_+ (antisymmetric gauge); fed once per check
            self.windings.feed(t[self._fed :], 2 * np.asarray(s["theta_plus"][self._fed :]))
            self._fed = t.size
            win = settle_check(self.windings.times, self.periods, self.settle)
            # and the I-V point's own window (the last ``periods`` periods of dips) past the transient
            if win is not None and win["settled"] and slips.size >= self.skip + self.periods + 1:
                return "periodic"
        elif slips.size >= self.skip + self.periods + 1:
            # settled: mean V over the older and the newer half of the periods agree
            from psc_fem.analysis.periods import mean_over

            used = slips[-(self.periods + 1) :]
            mid = used[len(used) // 2]
            v1, v2 = mean_over(t, V, used[0], mid), mean_over(t, V, mid, used[-1])
            if abs(v2 - v1) <= self.settle * max(abs(v2), 1e-12):
                return "periodic"
        quiet = slips.size == 0 or slips[-1] < 0.5 * t[-1]
        if quiet and relaxed(t, V):
            return "stationary"
        if quiet and steady(t, V, pmin):
            return "steady"
        w = max(30.0, 0.2 * t[-1])
        if t[-1] > self.t_min + w:
            win = t >= t[-1] - w
            vw = V[win]
            if pmin[win].max() < 0.1 and np.ptp(vw) < 1e-2 * max(abs(vw.mean()), 1e-12):
                return "normal domain"
        return None
