"""`psc-fem sweep`: I-V curves as MPI batch jobs (docs/sweeps.md).

    psc-fem sweep CONFIG.toml --currents START:STOP:STEP|A,B,... [--down]
        [--mode independent|continuation] [--ranks-per-run K|auto] [--out DIR]
        [--periods N] [--schedule dynamic|static] [--set section.key=value] [--quiet]

independent   every current from the uniform state Psi = 1, the runs spread
              over the N/K groups of `mpirun -n N`;
continuation  an adiabatic staircase from the previous current's final
              state, START -> STOP and, with --down, back to START.
--down alone implies continuation.  The runs are psc_fem.studies.sweep's:
each gets its own run directory DIR/runs/<branch>_j=<current>/, and rank 0
writes DIR/iv.csv, DIR/iv.h5, DIR/iv.png and DIR/sweep.json.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

from psc_fem.cli.common import claim_output, ranks_per_run, world
from psc_fem.errors import UsageError
from psc_fem.studies.sweep import check_branches, run_sweep

MAX_RUNS = 10_000


def parse_currents(text: str) -> list[float]:
    """'START:STOP:STEP' -> currents from START to STOP (inclusive) by STEP; 'A,B,C' -> that list.

    STEP may be negative for a descending list; STOP is included when it
    lies on the grid (to 1e-9 of a step).  A list is taken in its order
    (a continuation follows it).  UsageError on anything else.
    """
    if ":" not in text:
        return _current_list(text)
    parts = text.split(":")
    if len(parts) != 3:
        raise UsageError(f"--currents expects START:STOP:STEP, got {text!r}")
    try:
        start, stop, step = (float(p) for p in parts)
    except ValueError:
        raise UsageError(f"--currents expects three numbers START:STOP:STEP, got {text!r}") from None
    if not all(math.isfinite(v) for v in (start, stop, step)):
        raise UsageError(f"--currents: values must be finite, got {text!r}")
    if step == 0:
        raise UsageError("--currents: STEP must not be zero")
    if (stop - start) * step < 0:
        raise UsageError(f"--currents: STEP {step:g} does not lead from {start:g} to {stop:g}")
    n = int(math.floor((stop - start) / step + 1e-9)) + 1
    if n > MAX_RUNS:
        raise UsageError(f"--currents gives {n} runs (more than {MAX_RUNS})")
    currents = [round(start + i * step, 12) for i in range(n)]
    if any(abs(j) > 100 for j in currents):
        raise UsageError("--currents: |j| must stay <= 100 (drive.current's range)")
    return currents


def _current_list(text: str) -> list[float]:
    try:
        currents = [float(v) for v in text.split(",")]
    except ValueError:
        raise UsageError(f"--currents expects START:STOP:STEP or a list A,B,C, got {text!r}") from None
    if not all(math.isfinite(j) for j in currents):
        raise UsageError(f"--currents: values must be finite, got {text!r}")
    if len(set(currents)) != len(currents):
        raise UsageError(f"--currents: a current appears twice in {text!r}")
    if len(currents) > MAX_RUNS:
        raise UsageError(f"--currents gives {len(currents)} runs (more than {MAX_RUNS})")
    if any(abs(j) > 100 for j in currents):
        raise UsageError("--currents: |j| must stay <= 100 (drive.current's range)")
    return currents


def write_outputs(rows: list[dict[str, Any]], out: str | Path, config, meta: dict[str, Any]) -> list[Path]:
    """DIR/iv.csv, iv.h5, iv.png and sweep.json, written in this order; their paths."""
    from psc_fem.plotting.iv import iv_title, plot_iv
    from psc_fem.studies import tables

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return [
        tables.write_csv(rows, out / "iv.csv"),
        tables.write_h5(rows, out / "iv.h5", config, meta),
        plot_iv(rows, out / "iv.png", iv_title(config.model_dump(), meta.get("mode", ""))),
        tables.write_sweep_json(out / "sweep.json", rows, config, meta),
    ]


def summary_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The table printed at the end: branch, j, state, V_mean, period, n_psc, J-ratio."""
    lines = [f"{'branch':6s} {'j':>9s} {'state':16s} {'V_mean':>10s} {'period':>9s} {'n_psc':>5s} {'J-ratio':>8s}"]
    for r in rows:
        lines.append(
            f"{r['branch']:6s} {r['current']:9.5f} {r['state']:16s} {r['V_mean']:10.5g} {r['period']:9.4g} "
            f"{r['n_psc']:5d} {r['josephson_ratio']:8.5f}"
        )
    return lines


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="TOML config file")
    p.add_argument(
        "--currents",
        required=True,
        metavar="START:STOP:STEP|A,B,...",
        help="currents j/j0: a range (STOP included) or a comma-separated list",
    )
    p.add_argument(
        "--down", action="store_true", help="continuation back down after the up branch (implies --mode continuation)"
    )
    p.add_argument(
        "--mode", choices=("independent", "continuation"), help="independent runs (default) or a continuation staircase"
    )
    p.add_argument(
        "--branches",
        choices=("sequential", "parallel"),
        default="sequential",
        help="with --down: parallel runs the down branch beside the up branch on a second group of ranks, "
        "from its own state at STOP instead of the up branch's last one (docs/sweeps.md; default sequential)",
    )
    p.add_argument(
        "--ranks-per-run",
        metavar="K|auto",
        default="auto",
        help="MPI ranks per run; auto (default): split a run only while each rank keeps >= 2000 unknowns",
    )
    p.add_argument(
        "--schedule",
        choices=("dynamic", "static"),
        default="dynamic",
        help="load balancing over the groups (default dynamic)",
    )
    p.add_argument("--periods", type=int, default=6, help="whole PSC periods a run needs before it stops (default 6)")
    p.add_argument("--no-early-stop", action="store_true", help="run every current to time.t_end")
    p.add_argument(
        "--resume",
        action="store_true",
        help="independent mode: keep completed runs in DIR/runs, continue interrupted ones",
    )
    p.add_argument("--out", help="output directory (default: <output.dir>_sweep); must be new or empty")
    p.add_argument("--overwrite", action="store_true", help="replace the results of an earlier sweep in --out")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help="override a config key")
    p.add_argument("--quiet", action="store_true", help="no progress output")


