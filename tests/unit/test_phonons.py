"""Physics of the phonon spectra: BCS functions, Eq. (8), Eq. (13) variants.

Energies in Delta0; T = 0.9 Tc unless stated. Every check compares against an
independent evaluation (exact identities, scipy.quad, finite differences of
Eq. (8), the BCS limit of Eqs. 8-10).
"""

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

from psc_fem.phonons import bcs, collision, spectral, units

T = units.temperature_in_delta0(0.9)


def test_temperature_unit():
    # Appendix A: Delta0 = sqrt(8 pi^2 eta / (7 zeta(3))) Tc, eta = 0.1
    assert units.temperature_in_delta0(0.9) == pytest.approx(
        0.9 / np.sqrt(8 * np.pi**2 * 0.1 / (7 * 1.2020569031595942)), rel=1e-12
    )
    with pytest.raises(ValueError):
        units.temperature_in_delta0(1.0)


# --- broadened BCS functions (Eq. 11) ---------------------------------------


@pytest.mark.parametrize("psi,gamma", [(0.2, 0.3), (1.0, 0.3), (0.7, 0.01)])
def test_n1_even_r2_odd(psi, gamma):
    eps = np.linspace(0.0, 8.0, 4001)
    n_p, r_p = bcs.n1_r2(eps, psi, gamma)
    n_m, r_m = bcs.n1_r2(-eps, psi, gamma)
    assert np.max(np.abs(n_m - n_p)) < 1e-13
    assert np.max(np.abs(r_m + r_p)) < 1e-13
    assert np.all(n_p > 0) and np.all(r_p[1:] > 0)


@pytest.mark.parametrize("psi,gamma", [(0.2, 0.3), (1.0, 0.3), (0.7, 0.01)])
def test_fast_evaluation_is_the_retarded_root(psi, gamma):
    eps = np.linspace(-8.0, 8.0, 4001)
    z = eps + 1j * gamma
    h = bcs.retarded_root(eps, psi, gamma)
    n, r = bcs.n1_r2(eps, psi, gamma)
    assert np.max(np.abs(n - (z / h).real)) < 1e-12
    assert np.max(np.abs(r - (psi / h).real)) < 1e-12


def test_large_energy_limits():
    eps = np.array([1e3, 1e4])
    for psi, gamma in [(0.5, 0.3), (1.0, 0.05)]:
        n, r = bcs.n1_r2(eps, psi, gamma)
        # N1 = 1 + O(psi^2/eps^2), R2 = psi/eps (1 + O(1/eps^2))
        assert np.all(np.abs(n - 1) < psi**2 / eps**2)
        assert np.all(np.abs(r * eps / psi - 1) < 1e-5)


def test_continuity_at_zero_needs_the_retarded_branch():
    tiny = 1e-9
    for psi, gamma in [(0.5, 0.3), (1.0, 0.05)]:
        n, r = bcs.n1_r2(np.array([-tiny, tiny]), psi, gamma)
        assert abs(n[1] - n[0]) < 1e-7 and abs(r[1] - r[0]) < 1e-7
        # the principal root of z^2 - psi^2 flips the sign of N1 there instead
        n_naive, _ = bcs.n1_r2_naive(np.array([-tiny, tiny]), psi, gamma)
        assert n_naive[1] > 0.01 and n_naive[0] == pytest.approx(-n_naive[1], rel=1e-6)


@pytest.mark.parametrize("psi,gamma", [(0.5, 0.3), (1.0, 0.05)])
def test_broadening_conserves_states(psi, gamma):
    # int_0^inf (N1 - 1) deps = Re[h(z) - z] from eps = 0 to infinity = 0
    f = lambda e: bcs.n1(e, psi, gamma) - 1.0
    head = quad(f, 0, 20, points=[psi], limit=200, epsabs=1e-12)[0]
    tail = quad(f, 20, np.inf, epsabs=1e-12)[0]
    assert abs(head + tail) < 1e-8
    assert abs(head) > 1e-3  # not vacuous: the two parts cancel


def test_bcs_limit_of_n1_r2():
    psi, gamma = 0.8, 1e-7
    above = np.linspace(psi + 0.05, 5, 200)
    n, r = bcs.n1_r2(above, psi, gamma)
    root = np.sqrt(above**2 - psi**2)
    np.testing.assert_allclose(n, above / root, rtol=1e-5)
    np.testing.assert_allclose(r, psi / root, rtol=1e-5)
    inside = np.linspace(-psi + 0.05, psi - 0.05, 50)
    assert np.max(np.abs(bcs.n1_r2(inside, psi, gamma))) < 1e-5


