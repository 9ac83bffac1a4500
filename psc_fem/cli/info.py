"""psc-fem info: versions, MPI library and ranks, form cache."""

import argparse
import os
from pathlib import Path

from psc_fem.cli.common import world


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def main(args: argparse.Namespace) -> int:
    from mpi4py import MPI

    from psc_fem.io.writer import versions

    comm = world()
    if comm.rank == 0:
        for k, v in versions().items():
            print(f"{k:10s} {v}")
        print(f"{'mpi':10s} {MPI.Get_library_version().splitlines()[0]}")
        print(f"{'ranks':10s} {comm.size}")
        cache = os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
        print(f"{'form cache':10s} {Path(cache) / 'fenics'}")
    return 0
