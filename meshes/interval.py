"""The straight uniform wire of the paper: x in [-L/2, L/2] (units of xi)."""

import math

import dolfinx.mesh
from mpi4py import MPI


def cell_count(length, elements=None, h=None):
    """Number of cells: ``elements`` as given, or the even count with size <= h.

    Even, so that the wire's center x = 0 is a vertex (the PSC core of a
    symmetric wire sits there and |Psi(0, t)| is read at a node).
    """
    if elements is None:
        elements = math.ceil(length / h)
    return elements + (elements % 2)


def wire_mesh(length, elements=None, h=None, comm=MPI.COMM_WORLD):
    """Interval mesh of the wire, partitioned over ``comm``."""
    n = cell_count(length, elements, h)
    return dolfinx.mesh.create_interval(comm, n, [-0.5 * length, 0.5 * length])
