"""The run config of a film (docs/films.md): [geometry] and [field] with the wire's other sections.

A TOML file with a [geometry] table is a film; without one it is a wire
(psc_fem.config).  [model], [drive], [time] and [petsc] are the wire's
sections, key for key; [output] adds ``probes``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from psc_fem.config import Drive, Model, Output, PetscValue, Time
from psc_fem.errors import ConfigError
from psc_fem.meshes.regions import inside, reentrant_corners
from psc_fem.schema import RunSection, Section, validate_model

Length = Annotated[float, Field(gt=0, le=1e4, allow_inf_nan=False)]
Point = Annotated[list[Annotated[float, Field(allow_inf_nan=False)]], Field(min_length=2, max_length=2)]  # [x, y]
Probe = Annotated[list[Annotated[float, Field(allow_inf_nan=False)]], Field(min_length=2, max_length=3)]  # [x, y(, z)]


class Refine(Section):
    """One entry of [geometry] refine: a finer mesh_size within radius of center (a constriction's neck)."""

    center: Point
    radius: Length
    mesh_size: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)]


CORNER_RADIUS = 0.3  # xi: [geometry] corner_radius's default
KIND_KEYS = {"strip": ("length", "width"), "polygon": ("vertices",), "mesh": ("path",)}


class Geometry(Section):
    """[geometry]: the film's shape, its mesh size and its ends (all lengths in xi).

    kind = "strip": length x width centred at 0, crossed triangles; with
    ``thickness`` a 3D box length x width x thickness of tetrahedra.
    kind = "polygon": ``vertices`` (outer boundary) and ``holes``, meshed by
    gmsh (shapes: psc_fem.meshes.shapes), finer in the ``refine`` discs and,
    with ``corner_mesh_size``, within ``corner_radius`` of every re-entrant
    corner; with ``thickness`` extruded along z (a 3D ring, ...).
    kind = "mesh": a gmsh .msh or XDMF file (``path``).
    The terminals are the boundary edges at the smallest and largest x.
    """

    kind: Literal["strip", "polygon", "mesh"]
    length: Length | None = None  # strip: along x, centred at 0
    width: Length | None = None  # strip: along y, centred at 0
    thickness: Length | None = None  # strip, polygon: along z, centred at 0: a 3D body (tetrahedra)
    vertices: Annotated[list[Point], Field(min_length=3, max_length=100_000)] | None = None
    holes: list[Annotated[list[Point], Field(min_length=3)]] = []
    path: str | None = None
    mesh_size: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = 0.1
    refine: list[Refine] = []
    # polygons: this mesh size within corner_radius of every re-entrant corner (interior angle > 210 degrees),
    # where the current density diverges (psc_fem.meshes.regions.reentrant_corners)
    corner_mesh_size: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] | None = None
    corner_radius: Length | None = None  # default CORNER_RADIUS
    # "normal": current terminals (Psi = 0, uniform current density); "banks": superconducting ends with the
    # phase ODE (A.7) at every terminal node; "none": a closed film (no terminals, no current)
    ends: Literal["normal", "banks", "none"] = "normal"
    # Lagrange degree of Psi and phi: 2 converges faster where the state is smooth (docs/films.md)
    degree: Literal[1, 2] = 1

    @model_validator(mode="after")
    def _keys_of_kind(self):
        own = KIND_KEYS[self.kind]
        if self.thickness is not None and self.kind == "mesh":
            raise ValueError('geometry.thickness does not apply to kind = "mesh" (a 3D mesh file is 3D itself)')
        for key in ("length", "width", "vertices", "path"):
            given = getattr(self, key) is not None
            if key in own and not given:
                raise ValueError(f'geometry.{key} is required for kind = "{self.kind}"')
            if given and key not in own:
                raise ValueError(f'geometry.{key} does not apply to kind = "{self.kind}"')
        if self.kind != "polygon" and (self.holes or self.refine):
            raise ValueError(f'geometry.holes and geometry.refine apply to kind = "polygon", not "{self.kind}"')
        if self.kind != "polygon" and self.corner_mesh_size is not None:
            raise ValueError(f'geometry.corner_mesh_size applies to kind = "polygon", not "{self.kind}"')
        if self.corner_mesh_size is not None and self.corner_mesh_size >= self.mesh_size:
            raise ValueError(
                f"geometry.corner_mesh_size ({self.corner_mesh_size:g}) must be smaller than geometry.mesh_size "
                f"({self.mesh_size:g})"
            )
        if self.corner_radius is not None and self.corner_mesh_size is None:
            raise ValueError("geometry.corner_radius needs geometry.corner_mesh_size (the mesh size at the corners)")
        if self.kind == "strip":
            self._check_strip()
        elif self.kind == "polygon":
            self._check_polygon()
        elif not Path(self.path).expanduser().is_file():
            raise ValueError(f"geometry.path = {self.path!r}: no such file (a gmsh .msh or an XDMF .xdmf mesh)")
        return self

    def _check_strip(self):
        if self.width > self.length:
            raise ValueError(f"geometry.width ({self.width:g}) must not exceed geometry.length ({self.length:g})")
        cells = (self.length / self.mesh_size) * max(self.width / self.mesh_size, 1.0)
        if self.thickness is not None:
            cells *= 1.5 * max(self.thickness / self.mesh_size, 1.0)  # 6 tetrahedra per cube, 4 triangles per square
        if cells > 2e6:
            raise ValueError(
                f"geometry.mesh_size = {self.mesh_size:g} makes ~{4 * cells:.2g} triangles (limit 8e6); raise it"
            )

    def _check_polygon(self):
        for name, ring in (("vertices", self.vertices), *((f"holes[{i}]", h) for i, h in enumerate(self.holes))):
            if any(p == q for p, q in zip(ring, ring[1:] + ring[:1])):
                raise ValueError(f"geometry.{name} repeats a vertex (consecutive points must differ)")
        if polygon_area(self.vertices) == 0:
            raise ValueError("geometry.vertices must enclose an area (at least 3 distinct, non-collinear points)")
        for i, hole in enumerate(self.holes):
            if not all(inside(p, self.vertices) for p in hole):
                raise ValueError(f"geometry.holes[{i}] must lie inside geometry.vertices")
        triangles = 2.3 * self.area / self.mesh_size**2
        for r in self.refine_discs:  # at most the disc's area at its finer size
            triangles += 2.3 * math.pi * r["radius"] ** 2 / r["mesh_size"] ** 2
        if self.thickness is not None:
            triangles *= 3 * max(self.thickness / self.mesh_size, 1.0)  # 3 tetrahedra per prism
        if triangles > 8e6:
            raise ValueError(f"geometry.mesh_size = {self.mesh_size:g} makes ~{triangles:.2g} triangles (limit 8e6)")
        if self.ends != "none":
            xs = [x for x, _ in self.vertices]
            for name, end in (("smallest", min(xs)), ("largest", max(xs))):
                if sum(abs(x - end) <= 1e-12 * (max(xs) - min(xs)) for x in xs) < 2:
                    raise ValueError(
                        f'geometry.vertices: with ends = "{self.ends}" the film needs a terminal, a vertical '
                        f'edge at its {name} x ({end:g}); or ends = "none" for a closed film'
                    )

    @property
    def refine_discs(self) -> list[dict]:
        """The ``refine`` discs and one disc of ``corner_radius`` at each re-entrant corner (polygons)."""
        discs = [r.model_dump() for r in self.refine]
        if self.corner_mesh_size is not None:
            discs += [
                {"center": c, "radius": self.corner_radius or CORNER_RADIUS, "mesh_size": self.corner_mesh_size}
                for c in reentrant_corners(self.vertices, self.holes)
            ]
        return discs

    @property
    def area(self):
        """The film's area in xi^2 (polygons)."""
        return abs(polygon_area(self.vertices)) - sum(abs(polygon_area(h)) for h in self.holes)

    def contains(self, point):
        """``point`` in the film or on its boundary (strips and polygons; True for mesh files, unknown here)."""
        if self.kind == "strip":
            z = point[2] if len(point) > 2 else 0.0
            if len(point) > 2 and self.thickness is None:
                return False
            within = abs(point[0]) <= 0.5 * self.length + 1e-12 and abs(point[1]) <= 0.5 * self.width + 1e-12
            return within and abs(z) <= 0.5 * (self.thickness or 0.0) + 1e-12
        if self.kind == "polygon":
            z = point[2] if len(point) > 2 else 0.0
            flat = len(point) < 3 or self.thickness is not None
            return (
                flat and inside(point[:2], self.vertices, self.holes) and abs(z) <= 0.5 * (self.thickness or 0) + 1e-12
            )
        return True


