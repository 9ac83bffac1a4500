"""`Device`: a film's geometry, terminals and probes as one Python object (py-tdgl's Device, for psc_fem).

    from psc_fem.film import Device
    ring = Device.ring(outer=2.0, inner=0.8, mesh_size=0.2)          # a closed ring (ends = "none")
    sol = ring.simulate("runs/ring", field={"B": 0.8}, time={"t_end": 60.0})
    neck = Device.constriction(8.0, 2.0, neck_width=0.6, neck_length=1.0, refine=0.08)
    sol = neck.simulate("runs/neck", drive={"current": 0.25})

A Device holds the [geometry] table (and [output] probes) of a film; its
`config` joins them with the other sections (defaults: delta = 10/3,
eta = 0.1, the wire's [time] and [output]), `simulate` runs it
(psc_fem.film.run.simulate_film), `mesh` builds the DOLFINx mesh and
`plot` draws the outline, the terminals and the probes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from psc_fem.meshes import shapes

DEFAULTS = {"model": {"delta": 10 / 3, "eta": 0.1}, "drive": {"current": 0.0}, "time": {"t_end": 100.0}}


@dataclass
class Device:
    """A film: its [geometry] table (``geometry``) and optional probe points."""

    geometry: dict[str, Any]
    probes: list[list[float]] | None = None
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)  # defaults for the other sections

    # ---- shapes (psc_fem.meshes.shapes) -----------------------------------
    @classmethod
    def polygon(
        cls,
        vertices,
        holes=(),
        mesh_size=0.1,
        ends="normal",
        refine=(),
        thickness=None,
        probes=None,
        corners=None,
        degree=1,
    ):
        """``corners``: a finer mesh size within 0.3 xi of every re-entrant corner ([geometry] corner_mesh_size);
        ``degree``: 2 for quadratic elements ([geometry] degree)."""
        geometry = {"kind": "polygon", "vertices": [list(map(float, p)) for p in vertices], "mesh_size": mesh_size}
        geometry.update(holes=[[list(map(float, p)) for p in h] for h in holes], ends=ends, refine=list(refine))
        geometry["degree"] = degree
        if thickness is not None:
            geometry["thickness"] = thickness
        if corners is not None:
            geometry["corner_mesh_size"] = corners
        return cls(geometry, probes)

    @classmethod
    def strip(cls, length, width, mesh_size=0.1, ends="normal", thickness=None, probes=None, degree=1):
        geometry = {"kind": "strip", "length": length, "width": width, "mesh_size": mesh_size, "ends": ends}
        geometry["degree"] = degree
        if thickness is not None:
            geometry["thickness"] = thickness
        return cls(geometry, probes)

    @classmethod
    def disc(cls, radius, mesh_size=0.1, segments=128, **keys):
        return cls.polygon(*shapes.disc(radius, segments), mesh_size=mesh_size, ends=keys.pop("ends", "none"), **keys)

    @classmethod
    def ring(cls, outer, inner, mesh_size=0.1, segments=128, **keys):
        vertices, holes = shapes.ring(outer, inner, segments)
        return cls.polygon(vertices, holes, mesh_size=mesh_size, ends=keys.pop("ends", "none"), **keys)

    @classmethod
    def constriction(cls, length, width, neck_width, neck_length, mesh_size=0.1, refine=None, **keys):
        """A strip with a neck at x = 0; ``refine``: a finer mesh size within one neck length of it."""
        discs = [] if refine is None else [{"center": [0.0, 0.0], "radius": neck_length, "mesh_size": refine}]
        outline = shapes.constriction(length, width, neck_width, neck_length)
        return cls.polygon(*outline, mesh_size=mesh_size, refine=discs, **keys)

    @classmethod
    def cross(cls, length, width, mesh_size=0.1, **keys):
        return cls.polygon(*shapes.cross(length, width), mesh_size=mesh_size, **keys)

    @classmethod
    def from_file(cls, path, ends="normal", probes=None, degree=1):
        """A gmsh .msh or XDMF mesh (kind = "mesh")."""
        return cls({"kind": "mesh", "path": str(path), "ends": ends, "degree": degree}, probes)

    # ---- use ----------------------------------------------------------------
    def config(self, **sections):
        """The run's `psc_fem.film.config.FilmConfig`: this geometry, the given sections over the defaults."""
        from psc_fem.film.config import validate_film

        data = {name: dict(values) for name, values in DEFAULTS.items()}
        for name, values in {**self.sections, **sections}.items():
            data[name] = {**data.get(name, {}), **values}
        data["geometry"] = dict(self.geometry)
        if self.probes is not None:
            data.setdefault("output", {})["probes"] = self.probes
        return validate_film(data)

    def simulate(self, out_dir, comm=None, progress=False, echo=False, **sections):
        """Run this film (`psc_fem.film.run.simulate_film`; keywords: the config's sections, and
        ``initial_psi`` / ``vector_potential`` / ``overwrite`` / ``resume`` for simulate_film)."""
        from mpi4py import MPI

        from psc_fem.film.run import simulate_film

        options = {
            k: sections.pop(k) for k in ("initial_psi", "vector_potential", "overwrite", "resume") if k in sections
        }
        cfg = self.config(**sections)
        return simulate_film(cfg, out_dir, comm or MPI.COMM_WORLD, progress, echo, **options)

    def mesh(self, comm=None):
        """(DOLFINx mesh, terminal facet tags) of this film (psc_fem.meshes.film.film_mesh)."""
        from mpi4py import MPI

        from psc_fem.meshes.film import film_mesh

        return film_mesh(self.config().geometry, comm or MPI.COMM_WORLD)

    def plot(self, ax=None):
        """The outline, holes and refinement discs (and the probes) in a matplotlib Axes; returns it."""
        from matplotlib.figure import Figure
        from matplotlib.patches import Circle

        if ax is None:
            ax = Figure(figsize=(7, 4), layout="constrained").subplots()
        g = self.config().geometry
        if g.kind == "strip":
            a, b = 0.5 * g.length, 0.5 * g.width
            rings = [[[-a, -b], [a, -b], [a, b], [-a, b]]]
        elif g.kind == "polygon":
            rings = [g.vertices, *g.holes]
        else:
            raise ValueError("Device.plot draws strips and polygons; open a mesh file in ParaView")
        for ring in rings:
            xs, ys = zip(*(ring + ring[:1]))
            ax.plot(xs, ys, "k-", lw=1)
        for r in g.refine_discs if g.kind == "polygon" else []:
            ax.add_patch(Circle(r["center"], r["radius"], fill=False, ls=":"))
        if self.probes:
            ax.plot([p[0] for p in self.probes], [p[1] for p in self.probes], "r^", label="probes")
        ax.set_aspect("equal")
        ax.set(xlabel=r"$x/\xi$", ylabel=r"$y/\xi$", title=f"{g.kind}, ends {g.ends}, mesh {g.mesh_size:g} xi")
        return ax
