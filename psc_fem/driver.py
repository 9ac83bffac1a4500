"""Time loop: adaptive BDF2 with step rejection and Newton retries.

`integrate` advances a `WireProblem` from tau = 0 to t_end.  Each step:
predict (extrapolate the history), solve with Newton, estimate the local
error from corrector - predictor (psc_fem.stepping), accept or reject, and
hand accepted steps to the observers (series, frames, progress).  A Newton
failure shrinks the step by 4 and retries; below time.dt_min the run stops
with a `StepFailure` that names time, step and residual.
"""

import time as _time
from dataclasses import dataclass, field

import numpy as np
from mpi4py import MPI

from psc_fem.stepping import StepController, bdf_weights, error_factor, extrapolation_weights


class StepFailure(RuntimeError):
    """Newton could not converge even at the smallest allowed step."""


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
    # history for dense output: states at t - dt - dt_prev, t - dt, t
    states: list = field(default_factory=list)
    times: list = field(default_factory=list)


@dataclass
class Stats:
    accepted: int = 0
    rejected_error: int = 0
    rejected_newton: int = 0
    newton_its: int = 0
    wall: float = 0.0


class Integrator:
    """Adaptive BDF driver for one `WireProblem`."""

    def __init__(self, problem, time_options, drive):
        self.p = problem
        self.opts = time_options
        self.drive = drive
        self.order = 2 if time_options.scheme == "bdf2" else 1
        self.control = StepController(order=self.order)
        self.t = 0.0
        self.history = [problem.w.x.array.copy()]  # newest first
        self.steps = []  # accepted step sizes, newest first
        self.stats = Stats()
        self.h_next = time_options.dt_initial  # the step proposed after the last accepted one (checkpoints)
        self.rejected_by = None  # why the last step was rejected (for the StepFailure message)

    def _wrms(self, err_vec, ref):
        """Weighted RMS norm over the owned Psi dofs, all ranks."""
        dofs = self.p._psi_dofs
        scale = self.opts.atol + self.opts.rtol * np.abs(ref[dofs])
        local = np.array([np.sum((err_vec[dofs] / scale) ** 2), dofs.size], dtype=float)
        self.p.comm.Allreduce(MPI.IN_PLACE, local, op=MPI.SUM)
        return float(np.sqrt(local[0] / max(local[1], 1.0)))

    def _predict(self, h):
        past = self.steps[: len(self.history) - 1][:2]
        if not past:
            return self.history[0].copy(), None
        wts = extrapolation_weights(h, past)
        pred = sum(wgt * y for wgt, y in zip(wts, self.history))
        return pred, past

    def step(self, h):
        """Try one step of size h; returns (accepted Step or None, proposed next h)."""
        p = self.p
        order = self.order if self.steps else 1
        weights = bdf_weights(order, h, self.steps[0] if self.steps else None)
        p.set_step(h, weights)
        p.j.value = self.drive.j(self.t + h)
        p.w_n.x.array[:] = self.history[0]
        p.w_nm1.x.array[:] = self.history[1] if len(self.history) > 1 else self.history[0]
        pred, past = self._predict(h)
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
        if estimate:
            factor = error_factor(order, h, past)
            err = self._wrms(factor * (p.w.x.array - pred), p.w.x.array)
            if err > 1.0:
                self.stats.rejected_error += 1
                self.rejected_by = f"the local error estimate was {err:.3g} x the tolerance"
                return None, self.control.next_step(h, err), residuals
        self.t += h
        self.steps.insert(0, h)
        self.history.insert(0, p.w.x.array.copy())
        del self.history[3:], self.steps[3:]
        self.stats.accepted += 1
        step = Step(
            t=self.t,
            dt=h,
            index=self.stats.accepted,
            newton_its=its,
            residuals=residuals,
            error=err,
            current=float(p.j.value),
        )
        h_next = self.control.next_step(h, err) if estimate else h
        return step, h_next, residuals

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
