"""The words of a cooling analysis: the verdict and its reasons, the warnings, the report lines.

`verdict` judges the balance computed by `psc_fem.cooling.balance.evaluate`
(and its Monte Carlo); `report` prints what cool.json holds.
"""

import math

import numpy as np

from psc_fem.cooling.units import E_CHARGE


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
    """(one-line verdict, list of reasons): does the balance cfg.cooling.balance reach below T_b?"""
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
        reasons.append(
            "p = 0: the AMM interface is reciprocal (detailed balance G_fp = G_pf), so the "
            "deficit of Eq. (12) is refilled from the top plate in the same proportion "
            f"(e_top = {nom['e_top']:.3f}) as the excess is emitted into it; with E+ = |E-| the "
            "net heat drawn from the top plate is zero"
        )
    elif p <= 0:
        reasons.append(f"p = {p:.3g} <= 0: the diode ({c.diode}) pumps the wrong way")
    reasons.append(
        f"kappa = P_c/P_PSC = {nom['kappa']:.3g}; even an ideal diode (p = 1) gives kappa = "
        f"{nom['kappa_ideal']:.3g}: |E-|/period = {_fmt(nom['pump_ideal'], 'W')} vs I V = "
        f"{_fmt(nom['P_psc'], 'W')}"
    )
    reasons.append(
        f"Eq. (15) at T_cold = {c.T_target} K needs kappa > {nom['kappa_required_target']:.3g} "
        f"(p > {nom['p_required_paper']:.3g} with the paper's leak); the full balance needs "
        f"p > {nom['p_required_full']:.3g}"
    )
    if c.balance == "full" or nom["T_cold_full_N"] >= T_b:
        reasons.append(
            f"full balance: the Joule heat I V splits between the plates by the Kapitza "
            f"conductances; the top plate settles at {_fmt(nom['T_cold_full_N'], 'K')} "
            f"(filament mean {_fmt(nom.get('full_T_filament_mean'), 'K')})"
        )
    return line, reasons


def warnings_for(nom, mats, cfg, run):
    """Where the inputs stretch the model (list of sentences); adds nom["T_electron_estimate"] if it can."""
    c = cfg.cooling
    fil = mats["filament"]
    w = []
    if abs(nom["T"] - c.T_bath) > 0.2 * c.T_bath:
        w.append(
            f"the run is at T = (1 - eta) Tc = {nom['T']:.3g} K for {fil.key}, not near T_b = {c.T_bath} K: "
            "the PSC dynamics were computed for another temperature"
        )
    ratio = nom["tau_eps_material"] / nom["tau_eps_run"]
    if not 1 / 3 < ratio < 3:
        w.append(
            f"the run's delta = {run.delta:.3g} implies tau_eps = {nom['tau_eps_run']:.3g} s; {fil.key} has "
            f"tau_eps({nom['T']:.3g} K) ~ {nom['tau_eps_material']:.3g} s (delta ~ {nom['delta_material']:.3g}): "
            "the run does not describe this material's relaxation"
        )
    tf = nom.get("full_T_filament_mean")
    if tf is not None and tf > fil.Tc:
        w.append(
            f"full balance: the filament's mean temperature {tf:.3g} K exceeds Tc = {fil.Tc} K: "
            "Joule heating through the Kapitza bottleneck drives it normal"
        )
    if fil.has("sigma_ep"):
        V = nom["area"] * nom["wire_length"]
        Te = (nom["T"] ** 5 + nom["P_psc"] / (fil.sigma_ep * V)) ** 0.2
        nom["T_electron_estimate"] = Te
        if Te > 1.2 * nom["T"]:
            w.append(
                f"electron-phonon bottleneck: P = Sigma V (T_e^5 - T^5) gives T_e ~ {Te:.3g} K "
                f"(Sigma = {fil.sigma_ep:.3g} W/m^3K^5, V = {V:.3g} m^3)"
            )
    for role in ("filament", "top", "substrate"):
        m = mats[role]
        lo, hi = m.k_range
        if m.k_model == "power" and not (lo <= c.T_target and c.T_bath <= hi):
            w.append(f"{m.key}: k(T) = a T^n is tabulated for {lo}-{hi} K only")
    if mats["top"].kind in ("metal", "superconductor") or mats["substrate"].kind == "metal":
        w.append(
            "a metal plate: heat also crosses a metal|metal interface by electrons, which the phonon AMM "
            "omits; the real leak is larger"
        )
    return w


def report(res, st):
    """The lines psc-fem cool prints: ``res`` the cool.json dict, ``st`` its Monte Carlo statistics."""
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
        f"  P_c = p |E-|/period = {_fmt(n['P_c'], 'W')};  kappa = P_c/P_PSC = {n['kappa']:.3g}"
        + _range(s.get("kappa"))
        + f";  ideal diode kappa = {n['kappa_ideal']:.3g}"
        + _range(s.get("kappa_ideal")),
        f"  Eq. (14) leak at T_cold = {c['T_target']} K: {_fmt(n['leak_eq14_target'], 'W')} per filament; "
        f"Eq. (15): kappa > {n['kappa_required_target']:.3g} -> {'met' if n['condition15_target'] else 'not met'}",
        f"  lowest T_cold, paper's balance: N=1 {_tmin(n['T_min_paper_1'], c['T_bath'])}, N={c['n_series']} "
        f"{_tmin(n['T_min_paper_N'], c['T_bath'])}; with p = 1: {_tmin(n['T_min_paper_ideal_1'], c['T_bath'])} / "
        f"{_tmin(n['T_min_paper_ideal_N'], c['T_bath'])}",
        f"  top plate, full balance: N=1 {_fmt(n['T_cold_full_1'], 'K')}, N={c['n_series']} "
        f"{_fmt(n['T_cold_full_N'], 'K')}"
        + _range(s.get("T_cold_full_N"), "K")
        + f"; with p = 1: {_fmt(n['T_cold_full_ideal_N'], 'K')}",
    ]
    if res.get("heat_fem"):
        f = res["heat_fem"]
        lines.append(
            f"  FEM cross-section: top plate {f['T_top_min']:.5g}-{f['T_top_max']:.5g} K, filament mean "
            f"{f['T_filament_mean']:.5g} K (lumped {_fmt(n.get('full_T_filament_mean'), 'K', 5)}); "
            f"fields: {f['xdmf']}"
        )
    lines.append(f"VERDICT: {res['verdict']}")
    lines += [f"  because {r}" for r in res["reasons"]]
    lines += [f"  warning: {w}" for w in res["warnings"]]
    lines.append("  wrote " + ", ".join(res["files"][k] for k in ("json", "figure") if k in res["files"]))
    return "\n".join(lines)
