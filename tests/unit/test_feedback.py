"""Phonon feedback, Eqs. (3)-(6) (psc_fem.feedback, docs/feedback.md): kernels, kinetics, config.

Runs with the feedback: tests/system/test_feedback_runs.py; on 2 ranks: tests/mpi/test_feedback_mpi.py.
"""

import numpy as np
import pytest
from helpers.configs import FEEDBACK, N_OMEGA, make_config
from scipy.integrate import quad, solve_ivp

from psc_fem.config import ConfigError
from psc_fem.feedback import Couplings, PhononKinetics, load_kernels
from psc_fem.feedback.kernels import OMEGA_MAX_IN_T, decay_rate, pair_breaking
from psc_fem.feedback.kinetics import phi1, phi2
from psc_fem.phonons.units import temperature_in_delta0

T = temperature_in_delta0(0.9)  # the Fig. 1 wire: eta = 0.1
GAMMA = 0.3  # 1/delta


@pytest.fixture(scope="module")
def kernels():
    return load_kernels(T, GAMMA, OMEGA_MAX_IN_T * T, N_OMEGA)


def kinetics(kernels, tau_es, mode="kinetic", n_nodes=3):
    c = Couplings(g=1.0, source=2.0, p=1.5, tau_es=tau_es, mode=mode)
    return PhononKinetics(kernels, c, n_nodes)


# ---- the kinetic equation at a node ---------------------------------------------