def polygon_area(points):
    """Signed area (shoelace; > 0 counter-clockwise)."""
    return 0.5 * sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]))


class FieldSection(Section):
    """[field]: the applied field perpendicular to the film, in units of Hc2 (A = B (-y, x) / 2 in xi units)."""

    B: Annotated[float, Field(ge=-10, le=10, allow_inf_nan=False)] = 0.0


class FilmOutput(Output):
    """[output] of a film: the wire's keys and the voltage probes."""

    # V(t) = phi(probe 1) - phi(probe 2); default: 1 xi inside each end on y = 0
    probes: Annotated[list[Probe], Field(min_length=2, max_length=2)] | None = None


class FilmTime(Time):
    """[time] of a film: the wire's, with Psi differenced in the comoving frame by default (forms/covariant.py):
    a steady state between normal terminals then has no time error (docs/films.md, "Time stepping")."""

    frame: Literal["transport", "comoving"] = "comoving"


class FilmConfig(RunSection):
    """A film run: [geometry], [field], [model], [drive], [time], [output], [petsc]."""

    geometry: Geometry
    field: FieldSection = FieldSection()
    model: Model
    drive: Drive
    time: FilmTime
    output: FilmOutput = FilmOutput()
    petsc: dict[str, PetscValue] = {}

    @model_validator(mode="after")
    def _film_limits(self):
        g = self.geometry
        if self.time.until == "orbit" and (g.ends == "none" or self.drive.ramp_to is not None):
            why = "a closed film carries no current" if g.ends == "none" else "a ramped current has no periodic orbit"
            raise ValueError(f'time.until = "orbit" is not available here ({why}); use until = "periodic"')
        if g.ends == "none" and (self.drive.current != 0.0 or self.drive.ramp_to not in (None, 0.0)):
            raise ValueError('drive.current must be 0 for geometry.ends = "none" (a closed film has no terminals)')
        for i, point in enumerate(self.output.probes or []):
            if not g.contains(point):
                shown = ", ".join(f"{c:g}" for c in point)
                raise ValueError(f"output.probes[{i}] = [{shown}] lies outside the film")
        return self

    @property
    def probe_points(self) -> list[tuple[float, float]] | None:
        """The two voltage probes as given, or None: the problem places them 1 xi inside each terminal
        (a quarter of the film's length in x for shorter films; `psc_fem.film.problem`)."""
        return None if self.output.probes is None else [tuple(p) for p in self.output.probes]

    @property
    def normal_contacts(self) -> bool:
        """Normal terminals or none (no end phase: slips are counted by the dips of min |Psi|)."""
        return self.geometry.ends != "banks"

    @property
    def unknowns(self) -> int | None:
        """The number of unknowns before the mesh is built (estimated for polygons; None for mesh files)."""
        from psc_fem.meshes.film import even_count

        g = self.geometry
        if g.kind == "polygon":  # ~1.2 / h^2 vertices per unit area (gmsh, Delaunay), per layer
            layers = 1 if g.thickness is None else even_count(g.thickness, g.mesh_size) + 1
            refined = sum(math.pi * r["radius"] ** 2 / r["mesh_size"] ** 2 for r in g.refine_discs)  # at most
            # P2 adds a node per edge: ~3 edges per vertex of a triangle mesh, ~7 of a tetrahedral one
            per_vertex = 1 if g.degree == 1 else (4 if g.thickness is None else 8)
            return int(3 * 1.2 * (g.area / g.mesh_size**2 + refined) * layers) * per_vertex
        if g.kind == "mesh":
            return None
        nx, ny = even_count(g.length, g.mesh_size), even_count(g.width, g.mesh_size)
        if g.thickness is not None:  # 6 tetrahedra per cube around its diagonal
            nz = even_count(g.thickness, g.mesh_size)
            vertices = (nx + 1) * (ny + 1) * (nz + 1)
            axes = nx * (ny + 1) * (nz + 1) + (nx + 1) * ny * (nz + 1) + (nx + 1) * (ny + 1) * nz
            faces = nx * ny * (nz + 1) + nx * (ny + 1) * nz + (nx + 1) * ny * nz
            return 3 * (vertices if g.degree == 1 else vertices + axes + faces + nx * ny * nz)
        vertices = (nx + 1) * (ny + 1) + nx * ny  # crossed triangles: the squares' corners and centres
        edges = nx * (ny + 1) + (nx + 1) * ny + 4 * nx * ny
        return 3 * (vertices if g.degree == 1 else vertices + edges)


def validate_film(data: dict[str, Any]) -> FilmConfig:
    """dict -> FilmConfig, or ConfigError naming every bad key."""
    return validate_model(FilmConfig, data, "config", ConfigError)
