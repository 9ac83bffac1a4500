"""Does a PSC cool? The cooling balance of Secs. 3.2-3.3 (Eqs. 12, 14, 15).

    psc-fem cool CONFIG.toml | RUN_DIR [--out DIR] [--set section.key=value] [--samples N] [--no-heat]

1. A run's dimensionless E+, E- (Eq. 12 with C = 1, `spectrum.run_spectrum`),
   period and mean V become physical (`physical`): Tc, Delta0, t0, xi(T),
   j0, the filament's cross-section and the prefactor
   C = lambda tau_eps V omega_D / (2 pi u^3 T eps_F) of Eq. (12).
2. The AMM (`kapitza`) gives the Kapitza conductances of the two interfaces
   and the thermal-diode factor p (docs/cooling.md defines it).
3. Two balances of the top plate (the medium to be cooled, at T_cold):
   * "paper" (Eqs. 14-15): P_net = N p |E-|/period - N k S/d (T_b - T_cold)
     - G_lead (T_b - T_cold) - P_load, with k(T) integrated over [T_cold, T_b];
   * "full": the same pumped heat, plus the Joule heat I V deposited in the
     filament and every thermal resistance in series (substrate, Kapitza
     filament|substrate, filament, Kapitza filament|top, top plate); `Chain`
     solves it exactly for a 1D stack (the FEM model `heat` reproduces it).
   The lowest reachable T_cold solves P_net(T_cold) = 0 (one filament and N
   in series, Sec. 3.3).
4. Monte Carlo over the table's uncertainties; verdict, cool.json, cool.png.
"""

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy import constants as sc
from scipy import optimize
from scipy.special import zeta

from . import kapitza
from .materials import MaterialError, get, load_table

HBAR, K_B, E_CHARGE = sc.hbar, sc.k, sc.e
FLUX_QUANTUM = sc.h / (2 * sc.e)
ZETA3 = float(zeta(3.0))
U_EXACT = math.pi**4 / (14 * ZETA3)
U_SEED = 5.798

FILAMENT_KINDS = ("superconductor",)
PLATE_KINDS = ("insulator", "metal", "polymer", "superconductor")


def _usage_error():
    from psc_fem.errors import UsageError

    return UsageError


# ==========================================================================
# Configuration
# ==========================================================================

Pos = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cooling(_Section):
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
    diode: Literal["amm", "directional", "impedance", "ideal"] | Annotated[float, Field(ge=-1, le=1, allow_inf_nan=False)] = "amm"
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
            raise ValueError("need cooling.T_floor < cooling.T_target < cooling.T_bath "
                             f"(got {self.T_floor}, {self.T_target}, {self.T_bath})")
        return self


class Heat(_Section):
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


class CoolConfig(_Section):
    cooling: Cooling = Cooling()
    heat: Heat = Heat()
    materials: dict[str, dict] = {}

    @model_validator(mode="after")
    def _widths(self):
        w = self.cooling.width
        if self.heat.top_width < w or self.heat.substrate_width < w:
            raise ValueError(f"heat.top_width and heat.substrate_width must be >= cooling.width ({w} m)")
        return self


def _describe(error):
    loc = [str(p) for p in error["loc"] if not str(p).startswith(("function-after", "literal", "union"))]
    name = ".".join(p for p in loc if not p.startswith(("float", "int", "str", "bool", "constrained")))
    kind, msg = error["type"], error["msg"]
    if kind == "extra_forbidden":
        section = loc[0] if len(loc) > 1 else None
        model = CoolConfig.model_fields[section].annotation if section in CoolConfig.model_fields else CoolConfig
        allowed = list(getattr(model, "model_fields", {}).keys())
        return f"unknown key '{name}'; allowed: {', '.join(allowed)}"
    value = error.get("input")
    got = "" if isinstance(value, dict) else f" (got {value!r})"
    return f"{name or 'config'}: {msg}{got}"


def validate(data):
    """dict -> CoolConfig, or UsageError naming every bad key and its range."""
    if not isinstance(data, dict):
        raise _usage_error()("cooling config must be a table of sections")
    try:
        return CoolConfig.model_validate(data)
    except ValidationError as exc:
        lines = sorted({_describe(e) for e in exc.errors()})
        raise _usage_error()("invalid cooling config:\n  " + "\n  ".join(lines)) from None


def load_config(path=None, run_dir=None, overrides=()):
    """A CoolConfig from a TOML file (paths relative to it) or for a run directory."""
    from psc_fem.config import parse_assignment

    data, base = {}, Path.cwd()
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise _usage_error()(f"config file not found: {path}")
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise _usage_error()(f"{path}: not valid TOML: {exc}") from None
        base = path.resolve().parent
        unknown = set(data) - set(CoolConfig.model_fields)
        # a run config with a [cooling] section is allowed: its run sections are ignored here
        for key in unknown & {"wire", "model", "drive", "time", "output", "petsc"}:
            data.pop(key)
    for text in overrides:
        section, key, value = parse_assignment(text)
        table = data.setdefault(section, {})
        if not isinstance(table, dict):
            raise _usage_error()(f"section '{section}' must be a table")
        if section == "materials":  # materials.Al.rho_n=5e-8
            name, _, prop = key.partition(".")
            if not prop:
                raise _usage_error()(f"--set {text}: use materials.<material>.<property>=<value>")
            table = table.setdefault(name, {})
            key = prop
        table[key] = value
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
        raise _usage_error()("cooling.run: give the run directory (or a RUN_DIR argument)")
    return cfg


# ==========================================================================
# The run
# ==========================================================================

