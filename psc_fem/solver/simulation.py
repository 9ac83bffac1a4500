"""`simulate(config)`: one run from tau = 0 to t_end, written to a run directory.

Builds the problem, integrator, field evaluator, writer, recorder
(psc_fem.solver.recorder) and checkpointer, runs the time loop, and returns
the run as a `psc_fem.solution.Solution`.
"""

from __future__ import annotations

import errno
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from mpi4py import MPI

from psc_fem import feedback, signals
from psc_fem.analysis.periods import Settler
from psc_fem.analysis.summary import format_summary
from psc_fem.config import Config, load_config
from psc_fem.errors import OutputExists, ResumeError, StepFailure
from psc_fem.io.checkpoint import Checkpointer, StateLayout, prepare_resume
from psc_fem.io.lock import RunLock
from psc_fem.io.writer import RunWriter
from psc_fem.rundir import RunDirectory
from psc_fem.solution import Solution
from psc_fem.solver.fields import FieldEvaluator
from psc_fem.solver.integrator import Integrator
from psc_fem.solver.orbit import find_orbit
from psc_fem.solver.problem import WireProblem
from psc_fem.solver.progress import RunProgress
from psc_fem.solver.recorder import Recorder, StopRun
from psc_fem.solver.reuse import ProblemCache


def simulate(
    config: Config | str | Path,
    out_dir: str | Path | None = None,
    comm: MPI.Comm = MPI.COMM_WORLD,
    progress: bool | None = None,
    echo: bool = True,
    initial_state: dict | None = None,
    stop: Callable[[dict], str | bool | None] | None = None,
    resume: bool = False,
    overwrite: bool = False,
    gauge: Callable[[float], float] | None = None,
    cache: ProblemCache | None = None,
) -> Solution:
    """Run one wire and return it as a `psc_fem.solution.Solution` (on every rank).

    ``config``: a `psc_fem.config.Config` or a path to a TOML file; a film's
    `psc_fem.film.config.FilmConfig` (a TOML file with [geometry]) runs
    `psc_fem.film.run.simulate_film` (docs/films.md).
    ``out_dir``: run directory (default: config.output.dir).  ``progress``:
    show a progress bar (default: when stderr is a terminal, rank 0 only).
    ``initial_state``: a previous Solution's ``final_state`` (same wire, same
    communicator) to start from instead of Psi = 1, e.g. for continuation
    in current or delta; time restarts at 0, the end phases carry on.  Or
    `psc_fem.io.checkpoint.read_start_state` of a run directory (any number
    of ranks; interpolated linearly onto this mesh; another wire length is
    a ResumeError).
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
    ``overwrite``: replace what a previous run left in ``out_dir``; without
    it (and without ``resume``) a non-empty ``out_dir`` raises
    `psc_fem.errors.OutputExists` before anything is written.
    ``gauge``: optional callable c(tau); the solver then fixes phi(0) = c(tau)
    instead of 0, a gauge shift that changes no output (the verification of
    gauge invariance, tests/system/test_symmetry.py).
    ``cache``: a `psc_fem.solver.reuse.ProblemCache` shared by the runs of a
    sweep: the compiled problem of the same wire is reused, reset.

    Checkpoints are written as the run goes (``[output] checkpoint_every``,
    ``checkpoint_wall``).  SIGTERM/SIGINT end the run after the current
    step: checkpoint, files closed, run.json status "interrupted", then
    `psc_fem.signals.Interrupted` is raised (its ``result`` holds the run so
    far, a Solution).  A Newton failure below time.dt_min raises `StepFailure` after
    the same bookkeeping (status "failed").
    """
    if isinstance(config, (str, Path)):
        config = load_config(config)
    if hasattr(config, "geometry"):  # a film (docs/films.md)
        return _film(config, out_dir, comm, progress, echo, stop, overwrite, resume, initial_state, gauge, cache)
    out_dir = Path(out_dir if out_dir is not None else config.output.dir)
    stop = with_settler(config, stop)
    _claim(RunDirectory(out_dir), comm, overwrite=overwrite, resume=resume)
    ckpt = prepare_resume(out_dir, config, comm) if resume else None
    if ckpt is not None and feedback.active(config):
        raise ResumeError(
            f"cannot resume {out_dir}: a checkpoint does not hold the phonon distribution of "
            "[phonons] feedback (docs/feedback.md); run it again from tau = 0"
        )
    if resume and ckpt is None and comm.rank == 0 and echo:
        print(f"{out_dir}: no checkpoint to resume from; starting at tau = 0")
    with signals.graceful(), RunLock(out_dir, comm):
        return _simulate(config, out_dir, comm, progress, echo, initial_state, stop, ckpt, gauge, cache)


