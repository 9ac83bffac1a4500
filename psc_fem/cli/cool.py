"""psc-fem cool CONFIG.toml | RUN_DIR: the cooling balance of a PSC filament (Eqs. 14-15, docs/cooling.md).

Writes cool.json (psc_fem.cooling.workflow), cool.png (psc_fem.plotting.cooling)
and, with [heat] enabled, heat/heat.xdmf; prints the report and the verdict.
"""

import argparse
from pathlib import Path

from psc_fem.cli.common import world
from psc_fem.errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", help="cooling config (TOML with a [cooling] section) or a run directory")
    parser.add_argument("--out", help="output directory (default: the run directory)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help='override a config key, e.g. cooling.top="SiO2"',
    )
    parser.add_argument("--samples", type=int, help="Monte Carlo samples (default: cooling.samples)")
    parser.add_argument("--no-heat", action="store_true", help="skip the FEM model of the cross-section")


def main(args: argparse.Namespace) -> int:
    from psc_fem.cooling.config import load_config
    from psc_fem.cooling.workflow import cool
    from psc_fem.plotting.cooling import draw_outcome

    target = Path(args.target)
    if target.is_dir():
        cfg = load_config(None, run_dir=target, overrides=args.set)
    elif target.is_file():
        cfg = load_config(target, overrides=args.set)
    else:
        raise UsageError(f"cool: {target} is neither a config file nor a run directory")
    if args.samples is not None and not 0 <= args.samples <= 100_000:
        raise UsageError(f"--samples must lie in [0, 100000], got {args.samples}")
    cool(
        cfg,
        out_dir=args.out,
        samples=args.samples,
        heat=False if args.no_heat else None,
        comm=world(),
        draw=draw_outcome,
    )  # draw: cool.png, written before cool.json as always
    return 0