@dataclass(frozen=True)
class RunData:
    """What the balance needs from a run (all dimensionless, Appendix A units)."""

    path: str
    eta: float
    delta: float
    u: float  # the TDGL constant u of (A.1), not a sound speed
    length: float  # wire length in xi(T)
    current: float  # j / j0
    mean_V: float  # in 1/(2 t0)
    period: float  # in t0
    E_plus: float  # Eq. (12), C = 1: K Delta0^6 per period
    E_minus: float
    identity_residual: float

    @property
    def josephson(self):
        return self.period * self.mean_V / (2 * math.pi)


def _u_value(raw):
    if isinstance(raw, bytes):
        raw = raw.decode()
    if isinstance(raw, str):
        if raw in ("exact", "seed"):
            return U_EXACT if raw == "exact" else U_SEED
        return float(raw)
    return float(raw)


def read_run(run_dir, variant="consistent", spectrum_dir=None):
    """RunData from series.h5 + run.json, with E+/E- from spectrum.h5 (computed if absent)."""
    import json

    import h5py

    run_dir = Path(run_dir)
    series, info = run_dir / "series.h5", run_dir / "run.json"
    if not series.is_file() or not info.is_file():
        raise _usage_error()(f"{run_dir}: not a run directory (needs series.h5 and run.json)")
    try:
        run = json.loads(info.read_text())
    except json.JSONDecodeError as exc:
        raise _usage_error()(f"{info}: not valid JSON: {exc}") from None
    analysis = run.get("analysis") or {}
    if analysis.get("state") != "periodic" or not analysis.get("period"):
        raise _usage_error()(f"{run_dir}: the run has no periodic PSC state "
                             f"(state = {analysis.get('state')!r}); nothing to cool with")
    try:
        with h5py.File(series, "r") as f:
            attrs = {k: (v.item() if hasattr(v, "item") else v) for k, v in f.attrs.items()}
    except OSError as exc:
        raise _usage_error()(f"{series}: cannot read: {exc}") from None
    for key in ("model.eta", "model.delta", "wire.length", "drive.current"):
        if key not in attrs:
            raise _usage_error()(f"{series}: missing attribute {key}")
    eta, delta = float(attrs["model.eta"]), float(attrs["model.delta"])
    if delta <= 0:
        raise _usage_error()(f"{run_dir}: model.delta = 0 (gapless run): Eq. (12) needs gamma = 1/delta finite")
    spec = _spectrum(run_dir, 1.0 - eta, 1.0 / delta, variant, spectrum_dir)
    return RunData(str(run_dir), eta, delta, _u_value(attrs.get("model.u", "exact")),
                   float(attrs["wire.length"]), float(attrs["drive.current"]),
                   float(analysis["mean_V"]), float(analysis["period"]), *spec)


def _spectrum(run_dir, t_over_tc, gamma, variant, out_dir):
    """(E+, E-, identity residual): from an existing matching spectrum.h5, else computed."""
    import h5py

    for d in (run_dir, out_dir):
        if d is None or not (Path(d) / "spectrum.h5").is_file():
            continue
        with h5py.File(Path(d) / "spectrum.h5", "r") as f:
            a = f.attrs
            v = a.get("variant")
            v = v.decode() if isinstance(v, bytes) else v
            if (abs(float(a.get("T", -1)) - t_over_tc) < 1e-12 and abs(float(a.get("gamma", -1)) - gamma) < 1e-12
                    and v == variant):
                return (float(np.mean(f["E_plus"][()])), float(np.mean(f["E_minus"][()])),
                        float(np.max(f["identity_residual"][()])))
    from psc_fem.phonons.spectrum import run_spectrum

    s = run_spectrum(run_dir, temperature=t_over_tc, gamma=gamma, variant=variant,
                     out_dir=out_dir if out_dir is not None else run_dir)
    return s["E_plus"], s["E_minus"], s["identity_residual"]


# ==========================================================================
# Physical units
# ==========================================================================

def delta0_over_kTc(eta):
    return math.sqrt(8 * math.pi**2 * eta / (7 * ZETA3))


