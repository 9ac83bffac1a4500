"""I-V sweeps: run one current per run directory, stop each run once its state is decided, classify it.

independent   every current from the uniform state Psi = 1, the runs spread
              over the N/K groups of `mpirun -n N` (psc_fem.studies.batch);
continuation  an adiabatic staircase: each current starts from the final
              state of the previous one, START -> STOP and, with ``down``,
              back to START, to expose hysteresis.  Sequential in current
              by nature: one group of K ranks (default K = N) does it.

Every run stops as soon as its state is decided (`Decider`): N whole
periods after the transient, relaxed to V = 0, or a settled normal domain;
otherwise at time.t_end.  Each run gets its own directory
DIR/runs/<branch>_j=<current>/ (a `psc_fem.rundir.RunDirectory`, with
fields.xdmf for ParaView).  `run_sweep` returns the table's rows
(psc_fem.studies.tables.COLUMNS); the `psc-fem sweep` command writes them
and draws iv.png (docs/sweeps.md).
"""

from __future__ import annotations

import gc
import json
import math
import time
from pathlib import Path
from typing import Any

from psc_fem.analysis.stationary import DEPAIRING, stationary_branch_max
from psc_fem.errors import UsageError
from psc_fem.rundir import RunDirectory
from psc_fem.studies.decider import Decider
from psc_fem.studies.tables import COLUMNS, POINT_COLUMNS

# Heavy imports (dolfinx, simulate) stay inside functions: the CLI loads
# this module to build its parser.

SERIES_FIELDS = (
    "t",
    "V",
    "psi_min",
    "psi_center",
    "theta_minus",
    "theta_plus",
)  # what a classification reads back from a run directory
FRAME_FIELDS = ("t", "x", "abs_psi")


def _decimals(currents):
    """Digits that tell the currents apart in directory names (at least 4)."""
    if len(currents) < 2:
        return 4
    step = min(abs(b - a) for a, b in zip(currents, currents[1:]) if b != a) if len(set(currents)) > 1 else 1.0
    return max(4, int(math.ceil(-math.log10(step) + 1e-9)))


def _frames(rd):
    """t, x, abs_psi of the run's frames: None without a series, {} without frames (no PSC count then)."""
    if not rd.is_run():
        return None
    try:
        return rd.read_frames(fields=FRAME_FIELDS)
    except KeyError:  # frames without abs_psi: classified from the series alone
        return {}


def _reusable(rd, config, comm):
    """True (on every rank of ``comm``) when ``rd`` holds this run, completed: --resume skips it."""
    done = False
    if comm.rank == 0:
        try:
            done = rd.is_complete(t_end=config.time.t_end)
            done = done and rd.read_run_info(missing_ok=False)["parameters"] == json.loads(
                json.dumps(config.model_dump())
            )
        except (OSError, ValueError, KeyError):
            done = False
    return comm.bcast(done, root=0)


