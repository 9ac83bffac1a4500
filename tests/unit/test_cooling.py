"""The cooling balance: units, Eqs. (14)-(15), the thermal chain, the Monte Carlo (no solver run).

The diode of Eq. (12) on a real run and the CLI: tests/system/test_cooling_runs.py.
"""

import math

import numpy as np
import pytest
from scipy import constants as sc

from psc_fem.cooling.balance import evaluate, monte_carlo
from psc_fem.cooling.chain import Chain
from psc_fem.cooling.config import validate
from psc_fem.cooling.materials import load_table
from psc_fem.cooling.run_data import RunData
from psc_fem.cooling.units import U_EXACT, physical

# A run in Appendix A units, shaped like the Fig. 1 wire (no solver needed).
SYNTH = RunData(
    path="synthetic",
    eta=0.1,
    delta=10 / 3,
    u=U_EXACT,
    length=1.1,
    current=1.5,
    mean_V=0.5264,
    period=11.94,
    E_plus=2.9,
    E_minus=-2.9,
    identity_residual=0.0,
)


def ph(overrides=None, **kw):
    fil = load_table(overrides)["Al"]
    args = {"width": 100e-9, "thickness": 20e-9} | kw
    return physical(SYNTH, fil, **args)


# ---------------------------------------------------------------- units


def test_units_josephson_relation_and_current_scale():
    p = ph()
    # AC Josephson in SI: mean V times the period is one flux quantum h/2e (times the run's ratio)
    assert p["voltage"] * p["period"] == pytest.approx(
        sc.h / (2 * sc.e) * SYNTH.period * SYNTH.mean_V / (2 * math.pi), rel=1e-12
    )
    # j0 is the normal current of a unit dimensionless field: sigma_n E with E = hbar/(2 e t0 xi)
    sigma_n = 1.0 / load_table()["Al"].rho_n
    assert p["j0"] == pytest.approx(sigma_n * sc.hbar / (2 * sc.e * p["t0"] * p["xi"]), rel=1e-12)
    # Delta0/(k_B Tc) at eta = 0.1 (Appendix A), and T in Eq. (12) is (1 - eta) Tc
    assert p["Delta0_over_kTc"] == pytest.approx(0.96869, rel=1e-4)
    assert p["T"] == pytest.approx(0.9 * 1.18)
    # tau_eps from the run: delta = 2 tau_eps Delta0 / hbar
    assert 2 * p["tau_eps"] * p["Delta0"] / sc.hbar == pytest.approx(SYNTH.delta)
    # dirty-limit xi(T)^2 = pi hbar D / (8 k_B (Tc - T)) with D from the Einstein relation
    D = 1.0 / (2 * sc.e**2 * 1.07e47 * 3.0e-8)
    assert p["xi"] == pytest.approx(math.sqrt(math.pi * sc.hbar * D / (8 * sc.k * 0.118)), rel=1e-12)


@pytest.mark.parametrize("s", [2.0, 0.37])
def test_dimensional_analysis_tc_scaling(s):
    """Tc -> s Tc at fixed eta, delta, rho_n, N0: Delta0, T ~ s; t0, tau_eps ~ 1/s; xi ~ s^-1/2, so
    P_PSC = I V ~ j0 / t0 ~ s^(3/2) s = s^(5/2) and the pump C Delta0^6 / t0 ~ s^-(5/2) s^6 s = s^(9/2)."""
    a, b = ph(), ph({"Al": {"Tc": 1.18 * s}})
    assert b["P_psc"] / a["P_psc"] == pytest.approx(s**2.5, rel=1e-12)
    pump_a, pump_b = abs(a["E_minus"]) / a["period"], abs(b["E_minus"]) / b["period"]
    assert pump_b / pump_a == pytest.approx(s**4.5, rel=1e-12)
    assert b["voltage"] / a["voltage"] == pytest.approx(s, rel=1e-12)


def test_dimensional_analysis_other_inputs():
    a = ph()
    pump = lambda p: abs(p["E_minus"]) / p["period"]  # noqa: E731
    # resistivity x4: sigma_n /4, D /4, xi /2 -> j0 (~ sigma/xi) /2, volume A xi /2: both powers /2
    b = ph({"Al": {"rho_n": 12e-8}})
    assert b["P_psc"] / a["P_psc"] == pytest.approx(0.5, rel=1e-12)
    assert pump(b) / pump(a) == pytest.approx(0.5, rel=1e-12)
    # cross-section x3: I and the volume x3; kappa unchanged
    b = ph(width=300e-9)
    assert b["P_psc"] / a["P_psc"] == pytest.approx(3.0, rel=1e-12)
    assert pump(b) / pump(a) == pytest.approx(3.0, rel=1e-12)
    # sound speed x2: phonon density of states /8, only the pump
    b = ph({"Al": {"c_l": 2 * 6420.0, "c_t": 2 * 3040.0}})
    assert pump(b) / pump(a) == pytest.approx(1 / 8, rel=1e-12) and b["P_psc"] == pytest.approx(a["P_psc"])
    # Eq. (12) is linear in lambda and in omega_D/eps_F
    b = ph({"Al": {"lambda_ep": 0.86, "fermi_energy": 11.7 / 3}})
    assert pump(b) / pump(a) == pytest.approx(6.0, rel=1e-12)
    # the material's tau_eps instead of the run's
    b = ph(tau_eps="material")
    assert pump(b) / pump(a) == pytest.approx(b["tau_eps_material"] / a["tau_eps_run"], rel=1e-12)


# ---------------------------------------------------------------- balances


