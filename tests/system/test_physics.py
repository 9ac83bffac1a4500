"""Invariants of docs/design.md section 7 on real runs of the Fig. 1 wire (L = 1.1 xi, J0 = 0.98)."""

import math

import numpy as np
import pytest
from helpers.configs import make_config, run
from mpi4py import MPI

from psc_fem.solver.problem import WireProblem


@pytest.mark.parametrize("delta", [0.0, 10 / 3])
def test_below_critical_current_is_stationary(tmp_path, delta):
    r = run(tmp_path, model={"delta": delta}, drive={"current": 0.9}, time={"t_end": 150.0, "rtol": 1e-6, "atol": 1e-8})
    assert r.stats["state"] == "stationary"
    assert abs(r.series["V"][-1]) < 1e-6  # V = 0 to solver tolerance
    assert r.series["psi_center"][-1] > 0.5  # a superconducting stationary state, not the normal one


@pytest.mark.parametrize("delta", [0.0, 10 / 3])
def test_above_critical_current_slips_periodically(tmp_path, delta):
    r = run(tmp_path, model={"delta": delta}, time={"t_end": 400.0, "until": "periodic"})
    st = r.stats
    assert st["state"] == "periodic" and st["n_periods"] >= 5
    assert r.series["t"][-1] < 300.0  # stopped once settled, well before the cap
    assert st["period_change"] < 1e-3 and st["lookback_change"] < 1e-3  # settled: the periods agree
    late = r.series["t"] > 0.3 * r.series["t"][-1]
    assert r.series["psi_center"][late].min() < 0.02  # |Psi(0,t)| touches ~0 every period
    assert r.series["psi_center"][late].max() > 0.5  # ... and recovers
    assert st["josephson_ratio"] == pytest.approx(1.0, abs=1e-4)  # period * mean V = 2 pi


def test_josephson_ratio_converges_with_tolerance(tmp_path):
    """The small deviation from 2 pi is discretisation error: it shrinks with rtol."""
    dev = []
    for rtol in (1e-3, 1e-4, 1e-5):
        r = run(tmp_path / str(rtol), model={"delta": 0.0}, time={"t_end": 60.0, "rtol": rtol, "atol": rtol / 10})
        dev.append(abs(r.stats["josephson_ratio"] - 1))
    assert dev[2] < dev[0] / 5, dev
    assert dev[2] < 2e-4, dev


@pytest.mark.parametrize("link", [(0.5, 0.5), None])
def test_jacobian_is_the_derivative_of_the_residual(link):
    """Newton's matrix, bank rows (A.7) and the covariant links included, equals finite differences
    of the residual at a random state (time step with trapezoid links, and the stationary rows)."""
    cfg = make_config(model={"delta": 10 / 3})
    p = WireProblem(cfg, MPI.COMM_SELF)
    rng = np.random.default_rng(3)
    n = p.w.x.array.size
    for f in (p.w, p.w_n, p.w_nm1):
        f.x.array[:] = rng.uniform(-1, 1, n)
    p.set_step(0.05, (1.5, -2.0, 0.5), link=link, links_before=[rng.uniform(-1, 1, n)])
    x = p.w.x.petsc_vec.copy()
    b = x.duplicate()
    J = p.snes.getJacobian()[0]
    p._residual(p.snes, x, b)
    F0 = b.array.copy()
    p._jacobian(p.snes, x, J, J)
    dense = J.convert("dense").getDenseArray()
    fd = np.empty_like(dense)
    eps = 1e-7
    for i in range(n):
        xp = x.copy()
        xp.array[i] += eps
        p._residual(p.snes, xp, b)
        fd[:, i] = (b.array - F0) / eps
    assert np.abs(dense - fd).max() < 1e-5 * np.abs(dense).max()


def test_newton_converges_superlinearly():
    """From a poor initial guess (no predictor, phi = 0), the residual falls faster at every iteration."""
    cfg = make_config(model={"delta": 10 / 3}, petsc={"snes_rtol": 1e-14, "snes_atol": 1e-13, "snes_stol": 0.0})
    p = WireProblem(cfg, MPI.COMM_SELF)
    p.set_step(0.05, (1.0, -1.0, 0.0))
    p.w.x.array[p._phi_dofs] = 0.0  # phi far from its balance: several iterations needed
    ok, its, res = p.solve()
    assert ok and 3 <= its <= 5, res
    rates = res[1:] / res[:-1]
    assert np.all(np.diff(rates) < 0) and rates[-1] < 1e-5, res


def test_newton_iterations_at_default_step(fig1_t30):
    r = fig1_t30  # the shared Fig. 1 run to tau = 30 (tests/conftest.py)
    assert r.run["newton_per_step"] < 3.0  # quadratic Newton from the BDF predictor
    assert r.series["newton_its"].max() <= 5


