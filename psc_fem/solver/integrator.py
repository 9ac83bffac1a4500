"""Time loop: adaptive BDF (order 1-5, fixed or variable) with step rejection and Newton retries.

`Integrator.run` advances a `WireProblem` to t_end.  Each step: predict
(extrapolate the history), solve with Newton, estimate the local error
from corrector - predictor (psc_fem.solver.bdf), accept or reject, and hand
accepted steps to the observers (series, frames, checkpoints).  A Newton
failure shrinks the step by 4 and retries; below time.dt_min the run stops
with a `StepFailure` that names time, step and residual.

Gauge covariance (forms/covariant.py): the history is kept with the links
Theta = int phi dtau of its steps, and the predictor extrapolates Psi
carried along them to the new time, so the predictor, the error estimate
(per node, the radial and tangential parts of Psi_C - Psi_P: `_wrms`) and
hence the step sequence are gauge invariant like the equations.
"""

import time as _time
from dataclasses import dataclass

import numpy as np
from mpi4py import MPI

from psc_fem.errors import StepFailure  # noqa: F401  (raised here)
from psc_fem.solver import comoving
from psc_fem.solver.bdf import (
    MAX_ORDER,
    SCHEME_ORDER,
    StepController,
    bdf_weights,
    constant_step_error_factor,
    error_factor,
    extrapolation_weights,
    interval_weights,
    link_nodes,
)

ROUNDOFF_MARGIN = 10.0  # the radial error tolerance's floor, in units of eps |Psi| (`radial_weight`)
CONTROLLERS = {k: StepController.for_order(k) for k in range(1, MAX_ORDER + 1)}  # shared, never changed


@dataclass
class Step:
    """An accepted step, as observers see it."""

    t: float
    dt: float
    index: int
    newton_its: int
    residuals: np.ndarray
    error: float
    current: float
    link_nodes: tuple = ()  # times (from t - dt) of the phi values of this step's link (psc_fem.solver.bdf.link_nodes)


@dataclass
class Stats:
    accepted: int = 0
    rejected_error: int = 0
    rejected_newton: int = 0
    newton_its: int = 0
    wall: float = 0.0