# --- the collision integral, Eq. (8) ----------------------------------------

OMEGA = np.array([0.05, 0.3, 0.9, 1.7, 2.5, 4.0, 8.0])


@pytest.mark.parametrize("psi,gamma", [(0.0, 0.3), (0.4, 0.3), (1.0, 0.3), (0.8, 0.02)])
def test_detailed_balance(psi, gamma):
    c = collision.collision_integral(OMEGA, lambda e: bcs.fermi(e, T), psi, T, gamma)
    assert np.all(c.emission > 0)
    assert np.max(np.abs(c.total) / c.emission) < 1e-12


@pytest.mark.parametrize("psi,gamma", [(0.5, 0.3), (1.0, 0.02)])
def test_hot_electrons_emit_cold_absorb(psi, gamma):
    hot = collision.collision_integral(OMEGA, lambda e: bcs.fermi(e, 1.1 * T), psi, T, gamma)
    cold = collision.collision_integral(OMEGA, lambda e: bcs.fermi(e, 0.9 * T), psi, T, gamma)
    assert np.all(hot.total > 1e-6 * hot.emission)
    assert np.all(cold.total < -1e-6 * cold.emission)


def _eq8_bcs(omega, n, delta):
    """Eq. (8) with the BCS weights (9), (10), integrated independently by quad.

    Recombination: eps = D + (w-2D)(1-cos th)/2 removes both edge singularities;
    relaxation: eps = D + u^2 removes the one at the gap edge.
    """
    big_n = bcs.bose(omega, T)
    rec = 0.0
    if omega > 2 * delta:

        def f(th):
            e = delta + (omega - 2 * delta) * (1 - np.cos(th)) / 2
            ep = omega - e
            bracket = (big_n + 1) * n(e) * n(ep) - big_n * (1 - n(e)) * (1 - n(ep))
            return (e * ep + delta**2) / np.sqrt((e + delta) * (ep + delta)) * bracket

        rec = quad(f, 0, np.pi, epsabs=1e-13, epsrel=1e-12)[0]

    def g(u):
        lo = delta + u * u
        hi = lo + omega
        bracket = (big_n + 1) * n(hi) * (1 - n(lo)) - big_n * (1 - n(hi)) * n(lo)
        return 2 * (hi * lo - delta**2) / np.sqrt(hi**2 - delta**2) * 2 / np.sqrt(lo + delta) * bracket

    return rec + quad(g, 0, np.sqrt(45 * T), epsabs=1e-13, epsrel=1e-12, limit=200)[0]


def test_broadened_collision_tends_to_eq8_with_bcs_weights():
    delta = 0.6
    n = lambda e: bcs.fermi(e, 1.2 * T)
    omega = np.array([0.5, 2.0, 3.5])  # below and above 2 Delta
    ref = np.array([_eq8_bcs(w, n, delta) for w in omega])
    err = {
        g: np.max(np.abs(collision.collision_integral(omega, n, delta, T, g, eps_max=delta + 45 * T).total / ref - 1))
        for g in (1e-3, 1e-4)
    }
    assert err[1e-4] < 1e-4
    assert 5 < err[1e-3] / err[1e-4] < 20  # first order in gamma


# --- Eq. (13): linearisation, variants, quadrature --------------------------


@pytest.mark.parametrize("psi,gamma", [(0.2, 0.3), (0.6, 0.3), (1.0, 0.3), (0.8, 0.03)])
def test_consistent_eta1_is_the_derivative_of_eq8(psi, gamma):
    omega = np.array([0.1, 0.4, 0.9, 1.6, 2.2, 3.5, 6.0])
    a = lambda e: spectral.alpha(e, psi, T, gamma)
    s = 1e-3  # Eq. (8) is quadratic in n: the central difference is exact
    up = collision.collision_integral(omega, lambda e: bcs.fermi(e, T) + s * a(e), psi, T, gamma).total
    down = collision.collision_integral(omega, lambda e: bcs.fermi(e, T) - s * a(e), psi, T, gamma).total
    fd = (up - down) / (2 * s)
    lin = 2 / T * bcs.bose(omega, T) * spectral.eta1_consistent(omega, psi, T, gamma)
    assert np.max(np.abs(fd - lin)) < 1e-9 * np.max(np.abs(lin))


