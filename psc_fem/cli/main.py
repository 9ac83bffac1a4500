"""The psc-fem command line: parser, dispatch, exit codes (docs/cli.md).

Bad input (config, arguments, missing files) ends with a one-line reason
and exit code 2 before anything is written.  Each command lives in its own
module of this package.
"""

import argparse
import errno
import importlib
import sys

from psc_fem.errors import ConfigError, Interrupted, UsageError

EXIT_USAGE = 2
EXIT_RUNTIME = 1


def build_parser(argv: list[str] | None = None, full: bool = False) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="psc-fem", description="Phase-slip centers in 1D superconducting wires (finite-gap TDGL, DOLFINx)."
    )
    from psc_fem import __version__

    p.add_argument("--version", action="version", version=f"psc-fem {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    # One module per command, each with add_arguments(parser) and
    # main(args) -> exit code.  Only the chosen one is imported (the cooling
    # command alone costs ~1 s of scipy imports at start-up); ``full``
    # imports them all (for generated documentation).
    chosen = next((a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")), None)
    for name, module, text in (*COMMANDS, *PLUGGED):
        c = sub.add_parser(name, help=text)
        if full or name == chosen:
            mod = importlib.import_module(module)
            mod.add_arguments(c)
            c.set_defaults(func=mod.main)
    return p


COMMANDS = (
    ("run", "psc_fem.cli.run", "simulate one wire"),
    ("plot", "psc_fem.cli.plot", "figures of a run or sweep directory"),
    ("spectrum", "psc_fem.cli.spectrum", "phonon flux spectra (Eqs. 12-13)"),
    ("info", "psc_fem.cli.info", "versions, MPI ranks, form cache"),
)

PLUGGED = (
    ("sweep", "psc_fem.cli.sweep", "I-V curves: many currents as an MPI batch"),
    ("critical", "psc_fem.cli.critical", "critical current J0 by bisection"),
    ("cool", "psc_fem.cli.cool", "cooling balance of a PSC filament (Eqs. 14-15)"),
)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    from psc_fem import signals

    try:
        with signals.graceful():  # SIGTERM/SIGINT: the command stops cleanly, exit 128 + signal
            return args.func(args)
    except Interrupted as exc:
        print(f"psc-fem: {exc}; the output is consistent (psc-fem run/sweep --resume continues)", file=sys.stderr)
        return exc.exit_code
    except (ConfigError, UsageError, FileNotFoundError) as exc:
        print(f"psc-fem: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (PermissionError, NotADirectoryError, IsADirectoryError, FileExistsError) as exc:
        print(f"psc-fem: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)  # a path the user gave
        return EXIT_USAGE
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            print(f"psc-fem: error: {exc.strerror}: {exc.filename}", file=sys.stderr)
            return EXIT_USAGE
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):  # the files are complete up to the last flush
            print(f"psc-fem: error: {exc.strerror} while writing {exc.filename or 'the output'}", file=sys.stderr)
            return EXIT_RUNTIME
        _abort_other_ranks()
        raise
    except Exception:
        _abort_other_ranks()
        raise


def _abort_other_ranks() -> None:
    """An unexpected error on one rank of an mpirun job: print it and abort every rank (else the others
    wait in their next collective forever)."""
    from mpi4py import MPI

    if MPI.Is_initialized() and MPI.COMM_WORLD.size > 1:
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        MPI.COMM_WORLD.Abort(EXIT_RUNTIME)


if __name__ == "__main__":
    sys.exit(main())