def cfg_for(**cooling_keys):
    return validate({"cooling": {"samples": 0, **cooling_keys}, "heat": {"enabled": False}})


def test_eq14_eq15_closed_form_with_an_ideal_diode_and_n_in_series():
    """Constant k: P_c = k S/d (T_b - T_min) (Eq. 14 = pump), so T_min = T_b - P_c d/(k S) for any N;
    with a lead G: N P_c = (N k S/d + G)(T_b - T_min): series filaments dilute the lead (Sec. 3.3)."""

    def stack_with(k0):
        mats = load_table({"Al": {"k_model": "power", "k_a": k0, "k_n": 0.0}})
        return {"filament": mats["Al"], "top": mats["PMMA"], "substrate": mats["sapphire"]}

    probe, _, _ = evaluate(SYNTH, stack_with(1.0), cfg_for(diode="ideal"))
    P_c, S, d = probe["pump_ideal"], probe["contact_area"], 20e-9
    k0 = P_c * d / (S * 0.05)  # W/(m K): tiny, so that the ideal pump makes dT = 50 mK
    stack = stack_with(k0)
    out1, _, _ = evaluate(SYNTH, stack, cfg_for(diode="ideal", T_floor=1e-4, T_target=0.9))
    assert out1["p"] == 1.0 and out1["P_c"] == pytest.approx(P_c)
    assert out1["T_min_paper_1"] == pytest.approx(1.0 - P_c * d / (k0 * S), rel=1e-9)
    assert out1["T_min_paper_1"] == pytest.approx(0.95)
    G = 3 * k0 * S / d
    for n in (1, 7):
        out, _, _ = evaluate(
            SYNTH, stack, cfg_for(diode="ideal", n_series=n, lead_conductance=G, T_floor=1e-4, T_target=0.9)
        )
        expected = 1.0 - n * P_c / (n * k0 * S / d + G)
        assert out["T_min_paper_N"] == pytest.approx(expected, rel=1e-9)
        assert out["kappa_required_target"] == pytest.approx(k0 * S / d * 0.1 / out["P_psc"], rel=1e-9)  # Eq. (15)
    # and with the AMM's p = 0 nothing cools
    out, _, _ = evaluate(SYNTH, stack, cfg_for(diode="amm"))
    assert out["p"] == 0.0 and out["T_min_paper_1"] is None and out["kappa"] == 0.0


def test_chain_against_hand_solution():
    """Constant conductivities: every step of the stack by hand."""
    ch = Chain(
        T_b=1.0,
        S=2e-14,
        d=2e-8,
        k_f=(0.5, 0.0),
        h0_fs=500.0,
        h0_ft=1500.0,
        A_s=4e-12,
        t_s=5e-4,
        k_s=(3.0, 0.0),
        A_t=4e-12,
        t_t=1e-5,
        k_t=(0.02, 0.0),
    )
    P_J, P_c, P_l = 3e-12, 1e-12, 2e-13
    r = ch.solve(P_J, P_c, P_l)
    Ta = 1.0 + (P_J + P_l) * 5e-4 / (3.0 * 4e-12)
    Tfb = (Ta**4 + 4 * (P_J + P_l - P_c) / (500.0 * 2e-14)) ** 0.25
    Tft = Tfb + (P_J + P_l - P_c - P_J / 2) * 2e-8 / (0.5 * 2e-14)
    Te = (Tft**4 - 4 * (P_c - P_l) / (1500.0 * 2e-14)) ** 0.25
    Ttop = Te + P_l * 1e-5 / (0.02 * 4e-12)
    for key, val in (
        ("T_substrate_top", Ta),
        ("T_filament_bottom", Tfb),
        ("T_filament_top", Tft),
        ("T_top_interface", Te),
        ("T_top", Ttop),
    ):
        assert r[key] == pytest.approx(val, rel=1e-12), key
    # the sustainable load at the resulting T_cold is the load we put in
    assert ch.load_at(Ttop, P_J, P_c) == pytest.approx(P_l, rel=1e-9)
    # a pump strong enough to need T < 0 is reported as infeasible
    assert ch.solve(0.0, 1e-6) is None and ch.T_top(0.0, 1e-6) == 0.0
    # the pump that holds a given T_cold
    pc = ch.pump_for(0.8, P_J, P_l)
    assert ch.T_top(P_J, pc, P_l) == pytest.approx(0.8, rel=1e-9)


def test_monte_carlo_is_reproducible_and_spreads():
    mats = load_table()
    stack = {"filament": mats["Al"], "top": mats["PMMA"], "substrate": mats["sapphire"]}
    cfg = cfg_for()
    grid = (np.linspace(0.1, 1.0, 4), np.linspace(0.1, 2.0, 4))
    a, _ = monte_carlo(SYNTH, stack, cfg, 6, 3, grid)
    b, _ = monte_carlo(SYNTH, stack, cfg, 6, 3, grid)
    np.testing.assert_array_equal(a["P_psc"], b["P_psc"])
    assert np.std(a["P_psc"]) > 0.05 * np.mean(a["P_psc"])
    np.testing.assert_allclose(a["p"], 0.0, atol=1e-12)  # p = 0 in every draw
    exact = load_table(
        {k: {p: {"rel": 0.0} for p, q in mats[k].props.items() if q.rel > 0} for k in ("Al", "PMMA", "sapphire")}
    )
    stack = {"filament": exact["Al"], "top": exact["PMMA"], "substrate": exact["sapphire"]}
    c, _ = monte_carlo(SYNTH, stack, cfg, 3, 1, grid)
    assert np.ptp(c["P_psc"]) == 0.0
