"""Physical units: the constants of Appendix A and the conversion of a dimensionless run to SI (`physical`).

docs/cooling.md, 'Units', derives every line of `physical`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from scipy import constants as sc
from scipy.special import zeta

if TYPE_CHECKING:  # run_data imports U_EXACT from here
    from psc_fem.cooling.materials import Material
    from psc_fem.cooling.run_data import RunData

HBAR, K_B, E_CHARGE = sc.hbar, sc.k, sc.e
FLUX_QUANTUM = sc.h / (2 * sc.e)
ZETA3 = float(zeta(3.0))
U_EXACT = math.pi**4 / (14 * ZETA3)  # u of (A.1), the run's u = "exact"
U_SEED = 5.798  # the paper's u = "seed"


def delta0_over_kTc(eta: float) -> float:
    """Delta0 / (k_B Tc) at T = (1 - eta) Tc (Appendix A)."""
    return math.sqrt(8 * math.pi**2 * eta / (7 * ZETA3))


def physical(
    run: RunData,
    fil: Material,
    width: float,
    thickness: float,
    length: float | str = "run",
    tau_eps: str = "run",
    sound_speed: str = "longitudinal",
) -> dict[str, float]:
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
    C = fil.lambda_ep * (tau / HBAR) * (area * xi) / (HBAR * u_s) ** 3 * omega_d_over_ef / (2 * math.pi * K_B * T)
    e_unit = C * delta0**6
    period = run.period * t0
    wire = run.length * xi
    L = wire if length == "run" else float(length)
    return {
        "Tc": Tc,
        "T": T,
        "eta": eta,
        "Delta0": delta0,
        "Delta0_over_kTc": delta0 / (K_B * Tc),
        "t0": t0,
        "D": D,
        "xi": xi,
        "j0": j0,
        "area": area,
        "current": current,
        "voltage": voltage,
        "P_psc": current * voltage,
        "tau_eps": tau,
        "tau_eps_run": tau_run,
        "tau_eps_material": tau_mat,
        "delta_material": 2 * tau_mat * delta0 / HBAR,
        "sound_speed": u_s,
        "omega_D_over_eps_F": omega_d_over_ef,
        "C": C,
        "E_unit": e_unit,
        "E_plus": e_unit * run.E_plus,
        "E_minus": e_unit * run.E_minus,
        "period": period,
        "frequency": 1.0 / period,
        "wire_length": wire,
        "length": L,
        "contact_area": width * L,
        "josephson_V_period_over_phi0": voltage * period / FLUX_QUANTUM,
    }
