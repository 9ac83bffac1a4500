"""The settled state as a periodic orbit: ``time.until = "orbit"`` (docs/model.md, "Finding the settled state directly").

Why: at large delta the radial dynamics between slips relax like
exp(-2 tau / (u delta)) (e-folding ~290 tau at delta = 100), so time
integration needs ~delta^1.9 steps to settle (docs/model.md).  The settled state is a fixed
point of the Poincare map of one winding, and Anderson mixing finds it in
tens of windings instead of thousands.

The map P: from a state x (Psi on the nodes), integrate until the end-phase
difference theta_+ - theta_- = int V dtau has grown by exactly 2 pi (the
crossing located inside the last step with the dense output that frames use,
psc_fem.solver.recorder.dense_state), then turn Psi by one constant phase so
that its left end is as in x.  A constant phase is a gauge transformation
that leaves phi alone, so P(x) = x exactly on the periodic orbit, in any
gauge and wherever the core sits.  Every winding restarts BDF from x with
time.dt_initial: the first steps of a start are not error-controlled, and
restarting with the last step size biased mean V by 0.9% (delta = 10).

Anderson mixing (type II, memory ``time.orbit_memory``) on g = P(x) - x:
x_new = x + g - (dX + dG) gamma, gamma the least-squares fit of g by the
last differences dG.  Affine combinations (weights summing to 1) keep the end values of Psi
(all iterates share them), so every iterate satisfies the bank rows (A.7).
If an extrapolated state fails to integrate, the plain iterate P(x) is
taken and the memory cleared; so is the memory when the residual grows
by more than `RESTART_GROWTH` (far from the orbit the map is not linear,
and without this the search wandered for 200+ windings at delta = 100;
with it, it converged from Psi = 1 in 111).  Inner products run over
owned nodes and are summed over ranks: every rank takes the same decision.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np
from mpi4py import MPI

from psc_fem import signals
from psc_fem.errors import StepFailure
from psc_fem.solver.integrator import Integrator
from psc_fem.solver.recorder import dense_state, link_back

BISECTIONS = 60  # locating the crossing in one step: to round-off of tau
RESTART_GROWTH = 2.0  # a residual this much larger than the last clears Anderson's memory
SIGNAL_POLL = 256  # steps between checks for SIGTERM/SIGINT (a collective call)


class _Steady(Exception):
    pass


class _Crossed(Exception):
    def __init__(self, state, period):
        super().__init__()
        self.state, self.period = state, period


@dataclass
class Winding:
    """One application of the Poincare map: P(x), the time it took, its steps."""

    state: np.ndarray | None  # None: no winding within the time left
    period: float
    steps: int
    t_used: float
    steady: bool = False  # no winding: the state stopped changing (`PoincareMap.steady`)


@dataclass
class OrbitResult:
    """What `find_orbit` found: the state to start the recorded run from, and how it got there."""

    state: np.ndarray
    converged: bool
    reason: str
    windings: int = 0
    residual: float = float("nan")
    period: float = float("nan")
    steps: int = 0
    t_used: float = 0.0
    wall: float = 0.0
    history: list = field(default_factory=list)  # (period, residual) per winding

    def summary(self) -> dict:
        """The run.json record of the search."""
        return {
            "converged": self.converged,
            "reason": self.reason,
            "windings": self.windings,
            "residual": self.residual,
            "period": self.period,
            "steps": self.steps,
            "tau_used": self.t_used,
            "wall_time": self.wall,
        }


class PoincareMap:
    """P(x) of one winding (module doc), on the problem's communicator.

    The winding is counted by `wound` after each accepted step and located
    inside the step by `wound_at` on the dense output; `angle` is the phase
    that the constant turn of P(x) restores.  This class counts the wire's
    end phases; psc_fem.film.orbit counts a film's probe phases.
    """

    def __init__(self, problem, time_options, drive):
        self.p, self.opts, self.drive = problem, time_options, drive
        n = problem.nodes
        self.psi = np.concatenate([n.u1[n.owned], n.u2[n.owned]])  # owned Psi entries

    def __call__(self, x, t_left):
        p = self.p
        p.set_initial_state(x)
        integ = Integrator(p, self.opts, self.drive)
        times = [0.0]
        self.begin(x)

        def observe(integ, step):
            times.insert(0, step.t)
            del times[len(integ.history) :]
            if self.wound(integ) >= 2.0 * np.pi:
                raise _Crossed(*self._section(integ, step, times))
            self.accept()
            if step.index % SIGNAL_POLL == 0:  # (long windings; `find_orbit` also checks after each one)
                _stop_on_signal(p.comm)
                if self.steady(integ):
                    raise _Steady()

        try:
            integ.run([observe], t_end=t_left, h=self.opts.dt_initial)
        except _Steady:
            return Winding(None, float("nan"), integ.stats.accepted, integ.t, steady=True)
        except _Crossed as crossed:
            y = p.transport(crossed.state, np.full(p.nodes.phi.size, self.angle(crossed.state) - self.angle(x)))
            return Winding(y, crossed.period, integ.stats.accepted, crossed.period)
        return Winding(None, float("nan"), integ.stats.accepted, integ.t)

    def _section(self, integ, step, times):
        """The state where the winding reaches 2 pi inside the last step (bisection on the dense output)."""
        lo, hi = times[1], times[0]
        for _ in range(BISECTIONS):
            mid = 0.5 * (lo + hi)
            lo, hi = (lo, mid) if self.wound_at(integ, step, times, mid) >= 2.0 * np.pi else (mid, hi)
        tf = 0.5 * (lo + hi)
        return dense_state(self.p, integ, times, tf, step.link_nodes).state, tf

    # ---- the wire's winding: theta_+ - theta_- = int V dtau (the banks' end phases) ----
    def begin(self, x):
        self.theta = self.pending = (0.0, 0.0)

    def wound(self, integ):
        """theta_+ - theta_- after the step just taken (kept by `accept` unless the winding is complete)."""
        _, _, _, link_l, link_r = self.p.end_values(link=integ.links[0])
        self.pending = (self.theta[0] - link_l, self.theta[1] - link_r)
        return self.pending[1] - self.pending[0]

    def accept(self):
        self.theta = self.pending

    def wound_at(self, integ, step, times, tf):
        """theta_+ - theta_- at tf inside the last step: the step's end phases carried back along the link."""
        *_, back_l, back_r = self.p.end_values(link=link_back(self.p, integ, times, tf, step.link_nodes))
        theta_m, theta_p = self.pending
        return (theta_p + back_r) - (theta_m + back_l)

    def angle(self, array):
        """arg Psi at the left end (all ranks)."""
        end = self.p.left
        v = np.zeros(2)
        if end.u1 is not None:
            v[:] = array[end.u1], array[end.u2]
        self.p.comm.Allreduce(MPI.IN_PLACE, v, op=MPI.SUM)
        return float(np.arctan2(v[1], v[0]))

    def steady(self, integ):
        """Has the state stopped changing (no winding to wait for)?  The wire waits for t_end (a stationary
        wire's search reports "no whole winding"); psc_fem.film.orbit stops."""
        return False

    def admissible(self, x):
        """An iterate the banks' rows accept: the wire's affine combinations keep its end values (module doc)."""
        return x

    def dot(self, a, b):
        return self.p.comm.allreduce(float(a[self.psi] @ b[self.psi]), op=MPI.SUM)

    def max_abs(self, a):
        local = float(np.max(np.abs(a[self.psi]))) if self.psi.size else 0.0
        return self.p.comm.allreduce(local, op=MPI.MAX)


