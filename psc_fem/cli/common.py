"""Helpers shared by the command modules."""


def world():
    """MPI.COMM_WORLD, with the DOLFINx wheel initialised first."""
    from mpi4py import MPI

    import psc_fem  # noqa: F401  (initialises the DOLFINx wheel)

    return MPI.COMM_WORLD