class Integrator:
    """Adaptive BDF time loop for one `WireProblem`: predict, solve, estimate the error, accept or reject, notify observers."""

    def __init__(self, problem, time_options, drive, gauge=None):
        self.p = problem
        self.gauge = gauge  # phi(0) = gauge(tau) instead of 0: a gauge shift c(tau) (verification only)
        self.opts = time_options
        self.drive = drive
        self.max_order = SCHEME_ORDER[time_options.scheme]
        self.variable = time_options.scheme == "vbdf"  # choose the order as it goes (`_select_order`)
        self.order = 1 if self.variable else self.max_order  # the order the next steps aim at
        self.control = CONTROLLERS[self.order]
        self.last_order = 1  # of the last accepted step: its polynomial is the dense output's
        self.at_order = 0  # accepted steps since the order last changed (variable order)
        self.correction = None  # (k, Psi_C - Psi_P) of the last accepted step (variable order)
        self.t = 0.0
        self.history = [problem.w.x.array.copy()]  # newest first
        self.steps = []  # accepted step sizes, newest first
        self.links = []  # int phi dtau over each accepted step (phi slot of a state array), newest first
        # time.frame = "comoving": the phase rate mu of the step being taken (psc_fem.solver.comoving)
        self.mu = None
        self._fitted = []  # the links in mu's frame (`frame_links`)
        self.stats = Stats()
        self.h_next = time_options.dt_initial  # the step proposed after the last accepted one (checkpoints)
        self.rejected_by = None  # why the last step was rejected (for the StepFailure message)
        self.delta2 = float(problem.config.model.delta) ** 2  # the radial weight of the error norm (_wrms)
        self.weight_cap = time_options.rtol / (ROUNDOFF_MARGIN * np.finfo(float).eps)

    def restore(self, history, links, steps, t, h_next, counts):
        """Continue from saved state (psc_fem.io.checkpoint): history and links newest first, step sizes, time,
        the proposed next step and the statistics counters; the problem's fields are set to match."""
        self.history, self.links, self.steps = list(history), list(links), list(steps)
        self.t, self.h_next = t, h_next
        for key, value in counts.items():
            setattr(self.stats, key, value)
        p = self.p
        p.w.x.array[:] = self.history[0]
        for i, f in enumerate(p.olds):
            f.x.array[:] = self.history[min(i, len(self.history) - 1)]

    def order_state(self):
        """(attributes, arrays) a checkpoint keeps beyond history and links: the variable order's state."""
        if not self.variable:
            return {}, []
        k, correction = self.correction or (0, None)
        attrs = {"order": self.order, "at_order": self.at_order, "correction_order": k}
        return attrs, ([] if correction is None else [correction])

    def restore_order(self, attrs, arrays):
        """The inverse of `order_state` (an older checkpoint without it: order 1, as at a start)."""
        if not self.variable or not attrs:
            return
        self.order, self.at_order = attrs["order"], attrs["at_order"]
        self.control = CONTROLLERS[self.order]
        self.correction = (attrs["correction_order"], arrays[0]) if arrays else None

    def _wrms(self, err_vec, ref):
        """Weighted RMS over the owned nodes of the local error of Psi, all ranks (gauge invariant).

        Per node the error e is split along Psi (radial, e_r) and across it
        (e_t) and measured as the residual it leaves in (B.1): d_a/nu e, whose
        radial part is (1 + delta^2 |Psi|^2) e_r (B.4).  At large delta the
        radial dynamics are slow and a radial error shifts the next phase
        slip by e_r / (d|Psi|/dtau): the plain |e| let the period drift by
        1% (delta = 10) and 4% (delta = 30) at rtol = 1e-4 (docs/model.md,
        "Step-size control at large delta").  Each against atol + rtol |Psi|.
        """
        n = self.p.nodes
        own = n.owned
        r1, r2 = ref[n.u1[own]], ref[n.u2[own]]
        e1, e2 = err_vec[n.u1[own]], err_vec[n.u2[own]]
        modulus = np.hypot(r1, r2)
        inv = 1.0 / np.maximum(modulus, 1e-300)
        e_r = (r1 * e1 + r2 * e2) * inv
        e_t = (r1 * e2 - r2 * e1) * inv
        err = np.where(modulus > 0.0, np.hypot(self.radial_weight(modulus) * e_r, e_t), np.hypot(e1, e2))
        scale = self.opts.atol + self.opts.rtol * modulus
        local = np.array([np.sum((err / scale) ** 2), err.size], dtype=float)
        self.p.comm.Allreduce(MPI.IN_PLACE, local, op=MPI.SUM)
        return float(np.sqrt(local[0] / max(local[1], 1.0)))

    def radial_weight(self, modulus):
        """1 + delta^2 |Psi|^2: the radial eigenvalue of d_a/nu (B.4); 1 in the gapless model.

        Capped at rtol / (ROUNDOFF_MARGIN eps): the radial tolerance never
        asks for less than ROUNDOFF_MARGIN eps |Psi|, the round-off of Psi
        itself (at delta = 1e5 the weight ~1e10 made round-off look like a
        1e-6 error; the cap binds only there: delta^2 > rtol / (10 eps)).
        """
        return np.minimum(1.0 + self.delta2 * modulus * modulus, self.weight_cap)

    def _predict(self, h, degree, link_new=None):
        """Extrapolated state at t + h (polynomial of ``degree``, or less when fewer states are known).

        Psi is carried along the links (``link_new``: over the new step; None: predicted from phi).
        """
        past = self.steps[: min(degree, len(self.history) - 1)]
        if not past:
            return self.history[0].copy(), None
        wts = extrapolation_weights(h, past)
        pred = sum(wgt * y for wgt, y in zip(wts, self.history))  # phi (and a first guess of Psi)
        phi = self.p.nodes.phi
        if link_new is None:
            link_new = self.p.link_array(new=pred)
        theta = self.in_frame(link_new, h)[phi]
        psi = 0.0
        for k, (wgt, y) in enumerate(zip(wts, self.history)):
            if k:
                theta = theta + self.frame_links[k - 1][phi]
            psi = psi + wgt * self.p.transport(y, theta)
        n = self.p.nodes
        pred[n.u1], pred[n.u2] = psi[n.u1], psi[n.u2]
        return pred, past

    def _comoving_frame(self):
        """mu of the next step from the last one, and the history's links in its frame (forms/covariant.py)."""
        p = self.p
        if len(self.history) > 1:
            self.mu = comoving.phase_rate(p, self.history[0], self.history[1], self.links[0], self.steps[0])
        else:
            self.mu = np.zeros_like(self.history[0])
        p.mu.x.array[:] = self.mu
        self._fitted = [self.in_frame(link, dt) for link, dt in zip(self.links, self.steps)]

    def in_frame(self, link, dt):
        """A link (int phi dtau over dt) as it carries a state into the step's frame: less mu dt when comoving
        (forms/covariant.py), the link itself otherwise."""
        return link if self.mu is None else link - self.mu * dt

    @property
    def frame_links(self):
        """The earlier steps' links in the step's frame (`in_frame`)."""
        return self.links if self.mu is None else self._fitted

    def step(self, h):
        """Try one step of size h; returns (accepted Step or None, proposed next h)."""
        p = self.p
        order = min(self.order, len(self.steps) + 1)
        weights = bdf_weights(order, h, past=self.steps)
        nodes = link_nodes(len(self.steps), h, self.steps, order)
        if p.mu is not None:
            self._comoving_frame()
        p.set_step(h, weights, link=interval_weights(nodes, 0.0, h) / h, links_before=self.frame_links[: order - 1])
        p.j.value = self.drive.j(self.t + h)
        if self.gauge is not None:
            p.gauge_value = float(self.gauge(self.t + h))
        for i, f in enumerate(p.olds):
            f.x.array[:] = self.history[min(i, len(self.history) - 1)]
        pred, past = self._predict(h, order)
        p.w.x.array[:] = pred
        ok, its, residuals = p.solve()
        self.stats.newton_its += its
        if not ok:
            self.stats.rejected_newton += 1
            self.rejected_by = "Newton did not converge"
            return None, h * self.control.newton_shrink, residuals
        # Error estimate needs one more past step than the order.
        err = 0.0
        estimate = self.opts.adaptive and past is not None and len(past) >= order
        link = p.link_array()
        h_next = h
        if estimate:
            pred, _ = self._predict(h, order, link)  # along the solved phi
            correction = p.w.x.array - pred
            err = self._wrms(error_factor(order, h, past) * correction, p.w.x.array)
            if err > 1.0:
                self.stats.rejected_error += 1
                self.rejected_by = f"the local error estimate was {err:.3g} x the tolerance"
                return None, self.control.next_step(h, err), residuals
            h_next = self.control.next_step(h, err)
            if self.variable:
                h_next = self._select_order(h, order, err, correction, past, link)
        self.t += h
        self.steps.insert(0, h)
        self.links.insert(0, link)
        self.history.insert(0, p.w.x.array.copy())
        if len(self.history) == 2:
            # phi(0) is not known (algebraic); phi of the first step stands in for the predictor and the frames
            self.history[1][p.nodes.phi] = self.history[0][p.nodes.phi]
        keep = self.max_order + 1  # the error estimate of BDF-k needs k + 1 states
        del self.history[keep:], self.steps[keep - 1 :], self.links[keep - 1 :]
        self.stats.accepted += 1
        self.last_order = order
        step = Step(
            t=self.t,
            dt=h,
            index=self.stats.accepted,
            newton_its=its,
            residuals=residuals,
            error=err,
            current=float(p.j.value),
            link_nodes=nodes,
        )
        return step, h_next, residuals

    def _select_order(self, h, k, err, correction, past, link):
        """Variable order: the order of k - 1, k, k + 1 whose error estimate allows the longest next step.

        E_k is the step's estimate; E_{k-1} the same with the predictor of
        degree k - 1; E_{k+1} from the change of the correction Psi_C - Psi_P
        since the last step (the (k+2)-th backward difference, as DASSL and
        SciPy's BDF estimate it), carried along the link.  Considered after
        k + 1 steps at order k.  Returns the next step size.
        """
        p, y = self.p, self.p.w.x.array
        self.at_order += 1
        estimates = {k: err}
        if k > 1:
            pred, _ = self._predict(h, k - 1, link)
            estimates[k - 1] = self._wrms(error_factor(k - 1, h, past) * (y - pred), y)
        previous, self.correction = self.correction, (k, correction)
        if k < self.max_order and previous is not None and previous[0] == k:
            change = correction - p.transport(previous[1], self.in_frame(link, h)[p.nodes.phi])
            estimates[k + 1] = self._wrms(constant_step_error_factor(k + 1) * change, y)
        if self.at_order < k + 1:
            return self.control.next_step(h, err)
        best = max(estimates, key=lambda j: CONTROLLERS[j].factor(estimates[j]))
        if best != k:
            self.order, self.at_order, self.correction = best, 0, None
            self.control = CONTROLLERS[best]
        return self.control.next_step(h, estimates[best])

    @property
    def dense_points(self):
        """States of the history the dense output interpolates: those of the last step's BDF polynomial."""
        return min(len(self.history), self.last_order + 1)

    def run(self, observers=(), t_end=None, h=None):
        """Integrate to t_end, calling observer(self, step) after each accepted step.

        ``h``: the first step to try (default time.dt_initial; a resume passes
        the checkpoint's proposed step, so the step sequence continues as if
        uninterrupted).
        """
        t_end = self.opts.t_end if t_end is None else t_end
        h = self.opts.dt_initial if h is None else h
        start = _time.perf_counter()
        while self.t < t_end * (1 - 1e-12):
            h = min(h, self.opts.dt_max, t_end - self.t)
            accepted, h_next, residuals = self.step(h)
            if accepted is None:
                if h_next < self.opts.dt_min:
                    res = residuals[-1] if len(residuals) else float("nan")
                    raise StepFailure(
                        f"step failed at tau = {self.t:.6g}: {self.rejected_by} at dt = {h:.3g}, and the "
                        f"retry's dt = {h_next:.3g} would fall below time.dt_min = {self.opts.dt_min:.3g} "
                        f"(last Newton residual {res:.3g})"
                    )
                h = h_next
                continue
            self.h_next = h_next
            for observe in observers:
                observe(self, accepted)
            h = h_next
        self.stats.wall = _time.perf_counter() - start
        return self.stats
