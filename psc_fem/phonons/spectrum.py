"""Phonon flux spectra of a finished run (Eqs. 12-13, Fig. 2).

`run_spectrum` reads a run directory, evaluates Eq. (12) at every node and
frame through a cached eta1 table, and writes spectrum.h5 (with what Fig. 2
needs: psc_fem.plotting.fig2 draws it from that file); `write_curves` writes
the Fig. 2(b) curves without a run (fig2b.csv). Temperatures are given in
Tc; omega and gamma in Delta0 (see `phonons.units`).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from psc_fem.rundir import RunDirectory, as_rundir

from .flux import FluxModel, phonon_weight, trapezoid_weights
from .periods import find_minima, full_periods, window_integrals
from .spectral import VARIANTS, eta1
from .table import PSI_MAX, load_table
from .units import temperature_in_delta0

FIG2B_PSI = (0.2, 0.5, 0.8, 1.0)
CURVE_OMEGA_MAX_IN_T = 10.0
CURVE_OMEGA_STEP = 0.01


@dataclass(frozen=True)
class Series:
    """The parts of a run's files the spectrum needs: a wire's nodes sorted by x (in xi), a film's nodes with
    their coordinates (n, gdim); ``weights``: the spatial quadrature over them (trapezoid along a wire,
    int phi_i dA or dV on a film's mesh)."""

    attrs: dict
    t: np.ndarray  # frame times (n_t,)
    x: np.ndarray  # node coordinates (n_x,) or (n_x, gdim)
    abs_psi: np.ndarray  # (n_t, n_x)
    dabs_psi_dt: np.ndarray  # (n_t, n_x), d|Psi|/dtau from the integrator
    t_fine: np.ndarray  # time-step times, for locating the phase slips
    psi_core: np.ndarray  # min_x |Psi(x, t)| at t_fine: the PSC core wherever it sits
    weights: np.ndarray  # (n_x,)

    @property
    def dim(self) -> int:
        return 1 if self.x.ndim == 1 else self.x.shape[1]

    @classmethod
    def read(cls, run_dir: str | Path | RunDirectory) -> Series:
        rd = as_rundir(run_dir)
        with h5py.File(rd.series, "r") as f:
            attrs = {k: (v.item() if hasattr(v, "item") else v) for k, v in f.attrs.items()}
            fr = f["frames"]
            film = "geometry.kind" in attrs  # its frames are in fields.h5 (docs/films.md)
            if not film:
                t, x = fr["t"][()], fr["x"][()]
                abs_psi, dpsi = fr["abs_psi"][()], fr["dabs_psi_dt"][()]
            core = "psi_min" if "psi_min" in f else "psi_center"  # (older files: the centre node)
            t_fine, psi_core = (f["t"][()], f[core][()]) if "t" in f and core in f else (None, None)
        if film:
            from psc_fem.film.frames import node_weights, read_series

            if not rd.fields_h5.is_file():
                raise ValueError("a film's spectrum needs its fields (run with output.fields = true)")
            try:
                x, cells, t, values = read_series(rd.fields_h5, ("abs_psi", "dabs_psi_dt"))
            except KeyError:
                raise ValueError(
                    "its fields have no d|Psi|/dtau frames (a film run before they were written)"
                ) from None
            abs_psi, dpsi, weights = values["abs_psi"], values["dabs_psi_dt"], node_weights(x, cells)
        else:
            weights = trapezoid_weights(x)
        if t_fine is None:
            t_fine, psi_core = t, abs_psi.min(axis=1)
        return cls(attrs, t, x, abs_psi, dpsi, t_fine, psi_core, weights)

    def core_node(self):
        """Index of the node where |Psi| comes closest to 0 over the frames: the PSC core (x = 0 by symmetry
        in a uniform wire, elsewhere in a constricted one)."""
        return int(np.unravel_index(np.argmin(self.abs_psi), self.abs_psi.shape)[1])


def resolve_parameters(attrs, temperature=None, gamma=None):
    """(T/Tc, gamma/Delta0): defaults T = 1 - eta and gamma = 1/delta from the run.

    gamma = 1/(2 tau_eps) and delta = 2 tau_eps Delta0 give gamma/Delta0 = 1/delta.
    """
    if temperature is None:
        if "model.eta" not in attrs:
            raise ValueError("the run has no model.eta attribute; pass temperature")
        temperature = 1.0 - float(attrs["model.eta"])
    if gamma is None:
        delta = float(attrs.get("model.delta", 0.0))
        if delta <= 0.0:
            raise ValueError(
                "model.delta = 0 (gapless limit): gamma = 1/delta is infinite; pass gamma (--gamma) explicitly"
            )
        gamma = 1.0 / delta
    if gamma <= 0.0:
        raise ValueError(f"gamma must be positive, got {gamma}")
    return float(temperature), float(gamma)


def fig2b_curves(psi_values, T, gamma, variant, omega):
    """{psi: N0 eta1 omega^3} by direct integration (no table)."""
    weight = phonon_weight(omega, T)
    return {float(p): eta1(omega, float(p), T, gamma, variant) * weight for p in psi_values}


def curve_grid(T, omega_max, n_omega):
    omega_max = CURVE_OMEGA_MAX_IN_T * T if omega_max is None else float(omega_max)
    n = int(math.ceil(omega_max / CURVE_OMEGA_STEP)) + 1 if n_omega is None else int(n_omega)
    return np.linspace(0.0, omega_max, n)


def write_curves(
    psi_values, temperature=0.9, gamma=0.3, variant="consistent", out_dir=".", omega_max=None, n_omega=None, labels=None
) -> Path:
    """Write fig2b.csv (omega, one column N0 eta1 omega^3 per |Psi|); psc_fem.plotting.fig2.plot_curves draws it.

    Columns are named ``psi=<label>``; labels default to ``f"{p:g}"`` (the
    command line passes the values as the user typed them: ``psi=1.0``).
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose from {sorted(VARIANTS)}")
    T = temperature_in_delta0(temperature)
    omega = curve_grid(T, omega_max, n_omega)
    curves = fig2b_curves(psi_values, T, gamma, variant, omega)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "fig2b.csv"
    labels = [f"{p:g}" for p in psi_values] if labels is None else list(labels)
    header = ",".join(["omega"] + [f"psi={label}" for label in labels])
    from psc_fem.io.atomic import write_text

    text = io.StringIO()
    np.savetxt(text, np.column_stack([omega, *curves.values()]), delimiter=",", header=header, comments="", fmt="%.10g")
    write_text(path, text.getvalue())
    return path


def run_spectrum(
    run_dir, temperature=None, gamma=None, variant="consistent", out_dir=None, omega_max=None, n_omega=None
) -> dict:
    """Spectra of Eq. (12) at the PSC center and over the wire, E+ and E- per period.

    Writes spectrum.h5 into out_dir (default run_dir) and returns a summary.
    E+/E- are means over the full periods after the first (transient) one;
    per-period values are in spectrum.h5.  The figure (fig2.png) is drawn
    from spectrum.h5 by psc_fem.plotting.fig2.plot_spectrum_file (what
    `Solution.spectrum` and `psc-fem spectrum` do).
    """
    rd = as_rundir(run_dir)
    out = RunDirectory(out_dir) if out_dir is not None else rd
    out.path.mkdir(parents=True, exist_ok=True)
    s = Series.read(rd)
    t_over_tc, gamma = resolve_parameters(s.attrs, temperature, gamma)
    T = temperature_in_delta0(t_over_tc)

    top = float(np.max(s.abs_psi))
    psi_max = PSI_MAX if top <= PSI_MAX else math.ceil(top / 0.25) * 0.25
    model = FluxModel(load_table(T, gamma, variant, omega_max, n_omega, psi_max=psi_max))
    ic = s.core_node()
    wx = s.weights
    wire = model.spectrum(s.abs_psi, s.dabs_psi_dt * wx)
    center = model.spectrum(s.abs_psi[:, [ic]], s.dabs_psi_dt[:, [ic]])

    bounds = full_periods(find_minima(s.t_fine, s.psi_core), s.t[0], s.t[-1])
    e_plus, e_minus = model.period_energies(s.t, s.abs_psi, s.dabs_psi_dt, wx, bounds)
    c_plus, c_minus = model.period_energies(s.t, s.abs_psi[:, [ic]], s.dabs_psi_dt[:, [ic]], 1.0, bounds)
    # Period identity, Eq. (12): the period integral vanishes at every omega.
    net = np.abs(window_integrals(s.t, wire, bounds)).max(axis=1)
    gross = window_integrals(s.t, np.abs(wire), bounds).max(axis=1)
    residual = net / gross

    if not (np.all(np.isfinite(wire)) and np.all(np.isfinite(center))):
        raise ValueError(
            f"the spectrum is not finite at T = {t_over_tc:g} Tc, gamma = {gamma:g} Delta0; nothing written"
        )
    omega_curves = curve_grid(T, None, None)
    curves = fig2b_curves(FIG2B_PSI, T, gamma, variant, omega_curves)
    datasets = {
        "omega": model.omega,
        "t": s.t,
        "dabs_psi_dt_center": s.dabs_psi_dt[:, ic],  # Fig. 2(a)'s overlay
        "curves_omega": omega_curves,  # Fig. 2(b)
        "curves": np.array(list(curves.values())),
        "center": center,
        "wire": wire,
        "period_bounds": bounds,
        "E_plus": e_plus,
        "E_minus": e_minus,
        "E_plus_center": c_plus,
        "E_minus_center": c_minus,
        "identity_residual": residual,
    }
    source = rd.identity()
    attrs = {
        "source_run": str(rd.path.resolve()),  # the run this spectrum belongs to (stale if it changes)
        "source_run_id": source["run_id"],
        "source_finished": source["finished"],
        "T": t_over_tc,
        "T_over_delta0": T,
        "gamma": gamma,
        "variant": variant,
        "x_center": float(s.x[ic]) if s.dim == 1 else s.x[ic],  # a film's core node: its coordinates
        "curves_psi": np.array(list(curves)),
        "omega_show": CURVE_OMEGA_MAX_IN_T * T,
    }
    _write_h5(out.spectrum, datasets, attrs, s.dim)
    return {
        "temperature": t_over_tc,
        "T_over_delta0": T,
        "gamma": gamma,
        "variant": variant,
        "period": float(np.mean(np.diff(bounds, axis=1))),
        "n_periods": len(bounds),
        "period_bounds": bounds.tolist(),
        "E_plus": float(np.mean(e_plus)),
        "E_minus": float(np.mean(e_minus)),
        "ratio": float(np.mean(e_plus) / -np.mean(e_minus)),
        "E_plus_periods": e_plus.tolist(),
        "E_minus_periods": e_minus.tolist(),
        "E_plus_center": float(np.mean(c_plus)),
        "E_minus_center": float(np.mean(c_minus)),
        "identity_residual": float(np.max(residual)),
        "omega_max": float(model.omega[-1]),
        "n_omega": len(model.omega),
        "spectrum_file": str(out.spectrum),
    }


SAMPLE_UNITS = {  # "wire": the spectrum integrated over the sample; "center": per unit of it at the core node
    1: ("V = A xi", "x/xi", "per xi of wire"),
    2: ("V = d xi^2 (d: the film's thickness)", "the film's area/xi^2", "per xi^2 of film"),
    3: ("V = xi^3", "the volume/xi^3", "per xi^3"),
}


def _write_h5(path, datasets, attrs, dim=1):
    """spectrum.h5 (atomic): the datasets, the parameters and the units of every quantity."""
    volume, over, per = SAMPLE_UNITS[dim]
    from psc_fem.io.atomic import atomic_h5

    with atomic_h5(path, create=True) as f:
        for name, value in datasets.items():
            f[name] = value
        f.attrs.update(attrs)
        f.attrs.update(
            {
                "C": 1.0,
                "units.omega": "Delta0",
                "units.t": "t0",
                "units.T": "Tc (T_over_delta0: Delta0)",
                "units.gamma": "Delta0",
                "units.center": f"K Delta0^6/t0 per unit omega/Delta0, {volume} ({per} at the core, x_center)",
                "units.wire": f"K Delta0^6/t0 per unit omega/Delta0, {volume}, integrated over {over}",
                "units.E": f"K Delta0^6 with {volume}; K = lambda tau_eps V omega_D/(2 pi u^3 T eps_F)",
                "definition": "dW = C d|Psi|/dtau N0(omega) eta1(omega; |Psi|, T, gamma) omega^3, Eq. (12)",
                "E_definition": "E+/E-: positive/negative parts of dW pointwise in (omega, x, t), "
                "integrated over omega, x and one period between minima of min_x |Psi(x,t)|",
                "identity_residual": "max_omega |int_period wire dt| / max_omega int_period |wire| dt",
            }
        )


def is_current(spectrum_h5: str | Path, run_dir: str | Path | RunDirectory) -> bool:
    """The spectrum file was computed from the run as it is now (same run_id, same end: not replaced or extended)."""
    rd = as_rundir(run_dir)
    try:
        with h5py.File(spectrum_h5, "r") as f:
            a = {
                k: (v.decode() if isinstance(v, bytes) else str(v))
                for k, v in f.attrs.items()
                if k.startswith("source_")
            }
    except OSError:
        return False
    now = rd.identity()
    return (
        a.get("source_run_id") == now["run_id"] and a.get("source_finished") == now["finished"] and bool(now["run_id"])
    )
