"""Acoustic mismatch model: limits, Snell's law, detailed balance, Kapitza conductance."""

import math

import numpy as np
import pytest
from scipy import constants as sc
from scipy import integrate

from psc_fem.cooling import kapitza as K
from psc_fem.cooling.materials import load_table

TABLE = load_table()
M = {k: TABLE[k].acoustic for k in ("Al", "Nb", "NbN", "Sn", "sapphire", "Si", "SiO2", "diamond", "PMMA", "Cu")}
PAIRS = [
    ("Al", "sapphire"),
    ("sapphire", "Al"),
    ("Al", "PMMA"),
    ("PMMA", "Al"),
    ("Nb", "Si"),
    ("SiO2", "NbN"),
    ("Sn", "diamond"),
    ("Cu", "PMMA"),
]
ANGLES = np.linspace(0.0, 0.5 * math.pi - 1e-6, 181)


def independent_scalar(theta, rho1, c1, rho2, c2, fluid):
    """Textbook energy transmission of a scalar wave, written here from scratch."""
    s2 = (c2 / c1 * math.sin(theta)) ** 2
    if s2 >= 1.0:
        return 0.0
    cos1, cos2 = math.cos(theta), math.sqrt(1.0 - s2)
    z1, z2 = rho1 * c1, rho2 * c2
    if fluid:  # pressure and normal velocity continuous
        return 4 * z1 * z2 * cos1 * cos2 / (z2 * cos1 + z1 * cos2) ** 2
    return 4 * z1 * z2 * cos1 * cos2 / (z1 * cos1 + z2 * cos2) ** 2  # SH: u_y and sigma_yz continuous


@pytest.mark.parametrize("name", ["Al", "sapphire", "PMMA", "NbN"])
@pytest.mark.parametrize("model", ["full", "scalar"])
def test_identical_media_transmit_fully(name, model):
    m = M[name]
    for mode in ("L", "SV", "SH") if model == "full" else ("L", "T"):
        np.testing.assert_allclose(K.transmission(ANGLES[:-1], m, m, mode, model), 1.0, atol=1e-12)
        assert K.hemispherical(m, m, mode, model) == pytest.approx(1.0, abs=1e-12)


def test_identical_media_reach_the_phonon_radiation_limit():
    """h_K of a non-interface = pi^2 k_B^4 T^3 (1/c_L^2 + 2/c_T^2) / (30 hbar^3), in SI."""
    m = M["Al"]
    t = K.transmissions(m, m)
    expected = math.pi**2 * sc.k**4 / (30 * sc.hbar**3) * (1 / 6420.0**2 + 2 / 3040.0**2)  # W/(m^2 K^4)
    assert t.h(1.0) == pytest.approx(expected, rel=1e-10)
    assert expected == pytest.approx(2.45e3, rel=1e-2)  # hand value: 1.017e10 * 2.407e-7 W/(m^2 K^4)


@pytest.mark.parametrize("a,b", PAIRS)
def test_normal_incidence_is_4z1z2_over_sum_squared(a, b):
    m1, m2 = M[a], M[b]
    for model in ("full", "scalar"):
        for mode, modes in (("L", ("L",)), ("T", ("SV", "SH") if model == "full" else ("T",))):
            z1, z2 = m1.impedance(mode), m2.impedance(mode)
            expected = 4 * z1 * z2 / (z1 + z2) ** 2
            for md in modes:
                assert float(K.transmission(0.0, m1, m2, md, model)) == pytest.approx(expected, rel=1e-12), (model, md)


@pytest.mark.parametrize("a,b", PAIRS)
def test_full_model_conserves_energy_at_every_angle(a, b):
    for mode in ("L", "SV"):
        coef = K.coefficients(ANGLES, M[a], M[b], mode)
        np.testing.assert_allclose(sum(coef.values()), 1.0, atol=1e-12)
        assert all((v >= -1e-14).all() for v in coef.values())


def test_no_transmission_beyond_the_critical_angle_into_a_faster_medium():
    slow, fast = M["PMMA"], M["sapphire"]  # c_L: 2690 -> 11100 m/s
    crit = math.asin(slow.c_l / fast.c_l)
    assert K.critical_angles(slow, fast, "L")[0] == pytest.approx(crit)
    # scalar longitudinal mode: zero beyond, positive just below
    assert float(K.transmission(crit + 1e-6, slow, fast, "L", "scalar")) == 0.0
    assert float(K.transmission(crit - 1e-3, slow, fast, "L", "scalar")) > 0.0
    th = np.linspace(crit + 1e-6, 0.5 * math.pi - 1e-6, 50)
    assert np.all(K.transmission(th, slow, fast, "L", "scalar") == 0.0)
    # full model: beyond the last critical angle (into the slowest mode of the
    # faster medium, c_T of sapphire) every transmitted wave is evanescent
    last = math.asin(slow.c_l / fast.c_t)
    th = np.linspace(last + 1e-6, 0.5 * math.pi - 1e-6, 50)
    np.testing.assert_allclose(K.transmission(th, slow, fast, "L"), 0.0, atol=1e-14)
    assert float(K.transmission(last - 1e-3, slow, fast, "L")) > 0.0
    # and the same against the independent formula
    for t in np.linspace(0, 0.5 * math.pi - 1e-6, 40):
        assert float(K.transmission(t, slow, fast, "L", "scalar")) == pytest.approx(
            independent_scalar(t, slow.rho, slow.c_l, fast.rho, fast.c_l, fluid=True), abs=1e-13
        )


