"""The run config of a film (docs/films.md): [geometry] and [field] with the wire's other sections.

A TOML file with a [geometry] table is a film; without one it is a wire
(psc_fem.config).  [model], [drive], [time] and [petsc] are the wire's
sections, key for key; [output] adds ``probes``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from psc_fem.config import Drive, Model, Output, PetscValue, Time
from psc_fem.errors import ConfigError
from psc_fem.schema import RunSection, Section, validate_model

Length = Annotated[float, Field(gt=0, le=1e4, allow_inf_nan=False)]
Point = Annotated[list[Annotated[float, Field(allow_inf_nan=False)]], Field(min_length=2, max_length=2)]  # [x, y]


class Geometry(Section):
    """[geometry]: the film's shape, its mesh size and its ends (all lengths in xi)."""

    kind: Literal["strip", "polygon", "mesh"]
    length: Length | None = None  # along x, centred at 0
    width: Length | None = None  # along y, centred at 0
    mesh_size: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = 0.1
    # "normal": current terminals at x = -+L/2 (Psi = 0, uniform current density);
    # "banks": superconducting ends with the phase ODE (A.7) at every terminal node
    ends: Literal["normal", "banks"] = "normal"

    @model_validator(mode="after")
    def _strip(self):
        if self.kind != "strip":
            raise ValueError(
                f'geometry.kind = "{self.kind}" is not built yet (docs/films.md, "Stages"): use kind = "strip"'
            )
        for key in ("length", "width"):
            if getattr(self, key) is None:
                raise ValueError(f'geometry.{key} is required for kind = "strip" (a length in xi, > 0)')
        if self.width > self.length:
            raise ValueError(f"geometry.width ({self.width:g}) must not exceed geometry.length ({self.length:g})")
        cells = (self.length / self.mesh_size) * max(self.width / self.mesh_size, 1.0)
        if cells > 2e6:
            raise ValueError(
                f"geometry.mesh_size = {self.mesh_size:g} makes ~{4 * cells:.2g} triangles (limit 8e6); raise it"
            )
        return self


class FieldSection(Section):
    """[field]: the applied field perpendicular to the film, in units of Hc2 (A = B (-y, x) / 2 in xi units)."""

    B: Annotated[float, Field(ge=-10, le=10, allow_inf_nan=False)] = 0.0


class FilmOutput(Output):
    """[output] of a film: the wire's keys and the voltage probes."""

    # V(t) = phi(probe 1) - phi(probe 2); default: 1 xi inside each end on y = 0
    probes: Annotated[list[Point], Field(min_length=2, max_length=2)] | None = None


class FilmConfig(RunSection):
    """A film run: [geometry], [field], [model], [drive], [time], [output], [petsc]."""

    geometry: Geometry
    field: FieldSection = FieldSection()
    model: Model
    drive: Drive
    time: Time
    output: FilmOutput = FilmOutput()
    petsc: dict[str, PetscValue] = {}

    @model_validator(mode="after")
    def _film_limits(self):
        if self.time.until == "orbit":
            raise ValueError('time.until = "orbit" is not built for films yet; use until = "periodic"')
        g = self.geometry
        for i, (x, y) in enumerate(self.probe_points):
            if abs(x) > 0.5 * g.length + 1e-12 or abs(y) > 0.5 * g.width + 1e-12:
                raise ValueError(
                    f"output.probes[{i}] = [{x:g}, {y:g}] lies outside the strip "
                    f"[-{0.5 * g.length:g}, {0.5 * g.length:g}] x [-{0.5 * g.width:g}, {0.5 * g.width:g}]"
                )
        return self

    @property
    def probe_points(self) -> list[tuple[float, float]]:
        """The two voltage probes: as given, or 1 xi inside each end on y = 0 (the ends of a shorter strip)."""
        if self.output.probes is not None:
            return [tuple(p) for p in self.output.probes]
        inset = min(1.0, 0.25 * self.geometry.length)
        half = 0.5 * self.geometry.length
        return [(-half + inset, 0.0), (half - inset, 0.0)]

    @property
    def normal_contacts(self) -> bool:
        """Normal terminals (no end phase: slips are counted by the dips of min |Psi|)."""
        return self.geometry.ends == "normal"

    @property
    def unknowns(self) -> int:
        """The number of unknowns of the strip mesh (psc_fem.meshes.film), before it is built."""
        from psc_fem.meshes.film import even_count

        g = self.geometry
        nx, ny = even_count(g.length, g.mesh_size), even_count(g.width, g.mesh_size)
        return 3 * ((nx + 1) * (ny + 1) + nx * ny)  # crossed triangles: the corners and a centre per square


def validate_film(data: dict[str, Any]) -> FilmConfig:
    """dict -> FilmConfig, or ConfigError naming every bad key."""
    return validate_model(FilmConfig, data, "config", ConfigError)
