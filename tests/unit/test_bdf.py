"""The variable-step BDF arithmetic of psc_fem.solver.bdf: exact on the polynomials it must be exact on."""

import numpy as np
import pytest

from psc_fem.solver import bdf

RNG = np.random.default_rng(17)


def random_steps(n):
    return list(RNG.uniform(0.2, 2.0, n))


@pytest.mark.parametrize("order", [1, 2, 3])
def test_bdf_weights_differentiate_polynomials_of_their_order_exactly(order):
    """sum_j a_j p(t_{n+1-j}) = h p'(t_{n+1}) for every polynomial p of degree <= k, on uneven steps."""
    for _ in range(20):
        h, past = RNG.uniform(0.2, 2.0), random_steps(order - 1)
        a = bdf.bdf_weights(order, h, past=past)[: order + 1]
        t = np.cumsum([0.0, -h, *[-x for x in past]])  # t_{n+1} = 0, t_n, ...
        for degree in range(order + 1):
            c = RNG.normal(size=degree + 1)
            p, dp = np.polynomial.Polynomial(c), np.polynomial.Polynomial(c).deriv()
            assert np.dot(a, p(t[: order + 1])) == pytest.approx(h * dp(0.0), abs=1e-11 * (1 + abs(h * dp(0.0))))


def test_bdf2_weights_are_the_textbook_formula():
    """k = 2, w = h_n / h_{n-1}: a0 = (1 + 2w)/(1 + w), a1 = -(1 + w), a2 = w^2/(1 + w) (module doc)."""
    h, hp = 0.3, 0.7
    w = h / hp
    assert bdf.bdf_weights(2, h, h_prev=hp) == pytest.approx(((1 + 2 * w) / (1 + w), -(1 + w), w * w / (1 + w)))
    assert bdf.bdf_weights(2, h) == (1.0, -1.0, 0.0)  # no past step: BDF1


@pytest.mark.parametrize("order, constant", [(1, -1 / 3), (2, -2 / 11), (3, -3 / 25)])
def test_error_factor_at_constant_steps(order, constant):
    """c_C / (c_P - c_C) at constant steps, BDF1 .. BDF3: -1/3, -2/11, -3/25 (the module doc's -2/11)."""
    assert bdf.error_factor(order, 1.0, [1.0] * order) == pytest.approx(constant, rel=1e-12)
    # and it depends on the step ratios only
    assert bdf.error_factor(order, 2.5, [2.5] * order) == pytest.approx(constant, rel=1e-12)


def test_error_factor_estimates_the_true_local_error():
    """For u = t^(k+1) the estimate factor * (u_C - u_P) is the corrector's true error u - u_C, uneven steps."""
    for order in (1, 2, 3):
        h, past = RNG.uniform(0.2, 2.0), random_steps(order)
        t = np.cumsum([0.0, -h, *[-x for x in past]])
        u = t ** (order + 1)
        a = bdf.bdf_weights(order, h, past=past)[: order + 1]
        # corrector: a0 u_C + sum a_j u_j = h u'(0) = 0  ->  u_C
        u_c = -np.dot(a[1:], u[1 : order + 1]) / a[0]
        w = bdf.extrapolation_weights(h, past[:order])
        u_p = np.dot(w, u[1 : order + 2])
        assert bdf.error_factor(order, h, past) * (u_c - u_p) == pytest.approx(u[0] - u_c, rel=1e-9)


def test_interval_and_dense_weights_are_exact_on_polynomials():
    for n in (1, 2, 3, 4):
        nodes = list(RNG.uniform(-2.0, 2.0, n))
        a, b, x = RNG.uniform(-1.0, 1.0, 3)
        p = np.polynomial.Polynomial(RNG.normal(size=n))  # degree n - 1
        assert np.dot(bdf.interval_weights(nodes, a, b), p(np.array(nodes))) == pytest.approx(
            p.integ()(b) - p.integ()(a), abs=1e-11
        )
        value, deriv = bdf.dense_weights(nodes, x)
        assert np.dot(value, p(np.array(nodes))) == pytest.approx(p(x), abs=1e-10)
        assert np.dot(deriv, p(np.array(nodes))) == pytest.approx(p.deriv()(x), abs=1e-9)