def physical(run, fil, width, thickness, length="run", tau_eps="run", sound_speed="longitudinal"):
    """Convert a run to SI for filament material ``fil`` (docs/cooling.md, 'Units').

    hbar, e, k_B restored in Appendix A:
      T = (1 - eta) Tc,  Delta0 = sqrt(8 pi^2 eta / (7 zeta(3))) k_B Tc,
      t0 = pi hbar / (8 u k_B (Tc - T)),  xi = sqrt(pi hbar D / (8 k_B (Tc - T))),
      D = 1 / (2 e^2 N0 rho_n) (Einstein, N0 per spin),
      j0 = 4 u k_B (Tc - T) / (e pi xi rho_n),  V = hbar V~ / (2 e t0),
      I = j~ j0 A,  tau_eps = delta hbar / (2 Delta0) (run) or tau(Tc)(Tc/T)^3,
      C = lambda (tau_eps/hbar) (A xi) / (hbar u_s)^3 (k_B Theta_D / eps_F) / (2 pi k_B T)  [J^-5],
      E = C Delta0^6 E~ (x integrals carry V = A xi),  period = period~ t0.
    """
    Tc, eta = fil.Tc, run.eta
    T = (1.0 - eta) * Tc
    kdT = K_B * Tc * eta
    delta0 = delta0_over_kTc(eta) * K_B * Tc
    t0 = math.pi * HBAR / (8 * run.u * kdT)
    D = 1.0 / (2 * E_CHARGE**2 * fil.dos * fil.rho_n)
    xi = math.sqrt(math.pi * HBAR * D / (8 * kdT))
    j0 = 4 * run.u * kdT / (E_CHARGE * math.pi * xi * fil.rho_n)
    area = width * thickness
    current = run.current * j0 * area
    voltage = HBAR * run.mean_V / (2 * E_CHARGE * t0)
    tau_run = run.delta * HBAR / (2 * delta0)
    tau_mat = fil.tau_eps(T)
    tau = tau_run if tau_eps == "run" else tau_mat
    if sound_speed == "longitudinal":
        u_s = fil.c_l
    else:
        u_s = (3.0 / (1.0 / fil.c_l**3 + 2.0 / fil.c_t**3)) ** (1.0 / 3.0)
    omega_d_over_ef = K_B * fil.theta_D / (fil.fermi_energy * E_CHARGE)
    C = (fil.lambda_ep * (tau / HBAR) * (area * xi) / (HBAR * u_s) ** 3 * omega_d_over_ef
         / (2 * math.pi * K_B * T))
    e_unit = C * delta0**6
    period = run.period * t0
    wire = run.length * xi
    L = wire if length == "run" else float(length)
    return {
        "Tc": Tc, "T": T, "eta": eta, "Delta0": delta0, "Delta0_over_kTc": delta0 / (K_B * Tc),
        "t0": t0, "D": D, "xi": xi, "j0": j0, "area": area, "current": current, "voltage": voltage,
        "P_psc": current * voltage, "tau_eps": tau, "tau_eps_run": tau_run, "tau_eps_material": tau_mat,
        "delta_material": 2 * tau_mat * delta0 / HBAR, "sound_speed": u_s,
        "omega_D_over_eps_F": omega_d_over_ef, "C": C, "E_unit": e_unit,
        "E_plus": e_unit * run.E_plus, "E_minus": e_unit * run.E_minus, "period": period,
        "frequency": 1.0 / period, "wire_length": wire, "length": L, "contact_area": width * L,
        "josephson_V_period_over_phi0": voltage * period / FLUX_QUANTUM,
    }


# ==========================================================================
# Balances
# ==========================================================================

def _theta(a, n, T):
    return a * np.asarray(T, float) ** (n + 1) / (n + 1)


def _theta_inv(a, n, th):
    if th < 0:
        return None
    return ((n + 1) * th / a) ** (1.0 / (n + 1))


@dataclass(frozen=True)
class Chain:
    """The 1D series stack under one filament, cold finger at the bottom.

    cold finger (T_b) | substrate (area A_s, thickness t_s, k_s = a T^n)
    | Kapitza filament|substrate (h0_fs T^3, area S) | filament (k_f, d, area S,
    Joule source) | Kapitza filament|top (h0_ft, area S) | top plate (A_t, t_t,
    k_t) | load P_load on its outer face.

    The pumped heat P_c leaves the top plate at the filament|top interface and
    enters the substrate at the filament|substrate interface (the phonons of
    Eq. 12 cross the filament without thermalising, tau_es -> 0). Everything is
    per filament. The steady state follows by marching up from the cold finger,
    inverting exact 1D relations (Kirchhoff transform theta = int k dT in each
    layer, q = h0 (T1^4 - T2^4)/4 across each interface).
    """

    T_b: float
    S: float
    d: float
    k_f: tuple
    h0_fs: float
    h0_ft: float
    A_s: float
    t_s: float
    k_s: tuple
    A_t: float
    t_t: float
    k_t: tuple

    def solve(self, P_J, P_c, P_load=0.0):
        """Temperatures (K) of the stack, or None where the stack cannot carry it (T < 0)."""
        q_sub = P_J + P_load
        T_a = _theta_inv(*self.k_s, float(_theta(*self.k_s, self.T_b)) + q_sub * self.t_s / self.A_s)
        if T_a is None:
            return None
        q_fs = q_sub - P_c
        x = T_a**4 + 4 * q_fs / (self.h0_fs * self.S)
        if x < 0:
            return None
        T_fb = x**0.25
        a, n = self.k_f
        th0 = float(_theta(a, n, T_fb))
        th_top = th0 + (q_fs - 0.5 * P_J) * self.d / self.S
        th_mean = th0 + (0.5 * q_fs - P_J / 6.0) * self.d / self.S
        y = q_fs * self.d / P_J if P_J > 0 else -1.0
        th_max = max(th0, th_top, th0 + q_fs**2 * self.d / (2 * P_J * self.S) if 0 < y < self.d else th0)
        T_ft = _theta_inv(a, n, th_top)
        if T_ft is None:
            return None
        q_up = P_c - P_load
        x = T_ft**4 - 4 * q_up / (self.h0_ft * self.S)
        if x < 0:
            return None
        T_e = x**0.25
        T_top = _theta_inv(*self.k_t, float(_theta(*self.k_t, T_e)) + P_load * self.t_t / self.A_t)
        if T_top is None:
            return None
        return {"T_substrate_top": T_a, "T_filament_bottom": T_fb, "T_filament_top": T_ft,
                "T_filament_mean": _theta_inv(a, n, th_mean), "T_filament_max": _theta_inv(a, n, th_max),
                "T_top_interface": T_e, "T_top": T_top}

    def T_top(self, P_J, P_c, P_load=0.0):
        r = self.solve(P_J, P_c, P_load)
        return 0.0 if r is None else r["T_top"]

    def load_at(self, T_cold, P_J, P_c):
        """The load (W, per filament) the top plate can take at T_cold (negative: it heats)."""
        lo, hi = -1.0, 1.0
        scale = max(P_J, abs(P_c), 1e-30)
        lo, hi = -scale, scale
        for _ in range(200):
            if self.T_top(P_J, P_c, lo) <= T_cold:
                break
            lo *= 4
        for _ in range(200):
            if self.T_top(P_J, P_c, hi) >= T_cold:
                break
            hi *= 4
        return optimize.brentq(lambda q: self.T_top(P_J, P_c, q) - T_cold, lo, hi, xtol=1e-40, rtol=1e-12)

    def pump_for(self, T_cold, P_J, P_load=0.0):
        """The pumped power P_c (per filament) that holds the top plate at T_cold under P_load."""
        def g(pc):
            return self.T_top(P_J, pc, P_load) - T_cold
        if g(0.0) <= 0:
            return 0.0
        hi = max(P_J, P_load, 1e-30)
        for _ in range(400):
            if g(hi) <= 0:
                break
            hi *= 2
        return optimize.brentq(g, 0.0, hi, xtol=1e-40, rtol=1e-12)


