"""Run directory: fields.xdmf/.h5 (ParaView), series.h5, run.json.

series.h5 layout (docs/design.md section 6):
  root datasets, one value per accepted step: t, dt, V, psi_center, psi_min,
    theta_minus, theta_plus, current, newton_its, error; with [phonons]
    feedback = true also phonon_* and p_min/p_max (psc_fem.feedback.coupling),
    phonon_escape_spectrum (n_steps, n_omega) and the fixed phonon_omega
  group frames: t (nf), x (nx, sorted), and (nf, nx) arrays of every output
    field (abs_psi, re_psi, im_psi, phi, dabs_psi_dt, js, jn, jint)
  root attributes: every parameter as "section.key".
Only rank 0 touches the files.  None is open between flushes: every flush
replaces series.h5, fields.h5, fields.xdmf and run.json atomically, so a
run killed at any moment leaves files that h5py and meshio open, complete
up to the last flush (psc_fem.io.checkpoint, docs/reliability.md).
"""

from __future__ import annotations

import json
import platform
import time
import uuid

import h5py
import numpy as np

from psc_fem.io.atomic import atomic_h5, remove_stale_tmp, write_json
from psc_fem.io.xdmf import XdmfSeries
from psc_fem.rundir import STEP_FIELDS, UNITS, RunDirectory, as_rundir

__all__ = ["RunWriter", "truncate_series", "versions"]


def versions():
    import dolfinx
    import mpi4py
    from petsc4py import PETSc

    import psc_fem

    return {
        "psc_fem": psc_fem.__version__,
        "dolfinx": dolfinx.__version__,
        "petsc": ".".join(map(str, PETSc.Sys.getVersion())),
        "mpi4py": mpi4py.__version__,
        "numpy": np.__version__,
        "h5py": h5py.__version__,
        "python": platform.python_version(),
    }


