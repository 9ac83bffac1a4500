"""The Recorder: observer of accepted steps that writes scalars, end phases and frames.

Per-step scalars (V, |Psi(0)|, min |Psi|, end phases, Newton iterations)
go to the run writer every step; field frames at uniform times are
interpolated with the BDF polynomial (dense output), so frames cost nothing
in step size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mpi4py import MPI

from psc_fem.solver.bdf import dense_weights, interval_weights
from psc_fem.solver.progress import RunProgress


@dataclass
class Dense:
    """`dense_state`'s result: Psi (and phi) at tf, its covariant rate, and the pieces the field evaluator re-uses."""

    state: np.ndarray
    rate: np.ndarray
    back: np.ndarray  # phi slots: int_tf^t_{n+1} phi dtau (carries t_{n+1} back to tf)
    turns: list
    value: np.ndarray
    deriv: np.ndarray
    turn_back: np.ndarray  # ``back`` in the step's frame (`Integrator.in_frame`: less mu (t_{n+1} - tf) when comoving)
    mu: np.ndarray | None  # phi slots: the comoving frame's phase rate, or None

    def evaluated(self, history):
        """The ``dense`` argument of `FieldEvaluator.evaluate`: the pieces that gave this state."""
        return (history[: len(self.value)], self.turns, self.turn_back, self.value, self.deriv, self.mu)


def dense_state(p, integ, times, tf, nodes):
    """State at tf in the last step: dense output of Psi carried along the links (forms/covariant.py).

    ``times``: the times of ``integ.history``, newest first.  The history is
    carried to the newest time t_{n+1}, interpolated by the BDF polynomial
    there (value and covariant rate), and carried back to tf along
    int_tf^t_{n+1} phi dtau, phi interpolated as in the step's link
    (``nodes``, psc_fem.solver.bdf.link_nodes).  Frames and the orbit
    search's Poincare section (psc_fem.solver.orbit) both use it.
    """
    times = times[: integ.dense_points]
    value, deriv = dense_weights(times, tf)
    phi = p.nodes.phi
    turns = [np.zeros_like(integ.history[0])]
    for link, dt in zip(integ.links[: len(times) - 1], integ.steps):
        turns.append(turns[-1] + integ.in_frame(link, dt))  # phi slots: Theta_{n+1,k} (comoving: less mu age)
    state = rate = 0.0
    for wv, wd, y, turn in zip(value, deriv, integ.history, turns):
        carried = p.transport(y, turn[phi])
        state, rate = state + wv * carried, rate + wd * carried
    back = link_back(p, integ, times, tf, nodes)
    turn_back = integ.in_frame(back, times[0] - tf)
    state, rate = p.transport(state, -turn_back[phi]), p.transport(rate, -turn_back[phi])
    if integ.mu is not None:  # the comoving frame's D_tau Psi: + i mu Psi (forms/covariant.py)
        n, mu = p.nodes, integ.mu[phi]
        rate[n.u1] -= mu * state[n.u2]
        rate[n.u2] += mu * state[n.u1]
    return Dense(state, rate, back, turns, value, deriv, turn_back, integ.mu)


def link_back(p, integ, times, tf, nodes):
    """int_tf^t_{n+1} phi dtau in the phi slots (zero elsewhere): phi interpolated as in the step's link."""
    back = np.zeros_like(integ.history[0])
    if len(times) > 1:
        weights = interval_weights(nodes, tf - times[1], times[0] - times[1])
        back[p.nodes.phi] = sum(w * y[p.nodes.phi] for w, y in zip(weights, integ.history))
    return back


class StopRun(Exception):
    """Raised by the recorder when the run's ``stop`` callable asks to end early."""


class Recorder:
    """Observer of accepted steps: scalars, end phases, frames, progress.

    The end phases theta_-+ (in the solver's gauge phi(0) = 0, unwrapped)
    advance by minus the links int phi dtau of the end nodes, exactly as
    the bank rows (A.7) turn Psi there (forms/covariant.py); the series
    holds them in the antisymmetric gauge, theta_-+ = -+(theta_+ - theta_-)/2.
    With normal banks the same sums are phase references whose difference
    is int V dtau.
    """

    def __init__(self, problem, evaluator, writer, every, t_end, progress, theta0=(0.0, 0.0), stop=None, extra=None):
        self.p, self.ev, self.writer = problem, evaluator, writer
        self.extra = extra  # callable -> more per-step values (psc_fem.feedback), or None
        self.stop = stop
        self.every, self.t_end = every, t_end
        self.theta_m, self.theta_p = (float(v) for v in theta0)  # end phases, solver's gauge
        self.recent = [0.0]  # times of the integrator's history, newest first
        self.next_frame = 0
        # Memory stays flat: the series lives in series.h5 (simulate reads it
        # back at the end); only a stop hook, which sees the whole series,
        # makes the recorder keep it in memory too.
        keys = ("t", "dt", "V", "psi_center", "psi_min", "theta_minus", "theta_plus", "current", "newton_its", "error")
        self.series = {k: [] for k in keys} if stop is not None else None
        self.bar = RunProgress(progress, t_end)  # progress: "bar", "lines" or "off" (RunProgress.choose)

    @property
    def theta(self):
        """theta_+ - theta_- = int V dtau (unwrapped)."""
        return self.theta_p - self.theta_m

    def __call__(self, integ, step):
        phi_l, phi_r, psi0, link_l, link_r = self.p.end_values(link=integ.links[0])
        u1, u2 = self.p.superconducting_psi()  # gathered once per step
        psi_min = self.p.comm.allreduce(float(np.min(np.hypot(u1, u2))) if u1.size else 1e300, op=MPI.MIN)
        self.theta_m -= link_l
        self.theta_p -= link_r
        V = phi_l - phi_r
        self.recent.insert(0, step.t)
        del self.recent[len(integ.history) :]
        row = dict(
            t=step.t,
            dt=step.dt,
            V=V,
            psi_center=psi0,
            psi_min=psi_min,
            theta_minus=-0.5 * self.theta,
            theta_plus=0.5 * self.theta,
            current=step.current,
            newton_its=step.newton_its,
            error=step.error,
        )
        if self.extra is not None:
            row.update(self.extra())
        if self.series is not None:
            for k, v in row.items():
                self.series.setdefault(k, []).append(v)
        self.writer.add_step(**row)
        while self.next_frame * self.every <= step.t * (1 + 1e-12) + 1e-14:
            self._frame(integ, self.next_frame * self.every, step.link_nodes)
            self.next_frame += 1
        self.bar.update(step.dt)
        if self.stop is not None:
            reason = self.stop(self.series)
            if reason:
                raise StopRun(reason if isinstance(reason, str) else "stop condition met")

    def restore(self, theta, recent, next_frame, t):
        """Continue from saved state (psc_fem.io.checkpoint): end phases, history times, next frame, time reached."""
        self.theta_m, self.theta_p = theta
        self.recent = list(recent)
        self.next_frame = next_frame
        self.bar.update(t)

    def _frame(self, integ, tf, nodes):
        """Fields at tf in the last step (`dense_state`), evaluated and handed to the writer."""
        d = dense_state(self.p, integ, self.recent, tf, nodes)
        *_, back_l, back_r = self.p.end_values(link=d.back)
        chi = 0.5 * (self.theta_m + back_l + self.theta_p + back_r)  # output gauge (psc_fem.solver.fields)
        self.ev.evaluate(d.state, d.rate, chi, dense=d.evaluated(integ.history))
        self.writer.add_frame(tf)

    def close(self):
        self.bar.close()