def run_point(
    config,
    current,
    run_dir,
    comm,
    poll=None,
    initial_state=None,
    periods=6,
    skip=1,
    early_stop=True,
    resume=False,
    cache=None,
):
    """One current: simulate, classify.  Returns (row on the group leader else None, final state or None).

    ``resume``: a run directory that already holds this run, completed, is
    classified again without running (its ``wall_time`` is then 0); an
    interrupted one continues from its checkpoint (`simulate(resume=True)`).
    """
    from psc_fem.analysis.psc_count import iv_point
    from psc_fem.errors import ConfigError, StepFailure
    from psc_fem.solver.simulation import simulate

    rd = RunDirectory(run_dir)
    cfg = config.replace(drive={"current": float(current)})
    decider = Decider(periods=periods, skip=skip, poll=poll, josephson=not cfg.normal_contacts)
    stop = decider if early_stop else (lambda s: decider.poll()) if poll is not None else None
    t0 = time.perf_counter()
    final, run, series = None, {}, None
    if resume and _reusable(rd, cfg, comm):
        status = "completed"
        if comm.rank == 0:
            run = rd.read_run_info(missing_ok=False)
    else:
        try:
            res = simulate(
                cfg,
                run_dir,
                comm=comm,
                progress=False,
                echo=False,
                initial_state=initial_state,
                stop=stop,
                resume=resume,
                overwrite=not resume,  # the sweep owns its point directories
                cache=cache,  # the same wire at every point: its compiled problem is reused
            )
            status, series, final, run = "completed", res.series, res.final_state, res.run
        except StepFailure as exc:
            status, run = "failed", {"error": str(exc)}
        except ConfigError as exc:  # --resume onto a directory of other parameters
            status, run = "failed", {"error": str(exc)}
    wall = time.perf_counter() - t0
    if comm.rank != 0:
        return None, final
    if series is None:
        series = rd.read_series(fields=SERIES_FIELDS) if rd.is_run() else {k: [] for k in ("t", "V", "psi_min")}
    point = iv_point(series, _frames(rd), skip=skip, periods=periods, josephson=not cfg.normal_contacts)
    if status == "failed":
        point["state"] = "failed"
    row = {
        "current": float(current),
        **{k: point[k] for k in POINT_COLUMNS},
        "t_run": float(series["t"][-1]) if len(series["t"]) else 0.0,
        "steps": int(run.get("steps", len(series["t"]))),
        "wall_time": wall,
        "status": status,
        "stopped": (run.get("stopped") or {}).get("reason", "") or run.get("error", "")[:80],
        "run_dir": str(run_dir),
    }
    return row, final


def check_branches(branches, mode, down, n_groups):
    """UsageError unless ``branches`` can run: "parallel" needs a continuation with --down and two groups."""
    if branches not in ("sequential", "parallel"):
        raise UsageError(f"--branches must be sequential or parallel, got {branches!r}")
    if branches == "parallel" and (mode != "continuation" or not down or n_groups < 2):
        raise UsageError(
            "--branches parallel runs the down branch beside the up branch: it needs --down and at least two "
            f"groups of ranks (here {n_groups}: mpirun -n 2 or more, and --ranks-per-run at most half)"
        )


def _chain(config, plan, groups, name, periods, early_stop, cache, prog):
    """One continuation branch on this group: each (branch, current) of ``plan`` from the last one's
    final state; the rows on the group leader, else None."""
    state, rows = None, []
    for i, (branch, j) in enumerate(plan):
        skip = 1 if i == 0 else 2  # after a change of current: the old state's slips are transient
        row, final = run_point(
            config,
            j,
            name(branch, j),
            groups.comm,
            initial_state=state,
            periods=periods,
            skip=skip,
            early_stop=early_stop,
            cache=cache,
        )
        gc.collect()  # collective destruction of the run's PETSc objects, in step
        if final is not None:
            state = final
        if groups.leader:
            row.update(branch=branch, group=groups.index)
            rows.append(row)
            if prog is not None:
                prog.update(row)
    return rows if groups.leader else None


def estimate_j0(config) -> float | None:
    """Cheap J0 estimate for the cost model: the GL stationary-branch maximum.

    Solved (a second or two) for L <= 12 xi; longer wires are within 0.005
    of the depairing current 2/(3 sqrt 3), which is used instead.
    """
    if not hasattr(config, "wire"):  # a film: no estimate (equal costs)
        return None
    if config.wire.length > 12:
        return DEPAIRING
    try:
        return stationary_branch_max(config.wire.length)
    except Exception:  # noqa: BLE001  (an estimate only; equal costs then)
        return None


def run_costs(currents: list[float], j0: float | None) -> list[float]:
    """Relative cost of each run: slow near J0 (critical slowing down ~ |j - J0|^-1/2)."""
    if j0 is None:
        return [1.0] * len(currents)
    return [1.0 + 0.3 / math.sqrt(abs(j - j0) + 0.01 * max(j0, 0.1)) for j in currents]