@pytest.mark.parametrize("variant", sorted(spectral.VARIANTS))
def test_no_gap_no_coupling(variant):
    # R2 = 0 at |Psi| = 0: delta n of Eq. (11) vanishes, so does eta1
    assert np.all(spectral.eta1(np.linspace(0, 6, 13), 0.0, T, 0.3, variant) == 0.0)


def _eta1_quad(omega, psi, gamma, variant):
    """Eq. (13) variants by scipy.quad, from the module-docstring formulas."""

    def nr(e):
        return bcs.n1_r2(e, psi, gamma)

    def r(e):
        n, rr = nr(e)
        return rr / n

    def p(e):
        (na, ra), (nb, rb) = nr(e), nr(omega - e)
        return na * nb + ra * rb

    def q(e):
        (na, ra), (nb, rb) = nr(e), nr(e + omega)
        return na * nb - ra * rb

    f0 = lambda e: bcs.fermi(e, T)
    sech2 = lambda e: 1 / np.cosh(e / (2 * T)) ** 2
    if variant == "consistent":
        rec = lambda e: 2 * p(e) * r(e) * (1 - f0(e)) * (1 - f0(omega - e))
        rel = lambda e: 2 * q(e) * f0(e) * (1 - f0(e + omega)) * (r(e + omega) - r(e))
    else:
        rec = lambda e: 0.25 * p(e) * r(e) * sech2(e)
        rel = lambda e: -0.25 * q(e) * (r(e + omega) * sech2(e + omega) - r(e) * sech2(e))
    kw = dict(limit=400, epsabs=1e-12, epsrel=1e-11)
    pts = sorted({psi, omega - psi} & set(np.clip([psi, omega - psi], 1e-9, omega - 1e-9)))
    top = psi + 40 * T
    pts2 = [x for x in (psi, psi - omega) if 0 < x < top]
    return quad(rec, 0, omega, points=pts or None, **kw)[0] + quad(rel, 0, top, points=pts2 or None, **kw)[0]


@pytest.mark.parametrize("variant", ["consistent", "printed"])
@pytest.mark.parametrize("psi,gamma", [(0.5, 0.3), (1.0, 0.05)])
def test_quadrature_matches_scipy_quad(variant, psi, gamma):
    omega = np.array([0.3, 1.0, 2.1, 4.0])
    ours = spectral.eta1(omega, psi, T, gamma, variant)
    ref = np.array([_eta1_quad(w, psi, gamma, variant) for w in omega])
    assert np.max(np.abs(ours - ref)) < 1e-8 * np.max(np.abs(ref))


def _sign_changes(values):
    return np.flatnonzero(np.diff(np.sign(values)) != 0)


@pytest.mark.parametrize("psi", [0.5, 1.0])
def test_consistent_sign_change_approaches_two_psi(psi):
    distance = []
    for gamma in (0.3, 0.1, 0.03):
        f = lambda w: spectral.eta1_consistent(w, psi, T, gamma)[0]
        grid = np.linspace(0.02, 2 * psi + 1.0, 200)
        idx = _sign_changes(spectral.eta1_consistent(grid, psi, T, gamma))
        assert len(idx) == 1  # one crossing, from absorption to emission
        root = brentq(f, grid[idx[0]], grid[idx[0] + 1], xtol=1e-10)
        assert f(root - 0.01) < 0 < f(root + 0.01)
        distance.append(2 * psi - root)
    assert all(d > 0 for d in distance)  # from below 2|Psi|
    assert distance[0] > distance[1] > distance[2]
    assert distance[2] < 0.2 * distance[0]


@pytest.mark.parametrize("gamma", [0.3, 0.03])
def test_printed_eta1_never_changes_sign(gamma):
    # Finding: with the relaxation sign of Eq. (13) as printed, no sign change at all
    omega = np.linspace(0.01, 8.0, 400)
    for psi in (0.2, 0.5, 1.0):
        assert np.all(spectral.eta1_printed(omega, psi, T, gamma) > 0)


def test_literal_reading_changes_sign_only_through_the_wrong_branch():
    omega = np.linspace(0.01, 4.0, 400)
    literal = spectral.eta1(omega, 0.5, T, 0.3, "literal")
    assert len(_sign_changes(literal)) == 1 and literal[0] < 0
    assert np.all(spectral.eta1_printed(omega, 0.5, T, 0.3) > 0)


def test_unknown_variant():
    with pytest.raises(ValueError, match="unknown variant"):
        spectral.eta1(1.0, 0.5, T, 0.3, "paper")
