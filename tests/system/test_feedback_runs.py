"""Phonon feedback, Eqs. (3)-(6), in real runs (psc_fem.feedback, docs/feedback.md).

The kernels, the kinetic equation and the config: tests/unit/test_feedback.py.
"""

import numpy as np
import pytest
from helpers.configs import FEEDBACK, N_OMEGA, make_config, run

from psc_fem.feedback.kernels import OMEGA_MAX_IN_T
from psc_fem.io.checkpoint import ResumeError
from psc_fem.phonons.units import temperature_in_delta0
from psc_fem.solver.simulation import simulate

T = temperature_in_delta0(0.9)  # the Fig. 1 wire: eta = 0.1


# ---- free escape (tau_es -> 0) is the paper ------------------------------------


def test_free_escape_is_bitwise_the_run_without_phonons(tmp_path, fig1_t30):
    """No [phonons], feedback off, and tau_es = 0 give the same run, bit for bit."""
    t = {"t_end": 30.0}
    ref = fig1_t30  # the shared run(time=t) without [phonons] (tests/conftest.py)
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


# ---- the p term of (A.1) and energy bookkeeping over whole periods of a run ----------


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


# ---- resume, the example script ------------------------------------------------------


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

    root = Path(__file__).resolve().parents[2]
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