def run_sweep(
    config,
    currents: list[float],
    out_dir: str | Path,
    mode: str = "independent",
    down: bool = False,
    ranks_per_run: int | None = None,
    world=None,
    periods: int = 6,
    schedule: str = "dynamic",
    progress: bool = True,
    quiet: bool = True,
    early_stop: bool = True,
    resume: bool = False,
    branches: str = "sequential",
) -> list[dict[str, Any]] | None:
    """The sweep as a Python call; returns the rows (dicts, COLUMNS) on world rank 0, None elsewhere.

    Every rank of ``world`` must call it with the same arguments (and the
    same ``out_dir``, visible to all ranks).  Writes the run directories
    only; the tables and iv.png are the `psc-fem sweep` command's.
    ``ranks_per_run`` (default: as many as pay off, the command's "auto":
    one per run for a wire under MIN_DOFS_PER_RANK unknowns a rank).
    ``branches="parallel"`` (continuation with ``down``): the down branch
    runs beside the up branch on a second group, from its own state at the
    top current instead of the up branch's last one (docs/sweeps.md).
    """
    from mpi4py import MPI

    from psc_fem.studies import batch

    world = MPI.COMM_WORLD if world is None else world
    k = ranks_per_run or batch.auto_ranks_per_run(config, world.size)  # as psc-fem sweep's "auto"
    from psc_fem.solver.reuse import ProblemCache

    check_branches(branches, mode, down, world.size // k)
    groups = batch.split(world, k)
    cache = ProblemCache()
    out = Path(out_dir)
    digits = _decimals(currents)
    ascending = len(currents) < 2 or currents[-1] >= currents[0]
    first = "up" if ascending else "down"
    second = "down" if ascending else "up"
    name = lambda branch, j: out / "runs" / f"{branch}_j={j:.{digits}f}"

    def describe(row):
        return f"{row['branch']} j={row['current']:.{digits}f}: {row['state']}, V={row['V_mean']:.4g}"

    try:
        if mode == "independent":
            tasks = [(first, j) for j in currents]

            def work(task, comm, poll):
                branch, j = task
                row, _ = run_point(
                    config,
                    j,
                    name(branch, j),
                    comm,
                    poll=poll,
                    periods=periods,
                    skip=1,
                    early_stop=early_stop,
                    resume=resume,
                    cache=cache,
                )
                if row is not None:
                    row.update(branch=branch, group=groups.index)
                return row

            costs = run_costs(currents, estimate_j0(config) if groups.count > 1 else None)
            rows = batch.run_tasks(
                groups, tasks, work, costs=costs, schedule=schedule, progress=progress, quiet=quiet, describe=describe
            )
        elif mode == "continuation":
            up = [(first, j) for j in currents]
            if branches == "parallel":  # (checked above)
                # the down branch from its own state at STOP (docs/sweeps.md): up on group 0, down on group 1
                plans = {0: up, 1: [(second, j) for j in reversed(currents)]}
            else:
                plans = {0: up + ([(second, j) for j in reversed(currents[:-1])] if down else [])}
            mine = None
            if groups.index in plans:
                prog = (
                    batch.Progress(
                        len(plans[groups.index]), enabled=progress and world.rank == 0, quiet=quiet, describe=describe
                    )
                    if world.rank == 0
                    else None
                )
                mine = _chain(config, plans[groups.index], groups, name, periods, early_stop, cache, prog)
                if prog is not None:
                    prog.close()
            chains = world.gather(mine if groups.leader else None, root=0)
            rows = [r for chain in (chains or []) if chain for r in chain] if world.rank == 0 else None
        else:
            raise UsageError(f"--mode must be independent or continuation, got {mode!r}")
    finally:
        cache.clear()
        gc.collect()  # the kept problem's PETSc objects, destroyed on every rank together before its communicator
    groups.comm.Free()
    if world.rank != 0:
        return None
    return [{c: r.get(c) for c in COLUMNS} for r in rows]
