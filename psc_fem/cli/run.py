"""psc-fem run CONFIG: simulate one wire into a run directory (docs/cli.md)."""

import argparse
import sys
from pathlib import Path

from psc_fem.cli.common import world
from psc_fem.rundir import RunDirectory


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="TOML config file")
    p.add_argument("--out", help="run directory (default: output.dir); must be new or empty")
    p.add_argument("--overwrite", action="store_true", help="replace the run (and its spectra, figures) in --out")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help="override a config key")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--until",
        choices=("periodic", "orbit", "t_end"),
        help="periodic: stop once the last time.settle_periods periods agree (t_end is a cap); "
        "orbit: find the periodic orbit first (fast at large delta), then record from it; "
        "the same as --set time.until=...",
    )
    p.add_argument(
        "--from",
        dest="start_from",
        metavar="RUN_DIR",
        help="start from the last state of another run (the same wire length; mesh, delta, current, ... may differ), "
        "e.g. to continue a settled orbit to a larger delta",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in the output directory from its last checkpoint "
        f"(parameters must match its {RunDirectory.RUN_INFO}; time.t_end may grow)",
    )


def main(args: argparse.Namespace) -> int:
    from psc_fem.config import load_config
    from psc_fem.errors import Interrupted, StepFailure
    from psc_fem.solver.simulation import simulate

    until = [f"time.until={args.until}"] if args.until else []
    config = load_config(args.config, [*args.set, *until])
    out = Path(args.out) if args.out else Path(config.output.dir)
    comm = world()
    start = None
    if args.start_from:
        from psc_fem.errors import UsageError
        from psc_fem.io.checkpoint import read_start_state

        if args.resume:
            raise UsageError("--from and --resume exclude each other: --resume continues the run in --out itself")
        film = hasattr(config, "geometry")  # a film's state maps node by node (psc_fem.film.run)
        start = read_start_state(args.start_from, comm, length=None if film else config.wire.length)
    try:
        sol = simulate(
            config,
            out,
            comm=comm,
            progress=None if not args.quiet else False,
            echo=True,
            resume=args.resume,
            overwrite=args.overwrite,
            initial_state=start,
        )
    except Interrupted as exc:  # checkpoint written, run.json "interrupted": 143 (SIGTERM) / 130 (SIGINT)
        return exc.exit_code
    except StepFailure as exc:  # run.json "failed", files complete up to the failure
        if comm.rank == 0:
            print(f"psc-fem: run failed: {exc}", file=sys.stderr)
        return 1
    if comm.rank == 0 and config.output.fields:
        frame_t = sol.frames.get("t")
        if frame_t is not None and frame_t.size > 1:
            path = sol.rundir.figure("film" if sol.is_film else "fig1")
            sol.plot_film(path) if sol.is_film else sol.plot_fig1(path)
            print(f"figure: {path}")
    return 0 if sol.run["status"] == "completed" else 1
