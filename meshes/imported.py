"""Film meshes from files: gmsh's .msh (any version gmsh reads) or DOLFINx's XDMF, distributed over the ranks.

The mesh must be a 2D triangle mesh with 2D coordinates (x, y in xi) or a
3D tetrahedral one.  A .msh file's physical groups of its highest
dimension, or all its surfaces (volumes) when it has none, make the film.
"""

from __future__ import annotations

from pathlib import Path

from mpi4py import MPI

from .polygon import _gmsh_session


def _read_msh(path, comm):
    from dolfinx.io import gmsh as gmshio

    with _gmsh_session() as gmsh:
        dim = 2
        if comm.rank == 0:
            gmsh.merge(str(path))
            dim = 3 if gmsh.model.getEntities(3) else 2
            if not gmsh.model.getPhysicalGroups(dim):
                gmsh.model.addPhysicalGroup(dim, [tag for _, tag in gmsh.model.getEntities(dim)], 1)
        dim = comm.bcast(dim, root=0)
        return gmshio.model_to_mesh(gmsh.model, comm, 0, gdim=dim).mesh


def _read_xdmf(path, comm):
    from dolfinx import io

    with io.XDMFFile(comm, str(path), "r") as f:
        return f.read_mesh()


def read_mesh(path, comm=MPI.COMM_WORLD):
    """The film mesh in ``path`` (.msh or .xdmf); ValueError naming the file when it is not a 2D triangle mesh."""
    path = Path(path)
    if path.suffix not in (".msh", ".xdmf"):
        raise ValueError(f"geometry.path = {str(path)!r}: a gmsh .msh or an XDMF .xdmf file is needed")
    msh = (_read_msh if path.suffix == ".msh" else _read_xdmf)(path, comm)
    kinds = {(2, "triangle"), (3, "tetrahedron")}
    if (msh.geometry.dim, msh.topology.cell_name()) not in kinds or msh.topology.dim != msh.geometry.dim:
        raise ValueError(
            f"geometry.path = {str(path)!r}: a 2D triangle mesh with 2D coordinates or a 3D tetrahedral one is "
            f"needed (got {msh.topology.cell_name()} cells, coordinates in {msh.geometry.dim}D)"
        )
    return msh