class FilmParts(NamedTuple):
    """What a film brings to `_simulate` in place of the wire's (psc_fem.film.run.simulate_film)."""

    problem: Any  # psc_fem.film.problem.FilmProblem, built before the run directory is claimed
    fields: Any  # psc_fem.film.run.FilmFields: the XDMF frames
    writer: type  # psc_fem.film.run.FilmWriter
    wall0: float  # perf_counter() when the film's run began (its mesh and forms count)


def _simulate(config, out_dir, comm, progress, echo, initial_state, stop, ckpt, gauge=None, cache=None, film=None):
    """One run into out_dir (claimed and locked by the caller).  ``film``: a `FilmParts` from
    psc_fem.film.run (its problem, fields, writer class and start time) in place of the wire's."""
    progress = RunProgress.choose(progress, comm.rank)
    wall0 = time.perf_counter() if film is None else film.wall0
    reused = cache.take(config, comm) if cache is not None else None
    problem = film.problem if film else reused[0] if reused else WireProblem(config, comm)
    theta0 = (0.0, 0.0)
    if initial_state is not None and ckpt is None:
        if "by_x" in initial_state:  # another run's checkpoint (a wrong wire is refused before any file is written)
            initial_state = {**initial_state, "array": StateLayout(problem).interpolate(initial_state["by_x"])[0]}
        problem.set_initial_state(initial_state["array"])
        theta0 = initial_state["theta"]
    _warn_if_ranks_are_wasted(problem, comm, echo)
    if film is None:
        _say_phonon_material(config, comm, echo)
    orbit = None
    if config.time.until == "orbit" and ckpt is None:  # before any file is written: a stop here leaves none
        orbit = find_orbit(problem, config, problem.w.x.array.copy(), echo=echo)
        problem.set_initial_state(orbit.state)  # turned by a constant phase only: theta0 still holds
        if echo and comm.rank == 0:
            print(_orbit_line(orbit), file=sys.stderr)
    evaluator = film.fields if film else reused[1] if reused else FieldEvaluator(problem)
    if cache is not None:
        cache.keep(config, comm, problem, evaluator)
    phonons = feedback.PhononFeedback(config, problem) if film is None and feedback.observed(config) else None
    extra = {} if phonons is None else {"extra_steps": phonons.fields, "extra_data": {"phonon_omega": phonons.omega}}
    writer_class, write_fields = (RunWriter, config.output.fields) if film is None else (film.writer, False)
    writer = writer_class(out_dir, config, evaluator, comm, write_fields=write_fields, resume=ckpt, **extra)
    writer.auto_flush = False  # the Checkpointer flushes, with a checkpoint each time
    integ = Integrator(problem, config.time, config.drive, gauge=gauge)
    recorder = Recorder(
        problem,
        evaluator,
        writer,
        config.output.every,
        config.time.t_end,
        progress,
        theta0,
        stop,
        extra=None if phonons is None else lambda: phonons.row,
    )
    saver = Checkpointer(out_dir, config, problem, integ, recorder, writer, resume=ckpt)
    if ckpt is not None:
        saver.restore(ckpt, problem)
        if stop is not None:  # the stop hook sees the whole series, as without the interruption
            recorder.series = {k: list(v) for k, v in RunDirectory(out_dir).read_series(comm).items()}
    status, error, stopped, interrupted = "completed", None, None, None
    try:
        integ.run([recorder, saver] if phonons is None else [phonons, recorder, saver], h=integ.h_next)
    except StepFailure as exc:
        status, error = "failed", str(exc)
    except StopRun as exc:
        stopped = {"reason": str(exc), "t": integ.t}
    except signals.Interrupted as exc:  # the checkpoint is written
        status, interrupted = "interrupted", exc
    except OSError as exc:
        _disk_full(exc, writer, integ)
    if interrupted is None:
        try:
            saver.save()  # final checkpoint: a completed run can be extended to a longer t_end
        except OSError as exc:
            _disk_full(exc, writer, integ)
    recorder.close()
    if film is not None:
        evaluator.close()  # the film's fields file (DOLFINx's XDMFFile)
    sol = Solution.load(out_dir, comm)  # the series as written: what a later load_run sees
    stats = sol.stats
    run = run_record(integ.stats, problem, stats, saver.wall_before + time.perf_counter() - wall0, error, stopped)
    run["checkpoint"] = saver.saved
    if orbit is not None:
        run["orbit"] = orbit.summary()
    if interrupted is not None:
        run["interrupted"] = {"signal": interrupted.name, "t": integ.t}
    try:
        writer.close(status, **run)
    except OSError as exc:
        _disk_full(exc, writer, integ)
    if echo and comm.rank == 0:
        for line in format_summary(stats):
            print(line)
        if config.time.until != "orbit" and config.model.delta >= SLOW_DELTA and stats["state"] == "periodic":
            print(
                f"note: at delta >= {SLOW_DELTA:g} the period creeps for ~u delta tau; the settle check can pass "
                'while it still moves (delta = 300: 0.6%); time.until = "orbit" finds the orbit itself (docs/model.md)'
            )
        if config.model.delta >= VBDF_DELTA and config.time.scheme in ("bdf1", "bdf2"):
            print(
                f'note: at delta >= {VBDF_DELTA:g} time.scheme = "vbdf" with time.rtol = 1e-6 takes ~8x fewer steps '
                "per winding (delta = 1e4: its orbit in 5 min, BDF2's not in 60; docs/model.md)"
            )
        print(steps_line(run, out_dir))
    sol.config = config
    info = sol.rundir.read_run_info() if comm.rank == 0 else None  # as closed by the writer
    sol.run = comm.bcast(info, root=0) if comm.size > 1 else info
    sol.final_state = {"array": problem.w.x.array.copy(), "theta": (recorder.theta_m, recorder.theta_p)}
    if interrupted is not None:
        if echo and comm.rank == 0:
            print(
                f"{interrupted}: checkpoint written, {RunDirectory.RUN_INFO} status 'interrupted'; continue with --resume"
            )
        interrupted.result = sol
        raise interrupted
    if error:
        raise StepFailure(error)
    return sol


