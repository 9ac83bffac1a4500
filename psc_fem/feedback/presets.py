"""`[phonons] material`: the two couplings of the feedback from the materials table (docs/feedback.md).

    g   = t0 pi lambda omega_D Delta0 / (2 eps_F)      (phonon_electron_rate, 1/t0)
    c_P = pi lambda Delta0^2 / (2 (c_l p_F)^2)          (pair_breaking)

with omega_D = k_B theta_D / hbar, p_F = sqrt(2 m_e eps_F) (free electrons),
and the TDGL units at T = (1 - eta) Tc: Delta0 = sqrt(8 pi^2 eta / (7 zeta(3)))
k_B Tc, t0 = pi hbar / (8 u k_B (Tc - T)) (psc_fem.cooling.units).
"""

from __future__ import annotations

import math

from scipy import constants as sc

from psc_fem.cooling.materials import get, load_table
from psc_fem.cooling.units import HBAR, K_B, delta0_over_kTc

SOURCES = ("lambda_ep", "theta_D", "fermi_energy", "c_l", "Tc")


def phonon_couplings(material: str, eta: float, u: float) -> dict:
    """{"phonon_electron_rate": g, "pair_breaking": c_P, "sources": {property: (value, source)}}."""
    fil = get(load_table(), material, "phonons.material", kinds=("superconductor",))
    delta0 = delta0_over_kTc(eta) * K_B * fil.Tc
    t0 = math.pi * HBAR / (8 * u * K_B * fil.Tc * eta)
    eps_f = fil.fermi_energy * sc.e
    omega_d = K_B * fil.theta_D / HBAR
    p_f = math.sqrt(2 * sc.m_e * eps_f)
    g = t0 * math.pi * fil.lambda_ep * omega_d * delta0 / (2 * eps_f)
    c_p = math.pi * fil.lambda_ep * delta0**2 / (2 * (fil.c_l * p_f) ** 2)
    sources = {k: (fil.props[k].value, fil.props[k].source) for k in SOURCES}
    return {"phonon_electron_rate": g, "pair_breaking": c_p, "sources": sources}


def fill_couplings(data: dict, model_section) -> dict:
    """A raw config with [phonons] material's g and c_P at its [model] eta filled in (explicit values win).

    Filled before validation, so run.json records the numbers used; a bad
    eta or u is left for the field checks of ``model_section`` to report.
    """
    from pydantic import ValidationError

    from psc_fem.errors import MaterialError

    ph = data["phonons"]
    try:
        model = model_section.model_validate(data.get("model"))
    except ValidationError:
        return data
    try:
        preset = phonon_couplings(ph["material"], model.eta, model.u_value)
    except MaterialError as exc:
        raise ValueError(str(exc)) from None
    filled = {k: preset[k] for k in ("phonon_electron_rate", "pair_breaking") if ph.get(k) is None}
    return {**data, "phonons": {**ph, **filled}}
