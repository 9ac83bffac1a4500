"""Phonon feedback, Eqs. (3)-(6) (psc_fem.feedback, docs/feedback.md)."""

import numpy as np
import pytest
from conftest import make_config, run
from scipy.integrate import quad, solve_ivp

from psc_fem.config import ConfigError
from psc_fem.feedback import Couplings, PhononKinetics, load_kernels
from psc_fem.feedback.kernels import OMEGA_MAX_IN_T, decay_rate, pair_breaking
from psc_fem.feedback.kinetics import phi1, phi2
from psc_fem.io.checkpoint import ResumeError
from psc_fem.phonons.units import temperature_in_delta0
from psc_fem.solver.simulation import simulate

T = temperature_in_delta0(0.9)  # the Fig. 1 wire: eta = 0.1
GAMMA = 0.3  # 1/delta
N_OMEGA = 32
FEEDBACK = {"feedback": True, "phonon_electron_rate": 1.0, "pair_breaking": 0.05, "n_omega": N_OMEGA}


@pytest.fixture(scope="module")
def kernels():
    return load_kernels(T, GAMMA, OMEGA_MAX_IN_T * T, N_OMEGA)


def kinetics(kernels, tau_es, mode="kinetic", n_nodes=3):
    c = Couplings(g=1.0, source=2.0, p=1.5, tau_es=tau_es, mode=mode)
    return PhononKinetics(kernels, c, n_nodes)


# ---- free escape (tau_es -> 0) is the paper ------------------------------------


def test_free_escape_is_bitwise_the_run_without_phonons(tmp_path):
    """No [phonons], feedback off, and tau_es = 0 give the same run, bit for bit."""
    t = {"t_end": 30.0}
    ref = run(tmp_path / "none", time=t)
    off = run(tmp_path / "off", time=t, phonons={"feedback": False, "tau_es": 0.5})
    free = run(tmp_path / "free", time=t, phonons={**FEEDBACK, "tau_es": 0.0})
    assert ref.stats["n_slips"] >= 2
    for r in (off, free):
        for key in ("t", "V", "psi_center", "theta_plus"):
            assert np.array_equal(r.series[key], ref.series[key]), key
    s = free.series
    assert np.all(s["phonon_energy"] == 0.0) and np.all(s["p_min"] == 0.0) and np.all(s["p_max"] == 0.0)
    # free escape: what the PSC emits (Eq. 8 linearised, i.e. Eq. 12) leaves in the same step
    np.testing.assert_allclose(s["phonon_escape"], s["phonon_source"], rtol=1e-12, atol=1e-15)
    assert np.max(np.abs(s["phonon_source"])) > 1e-3


def test_small_escape_time_converges_linearly_to_free_escape(tmp_path):
    """Fixed steps: V(t) - V_free(t) and p shrink in proportion to tau_es (p = O(tau_es))."""
    t = {"t_end": 14.0, "adaptive": False, "dt_initial": 0.02}
    free = run(tmp_path / "free", time=t, phonons={**FEEDBACK, "tau_es": 0.0})
    assert free.stats["n_slips"] == 1  # the run covers a phase slip
    dv, dp = [], []
    for tau in (1e-3, 1e-4):
        r = run(tmp_path / str(tau), time=t, phonons={**FEEDBACK, "tau_es": tau})
        assert np.array_equal(r.series["t"], free.series["t"])
        dv.append(np.max(np.abs(r.series["V"] - free.series["V"])))
        dp.append(np.max(np.abs(r.series["p_min"])))
    assert 9.5 < dv[0] / dv[1] < 10.5, dv
    assert 9.5 < dp[0] / dp[1] < 10.5, dp
    assert dv[1] > 1e-4  # the feedback does act


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


# ---- energy bookkeeping over whole periods of a run -------------------------------


def test_p_term_has_the_sign_of_A1(tmp_path):
    """(A.1) with p: the bulk condensate of a current-free wire is |Psi|^2 = 1 + p.

    A 20-xi gapless wire at j = 0 with [model] p = -0.2 relaxes to
    |Psi(0)|^2 = 0.8 (the rigid ends hold |Psi| = 1 only within a few xi).
    A flipped sign would give 1.2.
    """
    r = run(
        tmp_path,
        wire={"length": 20.0, "h": 0.2},
        model={"delta": 0.0, "p": -0.2},
        drive={"current": 0.0},
        time={"t_end": 80.0},
    )
    assert r.series["psi_center"][-1] ** 2 == pytest.approx(
        0.8, abs=1e-5
    )  # measured 0.8000011 (the ends, exp(-sqrt(1.6) 10))


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