# Below this many unknowns per rank a domain-decomposed run is slower than one rank (docs/cluster.md:
# 69 DOFs 4.9 vs 3.4 ms/step on 2 vs 1 rank; 3e3 DOFs even; 1.2e4 1.3x, 4.8e4 1.6x, 1.9e5 2.0x faster).
MIN_DOFS_PER_RANK = 2000
DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
SLOW_DELTA = 100.0  # above it the radial relaxation (e-folding u delta / 2) outlasts the settle check's windows
VBDF_DELTA = 1000.0  # above it BDF2's steps per winding (~4000 at 1e3, ~16000 at 1e4) make variable order pay


def run_record(s, problem, stats, wall, error=None, stopped=None) -> dict:
    """run.json's record of a finished run: integrator statistics ``s``, size, analysis ``stats``, outcome."""
    run = {
        "wall_time": wall,
        "steps": s.accepted,
        "rejected_error": s.rejected_error,
        "rejected_newton": s.rejected_newton,
        "newton_per_step": s.newton_its / max(s.accepted, 1),
        "dofs": problem.W.dofmap.index_map.size_global * problem.W.dofmap.index_map_bs,
        "analysis": {k: v for k, v in stats.items() if k != "slip_times"},
    }
    if getattr(problem, "linear", None):  # a film's solver choice (psc_fem.solver.linear_choice)
        run["linear_solver"] = problem.linear.summary()
    if error:
        run["error"] = error
    if stopped:
        run["stopped"] = stopped
    return run


