"""Checkpoints, restart, and output files that survive a kill.

Kill safety
-----------
No file of a run directory is ever modified in place.  series.h5,
fields.h5, fields.xdmf, run.json and checkpoint.h5 are each written to
NAME.tmp and renamed over NAME (`os.replace`, atomic on POSIX).  An HDF5
file grows by copy-on-write (`atomic_h5`): a kernel byte copy of the file,
the new block appended to the copy with h5py, close, rename.  So at every
instant each name holds a complete, closed HDF5/XML file that h5py and
meshio open; a SIGKILL loses at most the output since the last flush and
leaves a stray NAME.tmp, which the next ``--resume`` removes.  (HDF5's own
alternatives do not fit: SWMR cannot create datasets, and fields.h5 needs a
new dataset per field and frame because meshio's XDMF reader has no
HyperSlab; a file killed while open for writing may be unreadable, and
libver="latest" files are flagged and need h5clear.)

One flush writes, in this order: fields.h5, fields.xdmf (which lists only
frames already in fields.h5), series.h5, then checkpoint.h5.  Hence the
files always hold at least what the checkpoint records, and a resume
truncates them to it (the XML first, then fields.h5, so the XML never
lists a frame that is not in fields.h5).

When
----
`Checkpointer` observes the integrator after the `Recorder`.  It flushes
the buffered output and writes a checkpoint when a block of output is full
(512 steps or 64 frames; psc_fem.io.RunWriter) or ``output.checkpoint_every``
of simulated time has passed, provided the wall time since the last flush
is at least `THROTTLE` times that flush's copy time (copying grows with the
files; so it costs at most ~1/THROTTLE of the run however long they get);
and always once ``output.checkpoint_wall`` seconds have passed or the
buffered output reaches `RunWriter.MAX_BUFFER` (16 MB: memory stays
bounded; only with files of many GB does copying then cost more).  The
decision is taken on rank 0 and agreed on with the signal flag in one
allreduce per step.

What a checkpoint holds
-----------------------
The integrator's state history (up to three states, newest first), the
links int phi dtau of its steps (forms/covariant.py), step sizes, time,
the proposed next step and its statistics; the recorder's unwrapped end
phases, the times of the history for dense output and the next frame's
index; the numbers of steps and frames on disk; wall time used.
States are stored by x coordinate, one sorted array per scalar sub-space
(u1, u2, phi): in 1D every dof of a Lagrange sub-space has its own x, so a
checkpoint written on N ranks restores on any number of ranks.  With the
same number of ranks the resumed run is bitwise identical to an
uninterrupted one (the step sequence is a deterministic function of the
stored history).
"""

from __future__ import annotations

import time

import h5py
import numpy as np

from psc_fem import signals
from psc_fem.errors import ResumeError
from psc_fem.io.atomic import atomic_h5
from psc_fem.io.lock import lock_holder
from psc_fem.io.state_layout import PARTS, StateLayout  # noqa: F401  (StateLayout: also from here)
from psc_fem.rundir import as_rundir

ORDER_KEYS = ("order", "at_order", "correction_order")  # the variable order's state (Integrator.order_state)
FORMAT = 3  # 2: links and end phases of the gauge-covariant scheme; 3: node currents in fields.xdmf (older runs cannot be resumed)
THROTTLE = 20.0
# config keys that may differ between a run and its resume (they do not change results)
MAY_CHANGE = ("output.dir", "output.checkpoint_every", "output.checkpoint_wall")


# ---- checkpoint file --------------------------------------------------------


def write_checkpoint(path, attrs, arrays, state):
    """checkpoint.h5 (rank 0): attributes, small arrays, x-keyed states."""
    with atomic_h5(path, create=True) as f:
        f.attrs["format"] = FORMAT
        for k, v in attrs.items():
            f.attrs[k] = v
        for k, v in arrays.items():
            f[k] = np.asarray(v, dtype=float)
        for name, (x, values) in state.items():
            f[f"x/{name}"] = x
            f[f"history/{name}"] = values


def read_checkpoint(path):
    """checkpoint.h5 -> dict (attributes, arrays, "state": {part: (x, values)})."""
    with h5py.File(path, "r") as f:
        out = {k: (v.item() if hasattr(v, "item") else v) for k, v in f.attrs.items()}
        for k in ("steps", "recent"):
            out[k] = f[k][:]
        out["state"] = {name: (f[f"x/{name}"][:], f[f"history/{name}"][:]) for name in PARTS}
    if out.get("format") != FORMAT:
        raise ResumeError(
            f"{path}: checkpoint format {out.get('format')} is not {FORMAT} (written by an older "
            "psc_fem with another time discretisation); run it again from tau = 0"
        )
    return out


