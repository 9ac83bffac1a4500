"""`simulate(config)`: one run from tau = 0 to t_end, written to a run directory.

The `Recorder` observes the integrator: per-step scalars (V, |Psi(0)|, end
phases, Newton iterations) and field frames at uniform times, interpolated
with the BDF polynomial (dense output), so frames cost nothing in step size.
"""

import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from mpi4py import MPI
from tqdm import tqdm

from psc_fem import signals
from psc_fem.analysis.periods import Settler, format_summary, periodic_stats
from psc_fem import feedback
from psc_fem.io.checkpoint import Checkpointer, ResumeError, RunLock, prepare_resume
from psc_fem.solver.integrator import Integrator, StepFailure
from psc_fem.solver.fields import FieldEvaluator
from psc_fem.io.writer import RunWriter, read_series
from psc_fem.config import load_config
from psc_fem.solver.problem import WireProblem
from psc_fem.solver.bdf import dense_weights, interval_weights


@dataclass
class Result:
    """A finished run: the per-step series (numpy arrays, on every rank) and its analysis."""

    config: object
    out_dir: Path | None
    series: dict
    stats: dict
    run: dict = field(default_factory=dict)
    final_state: dict = field(default_factory=dict)

    def __getattr__(self, name):
        series = self.__dict__.get("series", {})
        if name in series:
            return series[name]
        raise AttributeError(name)

    def solution(self):
        """The run directory as a `psc_fem.solution.Solution` (frames, plots, spectra)."""
        from psc_fem.solution import load_run

        return load_run(self.out_dir)

    def plot_fig1(self, path=None):
        return self.solution().plot_fig1(path)


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
        self.bar = tqdm(total=t_end, unit="tau", disable=not progress, bar_format="{l_bar}{bar}| {n:.4g}/{total:.4g} tau [{elapsed}<{remaining}]")

    @property
    def theta(self):
        """theta_+ - theta_- = int V dtau (unwrapped)."""
        return self.theta_p - self.theta_m

    def __call__(self, integ, step):
        phi_l, phi_r, psi0, link_l, link_r = self.p.end_values(link=integ.links[0])
        psi_min = self.p.comm.allreduce(float(np.min(np.hypot(*self._psi_pairs()))) if self._psi_pairs()[0].size else 1e300, op=MPI.MIN)
        self.theta_m -= link_l
        self.theta_p -= link_r
        V = phi_l - phi_r
        self.recent.insert(0, step.t)
        del self.recent[len(integ.history):]
        row = dict(
            t=step.t, dt=step.dt, V=V, psi_center=psi0, psi_min=psi_min,
            theta_minus=-0.5 * self.theta, theta_plus=0.5 * self.theta,
            current=step.current, newton_its=step.newton_its, error=step.error,
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

    def _psi_pairs(self):
        """Psi on the superconducting part (the whole wire unless it has normal banks)."""
        a = self.p.w.x.array
        return a[self.p._core_u1], a[self.p._core_u2]

    def _frame(self, integ, tf, nodes):
        """Fields at tf in the last step: dense output of Psi carried along the links (forms/covariant.py).

        The history is carried to the newest time t_{n+1}, interpolated by
        the BDF polynomial there (value and covariant rate), and carried back
        to tf along int_tf^t_{n+1} phi dtau, phi interpolated as in the
        step's link (``nodes``, psc_fem.solver.bdf.link_nodes).
        """
        p, times = self.p, self.recent
        value, deriv = dense_weights(times, tf)
        phi = p.nodes.phi
        turns = [np.zeros_like(integ.history[0])]
        for link in integ.links[: len(times) - 1]:
            turns.append(turns[-1] + link)  # phi slots: Theta_{n+1,k}
        state = rate = 0.0
        for wv, wd, y, turn in zip(value, deriv, integ.history, turns):
            carried = p.transport(y, turn[phi])
            state, rate = state + wv * carried, rate + wd * carried
        back = np.zeros_like(integ.history[0])
        if len(times) > 1:
            h = times[0] - times[1]
            weights = interval_weights(nodes, tf - times[1], h)
            back[phi] = sum(w * y[phi] for w, y in zip(weights, integ.history))
        state, rate = p.transport(state, -back[phi]), p.transport(rate, -back[phi])
        *_, back_l, back_r = p.end_values(link=back)
        chi = 0.5 * (self.theta_m + back_l + self.theta_p + back_r)  # output gauge (psc_fem.solver.fields)
        self.ev.evaluate(state, rate, chi, dense=(integ.history[: len(times)], turns, back, value, deriv))
        self.writer.add_frame(tf)

    def close(self):
        self.bar.close()


def simulate(config, out_dir=None, comm=MPI.COMM_WORLD, progress=None, echo=True, initial_state=None, stop=None, resume=False,
             gauge=None):
    """Run one wire and return its `Result`.

    ``config``: a `psc_fem.config.Config` or a path to a TOML file.
    ``out_dir``: run directory (default: config.output.dir).  ``progress``:
    show a progress bar (default: when stderr is a terminal, rank 0 only).
    ``initial_state``: a previous Result's ``final_state`` (same wire, same
    communicator) to start from instead of Psi = 1, e.g. for continuation
    in current; time restarts at 0, the end phases carry on.
    ``stop``: optional callable ``stop(series) -> reason or None``, called
    after every accepted step with the series so far (dict of lists); a
    truthy return ends the run early (status "completed", ``run["stopped"]``
    holds the reason and time).  It must depend only on the series, whose
    values are identical on all ranks, so every rank stops at the same step.
    ``resume``: continue the run in ``out_dir`` from its last checkpoint
    (psc_fem.io.checkpoint): its parameters must equal the config's, except
    that time.t_end may grow (else `psc_fem.io.checkpoint.ResumeError`, a
    ConfigError, before anything is written); without run.json or
    checkpoint the run starts from tau = 0.  ``initial_state`` is then ignored.
    ``gauge``: optional callable c(tau); the solver then fixes phi(0) = c(tau)
    instead of 0, a gauge shift that changes no output (the verification of
    gauge invariance, tests/test_symmetry.py).

    Checkpoints are written as the run goes (``[output] checkpoint_every``,
    ``checkpoint_wall``).  SIGTERM/SIGINT end the run after the current
    step: checkpoint, files closed, run.json status "interrupted", then
    `psc_fem.signals.Interrupted` is raised (its ``result`` holds the run so
    far).  A Newton failure below time.dt_min raises `StepFailure` after
    the same bookkeeping (status "failed").
    """
    if not hasattr(config, "wire"):
        config = load_config(config)
    out_dir = Path(out_dir if out_dir is not None else config.output.dir)
    stop = _with_settler(config, stop)
    ckpt = prepare_resume(out_dir, config, comm) if resume else None
    if ckpt is not None and feedback.active(config):
        raise ResumeError(f"cannot resume {out_dir}: a checkpoint does not hold the phonon distribution of "
                          "[phonons] feedback (docs/feedback.md); run it again from tau = 0")
    if resume and ckpt is None and comm.rank == 0 and echo:
        print(f"{out_dir}: no checkpoint to resume from; starting at tau = 0")
    with signals.graceful(), RunLock(out_dir, comm):
        return _simulate(config, out_dir, comm, progress, echo, initial_state, stop, ckpt, gauge)


def _simulate(config, out_dir, comm, progress, echo, initial_state, stop, ckpt, gauge=None):
    if progress is None:
        progress = sys.stderr.isatty()
    progress = progress and comm.rank == 0
    wall0 = time.perf_counter()
    problem = WireProblem(config, comm)
    evaluator = FieldEvaluator(problem)
    phonons = feedback.PhononFeedback(config, problem) if feedback.observed(config) else None
    extra = {} if phonons is None else {"extra_steps": phonons.fields, "extra_data": {"phonon_omega": phonons.omega}}
    writer = RunWriter(out_dir, config, evaluator, comm, write_fields=config.output.fields, resume=ckpt, **extra)
    writer.auto_flush = False  # the Checkpointer flushes, with a checkpoint each time
    theta0 = (0.0, 0.0)
    if initial_state is not None and ckpt is None:
        problem.set_initial_state(initial_state["array"])
        theta0 = initial_state["theta"]
    integ = Integrator(problem, config.time, config.drive, gauge=gauge)
    recorder = Recorder(problem, evaluator, writer, config.output.every, config.time.t_end, progress, theta0, stop,
                        extra=None if phonons is None else lambda: phonons.row)
    saver = Checkpointer(out_dir, config, problem, integ, recorder, writer, resume=ckpt)
    if ckpt is not None:
        saver.restore(ckpt, problem)
        if stop is not None:  # the stop hook sees the whole series, as without the interruption
            recorder.series = {k: list(v) for k, v in read_series(out_dir, comm).items()}
    status, error, stopped, interrupted = "completed", None, None, None
    try:
        integ.run([recorder, saver] if phonons is None else [phonons, recorder, saver], h=integ.h_next)
    except StepFailure as exc:
        status, error = "failed", str(exc)
    except StopRun as exc:
        stopped = {"reason": str(exc), "t": integ.t}
    except signals.Interrupted as exc:  # the checkpoint is written
        status, interrupted = "interrupted", exc
    if interrupted is None:
        saver.save()  # final checkpoint: a completed run can be extended to a longer t_end
    recorder.close()
    series = read_series(out_dir, comm)
    stats = run_stats(config, series) if series["t"].size else {"state": "failed"}
    s = integ.stats
    run = {
        "wall_time": saver.wall_before + time.perf_counter() - wall0,
        "steps": s.accepted,
        "rejected_error": s.rejected_error,
        "rejected_newton": s.rejected_newton,
        "newton_per_step": s.newton_its / max(s.accepted, 1),
        "dofs": problem.W.dofmap.index_map.size_global * problem.W.dofmap.index_map_bs,
        "analysis": {k: v for k, v in stats.items() if k != "slip_times"},
    }
    if error:
        run["error"] = error
    if stopped:
        run["stopped"] = stopped
    run["checkpoint"] = saver.saved
    if interrupted is not None:
        run["interrupted"] = {"signal": interrupted.name, "t": integ.t}
    writer.close(status, **run)
    if echo and comm.rank == 0:
        for line in format_summary(stats):
            print(line)
        print(f"{s.accepted} steps ({s.rejected_error} rejected by error, {s.rejected_newton} by Newton), "
              f"{run['newton_per_step']:.2f} Newton its/step, wall {run['wall_time']:.2f} s -> {out_dir}")
    final = {"array": problem.w.x.array.copy(), "theta": (recorder.theta_m, recorder.theta_p)}
    result = Result(config=config, out_dir=out_dir, series=series, stats=stats, run={"status": status, **run}, final_state=final)
    if interrupted is not None:
        if echo and comm.rank == 0:
            print(f"{interrupted}: checkpoint written, run.json status 'interrupted'; continue with --resume")
        interrupted.result = result
        raise interrupted
    if error:
        raise StepFailure(error)
    return result


def run_stats(config, series):
    """`psc_fem.analysis.periods.periodic_stats` of a run's series, with the config's settle parameters."""
    tm = config.time
    return periodic_stats(series["t"], series["V"], series["theta_plus"] - series["theta_minus"], series["psi_min"],
                          periods=tm.settle_periods, rtol=tm.settle_rtol, josephson=not config.wire.normal_banks)


def _with_settler(config, stop):
    """The stop hook: the caller's, and with time.until = "periodic" the Settler."""
    if config.time.until != "periodic":
        return stop
    settler = Settler(config.time.settle_periods, config.time.settle_rtol, josephson=not config.wire.normal_banks)
    if stop is None:
        return settler

    def both(series):
        return stop(series) or settler(series)

    return both
