"""Materials table (psc_fem/data/materials.toml): values, uncertainties, sources.

A `Material` maps property names to `Quantity(value, rel, source)`; `rel` is
the relative 1-sigma uncertainty, sampled log-normally (sigma_ln = rel) by
`Material.sample`. `load_table(overrides)` reads the shipped table and applies
a cooling config's [materials.<name>] overrides (a number replaces the value
and keeps the row's uncertainty; a table {value, rel, source} replaces what
it names; a new name defines a new material, which must then be complete).
"""

import math
import tomllib
from dataclasses import dataclass, replace
from importlib import resources

import numpy as np
from scipy import constants as sc

from psc_fem.cooling.kapitza import Acoustic
from psc_fem.errors import MaterialError  # noqa: F401  (raised here)

L0 = math.pi**2 / 3.0 * (sc.k / sc.e) ** 2  # Lorenz number, W Ohm / K^2

UNITS = {
    "density": "kg/m^3",
    "c_l": "m/s",
    "c_t": "m/s",
    "theta_D": "K",
    "Tc": "K",
    "gap_ratio": "2 Delta(0)/(k_B Tc)",
    "lambda_ep": "1",
    "tau_eps_tc": "s",
    "fermi_energy": "eV",
    "rho_n": "Ohm m",
    "dos": "1/(J m^3) per spin",
    "sigma_ep": "W/(m^3 K^5)",
    "k_a": "W/(m K^(n+1))",
    "k_n": "1",
}
KINDS = ("superconductor", "insulator", "metal", "polymer")
COMMON = ("density", "c_l", "c_t", "theta_D")
SUPERCONDUCTOR = ("Tc", "gap_ratio", "lambda_ep", "tau_eps_tc", "fermi_energy", "rho_n", "dos")
OPTIONAL = ("sigma_ep", "k_a", "k_n")
META = ("kind", "name", "k_model", "k_range")


@dataclass(frozen=True)
class Quantity:
    value: float
    rel: float = 0.0
    source: str = ""


@dataclass(frozen=True)
class Material:
    key: str
    kind: str
    name: str
    props: dict
    k_model: str = "power"
    k_range: tuple = (0.0, math.inf)

    def __getattr__(self, item):
        props = object.__getattribute__(self, "props")
        if item in props:
            return props[item].value
        raise AttributeError(f"material {object.__getattribute__(self, 'key')} has no property {item!r}")

    def has(self, item):
        return item in self.props

    @property
    def acoustic(self):
        return Acoustic(self.density, self.c_l, self.c_t, self.key)

    @property
    def superconducting(self):
        return self.kind == "superconductor"

    def k_params(self):
        """(a, n) of k(T) = a T^n in W/(m K)."""
        if self.k_model == "wiedemann-franz":
            return L0 / self.rho_n, 1.0
        return self.k_a, self.k_n

    def conductivity(self, T):
        a, n = self.k_params()
        return a * np.asarray(T, float) ** n

    def conductivity_integral(self, T1, T2):
        """int_T1^T2 k dT (W/m)."""
        a, n = self.k_params()
        return a * (np.asarray(T2, float) ** (n + 1) - np.asarray(T1, float) ** (n + 1)) / (n + 1)

    def tau_eps(self, T):
        """Inelastic electron-phonon time at T: tau(Tc) (Tc/T)^3 (Kaplan et al. 1976)."""
        return self.tau_eps_tc * (self.Tc / T) ** 3

    def sample(self, rng):
        """A copy with every uncertain property drawn log-normally (sigma_ln = rel)."""
        props = {
            k: (replace(q, value=q.value * math.exp(q.rel * rng.standard_normal())) if q.rel > 0 else q)
            for k, q in self.props.items()
        }
        return replace(self, props=props)

    def rows(self):
        """[(property, value, unit, rel, source)] for reports."""
        return [(k, q.value, UNITS.get(k, ""), q.rel, q.source) for k, q in self.props.items()]