def read_start_state(run_dir, comm, length=None):
    """The last state of another run, to start a new run from (``psc-fem run --from``), collective.

    Returns {"by_x": {part: (x, values)}, "theta": (theta_-, theta_+)}: the
    newest state of run_dir's checkpoint keyed by x, so it fits any
    partition of the same wire (`StateLayout.scatter`); `simulate` maps it
    onto its own mesh and refuses another mesh.  Raises `ResumeError` (exit
    2) when run_dir has no readable checkpoint or (with ``length``) its
    wire has another length: checked here, before a run directory is made.
    """
    result, error = None, None
    if comm.rank == 0:
        rd = as_rundir(run_dir)
        if not rd.checkpoint.is_file():
            error = f"--from {rd.path}: no {rd.checkpoint.name} there (a run directory holds one once it has run)"
        else:
            try:
                ckpt = read_checkpoint(rd.checkpoint)
                newest = {name: (x, values[:1]) for name, (x, values) in ckpt["state"].items()}
                result = {"by_x": newest, "theta": (ckpt["theta_minus"], ckpt["theta_plus"])}
                if length is not None:  # a wire (a film's state is matched node by node, psc_fem.film.run)
                    span = float(newest["u1"][0][-1] - newest["u1"][0][0])
                    if abs(span - length) > 1e-9 * length:
                        error = f"--from {rd.path}: its wire is {span:g} long, this config's wire.length is {length:g}"
            except (OSError, KeyError, ResumeError) as exc:
                error = f"--from {rd.path}: {rd.checkpoint.name} unreadable ({exc})"
    if comm.size > 1:
        result, error = comm.bcast((result, error), root=0)
    if error:
        raise ResumeError(error)
    return result


# ---- resume -----------------------------------------------------------------


def _flat(parameters):
    """{"section.key": value} of run.json's (or model_dump()'s) parameters, [petsc] included."""
    out = {}
    for section, values in parameters.items():
        for key, value in (values or {}).items():
            out[f"{section}.{key}"] = value
    return out


def parameter_differences(run_parameters, config):
    """Reasons why ``config`` cannot continue a run with ``run_parameters`` (empty: it can)."""
    old, new = _flat(run_parameters), _flat(config.model_dump())
    missing = object()
    problems = []
    for key in sorted(set(old) | set(new)):
        if key in MAY_CHANGE:
            continue
        a, b = old.get(key, missing), new.get(key, missing)
        if key == "time.t_end" and a is not missing and b is not missing:
            if b < a:
                problems.append(f"time.t_end = {b!r} is shorter than the run's {a!r} (a resume may only extend a run)")
            continue
        if a != b:
            show = lambda v: "unset" if v is missing else repr(v)  # noqa: E731
            problems.append(f"{key} differs: {show(b)} in the config, {show(a)} in the run")
    return problems


def _read_resume(run_dir, config):
    """Rank 0: what a resume of ``run_dir`` needs, or None to start afresh."""
    rd = as_rundir(run_dir)
    run_dir = rd.path
    if not rd.run_info.is_file():
        return None
    try:
        info = rd.read_run_info()
    except ValueError as exc:
        raise ResumeError(f"cannot resume {run_dir}: {rd.run_info.name} is not valid JSON ({exc})") from None
    problems = parameter_differences(info.get("parameters", {}), config)
    if problems:
        raise ResumeError(f"cannot resume {run_dir} with this config:\n  " + "\n  ".join(problems))
    holder = lock_holder(rd.lock)
    if holder is not None:
        raise ResumeError(f"{run_dir} is in use by another running psc-fem process (pid {holder})")
    if not rd.checkpoint.is_file():
        return None
    try:
        ckpt = read_checkpoint(rd.checkpoint)
    except (OSError, KeyError) as exc:
        raise ResumeError(f"cannot resume {run_dir}: {rd.checkpoint.name} unreadable ({exc})") from None
    # the files must hold at least what the checkpoint says (flush order, module docstring)
    try:
        n_steps, n_frames = rd.counts()
    except (OSError, KeyError) as exc:
        raise ResumeError(f"cannot resume {run_dir}: {rd.series.name} unreadable ({exc})") from None
    if n_steps < ckpt["n_steps"] or n_frames < ckpt["n_frames"]:
        raise ResumeError(
            f"cannot resume {run_dir}: {rd.series.name} holds {n_steps} steps and {n_frames} frames, "
            f"fewer than the checkpoint's {ckpt['n_steps']} and {ckpt['n_frames']}"
        )
    if config.output.fields and ckpt["n_frames"] > 0 and not hasattr(config, "geometry"):  # a film: new segment
        from psc_fem.io.xdmf import frames_on_disk

        have = frames_on_disk(rd.fields_h5)
        if have < ckpt["n_frames"]:
            raise ResumeError(
                f"cannot resume {run_dir}: {rd.fields_h5.name} holds {have} frames, fewer than the checkpoint's "
                f"{ckpt['n_frames']} (run it again from tau = 0, or with output.fields = false)"
            )
    ckpt["previous_status"] = info.get("status")
    return ckpt


