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