def leak_eq14(fil, S, d, T_cold, T_b):
    """Eq. (14) per filament: (S/d) int_{T_cold}^{T_b} k dT (k S/d (T_b - T_cold) for constant k)."""
    return S / d * fil.conductivity_integral(T_cold, T_b)


def _lowest(net, T_b, T_floor):
    """Lowest T in [T_floor, T_b] with net(T) >= 0 (net increases with T), or None."""
    if net(T_b) <= 0:
        return None
    if net(T_floor) >= 0:
        return T_floor
    return optimize.brentq(net, T_floor, T_b, xtol=1e-9, rtol=1e-10)


def evaluate(run, mats, cfg, curves=None, light=False):
    """Every number of the balance for one set of materials (nominal or sampled).

    mats: {"filament", "top", "substrate"} -> Material. curves: optional T_cold grid.
    """
    c, h = cfg.cooling, cfg.heat
    fil, top, sub = mats["filament"], mats["top"], mats["substrate"]
    ph = physical(run, fil, c.width, c.thickness, c.length, c.tau_eps, c.sound_speed)
    dio = kapitza.diode(fil.acoustic, top.acoustic, sub.acoustic, c.amm)
    p = dio.factor(c.diode)
    if c.diode == "amm" and abs(p) < 1e-12:
        p = 0.0  # detailed balance holds to quadrature precision (~1e-16)
    N, T_b = c.n_series, c.T_bath
    S, d = ph["contact_area"], c.thickness
    pump_ideal = abs(ph["E_minus"]) / ph["period"]  # p = 1, per filament
    P_c = p * pump_ideal
    P_J = ph["P_psc"]
    h0_fs, h0_ft = kapitza.HK_T3 * dio.fs.G, kapitza.HK_T3 * dio.ft.G

    def paper_net(T, pp=p, n=N):
        return (n * pp * pump_ideal - n * leak_eq14(fil, S, d, T, T_b)
                - c.lead_conductance * (T_b - T) - c.load)

    chain = Chain(T_b, S, d, fil.k_params(), h0_fs, h0_ft, h.substrate_width * ph["length"], h.substrate_thickness,
                  sub.k_params(), h.top_width * ph["length"], h.top_thickness, top.k_params())

    def full_T(pp=p, n=N):
        """Steady T_cold of the top plate (isolated but for load and leads), per the full balance."""
        def g(T):
            per = (c.load + c.lead_conductance * (T_b - T)) / n
            return chain.T_top(P_J, pp * pump_ideal, per) - T
        hi = T_b
        while g(hi) > 0:
            hi *= 2
            if hi > 1e4 * T_b:
                return math.inf
        lo = min(c.T_floor, hi / 2)
        if g(lo) >= 0:
            return optimize.brentq(g, lo, hi, xtol=1e-12)
        return g(lo) + lo  # colder than the floor (0 where the stack would need T < 0)

    out = {"p": p, "p_amm": dio.p if abs(dio.p) > 1e-12 else 0.0, "p_directional": dio.p_directional, "p_impedance": dio.p_impedance,
           "e_top": dio.e_top, "a_top": dio.a_top, "pump_ideal": pump_ideal, "P_c": P_c, "P_psc": P_J,
           "kappa": P_c / P_J, "kappa_ideal": pump_ideal / P_J,
           "h_fs_1K": h0_fs, "h_ft_1K": h0_ft, "G_fs": dio.fs.G, "G_ft": dio.ft.G,
           "gamma": {k: dict(v.gamma) for k, v in (("ft", dio.ft), ("tf", dio.tf), ("fs", dio.fs), ("sf", dio.sf))},
           "leak_eq14_target": leak_eq14(fil, S, d, c.T_target, T_b),
           "kappa_required_target": leak_eq14(fil, S, d, c.T_target, T_b) / P_J,
           **{k: ph[k] for k in ph}}
    out["condition15_target"] = out["kappa"] > out["kappa_required_target"]
    out["p_required_paper"] = (N * out["leak_eq14_target"] + c.lead_conductance * (T_b - c.T_target) + c.load) / (N * pump_ideal)
    for tag, n in (("1", 1), ("N", N)):
        out[f"T_min_paper_{tag}"] = _lowest(lambda T, n=n: paper_net(T, p, n), T_b, c.T_floor)
        out[f"T_min_paper_ideal_{tag}"] = _lowest(lambda T, n=n: paper_net(T, 1.0, n), T_b, c.T_floor)
        out[f"T_cold_full_{tag}"] = full_T(p, n)
        out[f"T_cold_full_ideal_{tag}"] = full_T(1.0, n)
    st = chain.solve(P_J, P_c, (c.load + c.lead_conductance * (T_b - min(out["T_cold_full_N"], T_b))) / N) or {}
    out.update({f"full_{k}": v for k, v in st.items()})
    out["joule_to_top_fraction"] = dio.e_top
    # p the full balance would need to hold the top plate at T_target (p <= 1 is physical)
    per = (c.load + c.lead_conductance * (T_b - c.T_target)) / N
    out["p_required_full"] = chain.pump_for(c.T_target, P_J, per) / pump_ideal
    if curves is not None:
        Tp, Tf = (np.asarray(g, float) for g in curves)

        def net_full(pc):
            return np.array([N * chain.load_at(t, P_J, pc) - c.lead_conductance * (T_b - t) - c.load for t in Tf])

        out["curves"] = {"T_full": Tf, "net_full": net_full(P_c)}
        if not light:  # light: the Monte Carlo bands need net_full only
            out["curves"].update({
                "T_paper": Tp,
                "pump": np.full_like(Tp, N * P_c), "pump_ideal": np.full_like(Tp, N * pump_ideal),
                "leak_eq14": N * leak_eq14(fil, S, d, Tp, T_b), "lead": c.lead_conductance * (T_b - Tp),
                "joule": np.full_like(Tp, N * P_J),
                "net_full_ideal": net_full(pump_ideal),
            })
    return out, chain, dio