def prepare_resume(run_dir, config, comm):
    """Validate a resume (collective): the checkpoint dict, or None to start from tau = 0.

    Raises `ResumeError` on every rank, before anything is written, if the
    config's parameters differ from the run's (only time.t_end may grow),
    the directory is in use, or its files are behind the checkpoint.
    """
    result, error = None, None
    if comm.rank == 0:
        try:
            result = _read_resume(run_dir, config)
        except ResumeError as exc:
            error = str(exc)
    if comm.size > 1:
        result, error = comm.bcast((result, error), root=0)
    if error:
        raise ResumeError(error)
    return result


# ---- the observer -------------------------------------------------------------


class Checkpointer:
    """Observer (after the Recorder): flush + checkpoint when due; graceful stop on a signal."""

    def __init__(self, run_dir, config, problem, integ, recorder, writer, resume=None):
        self.path = as_rundir(run_dir).checkpoint
        self.config, self.integ, self.recorder, self.writer = config, integ, recorder, writer
        self.comm = problem.comm
        self.rank0 = self.comm.rank == 0
        self.layout = StateLayout(problem)
        self.every = config.output.checkpoint_every
        self.wall_every = config.output.checkpoint_wall
        self.wall_before = float(resume["wall_used"]) if resume else 0.0
        self.start = self.last = time.perf_counter()
        self.overhead = 0.0  # copy time of the last flush
        self.saved = None  # {"t", "steps", "frames"} of the last checkpoint
        self.next_t = (float(resume["t"]) if resume else 0.0) + self.every

    def wall_used(self):
        """Wall time of the run so far, earlier sessions included."""
        return self.wall_before + time.perf_counter() - self.start

    def restore(self, ckpt, problem):
        """Put a checkpoint's state into the integrator (which sets the problem's fields) and the recorder."""
        arrays = self.layout.scatter(ckpt["state"])
        n = int(ckpt["n_history"])
        m = int(ckpt.get("n_links", len(arrays) - n))  # then the variable order's correction, if any
        counts = {k: int(ckpt[k]) for k in ("accepted", "rejected_error", "rejected_newton", "newton_its")}
        self.integ.restore(
            arrays[:n],
            arrays[n : n + m],
            [float(h) for h in ckpt["steps"]],
            float(ckpt["t"]),
            float(ckpt["h_next"]),
            counts,
        )
        self.integ.restore_order({k: int(ckpt[k]) for k in ORDER_KEYS if k in ckpt}, arrays[n + m :])
        self.recorder.restore(
            (float(ckpt["theta_minus"]), float(ckpt["theta_plus"])),
            [float(v) for v in ckpt["recent"]],
            int(ckpt["next_frame"]),
            self.integ.t,
        )
        self.saved = {"t": self.integ.t, "steps": int(ckpt["n_steps"]), "frames": int(ckpt["n_frames"])}

    def __call__(self, integ, step):
        due = 0
        if self.rank0:
            since = time.perf_counter() - self.last
            wanted = step.t >= self.next_t * (1 - 1e-12) or self.writer.full()
            due = int(
                since >= self.wall_every or self.writer.overfull() or (wanted and since >= THROTTLE * self.overhead)
            )
        signum, due = signals.requested(self.comm, due)
        if due or signum:
            self.save()
        if signum:
            signals.clear()  # acted on: the stop it asked for happens now
            raise signals.Interrupted(signum, integ.t)

    def save(self):
        """Flush the output, then write the checkpoint (collective)."""
        integ, rec = self.integ, self.recorder
        overhead = self.writer.flush()
        order_attrs, order_arrays = integ.order_state()
        state = self.layout.gather(integ.history + integ.links + order_arrays)
        if self.rank0:
            s = integ.stats
            attrs = dict(
                **order_attrs,
                t=integ.t,
                h_next=float(getattr(integ, "h_next", self.config.time.dt_initial)),
                n_history=len(integ.history),
                n_links=len(integ.links),
                theta_minus=rec.theta_m,
                theta_plus=rec.theta_p,
                next_frame=rec.next_frame,
                n_steps=self.writer.n_steps,
                n_frames=self.writer.n_frames,
                accepted=s.accepted,
                rejected_error=s.rejected_error,
                rejected_newton=s.rejected_newton,
                newton_its=s.newton_its,
                wall_used=self.wall_used(),
                mpi_ranks=self.comm.size,
                written=time.strftime("%Y-%m-%dT%H:%M:%S"),
                t_end=self.config.time.t_end,
            )
            arrays = {"steps": np.asarray(integ.steps, dtype=float), "recent": np.asarray(rec.recent, dtype=float)}
            t0 = time.perf_counter()
            write_checkpoint(self.path, attrs, arrays, state)
            self.overhead = overhead + time.perf_counter() - t0
        self.saved = {"t": integ.t, "steps": self.writer.n_steps, "frames": self.writer.n_frames}
        self.next_t = integ.t + self.every
        self.last = time.perf_counter()
