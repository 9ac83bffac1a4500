"""The interference factor of (A.2): AGM 'exact' and the seed's Z(z) (B.11)."""

import numpy as np
import pytest
import scipy.special as sp
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI

from psc_fem.forms.elliptic import agm_k_minus_e, interference_factor


def k_minus_e_series(m, terms=40):
    """K - E = (pi/2) sum_{n>=1} [(2n)!/(2^{2n} n!^2)]^2 (2n/(2n-1)) m^n."""
    total, c = 0.0, 1.0
    for n in range(1, terms):
        c *= (2 * n - 1) / (2 * n)
        total = total + c * c * (2 * n / (2 * n - 1)) * m**n
    return 0.5 * np.pi * total


def test_agm_matches_scipy_where_scipy_is_accurate():
    m = np.linspace(0.05, 0.9999, 400)
    got = agm_k_minus_e(m, np.sqrt(1 - m), np.sqrt)
    ref = sp.ellipk(m) - sp.ellipe(m)
    assert np.max(np.abs(got - ref) / ref) < 1e-13


def test_factor_is_accurate_up_to_aluminium_delta():
    # delta |Psi| up to 1e5: 1 - m = 1/(1 + delta^2 |Psi|^2) down to 1e-10; scipy's ellipkm1 keeps it exact
    for delta in (1e2, 1e3, 1e4, 1e5):
        s = np.array([1e-10, 1e-6, 1e-4, 1e-2, 0.25, 1.0])
        g = 1 + delta**2 * s
        ref = np.sqrt(g) / delta * (sp.ellipkm1(1 / g) - sp.ellipe(delta**2 * s / g))
        got = interference_factor(s, delta, "exact", np.sqrt, np.log)
        assert np.max(np.abs(got / ref - 1)) < 1e-9, delta  # measured 9e-11 (delta = 100) .. 7e-16


def test_agm_matches_series_for_small_modulus():
    # scipy's K - E cancels catastrophically here; the series does not.
    m = np.logspace(-14, -1.5, 60)
    got = agm_k_minus_e(m, np.sqrt(1 - m), np.sqrt)
    assert np.max(np.abs(got / k_minus_e_series(m) - 1)) < 1e-12


def test_exact_factor_is_psi_times_k_minus_e_over_z_and_seed_is_z():
    delta = 10 / 3
    psi = np.linspace(1e-3, 1.2, 200)
    z = delta * psi / np.sqrt(1 + (delta * psi) ** 2)
    exact = interference_factor(psi**2, delta, "exact", np.sqrt, np.log)
    ref = psi * (sp.ellipk(z**2) - sp.ellipe(z**2)) / z
    assert np.max(np.abs(exact - ref)) < 1e-7  # the bound; actual ~1e-15
    seed = interference_factor(psi**2, delta, "seed", np.sqrt, np.log)
    Z = np.log(1 - z**2) / (2 * z) - np.log(1 - z)  # (B.11)
    np.testing.assert_allclose(seed, psi * Z, rtol=1e-10)


def test_seed_is_35_percent_low_at_small_z():
    # docs/design.md: (K - E)/z ~ pi z/4 while Z ~ z/2.
    s = 1e-6
    ratio = interference_factor(s, 1.0, "seed", np.sqrt, np.log) / interference_factor(s, 1.0, "exact", np.sqrt, np.log)
    assert ratio == pytest.approx(2 / np.pi, rel=1e-3)


@pytest.mark.parametrize("kind", ["exact", "seed"])
def test_ufl_expression_equals_numpy(kind):
    msh = mesh.create_interval(MPI.COMM_SELF, 50, [0.0, 1.2])
    V = fem.functionspace(msh, ("Lagrange", 1))
    x = ufl.SpatialCoordinate(msh)
    delta = fem.Constant(msh, 2.5)
    expr = interference_factor(x[0] ** 2, delta, kind, ufl.sqrt, ufl.ln)
    f = fem.Function(V)
    f.interpolate(fem.Expression(expr, V.element.interpolation_points))
    xs = V.tabulate_dof_coordinates()[:, 0]
    ref = interference_factor(xs**2, 2.5, kind, np.sqrt, np.log)
    np.testing.assert_allclose(f.x.array, ref, rtol=1e-12, atol=1e-14)
