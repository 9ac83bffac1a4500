"""Films from polygons with holes, meshed by gmsh's Python API on one rank and distributed by DOLFINx.

gmsh (Frontal-Delaunay, one thread, so the same input gives the same
mesh) triangulates the outer polygon minus its holes with triangles of
size ``mesh_size``, smaller inside the ``refine`` discs (a constriction's
neck).  The origin is a mesh vertex when it lies inside the film (the
gauge node, as (0, 0) of the strip).
"""

from __future__ import annotations

from contextlib import contextmanager

from mpi4py import MPI

from .regions import interior


def _import_gmsh():
    try:
        import gmsh  # lazily: only films from polygons and .msh files need it

        gmsh.isInitialized()
    except (ImportError, OSError, AttributeError) as exc:  # the wheel's libgmsh needs X11/GL libraries
        raise RuntimeError(
            f"gmsh could not be loaded ({exc}); its wheel needs libGLU, libXcursor, libXft, libXinerama and "
            "fontconfig (Debian: apt install libglu1-mesa libxcursor1 libxft2 libxinerama1 libfontconfig1)"
        ) from exc
    return gmsh


@contextmanager
def _gmsh_session():
    gmsh = _import_gmsh()
    started = not gmsh.isInitialized()
    if started:
        gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.option.setNumber("General.NumThreads", 1)
    try:
        gmsh.model.add("film")
        yield gmsh
    finally:
        gmsh.model.remove()
        if started:
            gmsh.finalize()


def _outline(geo, points, size):
    tags = [geo.addPoint(x, y, 0.0, size) for x, y in points]
    lines = [geo.addLine(tags[k], tags[(k + 1) % len(tags)]) for k in range(len(tags))]
    return geo.addCurveLoop(lines)


def _refinement(gmsh, mesh_size, refine):
    """A background size field: mesh_size, and r["mesh_size"] within r["radius"] of each r["center"]."""
    field = gmsh.model.mesh.field
    balls = []
    for r in refine:
        tag = field.add("Ball")
        field.setNumber(tag, "XCenter", r["center"][0])
        field.setNumber(tag, "YCenter", r["center"][1])
        field.setNumber(tag, "Radius", r["radius"])
        field.setNumber(tag, "Thickness", r["radius"])  # a smooth transition over one radius
        field.setNumber(tag, "VIn", r["mesh_size"])
        field.setNumber(tag, "VOut", mesh_size)
        balls.append(tag)
    if balls:
        smallest = field.add("Min")
        field.setNumbers(smallest, "FieldsList", balls)
        field.setAsBackgroundMesh(smallest)


def polygon_mesh(vertices, holes=(), mesh_size=0.1, refine=(), comm=MPI.COMM_WORLD):
    """A DOLFINx mesh (gdim 2) of the polygon ``vertices`` minus ``holes``, partitioned over ``comm``.

    ``refine``: dicts with "center" [x, y], "radius" and "mesh_size".
    """
    from dolfinx.io import gmsh as gmshio

    with _gmsh_session() as gmsh:
        if comm.rank == 0:
            geo = gmsh.model.geo
            loops = [_outline(geo, vertices, mesh_size)] + [_outline(geo, h, mesh_size) for h in holes]
            surface = geo.addPlaneSurface(loops)
            origin = geo.addPoint(0.0, 0.0, 0.0, mesh_size) if interior((0.0, 0.0), vertices, holes) else None
            geo.synchronize()
            if origin is not None:
                gmsh.model.mesh.embed(0, [origin], 2, surface)
            gmsh.model.addPhysicalGroup(2, [surface], 1)
            gmsh.option.setNumber("Mesh.MeshSizeMax", mesh_size)
            gmsh.option.setNumber("Mesh.Algorithm", 6)
            _refinement(gmsh, mesh_size, refine)
            gmsh.model.mesh.generate(2)
        return gmshio.model_to_mesh(gmsh.model, comm, 0, gdim=2).mesh
