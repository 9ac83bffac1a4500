"""Does a PSC cool? The cooling balance of Secs. 3.2-3.3 (Eqs. 12, 14, 15), and the analysis that runs it.

    psc-fem cool CONFIG.toml | RUN_DIR [--out DIR] [--set section.key=value] [--samples N] [--no-heat]

1. A run's dimensionless E+, E- (Eq. 12 with C = 1, `run_data.read_run`),
   period and mean V become physical (`units.physical`): Tc, Delta0, t0,
   xi(T), j0, the filament's cross-section and the prefactor
   C = lambda tau_eps V omega_D / (2 pi u^3 T eps_F) of Eq. (12).
2. The AMM (`kapitza`) gives the Kapitza conductances of the two interfaces
   and the thermal-diode factor p (docs/cooling.md defines it).
3. Two balances of the top plate (the medium to be cooled, at T_cold),
   `evaluate`:
   * "paper" (Eqs. 14-15): P_net = N p |E-|/period - N k S/d (T_b - T_cold)
     - G_lead (T_b - T_cold) - P_load, with k(T) integrated over [T_cold, T_b];
   * "full": the same pumped heat, plus the Joule heat I V deposited in the
     filament and every thermal resistance in series (substrate, Kapitza
     filament|substrate, filament, Kapitza filament|top, top plate);
     `chain.Chain` solves it exactly for a 1D stack (the FEM model `heat`
     reproduces it).
   The lowest reachable T_cold solves P_net(T_cold) = 0 (one filament and N
   in series, Sec. 3.3).
4. `monte_carlo` over the table's uncertainties; `psc_fem.cooling.workflow.cool`
   runs it all and writes cool.json (the verdict and report lines: `verdict`);
   the command line adds the figure cool.png (`psc_fem.plotting.cooling`).
"""

import math

import numpy as np
from scipy import optimize

from psc_fem.cooling import kapitza
from psc_fem.cooling.chain import Chain, leak_eq14
from psc_fem.cooling.config import CoolConfig
from psc_fem.cooling.materials import Material, get, load_table
from psc_fem.cooling.run_data import RunData
from psc_fem.cooling.units import physical
from psc_fem.errors import MaterialError, UsageError

FILAMENT_KINDS = ("superconductor",)
PLATE_KINDS = ("insulator", "metal", "polymer", "superconductor")
JSON_NAME = "cool.json"


def resolve(cfg: CoolConfig) -> dict[str, Material]:
    """Materials of the stack (validated) -> {"filament", "top", "substrate"}."""
    c = cfg.cooling
    try:
        table = load_table(cfg.materials)
        return {
            "filament": get(table, c.filament, "cooling.filament", FILAMENT_KINDS),
            "top": get(table, c.top, "cooling.top", PLATE_KINDS),
            "substrate": get(table, c.substrate, "cooling.substrate", PLATE_KINDS),
        }
    except MaterialError as exc:
        raise UsageError(str(exc)) from None


def _lowest(net, T_b, T_floor):
    """Lowest T in [T_floor, T_b] with net(T) >= 0 (net increases with T), or None."""
    if net(T_b) <= 0:
        return None
    if net(T_floor) >= 0:
        return T_floor
    return optimize.brentq(net, T_floor, T_b, xtol=1e-9, rtol=1e-10)


def evaluate(
    run: RunData, mats: dict[str, Material], cfg: CoolConfig, curves=None, light: bool = False
) -> tuple[dict, Chain, kapitza.Diode]:
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
        return n * pp * pump_ideal - n * leak_eq14(fil, S, d, T, T_b) - c.lead_conductance * (T_b - T) - c.load

    chain = Chain(
        T_b,
        S,
        d,
        fil.k_params(),
        h0_fs,
        h0_ft,
        h.substrate_width * ph["length"],
        h.substrate_thickness,
        sub.k_params(),
        h.top_width * ph["length"],
        h.top_thickness,
        top.k_params(),
    )

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

    out = {
        "p": p,
        "p_amm": dio.p if abs(dio.p) > 1e-12 else 0.0,
        "p_directional": dio.p_directional,
        "p_impedance": dio.p_impedance,
        "e_top": dio.e_top,
        "a_top": dio.a_top,
        "pump_ideal": pump_ideal,
        "P_c": P_c,
        "P_psc": P_J,
        "kappa": P_c / P_J,
        "kappa_ideal": pump_ideal / P_J,
        "h_fs_1K": h0_fs,
        "h_ft_1K": h0_ft,
        "G_fs": dio.fs.G,
        "G_ft": dio.ft.G,
        "gamma": {k: dict(v.gamma) for k, v in (("ft", dio.ft), ("tf", dio.tf), ("fs", dio.fs), ("sf", dio.sf))},
        "leak_eq14_target": leak_eq14(fil, S, d, c.T_target, T_b),
        "kappa_required_target": leak_eq14(fil, S, d, c.T_target, T_b) / P_J,
        **{k: ph[k] for k in ph},
    }
    out["condition15_target"] = out["kappa"] > out["kappa_required_target"]
    out["p_required_paper"] = (N * out["leak_eq14_target"] + c.lead_conductance * (T_b - c.T_target) + c.load) / (
        N * pump_ideal
    )
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
            out["curves"].update(
                {
                    "T_paper": Tp,
                    "pump": np.full_like(Tp, N * P_c),
                    "pump_ideal": np.full_like(Tp, N * pump_ideal),
                    "leak_eq14": N * leak_eq14(fil, S, d, Tp, T_b),
                    "lead": c.lead_conductance * (T_b - Tp),
                    "joule": np.full_like(Tp, N * P_J),
                    "net_full_ideal": net_full(pump_ideal),
                }
            )
    return out, chain, dio


# the outputs the Monte Carlo samples (and cool.json's monte_carlo statistics)
SCALARS = (
    "P_psc",
    "P_c",
    "pump_ideal",
    "kappa",
    "kappa_ideal",
    "p",
    "p_directional",
    "p_impedance",
    "e_top",
    "h_fs_1K",
    "h_ft_1K",
    "kappa_required_target",
    "p_required_paper",
    "p_required_full",
    "T_min_paper_1",
    "T_min_paper_N",
    "T_min_paper_ideal_1",
    "T_min_paper_ideal_N",
    "T_cold_full_1",
    "T_cold_full_N",
    "T_cold_full_ideal_1",
    "T_cold_full_ideal_N",
    "full_T_filament_mean",
    "current",
    "voltage",
    "xi",
    "tau_eps",
    "E_minus",
    "period",
    "C",
)


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
    return {
        "p16": float(p16),
        "median": float(med),
        "p84": float(p84),
        "n": int(x.size),
        "n_none": int(x.size - finite.size),
    }


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


def _critical_angles(mats):
    """Critical angles (degrees) of each interface both ways, and the paper's rho*u rule."""

    def deg(m1, m2, mode, rule="speed"):
        return [math.degrees(x) for x in kapitza.critical_angles(m1.acoustic, m2.acoustic, mode, rule)]

    pairs = (
        ("filament->top", mats["filament"], mats["top"]),
        ("top->filament", mats["top"], mats["filament"]),
        ("filament->substrate", mats["filament"], mats["substrate"]),
        ("substrate->filament", mats["substrate"], mats["filament"]),
    )
    return {
        **{k: {m: deg(a, b, m) for m in ("L", "T")} for k, a, b in pairs},
        "paper_rho_u": {k: deg(a, b, "L", "impedance") for k, a, b in pairs},
    }
