"""`psc-fem critical`: the critical current J0 by bisection (docs/sweeps.md).

    psc-fem critical CONFIG.toml [--tolerance 0.005] [--bracket LO:HI]
        [--lengths L1,L2,...] [--deltas D1,D2,...] [--ranks-per-run K|auto]
        [--ramp-time T] [--t-max T] [--gl] [--out DIR] [--set ...] [--quiet]

One wire: probes (psc_fem.studies.critical) narrow the bracket until its
width is at most the tolerance; DIR/critical.json.  Under mpirun the N/K
groups probe N/K points per round.  Grids: --lengths and/or --deltas run
one bisection per (length, delta), spread over the groups, and write
DIR/critical_grid.csv / .json / .png.  --gl adds the GL stationary-branch
maximum (psc_fem.analysis.stationary) beside J0.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from psc_fem.analysis.stationary import stationary_branch_max
from psc_fem.cli.common import claim_output, ranks_per_run, world
from psc_fem.errors import UsageError
from psc_fem.studies.critical import critical_current, critical_grid, format_current
from psc_fem.studies.tables import write_critical_json


def _floats(text: str, name: str) -> list[float]:
    try:
        vals = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"{name} expects comma-separated numbers, got {text!r}") from None
    if not vals:
        raise UsageError(f"{name}: no values")
    return vals


def write_grid(rows: list[dict[str, Any]], out_dir: str | Path, tolerance: float) -> list[Path]:
    """DIR/critical_grid.csv, .json and .png, written in this order; their paths."""
    from psc_fem.plotting.critical import plot_grid
    from psc_fem.studies import tables

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [
        tables.write_grid_csv(rows, out / "critical_grid.csv"),
        tables.write_grid_json(rows, out / "critical_grid.json", tolerance),
        plot_grid(rows, out / "critical_grid.png"),
    ]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="TOML config file")
    p.add_argument("--tolerance", type=float, default=0.005, help="final bracket width (default 0.005)")
    p.add_argument("--bracket", metavar="LO:HI", help="initial bracket (LO stationary, HI slipping; checked)")
    p.add_argument("--lengths", metavar="L1,L2,...", help="grid: J0 for each wire length (xi)")
    p.add_argument("--deltas", metavar="D1,D2,...", help="grid: J0 for each delta")
    p.add_argument(
        "--ranks-per-run",
        metavar="K|auto",
        default="auto",
        help="MPI ranks per probe; auto (default): split a run only while each rank keeps >= 2000 unknowns",
    )
    p.add_argument("--ramp-time", type=float, default=50.0, help="current ramp 0 -> j before the hold (default 50 tau)")
    p.add_argument("--t-max", type=float, default=3000.0, help="longest hold of a probe (default 3000 tau)")
    p.add_argument("--gl", action="store_true", help="also print the GL stationary-branch maximum (scipy solve_bvp)")
    p.add_argument("--out", help="output directory (default: <output.dir>_critical); must be new or empty")
    p.add_argument("--overwrite", action="store_true", help="replace the results of an earlier search in --out")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help="override a config key")
    p.add_argument("--quiet", action="store_true", help="only the result")


def main(args: argparse.Namespace) -> int:
    from psc_fem.config import load_config

    config = load_config(args.config, args.set)
    film = hasattr(config, "geometry")
    if film and (args.lengths or args.deltas or args.gl):
        raise UsageError("--lengths, --deltas and --gl are for wires; a film's critical current is one bisection")
    tol = args.tolerance
    if not (math.isfinite(tol) and tol > 0):
        raise UsageError(f"--tolerance must be a positive number, got {tol}")
    if not (args.ramp_time > 0 and args.t_max > 0):
        raise UsageError("--ramp-time and --t-max must be positive")
    bracket = None
    if args.bracket:
        parts = args.bracket.split(":")
        try:
            bracket = [float(p) for p in parts]
        except ValueError:
            bracket = None
        if bracket is None or len(bracket) != 2 or not (0 <= bracket[0] < bracket[1] <= 100):
            raise UsageError(f"--bracket expects LO:HI with 0 <= LO < HI <= 100, got {args.bracket!r}")
    lengths = _floats(args.lengths, "--lengths") if args.lengths else None
    deltas = _floats(args.deltas, "--deltas") if args.deltas else None
    if lengths and any(L <= 0 for L in lengths):
        raise UsageError("--lengths must be positive")
    if deltas and any(d < 0 for d in deltas):
        raise UsageError("--deltas must be >= 0")
    for L in lengths or []:  # validate every grid config before anything runs
        config.replace(wire={"length": L})
    for d in deltas or []:
        config.replace(model={"delta": d})
    from psc_fem.studies import batch

    comm = world()
    k = ranks_per_run(args.ranks_per_run, config, comm.size)
    if k < 1 or comm.size % k:
        raise UsageError(f"--ranks-per-run {k} must divide the number of MPI ranks ({comm.size})")
    out = Path(args.out) if args.out else Path(f"{config.output.dir}_critical")
    claim_output(out, comm, overwrite=args.overwrite)
    rank0 = comm.rank == 0
    say = (lambda text: print(text, flush=True)) if rank0 and not args.quiet else (lambda text: None)
    groups = batch.split(comm, k)

    if lengths or deltas:
        lengths = lengths or [config.wire.length]
        deltas = deltas or [config.model.delta]
        say(
            f"critical grid: {len(lengths) * len(deltas)} bisections (lengths {lengths}, deltas {deltas}), "
            f"tolerance {tol:g}, {groups.count} group(s) of {k} rank(s)"
        )
        rows = critical_grid(
            config, lengths, deltas, out, groups, tol, bracket, args.ramp_time, args.t_max, gl=args.gl, quiet=args.quiet
        )
        if rank0:
            files = write_grid(rows, out, tol)
            print(f"{'L':>8s} {'delta':>8s} {'J0':>9s} {'bracket':>21s} {'GL max':>9s}")
            for r in rows:
                print(
                    f"{r['length']:8.4g} {r['delta']:8.4g} {r['J0']:9.5f} [{r['lo']:.5f}, {r['hi']:.5f}] {r['gl_branch_max']:9.5f}"
                )
            for f in files:
                print(f"wrote {f}")
        return 0

    shape = f"film ({config.geometry.kind})" if film else f"L = {config.wire.length:g} xi"
    say(
        f"critical: {shape}, delta = {config.model.delta:.4g}, tolerance {tol:g}, "
        f"{groups.count} group(s) of {k} rank(s), ramp {args.ramp_time:g} tau, hold <= {args.t_max:g} tau"
    )
    try:
        res = critical_current(
            config, out, tol, bracket, groups=groups, ramp_time=args.ramp_time, t_max=args.t_max, say=say
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.gl:
        res["gl_branch_max"] = stationary_branch_max(config.wire.length)
        say(f"GL stationary-branch maximum (rigid banks, solve_bvp): {res['gl_branch_max']:.6f}")
    if rank0:
        out.mkdir(parents=True, exist_ok=True)
        write_critical_json(out / "critical.json", res)
        flagged = [p for p in res["probes"] if p["flag"]]
        if flagged and not args.quiet:
            print(
                f"note: {len(flagged)} probe(s) decided by trend or failure: {', '.join(format_current(p['current']) for p in flagged)}"
            )
        if not args.quiet:
            print(f"wrote {out / 'critical.json'}")
        print(f"J0 = {res['J0']:.6g}")
    return 0