# ==========================================================================
# Monte Carlo, verdict, outputs
# ==========================================================================

SCALARS = ("P_psc", "P_c", "pump_ideal", "kappa", "kappa_ideal", "p", "p_directional", "p_impedance", "e_top",
           "h_fs_1K", "h_ft_1K", "kappa_required_target", "p_required_paper", "p_required_full",
           "T_min_paper_1", "T_min_paper_N", "T_min_paper_ideal_1", "T_min_paper_ideal_N",
           "T_cold_full_1", "T_cold_full_N", "T_cold_full_ideal_1", "T_cold_full_ideal_N",
           "full_T_filament_mean", "current", "voltage", "xi", "tau_eps", "E_minus", "period", "C")


def monte_carlo(run, mats, cfg, samples, seed, grid):
    """Sampled outputs: {name: array (samples,)} and the curves' 16/50/84 % bands."""
    rng = np.random.default_rng(seed)
    vals = {k: [] for k in SCALARS}
    curves = {"net_full": []}
    for _ in range(samples):
        m = {k: v.sample(rng) for k, v in mats.items()}
        try:
            out, _, _ = evaluate(run, m, cfg, curves=grid, light=True)
        except (ValueError, ZeroDivisionError, FloatingPointError):
            continue  # e.g. an unphysical draw (c_l < sqrt(4/3) c_t)
        for k in SCALARS:
            v = out.get(k)
            vals[k].append(np.nan if v is None else float(v))
        for k in curves:
            curves[k].append(out["curves"][k])
    vals = {k: np.asarray(v) for k, v in vals.items()}
    bands = {k: np.percentile(np.asarray(v), [16, 50, 84], axis=0) for k, v in curves.items() if v}
    return vals, bands


def _stats(x):
    x = np.asarray(x, float)
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return {"p16": None, "median": None, "p84": None, "n": int(x.size), "n_none": int(x.size)}
    p16, med, p84 = np.percentile(finite, [16, 50, 84])
    return {"p16": float(p16), "median": float(med), "p84": float(p84), "n": int(x.size),
            "n_none": int(x.size - finite.size)}


def _fmt(x, unit="", digits=3):
    if x is None:
        return "none"
    if isinstance(x, float) and not math.isfinite(x):
        return "inf"
    return f"{x:.{digits}g}{(' ' + unit) if unit else ''}"


def _tmin(T, T_b):
    if T is None:
        return "none"
    if isinstance(T, float) and not math.isfinite(T):
        return "inf"
    if 0 < T_b - T < 1e-3 * T_b:
        return f"T_b - {T_b - T:.2g} K"
    return f"{T:.4g} K"


def _range(st, unit=""):
    if st is None or st["median"] is None:
        return ""
    return f" [68 %: {_fmt(st['p16'])} - {_fmt(st['p84'])}{(' ' + unit) if unit else ''}]"


def verdict(nom, mc, cfg):
    """(one-line verdict, list of reasons)."""
    c = cfg.cooling
    N, T_b = c.n_series, c.T_bath
    reasons = []
    if c.balance == "full":
        T = nom["T_cold_full_N"]
        ok = T < T_b
        frac = None if mc is None else float(np.mean(mc["T_cold_full_N"] < T_b))
    else:
        T = nom["T_min_paper_N"]
        ok = T is not None
        frac = None if mc is None else float(np.mean(np.isfinite(mc["T_min_paper_N"])))
    if ok:
        where = ("below the floor " + _fmt(c.T_floor, "K")) if T <= c.T_floor else _fmt(T, "K")
        line = f"net cooling possible down to {where} at T_b = {_fmt(T_b, 'K')} ({c.balance} balance, N = {N})"
    else:
        line = f"no net cooling at T_b = {_fmt(T_b, 'K')} ({c.balance} balance, N = {N})"
    if frac is not None:
        line += f"; {100 * frac:.0f} % of {mc['p'].size} Monte Carlo samples cool"
    p = nom["p"]
    if c.diode == "amm" or (isinstance(c.diode, float) and p == 0):
        reasons.append("p = 0: the AMM interface is reciprocal (detailed balance G_fp = G_pf), so the "
                       "deficit of Eq. (12) is refilled from the top plate in the same proportion "
                       f"(e_top = {nom['e_top']:.3f}) as the excess is emitted into it; with E+ = |E-| the "
                       "net heat drawn from the top plate is zero")
    elif p <= 0:
        reasons.append(f"p = {p:.3g} <= 0: the diode ({c.diode}) pumps the wrong way")
    reasons.append(f"kappa = P_c/P_PSC = {nom['kappa']:.3g}; even an ideal diode (p = 1) gives kappa = "
                   f"{nom['kappa_ideal']:.3g}: |E-|/period = {_fmt(nom['pump_ideal'], 'W')} vs I V = "
                   f"{_fmt(nom['P_psc'], 'W')}")
    reasons.append(f"Eq. (15) at T_cold = {c.T_target} K needs kappa > {nom['kappa_required_target']:.3g} "
                   f"(p > {nom['p_required_paper']:.3g} with the paper's leak); the full balance needs "
                   f"p > {nom['p_required_full']:.3g}")
    if c.balance == "full" or nom["T_cold_full_N"] >= T_b:
        reasons.append(f"full balance: the Joule heat I V splits between the plates by the Kapitza "
                       f"conductances; the top plate settles at {_fmt(nom['T_cold_full_N'], 'K')} "
                       f"(filament mean {_fmt(nom.get('full_T_filament_mean'), 'K')})")
    return line, reasons


