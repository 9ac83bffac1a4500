"""Run configuration: TOML sections -> validated, frozen pydantic models.

The section and key names are the contract of docs/design.md section 6.  Every
key is typed and range-checked; unknown keys are rejected with a
suggestion.  `load_config` raises `ConfigError` with messages that name the
key and the allowed range; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_serializer, model_validator

from psc_fem.errors import ConfigError  # also psc_fem.config.ConfigError for callers
from psc_fem.geometry_config import Banks, CrossSection  # noqa: F401  (the [wire] sub-tables)
from psc_fem.schema import (
    RunSection,
    Section,
    assign,
    inputs_relative_to,
    parse_assignment,
    read_toml,
    suggest,
    validate_model,
)

U_EXACT = math.pi**4 / (14 * 1.2020569031595942)  # pi^4 / (14 zeta(3)) = 5.7882...
U_SEED = 5.798  # the paper's value: zeta(3) rounded to 1.2
PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
MAX_CELLS = 10_000_000  # cells of a wire (the elements' own bound; h and length must respect it too)
MAX_FRAMES = 1_000_000  # field frames of a run (time.t_end / output.every)
MAX_FRAME_VALUES = 2e9  # frames x nodes: ~130 GB of frames on disk


class Wire(Section):
    """[wire]: geometry and discretisation."""

    length: PositiveFloat
    elements: Annotated[int, Field(ge=2, le=10_000_000)] | None = None
    h: PositiveFloat | None = None
    degree: Literal[1, 2] = 1
    cross_section: CrossSection | None = None
    banks: Banks | None = None

    @model_validator(mode="after")
    def _one_size(self):
        if self.elements is not None and self.h is not None:
            raise ValueError("give either wire.elements or wire.h, not both")
        if self.cells > MAX_CELLS:  # refused before anything is allocated
            raise ValueError(
                f"wire.length / wire.h gives {self.cells:.4g} cells ({3 * (self.cells + 1):.4g} unknowns), "
                f"more than the limit of {MAX_CELLS:.0e}: raise wire.h or shorten the wire"
            )
        return self

    @model_validator(mode="after")
    def _geometry_fits(self):
        half, cs = 0.5 * self.length, self.cross_section
        if cs is not None and cs.position is not None and not -half < cs.position < half:
            raise ValueError(
                f"wire.cross_section.position must lie inside the wire, between {-half:g} and {half:g}, got {cs.position:g}"
            )
        if cs is not None and cs.path is not None:
            from psc_fem.meshes.profiles import read_table

            if not Path(cs.path).is_file():
                raise ValueError(f"wire.cross_section.path: file not found: {cs.path}")
            try:
                x, _ = read_table(cs.path)
            except ValueError as exc:
                raise ValueError(f"wire.cross_section.path: {exc}") from None
            tol = 1e-9 * self.length
            if x[0] > -half + tol or x[-1] < half - tol:
                raise ValueError(
                    f"wire.cross_section.path: the table covers [{x[0]:g}, {x[-1]:g}], not the wire [{-half:g}, {half:g}]"
                )
        if self.banks is not None and not self.banks.length < half:
            raise ValueError(
                f"wire.banks.length must be < L/2 = {half:g} (the banks lie inside the wire), got {self.banks.length:g}"
            )
        if self.banks is not None:
            # the bank edge must be a mesh node: a step of S or of the condensation
            # term inside a cell is resolved only to O(h) (docs/geometry.md)
            h = self.length / self.cells
            n = self.banks.length / h
            if abs(n - round(n)) > 1e-6:
                raise ValueError(
                    f"wire.banks.length = {self.banks.length:g} must be a multiple of the cell size "
                    f"L / cells = {h:g} (the bank edge on a node); e.g. {max(1, round(n)) * h:g}"
                )
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        # a uniform wire dumps as before (run.json, resume, sweeps compare dumps)
        data = handler(self)
        for key in ("cross_section", "banks"):
            if data.get(key) is None:
                data.pop(key, None)
        return data

    @property
    def nonuniform(self) -> bool:
        """True when S(x) enters the equations (a cross-section or banks is configured)."""
        return self.cross_section is not None or self.banks is not None

    @property
    def normal_banks(self) -> bool:
        """True with normal-metal banks: free (normal-reservoir) ends instead of the rigid banks (A.7)-(A.9)."""
        return self.banks is not None and self.banks.normal

    @property
    def cells(self) -> int:
        from psc_fem.meshes.interval import cell_count

        h = self.h if self.h is not None else (0.05 if self.elements is None else None)
        return cell_count(self.length, self.elements, h)


class Model(Section):
    """[model]: the TDGL parameters of (A.1)-(A.3)."""

    delta: Annotated[float, Field(ge=0, le=1e5, allow_inf_nan=False)]
    eta: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]
    u: Literal["exact", "seed"] | PositiveFloat = "exact"
    elliptic: Literal["exact", "seed"] = "exact"
    q_regularization: Annotated[float, Field(gt=0, le=0.1, allow_inf_nan=False)] = 1e-3
    p: Annotated[float, Field(ge=-1, le=1, allow_inf_nan=False)] = 0.0
    # js's interference coefficient: "A.2" = 2 delta sqrt(eta/u) (the paper's appendix and its
    # numbers), "Eq.2" = 2 delta sqrt(u eta) (Eq. 2 with the paper's t0, Delta0; docs/model.md)
    interference_coefficient: Literal["A.2", "Eq.2"] = "A.2"
    interference: bool = True  # false: D = 1 and no interference term in js (py-tdgl's model with gamma = delta)

    @property
    def interference_coupling(self) -> float:
        """The coefficient of the interference term of js (forms/tdgl.interference_coupling)."""
        scale = self.u_value if self.interference_coefficient == "Eq.2" else 1.0 / self.u_value
        return 2.0 * self.delta * math.sqrt(self.eta * scale)

    @property
    def u_value(self) -> float:
        """u of (A.1): exact pi^4/(14 zeta(3)), the paper's 5.798, or a number."""
        return {"exact": U_EXACT, "seed": U_SEED}.get(self.u, self.u)


