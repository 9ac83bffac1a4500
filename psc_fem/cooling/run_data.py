"""What the cooling balance needs from a run directory (`RunData`), read through `RunDirectory`.

E+ and E- of Eq. (12) (with C = 1) come from the run's phonon spectrum:
an existing one that matches T = (1 - eta), gamma = 1/delta and the eta1
variant, else computed (`psc_fem.phonons.spectrum.run_spectrum`).
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from psc_fem.cooling.units import U_EXACT, U_SEED
from psc_fem.errors import UsageError
from psc_fem.rundir import RunDirectory


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


def read_run(run_dir: str | Path, variant: str = "consistent", spectrum_dir: str | Path | None = None) -> RunData:
    """RunData from the run's series attributes and run info, E+/E- from its phonon spectrum (computed if absent)."""
    run_dir = Path(run_dir)
    rd = RunDirectory(run_dir)
    if not rd.is_run() or not rd.run_info.is_file():
        raise UsageError(f"{run_dir}: not a run directory (needs {rd.SERIES} and {rd.RUN_INFO})")
    try:
        run = rd.read_run_info(missing_ok=False)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{rd.run_info}: not valid JSON: {exc}") from None
    analysis = run.get("analysis") or {}
    if analysis.get("state") != "periodic" or not analysis.get("period"):
        raise UsageError(
            f"{run_dir}: the run has no periodic PSC state (state = {analysis.get('state')!r}); nothing to cool with"
        )
    try:
        attrs = rd.read_attrs()
    except OSError as exc:
        raise UsageError(f"{rd.series}: cannot read: {exc}") from None
    for key in ("model.eta", "model.delta", "wire.length", "drive.current"):
        if key not in attrs:
            raise UsageError(f"{rd.series}: missing attribute {key}")
    eta, delta = float(attrs["model.eta"]), float(attrs["model.delta"])
    if delta <= 0:
        raise UsageError(f"{run_dir}: model.delta = 0 (gapless run): Eq. (12) needs gamma = 1/delta finite")
    spec = _spectrum(run_dir, 1.0 - eta, 1.0 / delta, variant, spectrum_dir)
    return RunData(
        str(run_dir),
        eta,
        delta,
        _u_value(attrs.get("model.u", "exact")),
        float(attrs["wire.length"]),
        float(attrs["drive.current"]),
        float(analysis["mean_V"]),
        float(analysis["period"]),
        *spec,
    )


def _spectrum(run_dir, t_over_tc, gamma, variant, out_dir):
    """(E+, E-, identity residual): from an existing matching spectrum file, else computed."""
    import h5py

    from psc_fem.phonons.spectrum import is_current

    for d in (run_dir, out_dir):
        if d is None or not RunDirectory(d).has_spectrum() or not is_current(RunDirectory(d).spectrum, run_dir):
            continue  # none, or computed from an earlier content of the run directory
        with h5py.File(RunDirectory(d).spectrum, "r") as f:
            a = f.attrs
            v = a.get("variant")
            v = v.decode() if isinstance(v, bytes) else v
            if (
                abs(float(a.get("T", -1)) - t_over_tc) < 1e-12
                and abs(float(a.get("gamma", -1)) - gamma) < 1e-12
                and v == variant
            ):
                return (
                    float(np.mean(f["E_plus"][()])),
                    float(np.mean(f["E_minus"][()])),
                    float(np.max(f["identity_residual"][()])),
                )
    from psc_fem.phonons.spectrum import run_spectrum

    s = run_spectrum(
        run_dir,
        temperature=t_over_tc,
        gamma=gamma,
        variant=variant,
        out_dir=out_dir if out_dir is not None else run_dir,
    )
    return s["E_plus"], s["E_minus"], s["identity_residual"]
