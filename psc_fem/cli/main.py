"""Command line: psc-fem run | plot | spectrum | info (DESIGN.md section 6).

Bad input (config, arguments, missing files) ends with a one-line reason
and exit code 2 before anything is written.
"""

import argparse
import importlib
import sys
from pathlib import Path

from psc_fem.cli.common import world as _comm
from psc_fem.errors import ConfigError, UsageError

EXIT_USAGE = 2


def cmd_run(args):
    from psc_fem.config import load_config
    from psc_fem.solver.simulation import simulate

    until = [f"time.until={args.until}"] if args.until else []
    config = load_config(args.config, [*args.set, *until])
    out = Path(args.out) if args.out else Path(config.output.dir)
    comm = _comm()
    from psc_fem.solver.integrator import StepFailure
    from psc_fem.signals import Interrupted

    try:
        result = simulate(config, out, comm=comm, progress=None if not args.quiet else False, echo=True, resume=args.resume)
    except Interrupted as exc:  # checkpoint written, run.json "interrupted": 143 (SIGTERM) / 130 (SIGINT)
        return exc.exit_code
    except StepFailure as exc:  # run.json "failed", files complete up to the failure
        if comm.rank == 0:
            print(f"psc-fem: run failed: {exc}", file=sys.stderr)
        return 1
    if comm.rank == 0 and config.output.fields:
        from psc_fem.solution import load_run

        sol = load_run(out)
        if sol.frames.get("t") is not None and sol.frames["t"].size > 1:
            print(f"figure: {sol.plot_fig1()}")
    return 0 if result.run["status"] == "completed" else 1


def cmd_plot(args):
    """Every figure the directory supports: Fig. 1 (run), Fig. 2 (spectrum.h5), I-V (iv.h5)."""
    import h5py

    d = Path(args.dir)
    if _comm().rank != 0:
        return 0
    made = []
    if (d / "series.h5").is_file():
        from psc_fem.solution import load_run

        sol = load_run(d)
        made.append(sol.plot_fig1())
        if args.pdf:
            made.append(sol.plot_fig1(d / "fig1.pdf"))
        if args.render:
            made.append(sol.plot_spacetime())
        if (d / "spectrum.h5").is_file():
            with h5py.File(d / "spectrum.h5") as f:
                a = dict(f.attrs)
            formats = ("png", "pdf") if args.pdf else ("png",)
            res = sol.spectrum(temperature=float(a["T"]), gamma=float(a["gamma"]), variant=str(a["variant"]), formats=formats)
            made.extend(str(Path(res["figure_file"]).with_suffix(f".{ext}")) for ext in formats)
    if (d / "iv.csv").is_file():
        made.extend(_plot_sweep(d, args.pdf))
    if not made:
        raise UsageError(f"{d}: nothing to plot (no series.h5 or iv.csv)")
    for path in made:
        print(f"figure: {path}")
    return 0


def _plot_sweep(d, pdf):
    """iv.png (and iv.pdf) of a sweep directory, titled as `psc-fem sweep` does."""
    import json

    from psc_fem.studies import sweep

    rows = sweep.read_csv(d / "iv.csv")
    title = ""
    if (d / "sweep.json").is_file():
        meta = json.loads((d / "sweep.json").read_text())
        title = sweep.iv_title(meta["config"], meta.get("mode", ""))
    return [sweep.plot_iv(rows, d / f"iv.{ext}", title) for ext in (("png", "pdf") if pdf else ("png",))]


def cmd_spectrum(args):
    from psc_fem.phonons import spectrum

    comm = _comm()
    if args.curves:
        if args.temperature is not None and not 0 < args.temperature < 1:
            raise UsageError(f"--temperature is T/Tc and must lie in (0, 1), got {args.temperature}")
        if args.gamma is not None and not args.gamma > 0:
            raise UsageError(f"--gamma must be > 0 (units of Delta0), got {args.gamma}")
        if comm.rank == 0:
            labels = [p.strip() for p in args.psi.split(",") if p.strip()]
            try:
                psi = [float(p) for p in labels]
            except ValueError:
                raise UsageError(f"--psi expects comma-separated numbers, got {args.psi!r}") from None
            if not psi or min(psi) < 0:
                raise UsageError(f"--psi values must be >= 0, got {args.psi!r}")
            path = spectrum.write_curves(
                psi, temperature=args.temperature if args.temperature is not None else 0.9,
                gamma=args.gamma if args.gamma is not None else 0.3, variant=args.variant, out_dir=args.out or ".",
                labels=labels,
            )
            print(f"curves: {path}")
        return 0
    if args.dir is None:
        raise UsageError("spectrum: give a run directory, or --curves")
    if not (Path(args.dir) / "series.h5").is_file():
        raise UsageError(f"{args.dir}: not a run directory (no series.h5)")
    if args.temperature is not None and not 0 < args.temperature < 1:
        raise UsageError(f"--temperature is T/Tc and must lie in (0, 1), got {args.temperature}")
    if args.gamma is not None and not args.gamma > 0:
        raise UsageError(f"--gamma must be > 0 (units of Delta0), got {args.gamma}")
    if comm.rank == 0:
        try:
            summary = spectrum.run_spectrum(args.dir, temperature=args.temperature, gamma=args.gamma, variant=args.variant, out_dir=args.out)
        except ValueError as exc:  # e.g. no whole PSC period in the run's frames: nothing written
            raise UsageError(f"spectrum of {args.dir}: {exc}") from None
        for k, v in summary.items():
            if not hasattr(v, "__len__") or isinstance(v, str):
                print(f"{k} = {v}")
    return 0