class Drive(Section):
    """[drive]: bias current j/j0, constant or ramped linearly to ramp_to."""

    current: Annotated[float, Field(ge=-100, le=100, allow_inf_nan=False)]
    ramp_to: Annotated[float, Field(ge=-100, le=100, allow_inf_nan=False)] | None = None
    ramp_time: PositiveFloat | None = None

    @model_validator(mode="after")
    def _ramp_pair(self):
        if (self.ramp_to is None) != (self.ramp_time is None):
            raise ValueError("drive.ramp_to and drive.ramp_time go together")
        return self

    def j(self, t: float) -> float:
        """j(tau): current, then linearly to ramp_to over ramp_time."""
        if self.ramp_to is None:
            return self.current
        return self.current + (self.ramp_to - self.current) * min(t / self.ramp_time, 1.0)


class Time(Section):
    """[time]: integration interval, when to stop, and the adaptive step's tolerances.

    ``until = "periodic"``: stop as soon as the run has settled (the last
    ``settle_periods`` windings of the end-phase difference agree to
    ``settle_rtol`` with the ones before and with those a quarter of the
    run earlier; or V = 0 and |Psi| steady); t_end is then a cap.
    ``until = "orbit"``: first find the periodic orbit directly (an
    Anderson-accelerated Poincare map of one winding, until max |P(x) - x|
    <= ``orbit_tol``; psc_fem.solver.orbit), then record from it as with
    "periodic".  For large delta, whose transients last ~u delta tau.
    t_end caps the search and the recorded run each.
    ``until = "t_end"``: run to t_end.  Either way the summary says
    whether the run settled (psc_fem.analysis).
    ``frame``: the frame BDF differences Psi in (forms/covariant.py); "comoving" is the default with
    normal-metal banks (`Config._frame_of_normal_banks`) and for films.
    """

    t_end: Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False)]
    until: Literal["t_end", "periodic", "orbit"] = "t_end"
    settle_periods: Annotated[int, Field(ge=2, le=10_000)] = 5
    settle_rtol: Annotated[float, Field(gt=0, le=0.1, allow_inf_nan=False)] = 1e-3
    orbit_tol: Annotated[float, Field(gt=0, le=1e-2, allow_inf_nan=False)] = 1e-7
    orbit_memory: Annotated[int, Field(ge=0, le=100)] = 10
    dt_initial: PositiveFloat = 1e-3
    dt_min: PositiveFloat = 1e-9
    dt_max: PositiveFloat = 2.0
    rtol: Annotated[float, Field(gt=0, lt=1)] = 1e-4
    atol: Annotated[float, Field(gt=0, lt=1)] = 1e-5
    scheme: Literal["bdf2", "bdf1", "bdf3", "bdf4", "bdf5", "vbdf"] = "bdf2"  # psc_fem.solver.bdf
    adaptive: bool = True  # false: fixed steps of dt_initial (convergence studies)
    frame: Literal["transport", "comoving"] = "transport"

    @model_validator(mode="after")
    def _order(self):
        if not self.dt_min <= self.dt_initial <= self.dt_max:
            raise ValueError("need time.dt_min <= time.dt_initial <= time.dt_max")
        if self.scheme == "vbdf" and not self.adaptive:  # the order is chosen from the error estimates
            raise ValueError('time.scheme = "vbdf" needs time.adaptive = true (fixed steps: bdf1 ... bdf5)')
        return self


