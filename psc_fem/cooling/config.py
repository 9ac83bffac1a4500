"""The cooling config: [cooling], [heat] and [materials] of a TOML file -> a validated, frozen CoolConfig.

Built on the strict schema shared with the run config (`psc_fem.schema`):
unknown keys, wrong types and out-of-range values end with a `UsageError`
naming each key (docs/cooling.md lists the keys).
"""

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from psc_fem.errors import UsageError
from psc_fem.schema import Section, parse_assignment, read_toml, validate_model

# the run config's sections: a run config with a [cooling] section is accepted, these are ignored here
RUN_SECTIONS = ("wire", "model", "drive", "time", "output", "petsc")


class Cooling(Section):
    """[cooling]: material stack, geometry, run, and how to judge it."""

    run: str | None = None
    simulate: str | None = None
    simulate_set: list[str] = []
    filament: str = "Al"
    top: str = "PMMA"
    substrate: str = "sapphire"
    T_bath: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 1.0
    T_target: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 0.5
    T_floor: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = 1e-3
    width: Annotated[float, Field(ge=1e-9, le=1e-2, allow_inf_nan=False)] = 100e-9
    thickness: Annotated[float, Field(ge=1e-10, le=1e-3, allow_inf_nan=False)] = 20e-9
    length: Literal["run"] | Annotated[float, Field(ge=1e-9, le=1.0, allow_inf_nan=False)] = "run"
    n_series: Annotated[int, Field(ge=1, le=10_000_000)] = 1
    diode: (
        Literal["amm", "directional", "impedance", "ideal"] | Annotated[float, Field(ge=-1, le=1, allow_inf_nan=False)]
    ) = "amm"
    amm: Literal["full", "scalar"] = "full"
    balance: Literal["full", "paper"] = "full"
    sound_speed: Literal["longitudinal", "debye"] = "longitudinal"
    tau_eps: Literal["run", "material"] = "run"
    variant: Literal["consistent", "printed"] = "consistent"
    lead_conductance: Annotated[float, Field(ge=0, le=1.0, allow_inf_nan=False)] = 0.0
    load: Annotated[float, Field(ge=0, le=1.0, allow_inf_nan=False)] = 0.0
    samples: Annotated[int, Field(ge=0, le=100_000)] = 400
    seed: Annotated[int, Field(ge=0)] = 0

    @model_validator(mode="after")
    def _temperatures(self):
        if not self.T_floor < self.T_target < self.T_bath:
            raise ValueError(
                "need cooling.T_floor < cooling.T_target < cooling.T_bath "
                f"(got {self.T_floor}, {self.T_target}, {self.T_bath})"
            )
        return self


class Heat(Section):
    """[heat]: the Fig. 3 cross-section for the FEM model (psc_fem.cooling.heat) and the plates
    of the full lumped balance. The plates' widths are the pitch of a periodic
    array of filaments (insulated sides by symmetry)."""

    enabled: bool = True
    top_thickness: Annotated[float, Field(ge=1e-9, le=0.1, allow_inf_nan=False)] = 10e-6
    top_width: Annotated[float, Field(ge=1e-9, le=0.1, allow_inf_nan=False)] = 10e-6
    substrate_thickness: Annotated[float, Field(ge=1e-9, le=0.1, allow_inf_nan=False)] = 500e-6
    substrate_width: Annotated[float, Field(ge=1e-9, le=0.1, allow_inf_nan=False)] = 10e-6
    filament_cells: Annotated[int, Field(ge=1, le=200)] = 4
    growth: Annotated[float, Field(gt=1.0, le=3.0, allow_inf_nan=False)] = 1.3
    max_cells: Annotated[int, Field(ge=1, le=2000)] = 40


class CoolConfig(Section):
    """A cooling analysis: [cooling], [heat], and [materials] overrides of the table (materials.toml)."""

    cooling: Cooling = Cooling()
    heat: Heat = Heat()
    materials: dict[str, dict] = {}

    @model_validator(mode="after")
    def _widths(self):
        w = self.cooling.width
        if self.heat.top_width < w or self.heat.substrate_width < w:
            raise ValueError(f"heat.top_width and heat.substrate_width must be >= cooling.width ({w} m)")
        return self


def validate(data: Any) -> CoolConfig:
    """dict -> CoolConfig, or UsageError naming every bad key and its range."""
    # pydantic's messages keep their case: the validators name keys such as cooling.T_bath
    return validate_model(CoolConfig, data, "cooling config", UsageError, lowercase=False)


def load_config(
    path: str | Path | None = None, run_dir: str | Path | None = None, overrides: Iterable[str] = ()
) -> CoolConfig:
    """A CoolConfig from a TOML file (paths relative to it) or for a run directory."""
    data, base = {}, Path.cwd()
    if path is not None:
        data = read_toml(path, UsageError)
        base = Path(path).resolve().parent
        for key in (set(data) - set(CoolConfig.model_fields)) & set(RUN_SECTIONS):
            data.pop(key)
    for text in overrides:
        section, key, value = parse_assignment(text)
        table = data.setdefault(section, {})
        if not isinstance(table, dict):
            raise UsageError(f"section '{section}' must be a table")
        if section == "materials":  # materials.Al.rho_n=5e-8: one material, one property
            name, _, key = key.partition(".")
            if not key:
                raise UsageError(f"--set {text}: use materials.<material>.<property>=<value>")
            table = table.setdefault(name, {})
            if not isinstance(table, dict):
                raise UsageError(f"materials.{name} must be a table")
        table[key] = value  # a key with dots stays one (unknown) key, named as given
    cfg = validate(data)
    c = cfg.cooling
    updates = {}
    if run_dir is not None:
        updates["run"] = str(Path(run_dir).resolve())
    elif c.run is not None:
        updates["run"] = str((base / c.run).resolve())
    if c.simulate is not None:
        updates["simulate"] = str((base / c.simulate).resolve())
    if updates:
        cfg = cfg.model_copy(update={"cooling": c.model_copy(update=updates)})
    if cfg.cooling.run is None:
        raise UsageError("cooling.run: give the run directory (or a RUN_DIR argument)")
    return cfg