def warnings_for(nom, mats, cfg, run):
    c = cfg.cooling
    fil = mats["filament"]
    w = []
    if abs(nom["T"] - c.T_bath) > 0.2 * c.T_bath:
        w.append(f"the run is at T = (1 - eta) Tc = {nom['T']:.3g} K for {fil.key}, not near T_b = {c.T_bath} K: "
                 "the PSC dynamics were computed for another temperature")
    ratio = nom["tau_eps_material"] / nom["tau_eps_run"]
    if not 1 / 3 < ratio < 3:
        w.append(f"the run's delta = {run.delta:.3g} implies tau_eps = {nom['tau_eps_run']:.3g} s; {fil.key} has "
                 f"tau_eps({nom['T']:.3g} K) ~ {nom['tau_eps_material']:.3g} s (delta ~ {nom['delta_material']:.3g}): "
                 "the run does not describe this material's relaxation")
    tf = nom.get("full_T_filament_mean")
    if tf is not None and tf > fil.Tc:
        w.append(f"full balance: the filament's mean temperature {tf:.3g} K exceeds Tc = {fil.Tc} K: "
                 "Joule heating through the Kapitza bottleneck drives it normal")
    if fil.has("sigma_ep"):
        V = nom["area"] * nom["wire_length"]
        Te = (nom["T"] ** 5 + nom["P_psc"] / (fil.sigma_ep * V)) ** 0.2
        nom["T_electron_estimate"] = Te
        if Te > 1.2 * nom["T"]:
            w.append(f"electron-phonon bottleneck: P = Sigma V (T_e^5 - T^5) gives T_e ~ {Te:.3g} K "
                     f"(Sigma = {fil.sigma_ep:.3g} W/m^3K^5, V = {V:.3g} m^3)")
    for role in ("filament", "top", "substrate"):
        m = mats[role]
        lo, hi = m.k_range
        if m.k_model == "power" and not (lo <= c.T_target and c.T_bath <= hi):
            w.append(f"{m.key}: k(T) = a T^n is tabulated for {lo}-{hi} K only")
    if mats["top"].kind in ("metal", "superconductor") or mats["substrate"].kind == "metal":
        w.append("a metal plate: heat also crosses a metal|metal interface by electrons, which the phonon AMM "
                 "omits; the real leak is larger")
    return w