def cmd_info(args):
    import os

    from mpi4py import MPI

    from psc_fem.io.writer import versions

    comm = _comm()
    if comm.rank == 0:
        for k, v in versions().items():
            print(f"{k:10s} {v}")
        print(f"{'mpi':10s} {MPI.Get_library_version().splitlines()[0]}")
        print(f"{'ranks':10s} {comm.size}")
        cache = os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
        print(f"{'form cache':10s} {Path(cache) / 'fenics'}")
    return 0


def build_parser(argv=None):
    p = argparse.ArgumentParser(prog="psc-fem", description="Phase-slip centers in 1D superconducting wires (finite-gap TDGL, DOLFINx).")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="simulate one wire")
    r.add_argument("config", help="TOML config file")
    r.add_argument("--out", help="run directory (default: output.dir)")
    r.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help="override a config key")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument("--until", choices=("periodic", "t_end"),
                   help="periodic: stop once the last time.settle_periods periods agree (t_end is a cap); "
                        "the same as --set time.until=...")
    r.add_argument("--resume", action="store_true",
                   help="continue the run in the output directory from its last checkpoint "
                        "(parameters must match its run.json; time.t_end may grow)")
    r.set_defaults(func=cmd_run)

    pl = sub.add_parser("plot", help="figures of a run or sweep directory")
    pl.add_argument("dir")
    pl.add_argument("--pdf", action="store_true", help="also write fig1.pdf / fig2.pdf / iv.pdf")
    pl.add_argument("--render", action="store_true", help="pyvista rendering of |Psi(x,t)|^2 (psi_spacetime.png)")
    pl.set_defaults(func=cmd_plot)

    s = sub.add_parser("spectrum", help="phonon flux spectra (Eqs. 12-13)")
    s.add_argument("dir", nargs="?")
    s.add_argument("--temperature", type=float, help="T/Tc (default: 1 - eta of the run; 0.9 with --curves)")
    s.add_argument("--gamma", type=float, help="gamma in units of Delta0 (default: 1/delta of the run; 0.3 with --curves)")
    s.add_argument("--variant", default="consistent", choices=("consistent", "printed", "literal"), help="eta1 variant (default: consistent)")
    s.add_argument("--curves", action="store_true", help="Fig. 2(b) curves without a run")
    s.add_argument("--psi", default="0.2,0.5,0.8,1.0", help="|Psi| values for --curves")
    s.add_argument("--out", help="output directory")
    s.set_defaults(func=cmd_spectrum)

    i = sub.add_parser("info", help="versions, MPI ranks, form cache")
    i.set_defaults(func=cmd_info)

    # Commands that live in their own modules: each has add_arguments(parser)
    # and main(args) -> exit code.  Only the chosen one is imported (the
    # cooling module alone costs ~1 s of scipy imports at start-up).
    chosen = next((a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")), None)
    for name, module, text in PLUGGED:
        c = sub.add_parser(name, help=text)
        if name == chosen:
            mod = importlib.import_module(module)
            mod.add_arguments(c)
            c.set_defaults(func=mod.main)
    return p


PLUGGED = (
    ("sweep", "psc_fem.studies.sweep", "I-V curves: many currents as an MPI batch"),
    ("critical", "psc_fem.studies.critical", "critical current J0 by bisection"),
    ("cool", "psc_fem.cooling.balance", "cooling balance of a PSC filament (Eqs. 14-15)"),
)


def main(argv=None):
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, UsageError, FileNotFoundError) as exc:
        print(f"psc-fem: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
