"""Graceful stop on SIGTERM and SIGINT (what batch schedulers and Ctrl-C send).

While a run is inside `graceful()`, the handlers only record the signal.
The time loop asks `requested(comm)` after every accepted step: an allreduce
over the run's communicator, so all ranks of an `mpirun` job stop after the
same step even if the signal reached them at different moments.  The run
then writes a checkpoint, closes its files validly, marks run.json
"interrupted" and raises `Interrupted`; the command line exits with
128 + signal number (143 for SIGTERM, 130 for SIGINT).

A second signal of the same kind while the first is still pending restores
the previous handler and delivers the signal again: a hard stop (the output
files stay readable, up to the last block; psc_fem.io.checkpoint).

`graceful()` nests (the command line holds it around every command, a
sweep's runs inside it) and does nothing outside the main thread, where
Python cannot install signal handlers.  A signal recorded after the last
check is not lost: the outermost block then ends with `Interrupted`.
"""

import os
import signal
import sys
import threading
from contextlib import contextmanager

from mpi4py import MPI

from psc_fem.errors import Interrupted  # noqa: F401  (raised here, defined with the other user-facing errors)

SIGNALS = (signal.SIGTERM, signal.SIGINT)

_pending = []  # signal numbers received and not yet acted on, oldest first
_previous = {}  # handlers that graceful() replaced
_depth = 0


def _handler(signum, frame):
    if signum in _pending:  # second signal: hard stop
        previous = _previous.get(signum, signal.SIG_DFL)
        signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    _pending.append(signum)


@contextmanager
def graceful(signals=SIGNALS):
    """Record SIGTERM/SIGINT instead of dying, for the duration of the block."""
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _depth == 0:
        _pending.clear()
        for s in signals:
            _previous[s] = signal.signal(s, _handler)
    else:  # PETSc's initialisation (after the outer block began) installs C-level handlers: ours again
        for s in signals:
            signal.signal(s, _handler)
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            for s, h in _previous.items():
                signal.signal(s, h if h is not None else signal.SIG_DFL)
            _previous.clear()
            # A signal that came after the last check is never lost: the block ends with
            # Interrupted (unless it already ends with an exception, which wins).
            if _pending and sys.exc_info()[0] is None:
                signum = _pending[0]
                _pending.clear()
                raise Interrupted(signum)


def pending():
    """The first recorded signal on this rank, or 0 (no communication)."""
    return _pending[0] if _pending else 0


def request(signum=signal.SIGTERM):
    """Ask for a graceful stop as if ``signum`` had arrived (tests, callbacks)."""
    if signum not in _pending:
        _pending.append(int(signum))


def clear():
    """Forget recorded signals (after the stop they asked for has happened)."""
    _pending.clear()


def requested(comm=MPI.COMM_WORLD, local_flag=0):
    """(signal or 0, max of ``local_flag``) over ``comm``: collective, one small allreduce.

    ``local_flag`` lets the caller agree on one more decision (e.g. "a
    checkpoint is due by the wall clock on rank 0") in the same message.
    """
    if comm.size == 1:
        return pending(), int(local_flag)
    import numpy as np

    buf = np.array([pending(), int(local_flag)], dtype=np.int64)
    comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.MAX)
    return int(buf[0]), int(buf[1])
