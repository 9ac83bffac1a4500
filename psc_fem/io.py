"""Run directory: fields.xdmf/.h5 (ParaView), series.h5, run.json.

series.h5 layout (DESIGN.md section 6):
  root datasets, one value per accepted step: t, dt, V, psi_center, psi_min,
    theta_minus, theta_plus, current, newton_its, error
  group frames: t (nf), x (nx, sorted), and (nf, nx) arrays of every output
    field (abs_psi, re_psi, im_psi, phi, dabs_psi_dt, js, jn, jint)
  root attributes: every parameter as "section.key".
Only rank 0 touches series.h5 and run.json; all ranks write the XDMF.
"""

import json
import os
import platform
import time
from pathlib import Path

import h5py
import numpy as np

from psc_fem.xdmf import XdmfSeries

STEP_FIELDS = ("t", "dt", "V", "psi_center", "psi_min", "theta_minus", "theta_plus", "current", "newton_its", "error")


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


def write_json(path, data):
    """Write JSON atomically (tmp file + rename): never a half-written run.json."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=_jsonable) + "\n")
    os.replace(tmp, path)


def _jsonable(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    return str(x)


class RunWriter:
    """Writes one run directory while the integrator advances."""

    def __init__(self, out_dir, config, evaluator, comm, write_fields=True):
        self.dir = Path(out_dir)
        self.comm = comm
        self.rank0 = comm.rank == 0
        self.xdmf = None
        self.evaluator = evaluator
        self.steps = {k: [] for k in STEP_FIELDS}
        self.frames = []
        self.run_info = {
            "status": "running",
            "parameters": config.model_dump(),
            "versions": versions(),
            "mpi_ranks": comm.size,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        if self.rank0:
            self.dir.mkdir(parents=True, exist_ok=True)
            self.h5 = h5py.File(self.dir / "series.h5", "w")
            for key, value in config.flat().items():
                self.h5.attrs[key] = value if not isinstance(value, dict) else json.dumps(value)
            self.h5.attrs["petsc"] = json.dumps(config.petsc)
            for k in STEP_FIELDS:
                self.h5.create_dataset(k, shape=(0,), maxshape=(None,), dtype="f8", chunks=(4096,))
            frames = self.h5.create_group("frames")
            frames.create_dataset("t", shape=(0,), maxshape=(None,), dtype="f8", chunks=(1024,))
            frames.create_dataset("x", data=evaluator.x_nodes)
            nx = evaluator.x_nodes.size
            for k in (*evaluator.point, *evaluator.cell):
                frames.create_dataset(k, shape=(0, nx), maxshape=(None, nx), dtype="f8", chunks=(16, nx))
            write_json(self.dir / "run.json", self.run_info)
            self.xdmf = XdmfSeries(self.dir / "fields.xdmf", evaluator.x_nodes) if write_fields else None
        comm.Barrier()

    # Steps and frames are buffered and written in blocks: one h5py call per
    # dataset and block, not per step (h5py's per-call cost exceeds a step's).
    BLOCK_STEPS, BLOCK_FRAMES = 512, 64

    def add_step(self, **values):
        for k in STEP_FIELDS:
            self.steps[k].append(values[k])
        if len(self.steps["t"]) >= self.BLOCK_STEPS:
            self.flush()

    def flush(self):
        """Write buffered steps and frames; the files are complete up to here."""
        if self.rank0:
            _append(self.h5, {k: np.asarray(v, dtype=float) for k, v in self.steps.items()})
            if self.frames:
                block = {k: np.array([f[k] for f in self.frames]) for k in self.frames[0]}
                _append(self.h5["frames"], block)
                if self.xdmf is not None:
                    self.xdmf.flush()
            self.h5.flush()
        self.steps = {k: [] for k in STEP_FIELDS}
        self.frames = []

    def add_frame(self, t):
        """Record the evaluator's current fields as the frame at time t."""
        point, cell = self.evaluator.gathered()
        if self.rank0:
            if self.xdmf is not None:
                self.xdmf.write(t, point, cell)
            self.frames.append({"t": t, **point, **{k: self.evaluator.at_nodes(v) for k, v in cell.items()}})
            if len(self.frames) >= self.BLOCK_FRAMES:
                self.flush()

    def close(self, status, **info):
        """Flush everything and record the final status in run.json."""
        self.flush()
        if self.rank0:
            if self.xdmf is not None:
                self.xdmf.close()
            self.run_info.update(info, status=status, finished=time.strftime("%Y-%m-%dT%H:%M:%S"))
            self.h5.attrs["status"] = status
            self.h5.close()
            write_json(self.dir / "run.json", self.run_info)
        self.comm.Barrier()


def _append(group, block):
    """Append equal-length arrays to the resizable datasets of the same names."""
    for k, v in block.items():
        if len(v) == 0:
            continue
        ds = group[k]
        n = ds.shape[0]
        ds.resize((n + len(v), *ds.shape[1:]))
        ds[n:] = v