def test_energies_are_volume_integrals_with_a_cross_section(tmp_path):
    """A uniform cross-section S = 2.5 carrying 2.5 j is the same wire scaled: the same V, and every
    wire-integrated phonon energy 2.5 times larger (the energies weigh the nodes by int S phi_i dx)."""
    t = {"t_end": 20.0}
    one = run(tmp_path / "one", time=t, phonons={**FEEDBACK, "tau_es": 1.0})
    wide = run(
        tmp_path / "wide",
        time=t,
        phonons={**FEEDBACK, "tau_es": 1.0},
        drive={"current": 1.5 * 2.5},
        wire={"cross_section": {"shape": "uniform", "scale": 2.5}},
    )
    assert one.stats["n_slips"] >= 1 and np.max(np.abs(wide.series["V"] - one.series["V"])) < 1e-8
    for key in ("phonon_source", "phonon_escape", "phonon_energy"):
        assert np.sum(wide.series[key]) == pytest.approx(2.5 * np.sum(one.series[key]), rel=1e-8), key


def test_energy_bookkeeping_over_whole_periods(tmp_path):
    """Escaped energy = net input of Eq. (5)'s collision term - change of the stored phonon energy.

    Exact in the scheme (module psc_fem.feedback.kinetics), so ~1e-13 relative
    over whole PSC periods; the escape spectrum integrates to the escape.
    """
    r = run(tmp_path, time={"t_end": 50.0}, phonons={**FEEDBACK, "tau_es": 1.0})
    s = r.series
    slips = np.asarray(r.stats["slip_times"])
    assert slips.size >= 3
    i0, i1 = np.searchsorted(s["t"], slips[0]), np.searchsorted(s["t"], slips[-1])  # whole periods
    window = slice(i0 + 1, i1 + 1)
    escaped = np.sum(s["phonon_escape"][window])
    net_in = np.sum(s["phonon_input"][window])
    stored = s["phonon_energy"][i1] - s["phonon_energy"][i0]
    scale = np.sum(np.abs(s["phonon_escape"][window])) + np.sum(np.abs(s["phonon_source"][window]))
    assert abs(escaped - (net_in - stored)) < 1e-12 * scale
    assert scale > 1.0 and abs(stored) > 1e-6 * scale  # the identity has content: energy is stored and released
    step = np.diff(np.concatenate([[0.0], s["phonon_energy"]]))
    np.testing.assert_allclose(step, s["phonon_input"] - s["phonon_escape"], rtol=0, atol=1e-12 * scale)
    dw = OMEGA_MAX_IN_T * T / N_OMEGA
    np.testing.assert_allclose(s["phonon_escape_spectrum"].sum(axis=1) * dw, s["phonon_escape"], rtol=1e-12, atol=1e-15)
    assert r.stats["josephson_ratio"] == pytest.approx(1.0, abs=3e-3)  # period * mean V = 2 pi still
    assert np.min(s["p_min"]) < -0.1  # the feedback is strong here


# ---- config, resume -------------------------------------------------------------------


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


def test_resume_of_a_feedback_run_is_refused(tmp_path):
    cfg = make_config(time={"t_end": 2.0}, phonons={**FEEDBACK, "tau_es": 1.0})
    simulate(cfg, tmp_path, progress=False, echo=False)
    with pytest.raises(ResumeError, match="phonon distribution"):
        simulate(cfg.replace(time={"t_end": 4.0}), tmp_path, progress=False, echo=False, resume=True)


def test_example_script_runs(tmp_path):
    """examples/feedback_tau_es.py, shortened (CI): the table and the figure of docs/feedback.md."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "CI": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    res = subprocess.run(
        [sys.executable, "examples/feedback_tau_es.py", str(tmp_path)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    rows = [line for line in res.stdout.splitlines() if line.startswith("| 0 |") or line.startswith("| 1 |")]
    assert len(rows) == 2 and "| -0, -0 |" in rows[0]
    assert (tmp_path / "feedback_tau_es.png").is_file()