def _stop_on_signal(comm):
    """SIGTERM/SIGINT during the search: stop (collective; nothing has been written yet)."""
    signum, _ = signals.requested(comm)
    if signum:
        raise signals.Interrupted(signum)


class Anderson:
    """Anderson mixing (type II) of a fixed-point iteration x -> P(x); ``dot`` is the (global) inner product."""

    def __init__(self, memory, dot):
        self.memory, self.dot = memory, dot
        self.xs, self.gs = [], []

    def reset(self):
        self.xs, self.gs = [], []

    def next(self, x, g):
        """The next iterate from x and its residual g = P(x) - x."""
        self.xs.append(x.copy())
        self.gs.append(g.copy())
        del self.xs[: -(self.memory + 1)], self.gs[: -(self.memory + 1)]
        if len(self.xs) < 2:
            return x + g
        dX = [b - a for a, b in zip(self.xs, self.xs[1:])]
        dG = [b - a for a, b in zip(self.gs, self.gs[1:])]
        gram = np.array([[self.dot(a, b) for b in dG] for a in dG])
        rhs = np.array([self.dot(a, g) for a in dG])
        gram += 1e-14 * max(np.trace(gram), 1e-300) * np.eye(len(dG))  # (nearly) dependent differences
        gamma = np.linalg.lstsq(gram, rhs, rcond=None)[0]
        return x + g - sum(c * (dx + dg) for c, dx, dg in zip(gamma, dX, dG))


def find_orbit(problem, config, start, echo=True) -> OrbitResult:
    """Anderson-accelerated Poincare iteration from the state array ``start`` (module doc).

    Stops when max |P(x) - x| over the nodes' Psi is below time.orbit_tol,
    or when the windings have used time.t_end of simulated time (then not
    converged: the caller integrates on from the last P(x)).
    """
    t_opts = config.time
    pmap = getattr(problem, "poincare_map", PoincareMap)(problem, t_opts, config.drive)
    mixer = Anderson(t_opts.orbit_memory, pmap.dot)
    wall0 = time.perf_counter()
    x, last = start.copy(), None
    out = OrbitResult(start.copy(), False, "")
    say = echo and problem.comm.rank == 0
    while True:
        t_left = t_opts.t_end - out.t_used
        try:
            w = pmap(x, t_left)
        except StepFailure:
            if last is None:
                raise
            mixer.reset()  # an extrapolated state that does not integrate: take the plain iterate
            x, last = last, None
            continue
        out.steps += w.steps
        out.t_used += w.t_used
        _stop_on_signal(problem.comm)
        if w.state is None:
            out.state = problem.w.x.array.copy()
            out.reason = (
                f"no winding: the state is steady (by tau = {w.t_used:.4g})"
                if w.steady
                else f"no whole winding within time.t_end = {t_opts.t_end:g}"
            )
            break
        g = w.state - x
        out.windings += 1
        out.residual, out.period, out.state = pmap.max_abs(g), w.period, w.state
        out.history.append((w.period, out.residual))
        if say and (out.windings % 10 == 0 or out.residual <= t_opts.orbit_tol):
            print(
                f"psc-fem: orbit search: winding {out.windings}, period {w.period:.8g}, "
                f"|P(x) - x| = {out.residual:.3g} (tolerance {t_opts.orbit_tol:g}), tau used {out.t_used:.4g}",
                file=sys.stderr,
                flush=True,
            )
        if out.residual <= t_opts.orbit_tol:
            out.converged, out.reason = True, "converged"
            break
        if len(out.history) > 1 and out.residual > RESTART_GROWTH * out.history[-2][1]:
            mixer.reset()  # far from the orbit the map is not linear: old differences mislead
        last = w.state
        x = pmap.admissible(mixer.next(x, g))
    out.wall = time.perf_counter() - wall0
    return out