def plot(path, nom, bands, cfg, title):
    """cool.png: (left) Eqs. 14-15 powers vs T_cold; (right) net cooling power of the full balance."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cv = nom["curves"]
    c = cfg.cooling
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True)
    T = cv["T_paper"]
    a.semilogy(T, cv["leak_eq14"] + cv["lead"] + c.load, "C3", label="leak, Eq. (14) (+ leads, load)")
    a.semilogy(T, cv["pump_ideal"], "C0--", label="P_c, ideal diode p = 1")
    if nom["p"] > 0:
        a.semilogy(T, cv["pump"], "C0", label=f"P_c, p = {nom['p']:.3g} ({c.diode})")
    else:
        a.plot([], [], "C0", label=f"P_c = 0 (p = {nom['p']:.3g}, {c.diode})")
    a.semilogy(T, cv["joule"], "C1:", label="Joule I V (not in Eq. 14)")
    a.set_xlabel("T_cold (K)")
    a.set_ylabel(f"power (W), N = {c.n_series}")
    a.set_title(f"paper's balance (Eqs. 14-15), T_b = {c.T_bath} K")
    a.legend(fontsize=8)
    T = cv["T_full"]
    top = max(np.max(np.abs(cv["net_full"])), np.max(np.abs(cv["net_full_ideal"])), 1e-30)
    exp3 = min(max(3 * math.floor(math.log10(top) / 3), -18), 0)
    unit, f = {0: "W", -3: "mW", -6: "uW", -9: "nW", -12: "pW", -15: "fW", -18: "aW"}[exp3], 10.0**-exp3
    b.plot(T, cv["net_full"] * f, "C2", label=f"p = {nom['p']:.3g} ({c.diode})")
    b.plot(T, cv["net_full_ideal"] * f, "C2--", label="p = 1 (ideal diode)")
    if bands and "net_full" in bands:
        b.fill_between(T, bands["net_full"][0] * f, bands["net_full"][2] * f, color="C2", alpha=0.25,
                       label="68 % band (Monte Carlo)")
    b.axhline(0, color="k", lw=0.8)
    b.axvline(c.T_bath, color="k", lw=0.8, ls=":", label="T_b")
    if math.isfinite(nom["T_cold_full_N"]):
        b.axvline(nom["T_cold_full_N"], color="C2", lw=0.8, ls=":", label="steady T_cold")
    b.set_xlabel("T_cold (K)")
    b.set_ylabel(f"net cooling power at T_cold ({unit})")
    b.set_title("full balance (Joule share, Kapitza, plates): > 0 cools")
    b.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _clean(x):
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items() if k != "curves"}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (np.floating, float)):
        return None if not math.isfinite(float(x)) else float(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def resolve(cfg):
    """Materials of the stack (validated) -> {"filament", "top", "substrate"}."""
    c = cfg.cooling
    try:
        table = load_table(cfg.materials)
        return {"filament": get(table, c.filament, "cooling.filament", FILAMENT_KINDS),
                "top": get(table, c.top, "cooling.top", PLATE_KINDS),
                "substrate": get(table, c.substrate, "cooling.substrate", PLATE_KINDS)}
    except MaterialError as exc:
        raise _usage_error()(str(exc)) from None


def cool(cfg, out_dir=None, samples=None, heat=None, comm=None, echo=print):
    """Run the whole analysis; returns the cool.json dict (rank 0) and writes the outputs."""
    import json

    from mpi4py import MPI

    comm = comm or MPI.COMM_WORLD
    c = cfg.cooling
    mats = resolve(cfg)
    run_dir = Path(c.run)
    if not (run_dir / "series.h5").is_file():
        if c.simulate is None:
            raise _usage_error()(f"cooling.run: {run_dir} is not a run directory and cooling.simulate is not set")
        if not Path(c.simulate).is_file():
            raise _usage_error()(f"cooling.simulate: config file not found: {c.simulate}")
        from psc_fem.config import load_config as load_run_config
        from psc_fem.solver.simulation import simulate

        run_cfg = load_run_config(c.simulate, c.simulate_set)  # validated before anything is written
        simulate(run_cfg, run_dir, comm=comm, progress=False, echo=False)
    out = Path(out_dir) if out_dir is not None else run_dir
    run = None
    if comm.rank == 0:
        run = read_run(run_dir, c.variant, spectrum_dir=out)  # validates before writing anything
        out.mkdir(parents=True, exist_ok=True)
    run = comm.bcast(run, root=0)
    nom, chain, dio = evaluate(run, mats, cfg)
    t_hi = 1.25 * max(c.T_bath, nom["T_cold_full_N"] if math.isfinite(nom["T_cold_full_N"]) else c.T_bath)
    grid = (np.linspace(max(c.T_floor, 0.02 * c.T_bath), c.T_bath, 60),
            np.linspace(max(c.T_floor, 0.02 * c.T_bath), t_hi, 40))
    nom, chain, dio = evaluate(run, mats, cfg, curves=grid)
    n_samples = c.samples if samples is None else samples
    mc, bands = (monte_carlo(run, mats, cfg, n_samples, c.seed, grid) if n_samples > 0 and comm.rank == 0
                 else (None, None))
    fem = None
    if (cfg.heat.enabled if heat is None else heat):
        from psc_fem.cooling.heat import solve_cross_section

        fem = solve_cross_section(cfg, mats, nom, out / "heat", comm=comm)
    if comm.rank != 0:
        return None
    warn = warnings_for(nom, mats, cfg, run)
    line, reasons = verdict(nom, mc, cfg)
    title = (f"{mats['filament'].key} filament, top {mats['top'].key}, substrate {mats['substrate'].key}, "
             f"{line}")
    plot(out / "cool.png", nom, bands, cfg, title)
    stats = {k: _stats(v) for k, v in mc.items()} if mc is not None else None
    result = {
        "verdict": line, "reasons": reasons, "warnings": warn,
        "config": cfg.model_dump(), "stack": {r: m.key for r, m in mats.items()},
        "materials": {r: {"kind": m.kind, "name": m.name, "k_model": m.k_model, "k_range": list(m.k_range),
                          "rows": [dict(zip(("property", "value", "unit", "rel", "source"), row)) for row in m.rows()]}
                      for r, m in mats.items()},
        "run": run.__dict__ | {"josephson_ratio": run.josephson},
        "nominal": _clean(nom),
        "critical_angles_deg": {
            "filament->top": {m: [math.degrees(x) for x in kapitza.critical_angles(mats["filament"].acoustic,
                                                                                  mats["top"].acoustic, m)]
                              for m in ("L", "T")},
            "top->filament": {m: [math.degrees(x) for x in kapitza.critical_angles(mats["top"].acoustic,
                                                                                  mats["filament"].acoustic, m)]
                              for m in ("L", "T")},
            "filament->substrate": {m: [math.degrees(x) for x in kapitza.critical_angles(
                mats["filament"].acoustic, mats["substrate"].acoustic, m)] for m in ("L", "T")},
            "substrate->filament": {m: [math.degrees(x) for x in kapitza.critical_angles(
                mats["substrate"].acoustic, mats["filament"].acoustic, m)] for m in ("L", "T")},
            "paper_rho_u": {k: [math.degrees(x) for x in kapitza.critical_angles(a.acoustic, b.acoustic, "L", "impedance")]
                            for k, a, b in (("filament->top", mats["filament"], mats["top"]),
                                            ("top->filament", mats["top"], mats["filament"]),
                                            ("filament->substrate", mats["filament"], mats["substrate"]),
                                            ("substrate->filament", mats["substrate"], mats["filament"]))},
        },
        "monte_carlo": stats,
        "heat_fem": fem,
        "files": {"json": str(out / "cool.json"), "figure": str(out / "cool.png")},
    }
    from psc_fem.io.writer import write_json

    write_json(out / "cool.json", _clean(result))
    if echo:
        echo(report(result, stats))
    return result


def report(res, st):
    n = res["nominal"]
    c = res["config"]["cooling"]
    s = st or {}
    lines = [
        f"psc-fem cool: {res['stack']['filament']} filament, top plate {res['stack']['top']}, "
        f"substrate {res['stack']['substrate']}, T_b = {c['T_bath']} K, N = {c['n_series']}",
        f"  run: {res['run']['path']}  period = {res['run']['period']:.5g} t0, mean V = {res['run']['mean_V']:.5g}, "
        f"E+ = {res['run']['E_plus']:.5g}, E- = {res['run']['E_minus']:.5g} (C = 1)",
        f"  physical: T = {n['T']:.4g} K, Delta0 = {n['Delta0'] / E_CHARGE * 1e6:.4g} ueV, t0 = {n['t0']:.4g} s, "
        f"xi = {n['xi'] * 1e9:.4g} nm, j0 = {n['j0']:.4g} A/m^2",
        f"  I = {_fmt(n['current'], 'A')}, V = {_fmt(n['voltage'], 'V')}, P_PSC = I V = {_fmt(n['P_psc'], 'W')}"
        + _range(s.get("P_psc"), "W"),
        f"  Eq. (12) prefactor C = {n['C']:.4g} J^-5 (tau_eps = {_fmt(n['tau_eps'], 's')}, u = {n['sound_speed']:.0f} m/s); "
        f"|E-| = {_fmt(abs(n['E_minus']), 'J')} per period {_fmt(n['period'], 's')}",
        f"  AMM ({c['amm']}): h_K/T^3 = {n['h_ft_1K']:.4g} (filament|top), {n['h_fs_1K']:.4g} (filament|substrate) W/m^2K^4;"
        f" escape to top e_top = {n['e_top']:.3f}",
        f"  diode factor p: AMM = {n['p_amm']:.2g}, directional (paper's reading, sound speeds) = "
        f"{n['p_directional']:.3f}, rho*u rule (paper) = {n['p_impedance']:.3f}; used: {c['diode']} -> p = {n['p']:.3g}",
        f"  P_c = p |E-|/period = {_fmt(n['P_c'], 'W')};  kappa = P_c/P_PSC = {n['kappa']:.3g}" + _range(s.get("kappa"))
        + f";  ideal diode kappa = {n['kappa_ideal']:.3g}" + _range(s.get("kappa_ideal")),
        f"  Eq. (14) leak at T_cold = {c['T_target']} K: {_fmt(n['leak_eq14_target'], 'W')} per filament; "
        f"Eq. (15): kappa > {n['kappa_required_target']:.3g} -> {'met' if n['condition15_target'] else 'not met'}",
        f"  lowest T_cold, paper's balance: N=1 {_tmin(n['T_min_paper_1'], c['T_bath'])}, N={c['n_series']} "
        f"{_tmin(n['T_min_paper_N'], c['T_bath'])}; with p = 1: {_tmin(n['T_min_paper_ideal_1'], c['T_bath'])} / "
        f"{_tmin(n['T_min_paper_ideal_N'], c['T_bath'])}",
        f"  top plate, full balance: N=1 {_fmt(n['T_cold_full_1'], 'K')}, N={c['n_series']} "
        f"{_fmt(n['T_cold_full_N'], 'K')}" + _range(s.get("T_cold_full_N"), "K")
        + f"; with p = 1: {_fmt(n['T_cold_full_ideal_N'], 'K')}",
    ]
    if res.get("heat_fem"):
        f = res["heat_fem"]
        lines.append(f"  FEM cross-section: top plate {f['T_top_min']:.5g}-{f['T_top_max']:.5g} K, filament mean "
                     f"{f['T_filament_mean']:.5g} K (lumped {_fmt(n.get('full_T_filament_mean'), 'K', 5)}); "
                     f"fields: {f['xdmf']}")
    lines.append(f"VERDICT: {res['verdict']}")
    lines += [f"  because {r}" for r in res["reasons"]]
    lines += [f"  warning: {w}" for w in res["warnings"]]
    lines.append(f"  wrote {res['files']['json']}, {res['files']['figure']}")
    return "\n".join(lines)


# ==========================================================================
# CLI plug-in
# ==========================================================================

def add_arguments(parser):
    parser.add_argument("target", help="cooling config (TOML with a [cooling] section) or a run directory")
    parser.add_argument("--out", help="output directory (default: the run directory)")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override a config key, e.g. cooling.top=\"SiO2\"")
    parser.add_argument("--samples", type=int, help="Monte Carlo samples (default: cooling.samples)")
    parser.add_argument("--no-heat", action="store_true", help="skip the FEM model of the cross-section")


def main(args) -> int:
    target = Path(args.target)
    if target.is_dir():
        cfg = load_config(None, run_dir=target, overrides=args.set)
    elif target.is_file():
        cfg = load_config(target, overrides=args.set)
    else:
        raise _usage_error()(f"cool: {target} is neither a config file nor a run directory")
    if args.samples is not None and not 0 <= args.samples <= 100_000:
        raise _usage_error()(f"--samples must lie in [0, 100000], got {args.samples}")
    cool(cfg, out_dir=args.out, samples=args.samples, heat=False if args.no_heat else None)
    return 0
