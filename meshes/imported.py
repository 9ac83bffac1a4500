"""Film meshes from files: gmsh's .msh (any version gmsh reads) or DOLFINx's XDMF, distributed over the ranks.

The mesh must be a 2D triangle mesh with 2D coordinates (x, y in xi).  A
.msh file's 2D physical groups, or all its surfaces when it has none, make
the film.
"""

from __future__ import annotations

from pathlib import Path

from mpi4py import MPI

from .polygon import _gmsh_session


def _read_msh(path, comm):
    from dolfinx.io import gmsh as gmshio

    with _gmsh_session() as gmsh:
        if comm.rank == 0:
            gmsh.merge(str(path))
            if not gmsh.model.getPhysicalGroups(2):
                gmsh.model.addPhysicalGroup(2, [tag for _, tag in gmsh.model.getEntities(2)], 1)
        return gmshio.model_to_mesh(gmsh.model, comm, 0, gdim=2).mesh


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
    if msh.topology.dim != 2 or msh.geometry.dim != 2 or msh.topology.cell_name() != "triangle":
        raise ValueError(
            f"geometry.path = {str(path)!r}: a 2D triangle mesh with 2D coordinates is needed "
            f"(got {msh.topology.cell_name()} cells, coordinates in {msh.geometry.dim}D)"
        )
    return msh
