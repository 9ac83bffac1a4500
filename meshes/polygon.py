"""Films from polygons with holes, meshed by gmsh's Python API on one rank and distributed by DOLFINx.

gmsh (Frontal-Delaunay, one thread, so the same input gives the same
mesh) triangulates the outer polygon minus its holes with triangles of
size ``mesh_size``, smaller inside the ``refine`` discs (a constriction's
neck).  The origin is a mesh vertex when it lies inside the film (the
gauge node, as (0, 0) of the strip).  With a thickness the film is
extruded along z in an even number of layers (a 3D ring, a wire segment
of any cross-section's outline).
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


def _outline(geo, points, size, z=0.0):
    tags = [geo.addPoint(x, y, z, size) for x, y in points]
    lines = [geo.addLine(tags[k], tags[(k + 1) % len(tags)]) for k in range(len(tags))]
    return geo.addCurveLoop(lines)


def _refinement(gmsh, mesh_size, refine, z=0.0):
    """A background size field: mesh_size, and r["mesh_size"] within r["radius"] of each r["center"]."""
    field = gmsh.model.mesh.field
    balls = []
    for r in refine:
        tag = field.add("Ball")
        field.setNumber(tag, "XCenter", r["center"][0])
        field.setNumber(tag, "YCenter", r["center"][1])
        field.setNumber(tag, "ZCenter", z)  # the plane gmsh meshes (an extrusion copies it)
        field.setNumber(tag, "Radius", r["radius"])
        field.setNumber(tag, "Thickness", r["radius"])  # a smooth transition over one radius
        field.setNumber(tag, "VIn", r["mesh_size"])
        field.setNumber(tag, "VOut", mesh_size)
        balls.append(tag)
    if balls:
        smallest = field.add("Min")
        field.setNumbers(smallest, "FieldsList", balls)
        field.setAsBackgroundMesh(smallest)


def polygon_mesh(vertices, holes=(), mesh_size=0.1, refine=(), comm=MPI.COMM_WORLD, thickness=None):
    """A DOLFINx mesh (gdim 2) of the polygon ``vertices`` minus ``holes``, partitioned over ``comm``;
    with ``thickness`` T that film extruded to -T/2 <= z <= T/2 in layers of tetrahedra (gdim 3).

    ``refine``: dicts with "center" [x, y], "radius" and "mesh_size".
    """
    from dolfinx.io import gmsh as gmshio

    from .film import even_count

    z0 = 0.0 if thickness is None else -0.5 * thickness
    with _gmsh_session() as gmsh:
        if comm.rank == 0:
            geo = gmsh.model.geo
            loops = [_outline(geo, vertices, mesh_size, z0)] + [_outline(geo, h, mesh_size, z0) for h in holes]
            surface = geo.addPlaneSurface(loops)
            inside = interior((0.0, 0.0), vertices, holes)
            origin = geo.addPoint(0.0, 0.0, z0, mesh_size) if inside else None
            volume = None
            if thickness is not None:  # layers of prisms, split into tetrahedra: the origin is a vertex again
                layers = even_count(thickness, mesh_size)
                volume = [e for e in geo.extrude([(2, surface)], 0, 0, thickness, numElements=[layers]) if e[0] == 3]
            geo.synchronize()
            if origin is not None:
                gmsh.model.mesh.embed(0, [origin], 2, surface)
            if volume:
                gmsh.model.addPhysicalGroup(3, [volume[0][1]], 1)
            else:
                gmsh.model.addPhysicalGroup(2, [surface], 1)
            gmsh.option.setNumber("Mesh.MeshSizeMax", mesh_size)
            gmsh.option.setNumber("Mesh.Algorithm", 6)
            _refinement(gmsh, mesh_size, refine, z0)
            gmsh.model.mesh.generate(2 if thickness is None else 3)
        return gmshio.model_to_mesh(gmsh.model, comm, 0, gdim=2 if thickness is None else 3).mesh