def _quantity(mat, key, raw, old=None):
    where = f"materials.{mat}.{key}"
    if isinstance(raw, bool):
        raise MaterialError(f"{where}: expected a number or {{value, rel, source}}, got {raw!r}")
    if isinstance(raw, (int, float)):
        raw = {"value": raw}
    if not isinstance(raw, dict):
        raise MaterialError(f"{where}: expected a number or {{value, rel, source}}, got {raw!r}")
    extra = set(raw) - {"value", "rel", "source"}
    if extra:
        raise MaterialError(f"{where}: unknown field(s) {sorted(extra)}; allowed: value, rel, source")
    base = old or Quantity(float("nan"), 0.0, "")
    value = raw.get("value", base.value)
    rel = raw.get("rel", base.rel)
    source = raw.get("source", "config override" if old is not None and "value" in raw else base.source)
    for name, x in (("value", value), ("rel", rel)):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            raise MaterialError(f"{where}.{name}: must be a finite number, got {x!r}")
    if key == "k_n":
        if not -1.0 < value <= 6.0:
            raise MaterialError(f"{where}: exponent must lie in (-1, 6], got {value}")
    elif not value > 0:
        raise MaterialError(f"{where}: must be positive, got {value}")
    if not 0.0 <= rel <= 3.0:
        raise MaterialError(f"{where}.rel: relative uncertainty must lie in [0, 3], got {rel}")
    return Quantity(float(value), float(rel), str(source))


def _build(key, data, base=None):
    if not isinstance(data, dict):
        raise MaterialError(f"materials.{key}: must be a table")
    kind = data.get("kind", base.kind if base else None)
    if kind not in KINDS:
        raise MaterialError(f"materials.{key}.kind: must be one of {KINDS}, got {kind!r}")
    props = dict(base.props) if base else {}
    allowed = set(COMMON) | set(SUPERCONDUCTOR) | set(OPTIONAL) | set(META)
    for k, raw in data.items():
        if k in META:
            continue
        if k not in allowed:
            raise MaterialError(f"materials.{key}: unknown property '{k}'; allowed: {', '.join(sorted(allowed))}")
        props[k] = _quantity(key, k, raw, props.get(k))
    k_model = data.get("k_model", base.k_model if base else "power")
    if k_model not in ("power", "wiedemann-franz"):
        raise MaterialError(f"materials.{key}.k_model: must be 'power' or 'wiedemann-franz', got {k_model!r}")
    need = list(COMMON) + (list(SUPERCONDUCTOR) if kind == "superconductor" else [])
    need += ["rho_n"] if k_model == "wiedemann-franz" else ["k_a", "k_n"]
    missing = [k for k in need if k not in props]
    if missing:
        raise MaterialError(f"materials.{key}: missing {', '.join(missing)} (a {kind} with k_model = {k_model})")
    k_range = data.get("k_range", base.k_range if base else (0.0, math.inf))
    if (
        not isinstance(k_range, (list, tuple))
        or len(k_range) != 2
        or not all(isinstance(x, (int, float)) for x in k_range)
        or not 0 <= k_range[0] < k_range[1]
    ):
        raise MaterialError(f"materials.{key}.k_range: expected [T_min, T_max] in K, got {k_range!r}")
    mat = Material(
        key, kind, str(data.get("name", base.name if base else key)), props, k_model, tuple(float(x) for x in k_range)
    )
    try:
        mat.acoustic  # noqa: B018  (validates the sound speeds)
    except ValueError as exc:
        raise MaterialError(f"materials.{key}: {exc}") from None
    return mat


def table_path():
    return resources.files("psc_fem") / "data" / "materials.toml"


def load_table(overrides=None):
    """{key: Material} from the shipped table, with config overrides applied."""
    data = tomllib.loads(table_path().read_text())
    table = {k: _build(k, v) for k, v in data.items()}
    for key, values in (overrides or {}).items():
        table[key] = _build(key, values, table.get(key))
    return table


def get(table, key, role, kinds=None):
    """table[key], or MaterialError naming the role (e.g. 'cooling.filament')."""
    if key not in table:
        raise MaterialError(f"{role}: unknown material {key!r}; known: {', '.join(sorted(table))}")
    mat = table[key]
    if kinds and mat.kind not in kinds:
        raise MaterialError(f"{role}: {key} is a {mat.kind}; need one of {', '.join(kinds)}")
    return mat
