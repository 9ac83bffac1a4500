"""Film meshes of a [geometry] table: the strip (crossed triangles), polygons (gmsh) and mesh files.

The strip [-L/2, L/2] x [-W/2, W/2] has triangles of size <= mesh_size,
with an even number of cells along both sides so that the centre (0, 0) is
a vertex (the gauge row phi(0, 0) = 0 and |Psi| at the centre are read
there, as on the wire).  The terminals of every film are its boundary
edges at the smallest and the largest x, tagged LEFT and RIGHT.
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


def strip_mesh(length, width, mesh_size, comm=MPI.COMM_WORLD, thickness=None):
    """The strip [-L/2, L/2] x [-W/2, W/2] (crossed triangles), or with ``thickness`` the box
    [-L/2, L/2] x [-W/2, W/2] x [-T/2, T/2] (tetrahedra), partitioned over ``comm``."""
    nx, ny = even_count(length, mesh_size), even_count(width, mesh_size)
    if thickness is not None:
        nz = even_count(thickness, mesh_size)
        half = 0.5 * np.array([length, width, thickness])
        return dolfinx.mesh.create_box(comm, [-half, half], [nx, ny, nz], dolfinx.mesh.CellType.tetrahedron)
    corners = [np.array([-0.5 * length, -0.5 * width]), np.array([0.5 * length, 0.5 * width])]
    msh = dolfinx.mesh.create_rectangle(
        comm, corners, [nx, ny], dolfinx.mesh.CellType.triangle, diagonal=dolfinx.mesh.DiagonalType.crossed
    )
    return msh


def x_range(msh):
    """(smallest x, largest x) of the mesh's vertices over all ranks."""
    x = msh.geometry.x[:, 0]
    return msh.comm.allreduce(x.min(initial=np.inf), op=MPI.MIN), msh.comm.allreduce(x.max(initial=-np.inf), op=MPI.MAX)


def terminal_tags(msh, terminals=True):
    """Facet tags LEFT (the boundary at the smallest x) and RIGHT (at the largest x); none without terminals."""
    fdim = msh.topology.dim - 1
    msh.topology.create_connectivity(fdim, msh.topology.dim)
    x_min, x_max = x_range(msh)
    tol = 1e-9 * (x_max - x_min)
    empty = np.empty(0, dtype=np.int32)
    left = (
        dolfinx.mesh.locate_entities_boundary(msh, fdim, lambda x: np.abs(x[0] - x_min) < tol) if terminals else empty
    )
    right = (
        dolfinx.mesh.locate_entities_boundary(msh, fdim, lambda x: np.abs(x[0] - x_max) < tol) if terminals else empty
    )
    facets = np.concatenate([left, right]).astype(np.int32)
    values = np.concatenate([np.full(left.size, LEFT), np.full(right.size, RIGHT)]).astype(np.int32)
    order = np.argsort(facets)
    return dolfinx.mesh.meshtags(msh, fdim, facets[order], values[order])


def film_mesh(geometry, comm=MPI.COMM_WORLD):
    """(mesh, terminal facet tags) of a `psc_fem.film.config.Geometry`, partitioned over ``comm``."""
    if geometry.kind == "strip":
        msh = strip_mesh(geometry.length, geometry.width, geometry.mesh_size, comm=comm, thickness=geometry.thickness)
    elif geometry.kind == "polygon":
        from .polygon import polygon_mesh

        msh = polygon_mesh(
            geometry.vertices,
            geometry.holes,
            geometry.mesh_size,
            geometry.refine_discs,
            comm=comm,
            thickness=geometry.thickness,
        )
    else:
        from .imported import read_mesh

        msh = read_mesh(geometry.path, comm=comm)
    return msh, terminal_tags(msh, terminals=geometry.ends != "none")
