"""Helpers shared by the command modules."""


def world():
    """MPI.COMM_WORLD, with the DOLFINx wheel initialised first."""
    from mpi4py import MPI

    import psc_fem  # noqa: F401  (initialises the DOLFINx wheel)

    return MPI.COMM_WORLD


def claim_output(path, comm, overwrite: bool = False, resume: bool = False) -> None:
    """Refuse a non-empty output directory of a study (exit code 2) unless --overwrite or --resume (collective)."""
    from pathlib import Path

    from psc_fem.errors import OutputExists

    path = Path(path)
    error = None
    if (
        comm.rank == 0
        and not (resume or overwrite)
        and path.exists()
        and not (path.is_dir() and not any(path.iterdir()))
    ):
        error = (
            f"{path} is not empty: give another --out, or --overwrite to replace its results, "
            "or --resume to continue it"
        )
    if comm.size > 1:
        error = comm.bcast(error, root=0)
    if error:
        raise OutputExists(error)


def ranks_per_run(text: str | None, config, size: int) -> int:
    """--ranks-per-run: a number, or "auto" (the default): as many ranks per run as pay off.

    A run is split over k ranks only while each keeps MIN_DOFS_PER_RANK
    unknowns (below that one rank is faster, docs/cluster.md); k divides
    the number of ranks.  Small wires: k = 1, one run per rank.
    """
    from psc_fem.errors import UsageError

    if text is not None and text != "auto":
        try:
            return int(text)
        except ValueError:
            raise UsageError(f"--ranks-per-run expects a number or auto, got {text!r}") from None
    from psc_fem.studies.batch import auto_ranks_per_run

    return auto_ranks_per_run(config, size)
