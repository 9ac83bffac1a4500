"""The UFL residual is (A.1)-(A.3), and delta = 0 is the gapless (A.4)-(A.5).

Each test assembles the package's residual at a random state and history
and compares it with an independent transcription of the paper's complex
equations (real and imaginary parts written out by hand), with the time
derivative dPsi/dtau + i phi Psi taken as the gauge-covariant BDF formula
of forms/covariant.py (the old values turned by exp(-i int phi dtau)).
"""

import numpy as np
import pytest
import ufl
from dolfinx import fem
from helpers.configs import make_config
from mpi4py import MPI

from psc_fem.config import U_EXACT
from psc_fem.forms.elliptic import interference_factor
from psc_fem.solver.problem import WireProblem


def randomise(problem, seed):
    rng = np.random.default_rng(seed)
    for f in (problem.w, problem.w_n, problem.w_nm1):
        f.x.array[:] = rng.uniform(-1, 1, f.x.array.size)
    problem.set_step(0.03, (1.5, -2.0, 0.5), link=(0.5, 0.5), links_before=[rng.uniform(-2, 2, problem.w.x.array.size)])
    problem.j.value = 1.3


def assembled(form):
    return fem.assemble_vector(fem.form(form)).array


def paper_residual(problem, delta, eta, u):
    """(A.1) and (A.3) in complex form, tested with the same test functions."""
    psi, phi = ufl.split(problem.w)
    psi_n, phi_n = ufl.split(problem.w_n)
    psi_nm1, _ = ufl.split(problem.w_nm1)
    _, link_prev = ufl.split(problem.links_before[0])
    v, q = ufl.TestFunctions(problem.W)
    p = problem
    # D = dPsi/dtau + i phi Psi: Psi_n, Psi_{n-1} times exp(-i Theta), Theta the trapezoid int phi dtau
    theta1 = 0.5 * p.dt * (phi + phi_n)
    theta2 = theta1 + link_prev
    turned = [
        (z[0] * ufl.cos(th) + z[1] * ufl.sin(th), z[1] * ufl.cos(th) - z[0] * ufl.sin(th))
        for z, th in ((psi_n, theta1), (psi_nm1, theta2))
    ]
    a0, a1, a2 = p.a[:3]
    D_re = (a0 * psi[0] + a1 * turned[0][0] + a2 * turned[1][0]) / p.dt
    D_im = (a0 * psi[1] + a1 * turned[0][1] + a2 * turned[1][1]) / p.dt
    re, im = psi[0], psi[1]
    s = re**2 + im**2
    s_t = 2 * (re * D_re + im * D_im)  # d|Psi|^2/dtau = 2 Re(Psi* D): i phi Psi drops out
    nu = u / ufl.sqrt(1 + delta**2 * s)
    # nu (D + (delta^2/2) s_t Psi) - (1 - s) Psi, real and imaginary parts
    lhs_re = nu * (D_re + 0.5 * delta**2 * s_t * re) - (1 - s) * re
    lhs_im = nu * (D_im + 0.5 * delta**2 * s_t * im) - (1 - s) * im
    F = (lhs_re * v[0] + lhs_im * v[1] + re.dx(0) * v[0].dx(0) + im.dx(0) * v[1].dx(0)) * p.dx
    Q_s = re * im.dx(0) - im * re.dx(0)  # Im(Psi* Psi')
    if delta == 0:
        js, D = Q_s, 1.0  # (A.5)
    else:
        js = Q_s * (1 - 2 * delta * np.sqrt(eta / u) * s_t / (s + p.coeffs.eps_q**2))
        D = 1 + (2 / np.pi) * np.sqrt(eta * u) * interference_factor(s, delta, "exact", ufl.sqrt, ufl.ln)
    F += (phi.dx(0) - (js - p.j) / D) * D * q.dx(0) * p.dx
    return F


@pytest.mark.parametrize("delta", [0.0, 10 / 3])
def test_residual_is_the_paper_equations(delta):
    problem = WireProblem(make_config(model={"delta": delta}), MPI.COMM_SELF)
    randomise(problem, seed=1)
    ours = assembled(problem.problem.F)
    ref = assembled(paper_residual(problem, delta, 0.1, U_EXACT))
    assert np.max(np.abs(ours - ref)) < 1e-12 * np.max(np.abs(ref))


def test_small_delta_approaches_gapless_form():
    """The finite-gap residual tends to the gapless one as delta -> 0 (linearly)."""
    errors = []
    gapless = WireProblem(make_config(model={"delta": 0.0}), MPI.COMM_SELF)
    randomise(gapless, seed=2)
    ref = assembled(gapless.problem.F)
    for delta in (1e-2, 1e-3, 1e-4):
        p = WireProblem(make_config(model={"delta": delta}), MPI.COMM_SELF)
        randomise(p, seed=2)
        errors.append(np.max(np.abs(assembled(p.problem.F) - ref)))
    rates = np.log10(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(rates > 0.9), (errors, rates)


def test_interference_coefficient_option():
    """model.interference_coefficient: "A.2" keeps 2 delta sqrt(eta/u) in the forms (coupling None),
    "Eq.2" passes 2 delta sqrt(u eta), u times larger (docs/model.md)."""
    import math

    from psc_fem.forms.tdgl import interference_coupling

    a2 = make_config(model={"delta": 10.0, "eta": 0.1})
    eq2 = make_config(model={"delta": 10.0, "eta": 0.1, "interference_coefficient": "Eq.2"})
    u = a2.model.u_value
    assert a2.model.interference_coupling == pytest.approx(2 * 10.0 * math.sqrt(0.1 / u), rel=1e-15)
    assert eq2.model.interference_coupling == pytest.approx(u * a2.model.interference_coupling, rel=1e-14)
    p_a2, p_eq2 = WireProblem(a2, MPI.COMM_SELF), WireProblem(eq2, MPI.COMM_SELF)
    assert p_a2.coeffs.coupling is None
    assert float(p_eq2.coeffs.coupling.value) == pytest.approx(eq2.model.interference_coupling, rel=1e-15)
    assert interference_coupling(p_eq2.coeffs) is p_eq2.coeffs.coupling
