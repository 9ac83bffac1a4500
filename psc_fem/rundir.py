"""The run directory: every file name in it, and the readers of those files.

A run directory (docs/design.md, docs/cli.md) holds

    series.h5      per-step series, frames on the node grid, parameters as attributes
    run.json       status, parameters, versions, statistics
    fields.xdmf/.h5  the fields per frame, for ParaView
    checkpoint.h5  the integrator's state for --resume
    spectrum.h5, fig1.png, fig2.png   post-processing (psc-fem spectrum / plot)
    .psc_fem.lock  held by the process that writes the directory

This module is the only one that spells these names.  Writers (psc_fem.io)
take their paths from a `RunDirectory`; readers (`psc_fem.solution`,
analysis, studies, cooling) go through its `read_*` methods, so the file
layout can change in one place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from psc_fem.errors import OutputExists, ResumeError

# The per-step datasets every run writes (docs/cli.md, "series.h5").
STEP_FIELDS = ("t", "dt", "V", "psi_center", "psi_min", "theta_minus", "theta_plus", "current", "newton_its", "error")

# Units of the datasets (Appendix A: x in xi(T), time in t0, phi and V in 1/(2 t0) with hbar = e = 1,
# j in j0, Psi = Delta/Delta0), written as each dataset's "units" attribute.
UNITS = {
    "series": {
        "t": "t0",
        "dt": "t0",
        "V": "hbar/(2 e t0)",
        "psi_center": "Delta0",
        "psi_min": "Delta0",
        "theta_minus": "rad",
        "theta_plus": "rad",
        "current": "j0",
        "newton_its": "1",
        "error": "1 (local error / tolerance)",
    },
    "frames": {
        "t": "t0",
        "x": "xi(T)",
        "abs_psi": "Delta0",
        "re_psi": "Delta0",
        "im_psi": "Delta0",
        "phi": "hbar/(2 e t0)",
        "dabs_psi_dt": "Delta0/t0",
        "js": "j0",
        "jn": "j0",
        "jint": "j0",
    },
}


class RunDirectory:
    """Paths and readers of one run directory (which need not exist yet)."""

    SERIES = "series.h5"
    RUN_INFO = "run.json"
    FIELDS_XDMF = "fields.xdmf"
    CHECKPOINT = "checkpoint.h5"
    SPECTRUM = "spectrum.h5"
    LOCK = ".psc_fem.lock"

    # Files psc_fem writes into a run directory; --overwrite removes exactly these.
    OWNED = (
        SERIES,
        RUN_INFO,
        FIELDS_XDMF,
        "fields.h5",
        CHECKPOINT,
        SPECTRUM,
        "fig1.png",
        "fig1.pdf",
        "fig2.png",
        "fig2.pdf",
        "film.png",
        "film.pdf",
        "film.gif",
        "film_tracks.png",
        "psi_spacetime.png",
        "psi.gif",
        "psi.mp4",
    )

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDirectory({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)

    # ---- paths -------------------------------------------------------------

    @property
    def series(self) -> Path:
        return self.path / self.SERIES

    @property
    def run_info(self) -> Path:
        return self.path / self.RUN_INFO

    @property
    def fields_xdmf(self) -> Path:
        return self.path / self.FIELDS_XDMF

    @property
    def fields_h5(self) -> Path:
        return self.fields_xdmf.with_suffix(".h5")

    def _later_segments(self) -> list[Path]:
        numbered = [p for p in self.path.glob("fields.*.h5") if p.name.split(".")[1].isdigit()]
        return sorted(numbered, key=lambda p: int(p.name.split(".")[1]))

    def field_segments(self) -> list[Path]:
        """A film's fields files in order: fields.h5, then fields.1.h5, fields.2.h5, ... (one per resume)."""
        return [p for p in [self.fields_h5, *self._later_segments()] if p.is_file()]

    def next_fields_xdmf(self) -> Path:
        """Where a film's run writes its fields: fields.xdmf, or after a resume the next fields.N.xdmf."""
        if not self.fields_xdmf.exists():
            return self.fields_xdmf
        n = 1
        while (self.path / f"fields.{n}.xdmf").exists() or (self.path / f"fields.{n}.h5").exists():
            n += 1
        return self.path / f"fields.{n}.xdmf"

    @property
    def checkpoint(self) -> Path:
        return self.path / self.CHECKPOINT

    @property
    def spectrum(self) -> Path:
        return self.path / self.SPECTRUM

    @property
    def lock(self) -> Path:
        return self.path / self.LOCK

    def figure(self, name: str, suffix: str = ".png") -> Path:
        """Path of a figure of this run, e.g. figure("fig1") -> DIR/fig1.png."""
        return self.path / f"{name}{suffix}"

    # ---- questions ---------------------------------------------------------

    def is_run(self) -> bool:
        """The directory holds a run's series (finished or not)."""
        return self.series.is_file()

    def require_run(self) -> None:
        """FileNotFoundError naming the directory unless it holds a run."""
        if not self.is_run():
            raise FileNotFoundError(f"{self.path} is not a psc_fem run directory (no {self.SERIES})")

    def is_empty(self) -> bool:
        """No directory yet, or one without entries but (at most) psc_fem's own lock file.

        A run stopped before it wrote anything (e.g. during an orbit search,
        or refused input) leaves only the lock; the caller has checked that
        no live process holds it.
        """
        if not self.path.exists():
            return True
        return self.path.is_dir() and all(p == self.lock and not p.is_symlink() for p in self.path.iterdir())

    def claim(self, overwrite: bool = False, resume: bool = False) -> None:
        """Check that a new run may write here (before anything is written).

        A directory that holds anything is refused (`OutputExists`) unless
        ``resume`` (the run continues there; psc_fem.io.checkpoint checks
        it) or ``overwrite``, which removes the files psc_fem wrote there
        (`OWNED`: a previous run and what was derived from it) so that no
        old spectrum or figure stays beside the new run.  Other files are
        left alone.
        """
        from psc_fem.io.lock import lock_holder

        if self.path.exists() and not self.path.is_dir():
            raise OutputExists(f"{self.path} exists and is not a directory")
        holder = lock_holder(self.lock)
        if holder is not None:
            raise ResumeError(f"{self.path} is in use by another running psc-fem process (pid {holder})")
        if resume or self.is_empty():
            return
        if not overwrite:
            held = sorted(p.name for p in self.path.iterdir())
            shown = ", ".join(held[:4]) + (", ..." if len(held) > 4 else "")
            raise OutputExists(
                f"{self.path} is not empty ({shown}): give another --out, or --overwrite to replace the "
                "run there, or --resume to continue it"
            )
        for name in self.OWNED:
            (self.path / name).unlink(missing_ok=True)
        for later in self._later_segments():  # a resumed film's fields.N.h5 and .xdmf
            later.unlink()
            later.with_suffix(".xdmf").unlink(missing_ok=True)

    def identity(self) -> dict[str, Any]:
        """What identifies the run's current content: its run_id and when it last finished.

        Derived files (spectrum.h5, cool.json) record it; a derived file whose
        identity differs from the run's is stale (the run was replaced or
        extended).
        """
        info = self.read_run_info()
        return {"run_id": str(info.get("run_id", "")), "finished": str(info.get("finished", ""))}

    def has_spectrum(self) -> bool:
        return self.spectrum.is_file()

    def state(self) -> str | None:
        """None (no run.json), "completed", "failed", "interrupted", "running" or "killed".

        "killed": run.json says running but no live process holds the lock
        (SIGKILL, node failure, out of memory).  All but "completed" can be
        continued with ``psc-fem run CONFIG --out DIR --resume``.
        """
        from psc_fem.io.lock import lock_holder

        try:
            status = self.read_run_info(missing_ok=False).get("status")
        except (OSError, ValueError):
            return None
        if status == "running" and lock_holder(self.lock) is None:
            return "killed"
        return status

    def is_complete(self, t_end: float | None = None) -> bool:
        """A completed run (to at least ``t_end`` if given); sweeps skip such points on resume."""
        if self.state() != "completed":
            return False
        if t_end is None:
            return True
        return float(self.read_run_info()["parameters"]["time"]["t_end"]) >= t_end

    # ---- readers -----------------------------------------------------------

    def read_run_info(self, missing_ok: bool = True) -> dict[str, Any]:
        """run.json as a dict ({} if absent and ``missing_ok``)."""
        if missing_ok and not self.run_info.is_file():
            return {}
        return json.loads(self.run_info.read_text())

    def read_series(self, comm=None, fields: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
        """The per-step series as numpy arrays (``fields``: only these; default all).

        With ``comm``, rank 0 reads and every rank receives the same arrays.
        """
        import h5py

        data = None
        if comm is None or comm.rank == 0:
            with h5py.File(self.series, "r") as f:
                if fields is not None:
                    data = {k: f[k][:] for k in fields}
                else:
                    data = {k: f[k][:] for k in STEP_FIELDS}
                    for k, ds in f.items():  # per-step datasets beyond STEP_FIELDS (e.g. psc_fem.feedback's)
                        if k not in data and isinstance(ds, h5py.Dataset) and ds.maxshape[0] is None:
                            data[k] = ds[:]
            if "newton_its" in data:
                data["newton_its"] = data["newton_its"].astype(int)
        if comm is not None and comm.size > 1:
            data = comm.bcast(data, root=0)
        return data

    def read_fixed(self) -> dict[str, np.ndarray]:
        """Root datasets that are not per step (e.g. phonon_omega of [phonons] feedback)."""
        import h5py

        with h5py.File(self.series, "r") as f:
            return {k: ds[:] for k, ds in f.items() if isinstance(ds, h5py.Dataset) and ds.maxshape[0] is not None}

    def read_frames(self, fields: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
        """Frames: t (nf), x (nx) and (nf, nx) arrays of the output fields ({} without frames)."""
        import h5py

        with h5py.File(self.series, "r") as f:
            if "frames" not in f:
                return {}
            g = f["frames"]
            return {k: g[k][:] for k in (fields if fields is not None else g)}

    def read_attrs(self) -> dict[str, Any]:
        """series.h5 root attributes: every parameter as "section.key", the status."""
        import h5py

        with h5py.File(self.series, "r") as f:
            return {k: (v.item() if hasattr(v, "item") else v) for k, v in f.attrs.items()}

    def counts(self) -> tuple[int, int]:
        """(steps, frames) on disk."""
        import h5py

        with h5py.File(self.series, "r") as f:
            return f["t"].shape[0], f["frames/t"].shape[0]


def as_rundir(path: str | Path | RunDirectory) -> RunDirectory:
    return path if isinstance(path, RunDirectory) else RunDirectory(path)
