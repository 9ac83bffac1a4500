"""The run lock: one live process per run directory.

Two processes writing one run directory (a scheduler that requeues a job
whose first copy is still running) would corrupt it; the second one stops
with a `ResumeError` instead.  The kernel drops an flock when the process
dies, whatever kills it.  On a file system without flock the lock is
silently not held.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from psc_fem.errors import ResumeError
from psc_fem.rundir import RunDirectory, as_rundir


def lock_holder(path: str | Path) -> int | None:
    """pid of a live process holding the lock file ``path`` (-1 if unknown), else None."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    except BlockingIOError:
        text = path.read_text().strip()
        return int(text) if text.isdigit() else -1
    except OSError:  # no flock on this file system: cannot tell
        return None
    finally:
        os.close(fd)


class RunLock:
    """An exclusive flock on the run directory's lock file, held by rank 0 while a run lives."""

    def __init__(self, run_dir: str | Path | RunDirectory, comm):
        rd = as_rundir(run_dir)
        self.fd, self.comm = None, comm
        error = None
        if comm.rank == 0:
            rd.path.mkdir(parents=True, exist_ok=True)
            try:  # O_NOFOLLOW: a symlink planted at the lock's name is refused, not written through
                fd = os.open(rd.lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            except OSError as exc:
                raise ResumeError(
                    f"{rd.lock}: cannot create the run lock ({exc.strerror}); is it a symbolic link?"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self.fd = fd
            except BlockingIOError:
                os.close(fd)
                error = f"{rd.path} is in use by another running psc-fem process (pid {lock_holder(rd.lock)})"
            except OSError:
                os.close(fd)
        error = comm.bcast(error, root=0) if comm.size > 1 else error
        if error:
            raise ResumeError(error)

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc) -> bool:
        self.release()
        return False