def test_no_critical_angle_into_a_slower_medium_even_of_higher_impedance():
    """Total internal reflection depends on the sound speeds, not on rho*u (docs/design.md section 5)."""
    fast, slow = M["Al"], M["Sn"]  # c_L 6420 -> 3320 m/s, but Z_L 17.3 -> 24.2 MRayl (higher)
    assert slow.impedance() > fast.impedance()
    assert K.critical_angles(fast, slow, "L", "speed") == []
    th = np.linspace(0, 0.5 * math.pi - 1e-4, 200)
    assert np.all(K.transmission(th, fast, slow, "L", "scalar") > 0)
    # the paper's rule would put a critical angle here the other way round
    assert K.critical_angles(slow, fast, "L", "impedance") != []
    assert K.critical_angles(fast, slow, "L", "impedance") == []


@pytest.mark.parametrize("a,b", PAIRS)
def test_detailed_balance_scalar_per_mode(a, b):
    m1, m2 = M[a], M[b]
    for mode in ("L", "T"):
        g12 = K.hemispherical(m1, m2, mode, "scalar")
        g21 = K.hemispherical(m2, m1, mode, "scalar")
        assert g12 / m1.speed(mode) ** 2 == pytest.approx(g21 / m2.speed(mode) ** 2, rel=1e-10)


@pytest.mark.parametrize("a,b", PAIRS)
def test_detailed_balance_full_per_mode_pair_and_total(a, b):
    m1, m2 = M[a], M[b]
    for i, ci in (("L", m1.c_l), ("SV", m1.c_t)):
        for o, co in (("P", m2.c_l), ("S", m2.c_t)):
            back = "L" if o == "P" else "SV"
            fwd = K.hemispherical_pair(m1, m2, i, o) / ci**2
            rev = K.hemispherical_pair(m2, m1, back, "P" if i == "L" else "S") / co**2
            assert fwd == pytest.approx(rev, rel=1e-9, abs=1e-22), (i, o)
    assert K.detailed_balance_defect(m1, m2, "full") == pytest.approx(0.0, abs=1e-10)


def test_the_paper_rho_u_rule_breaks_detailed_balance():
    """Snell with impedances + the Debye phonon density: a net heat flow at equal temperatures."""
    assert abs(K.detailed_balance_defect(M["Al"], M["PMMA"], "scalar", "impedance")) > 0.5


@pytest.mark.parametrize("a,b", [("Al", "sapphire"), ("PMMA", "Al"), ("Nb", "SiO2")])
def test_hemispherical_average_against_scipy_quad(a, b):
    m1, m2 = M[a], M[b]
    for mode, fluid, c1, c2 in (("L", True, m1.c_l, m2.c_l), ("T", False, m1.c_t, m2.c_t)):

        def f(theta):
            return independent_scalar(theta, m1.rho, c1, m2.rho, c2, fluid) * 2 * math.sin(theta) * math.cos(theta)

        pts = [math.asin(c1 / c2)] if c2 > c1 else None
        ref = integrate.quad(f, 0, math.pi / 2, points=pts, limit=400, epsabs=1e-13)[0]
        assert K.hemispherical(m1, m2, mode, "scalar") == pytest.approx(ref, rel=1e-8)


def test_kapitza_conductance_is_t_cubed_at_low_temperature():
    t = K.transmissions(M["Al"], M["sapphire"])
    h = t.h(np.array([0.1, 0.2, 0.4]))
    np.testing.assert_allclose(h[1:] / h[:-1], 8.0, rtol=1e-12)
    # with the Debye cut-off: the same at T << Theta, smaller than T^3 above
    theta = 428.0
    assert t.h(1.0, theta) == pytest.approx(t.h(1.0), rel=1e-12)
    assert t.h(100.0, theta) < 0.5 * t.h(100.0)
    # same conductance both ways (detailed balance)
    assert K.transmissions(M["sapphire"], M["Al"]).h(1.0) == pytest.approx(t.h(1.0), rel=1e-10)


def test_debye_integral():
    assert K.debye_integral(None) == pytest.approx(4 * math.pi**4 / 15)
    assert K.debye_integral(50.0) == pytest.approx(4 * math.pi**4 / 15, rel=1e-15)
    assert K.debye_integral(0.01) == pytest.approx(0.01**3 / 3, rel=1e-3)  # x^4 e^x/(e^x-1)^2 ~ x^2


def test_diode_factor_of_the_paper_stack():
    """Polymer | Al | sapphire, the paper's rho*u ordering: the AMM gives p = 0 (reciprocity);
    reading the AMM's transmission probabilities as the paper does gives a diode pointing the
    wrong way (the slow polymer reflects its phonons back); the rho*u rule gives p > 0."""
    d = K.diode(M["Al"], M["PMMA"], M["sapphire"])
    assert M["PMMA"].impedance() < M["Al"].impedance() < M["sapphire"].impedance()
    assert d.p == pytest.approx(0.0, abs=1e-12)
    assert d.e_top == pytest.approx(d.a_top, rel=1e-12)
    assert 0 < d.e_top < 1
    assert d.p_directional < -0.3
    assert d.p_impedance > 0.3
    assert d.factor("ideal") == 1.0 and d.factor(0.25) == 0.25