def test_kinetic_step_is_exact_for_a_constant_source(kernels):
    """Same psi pair every step: dN(t) = s/k + (dN0 - s/k) e^{-kt}, checked with solve_ivp; LE is the limit."""
    psi_old, psi_new, h_rate = np.array([0.9, 0.5]), np.array([0.8, 0.55]), 0.1
    kin = kinetics(kernels, tau_es=2.0, n_nodes=2)
    le = kinetics(kernels, tau_es=2.0, mode="local-equilibrium", n_nodes=2)
    kin.dN[:] = 0.3
    dN0 = kin.dN.copy()
    c = kin.c
    mid = 0.5 * (psi_old + psi_new)
    src = c.g * c.source * ((psi_new - psi_old) / h_rate)[:, None] * kernels.source.rows(mid)
    k = c.g * kernels.decay.rows(mid) + 1 / c.tau_es
    steps = [0.05, 0.3, 0.01, 1.7, 0.4, 3.0, 6.0]
    t = 0.0
    for h in steps:
        # psi_old -> psi_new over h with the same secant rate: scale the pair about its midpoint
        half = 0.5 * (psi_new - psi_old) * h / h_rate
        kin.step(mid - half, mid + half, h)
        t += h
        sol = solve_ivp(
            lambda _, y: (src - k * y.reshape(k.shape)).ravel(),
            (0, t),
            dN0.ravel(),
            rtol=1e-12,
            atol=1e-14,
            method="DOP853",
        )
        np.testing.assert_allclose(kin.dN, sol.y[:, -1].reshape(k.shape), rtol=1e-8, atol=1e-12)
    le.step(mid - 0.5 * (psi_new - psi_old), mid + 0.5 * (psi_new - psi_old), h_rate)
    np.testing.assert_allclose(le.dN, src / k, rtol=1e-14)
    for h in [50.0] * 4:  # long after the transient, kinetic = local equilibrium
        half = 0.5 * (psi_new - psi_old) * h / h_rate
        kin.step(mid - half, mid + half, h)
    np.testing.assert_allclose(kin.dN, le.dN, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mode", ["kinetic", "local-equilibrium"])
def test_p_vanishes_linearly_with_tau_es(kernels, mode):
    """p -> -c_p sum dw w^2 pair g s tau_es + O(tau_es^2) for any source."""
    psi_old, psi_new, h = np.array([0.9, 0.3, 0.6]), np.array([0.8, 0.35, 0.6]), 0.1
    mid = 0.5 * (psi_old + psi_new)
    ref = kinetics(kernels, 1.0)
    src = ref.c.g * ref.c.source * ((psi_new - psi_old) / h)[:, None] * kernels.source.rows(mid)
    slope = -ref.c.p * np.einsum("ij,ij->i", kernels.pair.rows(psi_new) * kernels.d_omega * kernels.omega**2, src)
    errors = []
    for tau in (1e-3, 1e-4, 1e-5):
        kin = kinetics(kernels, tau, mode)
        for _ in range(3):  # kinetic: many relaxation times per step, dN at its local-equilibrium value
            kin.step(psi_old, psi_new, h)
        errors.append(np.max(np.abs(kin.p(psi_new) / tau - slope)[:2] / np.abs(slope[:2])))
    assert np.all(kin.p(psi_new)[2] == 0.0)  # no source at the third node
    assert errors[2] < 1e-4 and 8 < errors[0] / errors[1] < 12 and 8 < errors[1] / errors[2] < 12, errors


def test_step_functions():
    x = np.array([0.0, 1e-8, 1e-4, 1e-3, 2e-3, 0.5, 5.0, 800.0])
    ref1 = np.array([1.0] + [float(-np.expm1(-v) / v) for v in x[1:]])
    np.testing.assert_allclose(phi1(x), ref1, rtol=1e-15)
    # phi2 = int_0^1 s e^{-x (1 - s)} ds, by quadrature
    ref2 = [quad(lambda s, v=v: s * np.exp(-v * (1 - s)), 0, 1, epsabs=0, epsrel=1e-13)[0] for v in x]
    np.testing.assert_allclose(phi2(x), ref2, rtol=1e-12)


# ---- Eqs. (3)-(4) and (8): the kernels ------------------------------------------


def _n1_r2(e, psi, gamma):
    h = np.sqrt(complex(abs(e), gamma) ** 2 - psi**2)
    return (complex(abs(e), gamma) / h).real, np.sign(e) * (psi / h).real


def test_pair_breaking_kernel_against_quad():
    """pair(w) = int_0^w Re[1/h] (N1 N1' + R2 R2') (1 - n0 - n0') de, integrated by scipy.quad."""
    f = lambda e: 1 / (np.exp(e / T) + 1)  # noqa: E731
    for psi, w in [(0.8, 2.5), (0.4, 1.2), (1.0, 0.7), (0.0, 1.5)]:

        def integrand(e):
            (na, ra), (nb, rb) = _n1_r2(e, psi, GAMMA), _n1_r2(w - e, psi, GAMMA)
            inv = (1 / np.sqrt(complex(e, GAMMA) ** 2 - psi**2)).real
            return inv * (na * nb + ra * rb) * (1 - f(e) - f(w - e))

        ref = quad(integrand, 0, w, points=[p for p in (psi, w - psi) if 0 < p < w], limit=400, epsabs=0, epsrel=1e-11)[
            0
        ]
        assert pair_breaking([w], psi, T, GAMMA)[0] == pytest.approx(ref, rel=1e-7), (psi, w)


def test_decay_rate_is_omega_in_the_normal_state_and_positive():
    w = np.linspace(0.05, 10, 40)
    np.testing.assert_allclose(decay_rate(w, 0.0, T, GAMMA), w, rtol=1e-10)
    for psi in (0.3, 1.0):
        assert np.all(decay_rate(w, psi, T, GAMMA) > 0)


def test_excess_phonons_above_the_gap_suppress_it(kernels):
    """dN > 0 above 2|Psi| breaks pairs: Gamma > 0 in (4), so P < 0 in (3) and (1 - |Psi|^2 + p) shrinks.

    A deficit (dN < 0) enhances the gap; dN = 0 gives p = 0 exactly.
    """
    psi = np.array([0.3, 0.6, 1.0])
    kin = kinetics(kernels, 1.0, n_nodes=3)
    assert np.all(kin.p(psi) == 0.0)
    kin.dN[:] = (kernels.omega[None, :] > 2 * psi[:, None] + 0.2).astype(float)
    assert np.all(kin.p(psi) < 0)
    p_excess = kin.p(psi)
    kin.dN *= -1
    np.testing.assert_array_equal(kin.p(psi), -p_excess)
    assert np.all(kernels.pair.values[:, kernels.omega > 2 * kernels.pair.psi.max() + 0.2] > 0)


# ---- the p term of (A.1) ------------------------------------------------------------


def test_feedback_p_enters_like_the_constant_p():
    """The feedback's p(x) Function and [model] p are the same term of (A.1): equal residuals."""
    from mpi4py import MPI

    from psc_fem.solver.problem import WireProblem

    wire = {"length": 4.0, "h": 0.1}
    const = WireProblem(make_config(wire=wire, model={"p": -0.2}), MPI.COMM_SELF)
    fb = WireProblem(make_config(wire=wire, phonons={**FEEDBACK, "tau_es": 1.0}), MPI.COMM_SELF)
    assert fb.p_feedback is not None
    fb.p_feedback.x.array[:] = -0.2
    rng = np.random.default_rng(3)
    state = rng.normal(size=const.w.x.array.size)
    out = []
    for p in (const, fb):
        p.set_step(0.1, (1.5, -2.0, 0.5))
        for f in (p.w, p.w_n, p.w_nm1):
            f.x.array[:] = state
        x, b = p.w.x.petsc_vec.copy(), p.problem.b.copy()
        p._residual(None, x, b)
        out.append(b.getArray().copy())
    assert np.max(np.abs(out[0] - out[1])) < 1e-13 * np.max(np.abs(out[0]))
    assert np.max(np.abs(out[0])) > 1.0  # a generic state, not a trivial residual


# ---- config -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phonons, key",
    [
        ({"tau_es": -1.0}, "phonons.tau_es"),
        ({"mode": "steady"}, "phonons.mode"),
        ({"n_omega": 2}, "phonons.n_omega"),
        ({"omega_max": 0.0}, "phonons.omega_max"),
        ({"feedback": True, "tau_es": 1.0, "pair_breaking": 0.1}, "phonons.phonon_electron_rate"),
        ({"feedback": True, "tau_es": 1.0, "phonon_electron_rate": 0.1}, "phonons.pair_breaking"),
        ({"tau_s": 1.0}, "phonons.tau_s"),
    ],
)
def test_bad_phonon_keys_are_named(phonons, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        make_config(phonons=phonons)


def test_feedback_needs_a_finite_gap_model():
    with pytest.raises(ConfigError, match=r"model\.delta > 0"):
        make_config(model={"delta": 0.0}, phonons={**FEEDBACK, "tau_es": 1.0})