class Output(Section):
    """[output]: run directory, the spacing of field frames (in tau), checkpoints (psc_fem.io.checkpoint).

    A checkpoint is written at every flush of the output: when a block (512 steps or 64 frames) is full
    or ``checkpoint_every`` of simulated time has passed (unless copying the files would then cost more
    than ~5% of the run), and at the latest every ``checkpoint_wall`` seconds.
    """

    dir: str = "run"
    every: PositiveFloat = 0.25
    fields: bool = True
    checkpoint_every: PositiveFloat = 50.0
    checkpoint_wall: PositiveFloat = 300.0

    @model_validator(mode="after")
    def _a_directory(self):
        if not self.dir.strip():  # "" would be the working directory, whose files are not psc_fem's
            raise ValueError("output.dir must name a directory (got an empty name)")
        return self


class Phonons(Section):
    """[phonons]: phonon feedback, Eqs. (3)-(6) (psc_fem.feedback, docs/feedback.md).

    Absent, or feedback = false, or tau_es = 0: the paper's free escape,
    p = [model] p only.  Energies in Delta0, times in t0.
    """

    feedback: bool = False
    tau_es: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)] = 0.0
    mode: Literal["kinetic", "local-equilibrium"] = "kinetic"
    phonon_electron_rate: Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)] | None = None
    pair_breaking: Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)] | None = None
    material: str | None = None  # a superconductor of the materials table: fills the two above (explicit values win)
    temperature: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] | None = None
    gamma: Annotated[float, Field(gt=0, le=1e3, allow_inf_nan=False)] | None = None
    omega_max: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] | None = None
    n_omega: Annotated[int, Field(ge=4, le=4096)] = 64

    @model_validator(mode="after")
    def _couplings(self):
        if self.feedback and self.material is None:
            for key in ("phonon_electron_rate", "pair_breaking"):
                if getattr(self, key) is None:
                    raise ValueError(
                        f"phonons.{key} is required when phonons.feedback = true (a number >= 0), "
                        'or phonons.material = "Al" (a superconductor of the materials table) to fill it'
                    )
        return self

    @property
    def active(self):
        """The feedback changes the TDGL: feedback on and a finite escape time."""
        return self.feedback and self.tau_es > 0.0


PetscValue = str | int | float | bool