def test_end_phases_follow_the_boundary_ode(fig1_t30):
    """(A.7): theta_pm' = -phi(pm L/2) = -(+-V/2) in the antisymmetric gauge, so theta_+ - theta_- = -int V."""
    r = fig1_t30  # the shared Fig. 1 run to tau = 30 (tests/conftest.py)
    winding = r.series["theta_plus"] - r.series["theta_minus"]
    int_v = (
        np.concatenate([[0.0], np.cumsum(0.5 * (r.series["V"][1:] + r.series["V"][:-1]) * np.diff(r.series["t"]))])
        + r.series["t"][0] * r.series["V"][0]
    )
    # V > 0 with phi(L/2) < phi(-L/2): the phase difference grows as int V
    assert np.max(np.abs(winding - int_v)) < 2e-3 * int_v[-1]
    assert np.allclose(r.series["theta_plus"], -r.series["theta_minus"])


def test_q_regularisation_converges(tmp_path):
    """Mean V converges as the interference-term regularisation eps_q -> 0."""
    vs = []
    for eps in (1e-2, 1e-3, 1e-4):
        r = run(
            tmp_path / str(eps),
            model={"delta": 10 / 3, "q_regularization": eps},
            time={"t_end": 60.0, "rtol": 1e-5, "atol": 1e-6},
        )
        vs.append(r.stats["mean_V"])
    d1, d2 = abs(vs[1] - vs[0]), abs(vs[2] - vs[1])
    assert d2 < d1 and d2 < 1e-3 * vs[2], vs


@pytest.mark.slow
def test_frames_between_steps_are_consistent(tmp_path):
    """Dense-output frames: V from the frame's own phi equals the step series, and
    the current parts add up to j at every node of every frame (A.2)."""
    r = run(tmp_path, time={"t_end": 30.0, "rtol": 1e-8, "atol": 1e-9}, output={"fields": False, "every": 0.5})
    import h5py

    with h5py.File(tmp_path / "series.h5") as f:
        ft, phi = f["frames/t"][1:], f["frames/phi"][1:]
        total = f["frames/js"][1:] + f["frames/jn"][1:] + f["frames/jint"][1:]
    from scipy.interpolate import CubicSpline

    # frames are dense output between steps; the steps' own V, splined, agrees to O(dt^3)
    np.testing.assert_allclose(phi[:, 0] - phi[:, -1], CubicSpline(r.series["t"], r.series["V"])(ft), rtol=1e-5)
    np.testing.assert_allclose(total, 1.5, rtol=1e-9)


def test_current_ramp_starts_slipping_after_crossing_j0(tmp_path):
    """drive.ramp_to/ramp_time: j(t) rises linearly from 0.5 to 1.5 over 40 t0
    (J0 = 0.98 at L = 1.1, gapless); no slip while j < J0."""
    r = run(
        tmp_path, model={"delta": 0.0}, drive={"current": 0.5, "ramp_to": 1.5, "ramp_time": 40.0}, time={"t_end": 80.0}
    )
    np.testing.assert_allclose(r.series["current"], np.minimum(0.5 + r.series["t"] / 40.0, 1.5), rtol=1e-12)
    first_slip = r.stats["slip_times"][0] if r.stats["slip_times"] else math.inf
    j_at_slip = 0.5 + first_slip / 40.0
    # the stationary branch ends at J0 = 0.98; the first slip follows after a
    # delay (the passage past the saddle node takes ~10 t0 at this ramp rate)
    assert 0.98 < j_at_slip < 1.5
    assert np.all(r.series["psi_center"][r.series["current"] < 0.95] > 0.5)


def test_newton_failure_shrinks_the_step_and_recovers(tmp_path):
    """An absurd first step (dt = 50 with Newton capped at 3 iterations) fails,
    is retried with smaller steps, and the run ends as the default run does."""
    bad = run(tmp_path / "bad", time={"t_end": 30.0, "dt_initial": 50.0, "dt_max": 50.0}, petsc={"snes_max_it": 3})
    ref = run(tmp_path / "ref", time={"t_end": 30.0}, petsc={"snes_max_it": 3})
    assert bad.run["rejected_newton"] >= 1 and bad.run["status"] == "completed"
    assert bad.series["V"][-1] == pytest.approx(ref.series["V"][-1], rel=1e-2)


def test_step_floor_gives_a_clear_error(tmp_path):
    from psc_fem.solver.integrator import StepFailure

    with pytest.raises(StepFailure, match=r"tau = .*dt = .*time.dt_min.*residual"):
        run(tmp_path, time={"t_end": 5.0, "dt_initial": 1.0, "dt_min": 0.5}, petsc={"snes_max_it": 1})
    import json

    info = json.loads((tmp_path / "run.json").read_text())
    assert info["status"] == "failed" and "dt_min" in info["error"]
