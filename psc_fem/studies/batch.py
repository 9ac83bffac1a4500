"""MPI batch runs: split MPI_COMM_WORLD into groups, balance the runs, gather.

`split(world, ranks_per_run)` cuts the N world ranks into N/K groups of K
consecutive ranks; each group runs one simulation at a time on its own
communicator (K = 1: a serial run per rank; K > 1: each run domain-
decomposed over K ranks).

`run_tasks(groups, tasks, work)` hands the tasks out.  Default schedule:
*dynamic*.  World rank 0 is both the leader of group 0 and the dispatcher:
each other group's leader asks it for the next task (sending the result
of its previous one with the request), and rank 0 answers between its own
time steps (the ``poll`` hook that `work` passes to `simulate` as part of
its ``stop`` callable), so no rank sits idle as a pure dispatcher and a
group that drew a slow run near J0 simply takes fewer runs.  Tasks are
handed out in the order of their estimated cost, largest first (the
longest-processing-time rule), so the expensive runs do not come last.
*static*: the same cost estimates split the tasks beforehand (greedy LPT);
no messages during the runs, results gathered at the end.

Only world rank 0 gets the results (a list in task order); the other ranks
get None.  Progress (runs done / total, elapsed, ETA) is reported by rank 0.
"""

import gc
import sys
import time
from dataclasses import dataclass

from mpi4py import MPI

from psc_fem.errors import BatchError  # noqa: F401  (raised here)

_REQUEST, _TASK = 11, 12
_STOP = -1


@dataclass
class Groups:
    """This rank's place in the batch: its group communicator and index."""

    world: object
    comm: object
    index: int
    count: int
    ranks_per_run: int

    @property
    def leader(self):
        """True on rank 0 of this group (it holds the group's results)."""
        return self.comm.rank == 0


def auto_ranks_per_run(config, size: int) -> int:
    """As many ranks per run as pay off: k divides ``size`` and each rank keeps MIN_DOFS_PER_RANK
    unknowns (below that one rank is faster, docs/cluster.md).  Small wires: 1, one run per rank."""
    from psc_fem.solver.simulation import MIN_DOFS_PER_RANK

    dofs = config.unknowns
    return max(k for k in range(1, size + 1) if size % k == 0 and (k == 1 or dofs / k >= MIN_DOFS_PER_RANK))


def split(world=None, ranks_per_run=1):
    """Split ``world`` into groups of ``ranks_per_run`` consecutive ranks.

    Raises ValueError when the world size is not a multiple of K.
    """
    world = MPI.COMM_WORLD if world is None else world
    # PETSc initialises collectively over MPI_COMM_WORLD on first import:
    # do it here, on every rank together, not lazily inside a group's first
    # run while other groups wait for the dispatcher (a deadlock).
    import dolfinx.fem.petsc  # noqa: F401

    import psc_fem.solver.simulation  # noqa: F401

    k = int(ranks_per_run)
    if k < 1 or world.size % k:
        raise ValueError(f"--ranks-per-run {k} must divide the number of MPI ranks ({world.size})")
    color = world.rank // k
    comm = world.Split(color, world.rank)
    return Groups(world=world, comm=comm, index=color, count=world.size // k, ranks_per_run=k)


def lpt_order(costs):
    """Task indices, most expensive first (stable for equal costs)."""
    return sorted(range(len(costs)), key=lambda i: (-costs[i], i))


def lpt_assign(costs, n_groups):
    """Greedy longest-processing-time assignment: lists of task indices per group."""
    loads = [0.0] * n_groups
    lists = [[] for _ in range(n_groups)]
    for i in lpt_order(costs):
        g = min(range(n_groups), key=lambda k: (loads[k], k))
        lists[g].append(i)
        loads[g] += costs[i]
    return [sorted(lst) for lst in lists]


class Progress:
    """Runs done / total with elapsed time and ETA, on world rank 0 only.

    A tqdm bar on stderr when it is a terminal; otherwise (a batch log) one
    line per finished run with elapsed time and ETA, unless ``lines=False``;
    nothing with ``quiet``.
    """

    def __init__(self, total, enabled, quiet=False, describe=None, stream=None, lines=True):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        tty = self.stream.isatty()
        self.enabled = enabled and not quiet and (tty or lines)
        self.describe = describe or (lambda result: "")
        self.t0 = time.perf_counter()
        self.bar = None
        if self.enabled and tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="run", file=self.stream, dynamic_ncols=True)

    def eta(self):
        elapsed = time.perf_counter() - self.t0
        if self.done == 0:
            return elapsed, float("nan")
        return elapsed, elapsed / self.done * (self.total - self.done)

    def update(self, result):
        self.done += 1
        if not self.enabled:
            return
        text = self.describe(result)
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=False)
            self.bar.update(1)
            return
        elapsed, eta = self.eta()
        eta_text = f"{eta:.0f} s" if eta == eta else "?"
        print(
            f"[{self.done}/{self.total}] {text}  (elapsed {elapsed:.0f} s, ETA {eta_text})",
            file=self.stream,
            flush=True,
        )

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _no_poll():
    return None