class Config(RunSection):
    """A wire's run: the six sections of docs/design.md section 6, and [phonons].  No silent defaults for the
    physics: [wire] length, [model] delta and eta, [drive] current and [time] t_end must be given."""

    wire: Wire
    model: Model
    drive: Drive
    time: Time
    output: Output = Output()
    petsc: dict[str, PetscValue] = {}
    phonons: Phonons | None = None

    @model_validator(mode="after")
    def _frames_fit(self):
        frames = self.time.t_end / self.output.every
        if frames > MAX_FRAMES or frames * (self.wire.cells + 1) > MAX_FRAME_VALUES:
            raise ValueError(
                f"time.t_end / output.every = {frames:.4g} frames of {self.wire.cells + 1} nodes: more than the "
                f"limit of {MAX_FRAMES:.0e} frames or {MAX_FRAME_VALUES:.0e} values; raise output.every"
            )
        return self

    @model_validator(mode="after")
    def _time_is_defined(self):
        if self.time.until != "orbit":
            return self
        why = None
        if self.wire.normal_banks:
            why = "normal-metal banks have no end phase to define one winding by"
        elif self.drive.ramp_to is not None:
            why = "a ramped current has no periodic orbit"
        elif self.phonons is not None and self.phonons.feedback:
            why = "[phonons] feedback adds the phonon distribution to the state"
        if why:
            raise ValueError(f'time.until = "orbit" is not available here ({why}); use until = "periodic"')
        return self

    @model_validator(mode="before")
    @classmethod
    def _phonon_material(cls, data):
        """[phonons] material: g and c_P from the table at [model] eta (psc_fem.feedback.presets.fill_couplings)."""
        ph = data.get("phonons") if isinstance(data, dict) else None
        if not isinstance(ph, dict) or not isinstance(ph.get("material"), str):
            return data
        from psc_fem.feedback.presets import fill_couplings

        return fill_couplings(data, Model)

    @model_validator(mode="before")
    @classmethod
    def _frame_of_normal_banks(cls, data):
        """time.frame defaults to "comoving" with normal-metal banks, filled into the raw table (run.json says so).

        Their steady state holds a static Psi under phi != 0 (the NS edges' charge imbalance), which the
        comoving frame steps exactly; the transport frame's error ~ phi (phi dt)^2 there is a bias of V the
        step control cannot see (forms/covariant.py, docs/geometry.md).
        """
        wire, time = (data.get(k) if isinstance(data, dict) else None for k in ("wire", "time"))
        banks = wire.get("banks") if isinstance(wire, dict) else None
        if isinstance(banks, dict) and banks.get("kind") == "normal" and isinstance(time, dict) and "frame" not in time:
            return {**data, "time": {**time, "frame": "comoving"}}
        return data

    @model_validator(mode="after")
    def _feedback_needs_tau_eps(self):
        if self.phonons is not None and self.phonons.feedback and self.model.delta == 0.0:
            raise ValueError(
                "phonons.feedback = true needs model.delta > 0 (the source and P of Eqs. 3-8 "
                "are proportional to tau_eps; the gapless model has none)"
            )
        return self

    @model_serializer(mode="wrap")
    def _without_absent_phonons(self, handler):
        # no [phonons] section: the dump (run.json, series.h5 attributes, resume checks) is as before
        data = handler(self)
        if data.get("phonons", 0) is None:
            del data["phonons"]
        return data

    @model_validator(mode="after")
    def _banks_normal(self):
        banks = self.wire.banks
        if banks is not None and banks.normal and not banks.suppression_value > self.model.p:
            raise ValueError(
                f"wire.banks.suppression must exceed model.p = {self.model.p:g} (else the banks' "
                f"-a + p - |Psi|^2 would condense), got {banks.suppression_value:g}"
            )
        return self

    @property
    def normal_contacts(self) -> bool:  # normal-metal ends: no end phase, slips are the dips of min |Psi|
        return self.wire.normal_banks

    @property
    def unknowns(self) -> int:  # before any mesh is built
        return 3 * (self.wire.cells * self.wire.degree + 1)


def validate(data: dict[str, Any]) -> Config:
    """dict -> Config, or ConfigError naming every bad key."""
    return validate_model(Config, data, "config", ConfigError)


def load_config(path: str | Path | None = None, overrides: Iterable[str] = ()) -> Config:
    """Read a TOML file (or defaults), apply --set overrides, validate: a wire's `Config`, or with a
    [geometry] table a film's `psc_fem.film.config.FilmConfig`.  Paths: `psc_fem.schema.inputs_relative_to`."""
    data = read_toml(path, ConfigError) if path is not None else {}
    if path is not None:
        inputs_relative_to(data, Path(path).resolve().parent)
    film = "geometry" in data
    if film:  # imported only for films (a wire's start-up does not build the film schema)
        from psc_fem.film.config import FilmConfig, validate_film
    root = FilmConfig if film else Config
    for text in overrides:
        section, key, value = parse_assignment(text)
        if section not in root.model_fields:
            raise ConfigError(f"unknown section '{section}'{suggest(section, list(root.model_fields))}")
        assign(data, section, key, value, ConfigError)  # --set wire.cross_section.depth=0.5
    return validate_film(data) if film else validate(data)