def main(args: argparse.Namespace) -> int:
    from psc_fem.config import load_config

    config = load_config(args.config, args.set)
    currents = parse_currents(args.currents)
    mode = args.mode or ("continuation" if args.down else "independent")
    if args.down and mode != "continuation":
        raise UsageError("--down needs --mode continuation (independent runs do not depend on the order)")
    if config.drive.ramp_to is not None:
        raise UsageError("sweep sets drive.current for each run; remove drive.ramp_to / drive.ramp_time")
    if args.periods < 2:
        raise UsageError("--periods must be at least 2")
    if args.resume and mode != "independent":
        raise UsageError("--resume works with --mode independent (a continuation branch is one chain of states)")
    comm = world()
    k = ranks_per_run(args.ranks_per_run, config, comm.size)
    if k < 1 or comm.size % k:
        raise UsageError(f"--ranks-per-run {k} must divide the number of MPI ranks ({comm.size})")
    used = 2 if args.branches == "parallel" else 1  # groups a continuation keeps busy
    check_branches(args.branches, mode, args.down, comm.size // k)  # before the output directory is made
    if mode == "continuation" and comm.size // k > used and comm.rank == 0:
        print(
            f"psc-fem sweep: continuation is {used} chain(s) of runs, each on a group of {k} rank(s); "
            f"{comm.size - used * k} ranks stay idle (--ranks-per-run {comm.size // used} splits each run over "
            "more of them, which pays off only above ~2000 unknowns per rank; --branches parallel runs the "
            "down branch beside the up branch)",
            file=sys.stderr,
        )
    out = Path(args.out) if args.out else Path(f"{config.output.dir}_sweep")
    claim_output(out, comm, overwrite=args.overwrite, resume=args.resume)
    t0 = time.perf_counter()
    rows = run_sweep(
        config,
        currents,
        out,
        mode=mode,
        down=args.down,
        ranks_per_run=k,
        world=comm,
        periods=args.periods,
        schedule=args.schedule,
        progress=True,
        quiet=args.quiet,
        early_stop=not args.no_early_stop,
        resume=args.resume,
        branches=args.branches,
    )
    if comm.rank != 0:
        return 0
    meta = {
        "command": ["psc-fem", "sweep", *sys.argv[2:]] if len(sys.argv) > 1 else [],
        "mode": mode,
        "down": bool(args.down),
        "branches": args.branches,
        "currents": currents,
        "world_size": comm.size,
        "ranks_per_run": k,
        "groups": comm.size // k,
        "schedule": args.schedule,
        "periods": args.periods,
        "wall_time": time.perf_counter() - t0,
    }
    files = write_outputs(rows, out, config, meta)
    for line in summary_lines(rows):
        print(line)
    print(f"{len(rows)} runs on {comm.size} rank(s) in {meta['groups']} group(s), wall {meta['wall_time']:.1f} s")
    for f in files:
        print(f"wrote {f}")
    failed = [r for r in rows if r["status"] != "completed"]
    return 1 if failed else 0