class RunWriter:
    """Writes one run directory while the integrator advances."""

    def __init__(
        self, out_dir, config, evaluator, comm, write_fields=True, resume=None, extra_steps=None, extra_data=None
    ):
        """``resume``: a checkpoint (psc_fem.io.checkpoint) whose run directory this continues.

        ``extra_steps``: more per-step datasets, name -> trailing shape (() for
        scalars); ``extra_data``: fixed root datasets, name -> array.
        """
        self.rundir = as_rundir(out_dir)
        self.dir = self.rundir.path
        self.comm = comm
        self.rank0 = comm.rank == 0
        self.xdmf = None
        self.evaluator = evaluator
        self.step_shapes = {**{k: () for k in STEP_FIELDS}, **(extra_steps or {})}
        self.steps = {k: [] for k in self.step_shapes}
        self.frames = []
        self.n_steps = self.n_frames = 0  # rows on disk
        if resume is not None:
            self.n_steps, self.n_frames = int(resume["n_steps"]), int(resume["n_frames"])
        # The files are never open between flushes: each flush replaces them
        # atomically (psc_fem.io.atomic.atomic_h5), so a kill leaves them readable.
        self.auto_flush = True  # False: a psc_fem.io.checkpoint.Checkpointer decides when
        self.run_info = {
            "run_id": uuid.uuid4().hex,  # kept by a resume; derived files record it (RunDirectory.identity)
            "status": "running",
            "parameters": config.model_dump(),
            "versions": versions(),
            "mpi_ranks": comm.size,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        if self.rank0:
            self.dir.mkdir(parents=True, exist_ok=True)
            # The current parts go to ParaView as the node values series.h5 holds (the same numbers in
            # Python and ParaView) and as the exact cell averages, NAME_cell.
            centers = {
                **{n: "Node" for n in (*evaluator.point, *evaluator.cell)},
                **{f"{n}_cell": "Cell" for n in evaluator.cell},
            }
            if resume is not None:
                frame_times = self._reopen(config, resume)
            else:
                frame_times = None
                self.rundir.checkpoint.unlink(missing_ok=True)  # a fresh run: no resuming someone else's state
                remove_stale_tmp(self.dir, RunDirectory.OWNED)
                with atomic_h5(self.rundir.series, create=True) as h5:
                    for key, value in {**_parameter_attrs(config), "status": "running"}.items():
                        h5.attrs[key] = value
                    for k, shape in self.step_shapes.items():
                        h5.create_dataset(
                            k,
                            shape=(0, *shape),
                            maxshape=(None, *shape),
                            dtype="f8",
                            chunks=(4096 if not shape else 64, *shape),
                        )
                    for k, value in (extra_data or {}).items():
                        h5.create_dataset(k, data=value)
                    frames = h5.create_group("frames")
                    frames.create_dataset("t", shape=(0,), maxshape=(None,), dtype="f8", chunks=(1024,))
                    frames.create_dataset("x", data=evaluator.x_nodes)
                    nx = evaluator.x_nodes.size
                    for k in (*evaluator.point, *evaluator.cell):
                        frames.create_dataset(k, shape=(0, nx), maxshape=(None, nx), dtype="f8", chunks=(16, nx))
                    _label_units(h5)
                write_json(self.rundir.run_info, self.run_info)
            if write_fields:
                self.xdmf = XdmfSeries(self.rundir.fields_xdmf, evaluator.x_nodes, centers, resume_times=frame_times)
        comm.Barrier()

    def _reopen(self, config, ckpt):
        """Continue a run directory: files cut back to the checkpoint, run.json "running" again."""
        remove_stale_tmp(self.dir, RunDirectory.OWNED)
        old = self.rundir.read_run_info(missing_ok=False)
        attrs = {**_parameter_attrs(config), "status": "running"}
        frame_times = truncate_series(self.rundir.series, ckpt["n_steps"], ckpt["n_frames"], attrs)
        for stale in ("error", "interrupted", "stopped", "finished"):
            old.pop(stale, None)
        resumed = {
            "t": float(ckpt["t"]),
            "from_status": ckpt.get("previous_status"),
            "mpi_ranks": self.comm.size,
            "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        self.run_info = {
            **old,
            **{k: self.run_info[k] for k in ("status", "parameters", "versions", "mpi_ranks")},
            "resumed": [*old.get("resumed", []), resumed],
        }
        write_json(self.rundir.run_info, self.run_info)
        return frame_times

    # Steps and frames are buffered and written in blocks: one h5py call per
    # dataset and block, not per step (h5py's per-call cost exceeds a step's).
    BLOCK_STEPS, BLOCK_FRAMES = 512, 64

    def add_step(self, **values):
        for k in self.steps:
            self.steps[k].append(values[k])
        if self.auto_flush and len(self.steps["t"]) >= self.BLOCK_STEPS:
            self.flush()

    def full(self):
        """A block of steps or frames is waiting to be written."""
        return len(self.steps["t"]) >= self.BLOCK_STEPS or len(self.frames) >= self.BLOCK_FRAMES

    # Buffered output beyond this forces a flush whatever it costs: memory stays bounded.
    MAX_BUFFER = 16 * 2**20

    def overfull(self):
        """The buffer holds MAX_BUFFER bytes or more (estimated, rank 0)."""
        nx = self.evaluator.x_nodes.size if self.rank0 else 0
        return len(self.steps["t"]) * 400 + len(self.frames) * (88 * nx + 4096) >= self.MAX_BUFFER

    def flush(self, attrs=None):
        """Write buffered steps and frames (and series.h5 attributes); the files are complete up to here.

        fields.h5 and fields.xdmf first, then series.h5, each replaced
        atomically.  Returns the seconds spent copying files (rank 0).
        """
        overhead = 0.0
        if self.rank0:
            if self.xdmf is not None:
                overhead += self.xdmf.flush()
            if self.steps["t"] or self.frames or attrs:
                update = atomic_h5(self.rundir.series)
                with update as h5:
                    _append(h5, {k: np.asarray(v, dtype=float) for k, v in self.steps.items()})
                    if self.frames:
                        block = {k: np.array([f[k] for f in self.frames]) for k in self.frames[0]}
                        _append(h5["frames"], block)
                    for key, value in (attrs or {}).items():
                        h5.attrs[key] = value
                overhead += update.overhead
        self.n_steps += len(self.steps["t"])
        self.n_frames += len(self.frames)
        self.steps = {k: [] for k in self.step_shapes}
        self.frames = []
        return overhead

    def add_frame(self, t):
        """Record the evaluator's current fields as the frame at time t."""
        point, cell = self.evaluator.gathered()
        if self.rank0:
            nodal = {k: self.evaluator.at_nodes(v) for k, v in cell.items()}
            if self.xdmf is not None:
                self.xdmf.write(t, {**point, **nodal}, {f"{k}_cell": v for k, v in cell.items()})
            self.frames.append({"t": t, **point, **nodal})
            if self.auto_flush and len(self.frames) >= self.BLOCK_FRAMES:
                self.flush()
        else:
            self.frames.append(None)  # only counted: every rank knows how many frames are on disk

    def mark_failed(self, error: str) -> None:
        """run.json "failed" without flushing (the disk is full: the files stay as the last flush left them)."""
        if self.rank0:
            self.run_info.update(status="failed", error=error, finished=time.strftime("%Y-%m-%dT%H:%M:%S"))
            try:
                write_json(self.rundir.run_info, self.run_info)
            except OSError:
                pass  # not even run.json fits: it keeps "running", which --resume treats the same
        self.comm.Barrier()

    def close(self, status, **info):
        """Flush everything and record the final status in run.json."""
        self.flush(attrs={"status": status})
        if self.rank0:
            self.run_info.update(info, status=status, finished=time.strftime("%Y-%m-%dT%H:%M:%S"))
            write_json(self.rundir.run_info, self.run_info)
        self.comm.Barrier()


def _label_units(h5):
    """A "units" attribute on every dataset whose unit psc_fem.rundir.UNITS knows (Appendix A units)."""
    for group, names in ((h5, UNITS["series"]), (h5["frames"], UNITS["frames"])):
        for name, unit in names.items():
            if name in group:
                group[name].attrs["units"] = unit


def _parameter_attrs(config):
    """series.h5 root attributes: every parameter as "section.key", [petsc] as JSON."""
    attrs = {key: value if not isinstance(value, dict) else json.dumps(value) for key, value in config.flat().items()}
    attrs["petsc"] = json.dumps(config.petsc)
    return attrs


def truncate_series(path, n_steps, n_frames, attrs):
    """series.h5 cut to its first n_steps steps and n_frames frames (atomic); returns frame times."""
    with atomic_h5(path) as f:
        for ds in f.values():
            if isinstance(ds, h5py.Dataset) and ds.maxshape[0] is None:
                ds.resize((n_steps, *ds.shape[1:]))
        for ds in f["frames"].values():
            if ds.maxshape[0] is None:
                ds.resize((n_frames, *ds.shape[1:]))
        for k, v in attrs.items():
            f.attrs[k] = v
        return f["frames/t"][:]


def _append(group, block):
    """Append equal-length arrays to the resizable datasets of the same names."""
    for k, v in block.items():
        if len(v) == 0:
            continue
        ds = group[k]
        n = ds.shape[0]
        ds.resize((n + len(v), *ds.shape[1:]))
        ds[n:] = v