class _Dispatcher:
    """World rank 0's side of the dynamic schedule."""

    def __init__(self, comm, order, n_groups, progress):
        self.comm = comm
        self.queue = list(order)
        self.results = {}
        self.running = n_groups - 1  # other groups that have not been told to stop
        self.progress = progress

    def _answer(self, status):
        msg = self.comm.recv(source=status.Get_source(), tag=_REQUEST)
        if msg is not None:
            index, result = msg
            self.results[index] = result
            self.progress.update(result)
        task = self.queue.pop(0) if self.queue else _STOP
        if task == _STOP:
            self.running -= 1
        self.comm.send(task, dest=status.Get_source(), tag=_TASK)

    def poll(self):
        """Answer every pending request (non-blocking); called between time steps."""
        status = MPI.Status()
        while self.comm.Iprobe(source=MPI.ANY_SOURCE, tag=_REQUEST, status=status):
            self._answer(status)

    def next_own(self):
        return self.queue.pop(0) if self.queue else _STOP

    def drain(self):
        """Serve the other groups until all of them have been told to stop."""
        status = MPI.Status()
        while self.running > 0:
            self.comm.Probe(source=MPI.ANY_SOURCE, tag=_REQUEST, status=status)
            self._answer(status)


def _run_one(work, task, comm, poll):
    try:
        return work(task, comm, poll)
    finally:
        gc.collect()  # PETSc objects of the run are destroyed collectively, now


def run_tasks(groups, tasks, work, costs=None, schedule="dynamic", progress=True, quiet=False, describe=None):
    """Run ``work(task, comm, poll) -> result`` for every task over the groups.

    ``work`` is called on every rank of the group that draws the task, with
    the group communicator; its return value on the group leader is the
    task's result (picklable).  ``poll`` must be called now and then during
    long work (simulate's ``stop`` hook does it every step): on world rank 0
    it answers the dispatcher's requests.  ``costs``: relative cost
    estimates (default all equal).  Returns the results in task order on
    world rank 0, None elsewhere.
    """
    n = len(tasks)
    costs = [1.0] * n if costs is None else list(costs)
    world, comm = groups.world, groups.comm
    rank0 = world.rank == 0
    prog = Progress(n, enabled=progress and rank0, quiet=quiet, describe=describe) if rank0 else None

    if groups.count == 1 or schedule == "static":
        mine = lpt_assign(costs, groups.count)[groups.index]
        if rank0:
            prog.total = len(mine)  # rank 0 sees only its own group's runs here
        local = {}
        for i in lpt_order([costs[i] for i in mine]):
            index = mine[i]
            result = _run_one(work, tasks[index], comm, _no_poll)
            if groups.leader:
                local[index] = result
                if rank0:
                    prog.update(result)
        gathered = world.gather(local if groups.leader else {}, root=0)
        if rank0:
            results = {}
            for part in gathered:
                results.update(part)
            prog.close()
            return [results[i] for i in range(n)]
        return None

    wcomm = world.Dup()  # private tags for the dispatcher's messages
    try:
        order = lpt_order(costs)
        if rank0:
            disp = _Dispatcher(wcomm, order, groups.count, prog)
            poll = disp.poll
        else:
            poll = _no_poll
        previous = None
        while True:
            if groups.index == 0:
                task = disp.next_own() if rank0 else None
            elif groups.leader:
                wcomm.send(previous, dest=0, tag=_REQUEST)
                task = wcomm.recv(source=0, tag=_TASK)
            else:
                task = None
            task = comm.bcast(task, root=0)
            if task == _STOP:
                break
            result = _run_one(work, tasks[task], comm, poll)
            if rank0:
                disp.results[task] = result
                prog.update(result)
            elif groups.leader:
                previous = (task, result)
        if rank0:
            disp.drain()
            prog.close()
            return [disp.results[i] for i in range(n)]
        return None
    finally:
        wcomm.Free()
