"""Crash-safe files: every file of a run directory is written to NAME.tmp and renamed over NAME.

`os.replace` is atomic on POSIX, so at every instant each name holds a
complete, closed file; a SIGKILL leaves at most a stray NAME.tmp, which the
next run or --resume removes (docs/reliability.md).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import h5py
import numpy as np

RESERVE = 32 * 2**20  # bytes kept free beyond the copy: a flush appends at most 16 MB (RunWriter.MAX_BUFFER)


def ensure_room(path: Path, copy_bytes: int) -> None:
    """Raise ENOSPC before HDF5 writes anything if the disk cannot take the copy and its new block.

    HDF5 does not survive a write that fails half-way (it crashed in H5Fclose
    when a file hit a size limit), so a full disk must be refused before
    the copy starts: then every file stays closed and whole, and --resume
    continues (tests/system/test_hardening.py).
    """
    free = shutil.disk_usage(path.parent).free
    need = copy_bytes + RESERVE + copy_bytes // 10
    if free < need:
        raise OSError(
            errno.ENOSPC,
            f"No space left on device ({free / 2**20:.0f} MB free; writing {path.name} safely needs {need / 2**20:.0f} MB)",
            str(path),
        )


class atomic_h5:  # noqa: N801  (used like open())
    """``with atomic_h5(path) as h5:`` edits a copy of ``path`` and renames it over ``path``.

    ``create=True`` starts an empty file instead.  On an exception the copy
    is removed and ``path`` is untouched.  ``overhead``: seconds spent
    copying, opening and renaming (what copy-on-write adds to the write).
    ``libver``: h5py's file-format bounds (default: the earliest format).
    """

    def __init__(self, path: str | Path, create: bool = False, libver=None):
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + ".tmp")
        self.create = create
        self.libver = libver
        self.overhead = 0.0

    def __enter__(self) -> h5py.File:
        t0 = time.perf_counter()
        self.tmp.unlink(missing_ok=True)  # a stray NAME.tmp, or a symlink planted there: never written through
        ensure_room(self.path, 0 if self.create else self.path.stat().st_size)
        if not self.create:
            shutil.copyfile(self.path, self.tmp)
        self.file = h5py.File(self.tmp, "w" if self.create else "r+", libver=self.libver)
        self.overhead += time.perf_counter() - t0
        return self.file

    def __exit__(self, kind, exc, tb):
        if kind is not None:
            self.file.close()
            self.tmp.unlink(missing_ok=True)
            return False
        self.file.close()
        t0 = time.perf_counter()
        os.replace(self.tmp, self.path)
        self.overhead += time.perf_counter() - t0
        return False


def write_text(path: str | Path, text: str) -> None:
    """Write a text file atomically (tmp + rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)  # never write through a symlink planted at NAME.tmp
    tmp.write_text(text)
    os.replace(tmp, path)


def write_json(path: str | Path, data: Any) -> None:
    """Write JSON atomically (tmp file + rename): never a half-written run.json."""
    write_text(path, json.dumps(data, indent=2, default=_jsonable) + "\n")


def _jsonable(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    return str(x)


def save_figure(fig, path: str | Path, **kwargs) -> Path:
    """``fig.savefig`` to NAME.tmp, then rename: never a truncated figure, never through a symlink at NAME."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")  # the suffix tells matplotlib the format
    tmp.unlink(missing_ok=True)
    try:
        fig.savefig(tmp, **kwargs)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def remove_stale_tmp(directory: str | Path, names: tuple[str, ...]) -> None:
    """Delete the NAME.tmp a killed writer left behind, for the given NAMEs only (psc_fem's own files).

    Never a glob: a user's own notes.tmp in the directory is not ours to delete.
    """
    for name in names:
        path = Path(directory) / f"{name}.tmp"
        if path.is_file() and not path.is_symlink():
            path.unlink()
