"""psc-fem spectrum [DIR | --curves]: phonon flux spectra of a run (Eqs. 12-13) or the Fig. 2(b) curves."""

import argparse
from pathlib import Path

from psc_fem.cli.common import world
from psc_fem.errors import UsageError
from psc_fem.rundir import RunDirectory


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", help="the run directory (omit with --curves)")
    p.add_argument("--temperature", type=float, help="T/Tc (default: 1 - eta of the run; 0.9 with --curves)")
    p.add_argument(
        "--gamma", type=float, help="gamma in units of Delta0 (default: 1/delta of the run; 0.3 with --curves)"
    )
    p.add_argument(
        "--variant",
        default="consistent",
        choices=("consistent", "printed", "printed-eq8", "literal"),
        help="eta1 variant: consistent (default), printed, printed-eq8 (printed with the relaxation sign of Eq. 8), literal (as typeset: the paper's Fig. 2(b) sign change); docs/reproduce.md",
    )
    p.add_argument("--curves", action="store_true", help="Fig. 2(b) curves without a run")
    p.add_argument("--psi", default="0.2,0.5,0.8,1.0", help="|Psi| values for --curves")
    p.add_argument("--out", help="output directory")


def _check_t_gamma(args: argparse.Namespace) -> None:
    if args.temperature is not None and not 0 < args.temperature < 1:
        raise UsageError(f"--temperature is T/Tc and must lie in (0, 1), got {args.temperature}")
    if args.gamma is not None and not 0 < args.gamma <= 1e3:  # (also refuses nan and inf)
        raise UsageError(f"--gamma must lie in (0, 1000] (units of Delta0), got {args.gamma}")


def _curves(args: argparse.Namespace) -> None:
    from psc_fem.phonons.spectrum import write_curves
    from psc_fem.plotting.fig2 import plot_curves

    labels = [p.strip() for p in args.psi.split(",") if p.strip()]
    try:
        psi = [float(p) for p in labels]
    except ValueError:
        raise UsageError(f"--psi expects comma-separated numbers, got {args.psi!r}") from None
    if not psi or min(psi) < 0:
        raise UsageError(f"--psi values must be >= 0, got {args.psi!r}")
    temperature = args.temperature if args.temperature is not None else 0.9
    gamma = args.gamma if args.gamma is not None else 0.3
    path = write_curves(
        psi, temperature=temperature, gamma=gamma, variant=args.variant, out_dir=args.out or ".", labels=labels
    )
    plot_curves(path.with_name("fig2b.png"), psi, temperature, gamma, args.variant)
    print(f"curves: {path}")


def main(args: argparse.Namespace) -> int:
    from psc_fem.phonons.spectrum import run_spectrum
    from psc_fem.plotting.fig2 import plot_spectrum_file

    comm = world()
    if args.curves:
        _check_t_gamma(args)
        if comm.rank == 0:
            _curves(args)
        return 0
    if args.dir is None:
        raise UsageError("spectrum: give a run directory, or --curves")
    rd = RunDirectory(args.dir)
    if not rd.is_run():
        raise UsageError(f"{args.dir}: not a run directory (no {rd.SERIES})")
    _check_t_gamma(args)
    if comm.rank == 0:
        try:
            summary = run_spectrum(
                rd, temperature=args.temperature, gamma=args.gamma, variant=args.variant, out_dir=args.out
            )
        except ValueError as exc:  # e.g. no whole PSC period in the run's frames: nothing written
            raise UsageError(f"spectrum of {args.dir}: {exc}") from None
        h5 = Path(summary["spectrum_file"])
        summary["figure_file"] = str(plot_spectrum_file(h5, [h5.with_name("fig2.png")])[0])
        for k, v in summary.items():
            if not hasattr(v, "__len__") or isinstance(v, str):
                print(f"{k} = {v}")
    return 0