def steps_line(run, out_dir) -> str:
    """The last line a run prints: steps, rejections, Newton iterations, wall time, where it went."""
    return (
        f"{run['steps']} steps ({run['rejected_error']} rejected by error, {run['rejected_newton']} by Newton), "
        f"{run['newton_per_step']:.2f} Newton its/step, wall {run['wall_time']:.2f} s -> {out_dir}"
    )


def _film(config, out_dir, comm, progress, echo, stop, overwrite, resume, initial_state, gauge, cache):
    """A film's run (psc_fem.film.run), after refusing what films do not have yet."""
    from psc_fem.errors import UsageError
    from psc_fem.film.run import simulate_film

    if gauge:
        raise UsageError('gauge is not available for films yet (docs/films.md, "Stages")')
    return simulate_film(
        config,
        out_dir,
        comm,
        progress,
        echo,
        stop=stop,
        overwrite=overwrite,
        resume=resume,
        initial_state=initial_state,
    )


def _warn_if_ranks_are_wasted(problem, comm, echo: bool) -> None:
    dofs = problem.W.dofmap.index_map.size_global * problem.W.dofmap.index_map_bs
    if comm.size > 1 and dofs / comm.size < MIN_DOFS_PER_RANK and comm.rank == 0 and echo:
        print(
            f"psc-fem: warning: {dofs} unknowns on {comm.size} ranks ({dofs // comm.size} per rank): below "
            f"~{MIN_DOFS_PER_RANK} per rank one rank is faster; run on one rank, or spread many runs over the "
            "ranks (psc-fem sweep --ranks-per-run 1)",
            file=sys.stderr,
        )


def _disk_full(exc: OSError, writer, integ) -> None:
    """Re-raise ``exc``; on a full disk first mark run.json "failed" without another flush (the files are
    whole up to the last one, and --resume continues once there is room)."""
    if exc.errno in DISK_FULL:
        writer.mark_failed(f"disk full at tau = {integ.t:.6g}: {exc.strerror}")
    raise exc


def _say_phonon_material(config, comm, echo: bool) -> None:
    """Where [phonons] material took its couplings from (psc_fem.feedback.presets)."""
    ph = config.phonons
    if ph is None or ph.material is None or not echo or comm.rank != 0:
        return
    from psc_fem.feedback.presets import phonon_couplings

    preset = phonon_couplings(ph.material, config.model.eta, config.model.u_value)
    used = ", ".join(f"{k} = {v:.4g} [{src}]" for k, (v, src) in preset["sources"].items())
    print(
        f"psc-fem: phonons.material = {ph.material}: phonon_electron_rate = {ph.phonon_electron_rate:.4g}, "
        f"pair_breaking = {ph.pair_breaking:.4g} at eta = {config.model.eta:g} (from {used}; explicit values win)",
        file=sys.stderr,
    )


def _claim(rd: RunDirectory, comm, overwrite: bool, resume: bool) -> None:
    """`RunDirectory.claim` on rank 0; the same error on every rank."""
    error = None
    if comm.rank == 0:
        try:
            rd.claim(overwrite=overwrite, resume=resume)
        except (OutputExists, ResumeError) as exc:
            error = (type(exc), str(exc))
    if comm.size > 1:
        error = comm.bcast(error, root=0)
    if error:
        raise error[0](error[1])


def _orbit_line(orbit) -> str:
    if orbit.converged:
        return (
            f"psc-fem: orbit found after {orbit.windings} windings (period {orbit.period:.8g}, |P(x) - x| = "
            f"{orbit.residual:.3g}; {orbit.steps} steps, {orbit.wall:.1f} s); recording from it"
        )
    return (
        f"psc-fem: warning: orbit search stopped, {orbit.reason} ({orbit.windings} windings, |P(x) - x| = "
        f"{orbit.residual:.3g}); integrating on from its last state, the summary says whether that settled"
    )


def with_settler(config, stop):
    """The stop hook: the caller's, and with time.until = "periodic" or "orbit" the Settler."""
    if config.time.until not in ("periodic", "orbit"):
        return stop
    settler = Settler(config.time.settle_periods, config.time.settle_rtol, josephson=not config.normal_contacts)
    if stop is None:
        return settler

    def both(series):
        return stop(series) or settler(series)

    return both
