"""Film geometries: a straight strip of length L along x and width W along y, centred at 0 (units of xi).

Triangles of size <= mesh_size, with an even number of cells along both
sides so that the centre (0, 0) is a vertex (the gauge row phi(0, 0) = 0 and
|Psi| at the centre are read there, as on the wire).  The terminals are
the two short edges x = -+L/2, tagged LEFT and RIGHT.
"""

import math

import dolfinx.mesh
import numpy as np
from mpi4py import MPI

LEFT, RIGHT = 1, 2  # facet tags of the terminals


def even_count(length, size):
    """The even number of cells of size <= ``size`` over ``length`` (at least 2)."""
    n = max(2, math.ceil(length / size - 1e-9))
    return n + (n % 2)


def strip_mesh(length, width, mesh_size, comm=MPI.COMM_WORLD):
    """(mesh, facet tags) of the strip [-L/2, L/2] x [-W/2, W/2], partitioned over ``comm``."""
    nx, ny = even_count(length, mesh_size), even_count(width, mesh_size)
    corners = [np.array([-0.5 * length, -0.5 * width]), np.array([0.5 * length, 0.5 * width])]
    msh = dolfinx.mesh.create_rectangle(
        comm, corners, [nx, ny], dolfinx.mesh.CellType.triangle, diagonal=dolfinx.mesh.DiagonalType.crossed
    )
    return msh, terminal_tags(msh, length)


def terminal_tags(msh, length):
    """Facet tags LEFT (x = -L/2) and RIGHT (x = L/2) of a film along x."""
    fdim = msh.topology.dim - 1
    msh.topology.create_connectivity(fdim, msh.topology.dim)
    tol = 1e-9 * length
    left = dolfinx.mesh.locate_entities_boundary(msh, fdim, lambda x: np.abs(x[0] + 0.5 * length) < tol)
    right = dolfinx.mesh.locate_entities_boundary(msh, fdim, lambda x: np.abs(x[0] - 0.5 * length) < tol)
    facets = np.concatenate([left, right]).astype(np.int32)
    values = np.concatenate([np.full(left.size, LEFT), np.full(right.size, RIGHT)]).astype(np.int32)
    order = np.argsort(facets)
    return dolfinx.mesh.meshtags(msh, fdim, facets[order], values[order])
