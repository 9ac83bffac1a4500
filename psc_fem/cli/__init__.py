"""The psc-fem command line (docs/cli.md): `main` parses and dispatches to one module per command."""

from psc_fem.cli.main import main

__all__ = ["main"]
