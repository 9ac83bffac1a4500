"""eta1 table, Eq. (12) flux, PSC periods and the run post-processing.

Uses a synthetic series.h5 (psc_fem.phonons.synthetic) so no solver is needed.
Tables are cached in a temporary directory (PSC_FEM_CACHE).
"""

import csv

import h5py
import numpy as np
import pytest

from psc_fem.phonons import flux, periods, spectral, spectrum, synthetic, table, units

T = units.temperature_in_delta0(0.9)
GAMMA = 0.3
GRID = dict(omega_max=6.0, n_omega=121)  # production omega step 0.05, shorter range


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def eta_table(cache):
    return table.load_table(T, GAMMA, "consistent", cache=cache, **GRID)


@pytest.fixture(autouse=True)
def _cache_env(cache, monkeypatch):
    monkeypatch.setenv("PSC_FEM_CACHE", str(cache))


# --- table -------------------------------------------------------------------


def test_interpolation_matches_direct_integration(eta_table):
    # stated tolerance: 1e-5 of max|eta1| at the default psi step 0.0125 and omega step 0.05
    rng = np.random.default_rng(7)
    psi = rng.uniform(0, 1.25, 40)
    omega = rng.uniform(0, 6.0, 40)
    direct = np.array([spectral.eta1_consistent(w, p, T, GAMMA)[0] for p, w in zip(psi, omega)])
    scale = np.max(np.abs(eta_table.values))
    assert np.max(np.abs(eta_table(psi, omega) - direct)) < 1e-5 * scale
    rows = eta_table.rows(psi[:4])
    direct_rows = np.stack([spectral.eta1_consistent(eta_table.omega, p, T, GAMMA) for p in psi[:4]])
    assert np.max(np.abs(rows - direct_rows)) < 1e-5 * scale


def test_interpolation_is_exact_on_the_grid(eta_table):
    i, j = np.meshgrid([0, 7, 50, 100], [0, 3, 60, 120], indexing="ij")
    np.testing.assert_allclose(
        eta_table(eta_table.psi[i], eta_table.omega[j]), eta_table.values[i, j], rtol=0, atol=1e-13
    )


def test_table_range_is_enforced(eta_table):
    with pytest.raises(ValueError, match="table range"):
        eta_table.rows(np.array([0.5, 1.3]))


def test_cache_reuse_and_keys(cache, eta_table, monkeypatch):
    files = sorted(cache.rglob("*.npz"))
    assert len(files) == 1 and not list(cache.rglob("*.tmp"))

    def no_build(*args, **kwargs):
        raise AssertionError("a cached table was rebuilt")

    monkeypatch.setattr(table, "build_table", no_build)
    again = table.load_table(T, GAMMA, "consistent", cache=cache, **GRID)
    np.testing.assert_array_equal(again.values, eta_table.values)
    keys = {
        table.table_key(T, GAMMA, "consistent", eta_table.psi, eta_table.omega),
        table.table_key(T * 1.01, GAMMA, "consistent", eta_table.psi, eta_table.omega),
        table.table_key(T, GAMMA * 1.01, "consistent", eta_table.psi, eta_table.omega),
        table.table_key(T, GAMMA, "printed", eta_table.psi, eta_table.omega),
        table.table_key(T, GAMMA, "consistent", eta_table.psi, eta_table.omega[:-1]),
    }
    assert len(keys) == 5


# --- Eq. (12) and the period identity ----------------------------------------


def _synthetic(tmp_path, **kw):
    path = synthetic.write_series(tmp_path / "series.h5", **kw)
    return spectrum.Series.read(path.parent)


def test_wire_spectrum_equals_the_direct_sum(eta_table, tmp_path):
    s = _synthetic(tmp_path, n_x=21, n_frames=101)
    model = flux.FluxModel(eta_table)
    wx = flux.trapezoid_weights(s.x)
    fast = model.spectrum(s.abs_psi, s.dabs_psi_dt * wx)
    direct = np.einsum(
        "tx,txw->tw", s.dabs_psi_dt * wx, flux.flux_spectrum(1.0, eta_table.rows(s.abs_psi), eta_table.omega, T)
    )
    assert np.max(np.abs(fast - direct)) < 1e-12 * np.max(np.abs(direct))


def test_equilibrium_gives_zero_flux(eta_table, tmp_path):
    s = _synthetic(tmp_path, n_x=21, n_frames=101)
    model = flux.FluxModel(eta_table)
    wx = flux.trapezoid_weights(s.x)
    still = np.zeros_like(s.dabs_psi_dt)  # d|Psi|/dt = 0 at a depleted |Psi(x)|
    assert np.all(model.spectrum(s.abs_psi, still * wx) == 0.0)
    assert all(np.all(r == 0.0) for r in model.energy_rates(s.abs_psi, still, wx))
    assert np.max(np.abs(model.spectrum(s.abs_psi, s.dabs_psi_dt * wx))) > 1e-2


def test_period_identity_on_synthetic_psc(eta_table, tmp_path):
    s = _synthetic(tmp_path, n_x=41, n_frames=861)
    model = flux.FluxModel(eta_table)
    wx = flux.trapezoid_weights(s.x)
    bounds = periods.full_periods(periods.find_minima(s.t_fine, s.psi_core), s.t[0], s.t[-1])
    e_plus, e_minus = model.period_energies(s.t, s.abs_psi, s.dabs_psi_dt, wx, bounds)
    assert np.all(e_plus > 1.0)
    assert np.max(np.abs(e_plus + e_minus) / e_plus) < 1e-6
    wire = model.spectrum(s.abs_psi, s.dabs_psi_dt * wx)
    net = periods.window_integrals(s.t, wire, bounds)
    gross = periods.window_integrals(s.t, np.abs(wire), bounds)
    assert np.max(np.abs(net)) < 1e-6 * np.max(gross)  # at every omega
    # not automatic: over half a period the flux does not cancel
    half = np.array([[bounds[0, 0], bounds[0].mean()]])
    hp, hm = model.period_energies(s.t, s.abs_psi, s.dabs_psi_dt, wx, half)
    assert abs(hp[0] + hm[0]) > 0.1 * hp[0]


def test_energy_parts_match_pointwise_positive_parts(eta_table, tmp_path):
    s = _synthetic(tmp_path, n_x=21, n_frames=431)
    model = flux.FluxModel(eta_table)
    wx = flux.trapezoid_weights(s.x)
    bounds = periods.full_periods(periods.find_minima(s.t_fine, s.psi_core), s.t[0], s.t[-1])
    dw = flux.flux_spectrum(s.dabs_psi_dt, eta_table.rows(s.abs_psi), eta_table.omega, T)
    wo = flux.trapezoid_weights(eta_table.omega)
    plus = np.einsum("txw,x,w->t", np.maximum(dw, 0), wx, wo)
    minus = np.einsum("txw,x,w->t", np.minimum(dw, 0), wx, wo)
    e_plus, e_minus = model.period_energies(s.t, s.abs_psi, s.dabs_psi_dt, wx, bounds)
    np.testing.assert_allclose(e_plus, periods.window_integrals(s.t, plus, bounds), rtol=1e-5)
    np.testing.assert_allclose(e_minus, periods.window_integrals(s.t, minus, bounds), rtol=1e-5)


# --- periods -----------------------------------------------------------------


def test_minima_and_windows_on_nonuniform_times():
    rng = np.random.default_rng(3)
    t = np.sort(np.concatenate([[0.0, 30.0], rng.uniform(0, 30, 3000)]))
    y = 1.2 + np.cos(2 * np.pi * (t - 1.3) / 7.0)  # minima at 1.3 + 3.5 + 7k
    found = periods.find_minima(t, y)
    np.testing.assert_allclose(found, 4.8 + 7.0 * np.arange(4), atol=1e-5)
    bounds = periods.full_periods(found, t[0], t[-1])
    np.testing.assert_allclose(bounds, [[11.8, 18.8], [18.8, 25.8]], atol=1e-5)
    f = np.sin(t)[:, None] * np.array([1.0, 2.0])
    exact = (np.cos(bounds[:, 0]) - np.cos(bounds[:, 1]))[:, None] * np.array([1.0, 2.0])
    np.testing.assert_allclose(periods.window_integrals(t, f, bounds), exact, atol=1e-4)
    line = 3.0 * t - 1.0  # the linear interpolant is exact for linear data
    np.testing.assert_allclose(
        periods.window_integrals(t, line, [[0.123, 29.9]]), [1.5 * (29.9**2 - 0.123**2) - (29.9 - 0.123)], rtol=1e-13
    )
    with pytest.raises(ValueError, match="no full PSC period"):
        periods.full_periods(found[:1], t[0], t[-1])


# --- run directory post-processing -------------------------------------------


def test_run_spectrum_outputs(tmp_path):
    synthetic.write_series(tmp_path / "series.h5", n_x=41, n_frames=431)
    summary = spectrum.run_spectrum(tmp_path, out_dir=tmp_path / "out", **GRID)
    assert summary["temperature"] == pytest.approx(0.9)  # 1 - model.eta
    assert summary["gamma"] == pytest.approx(GAMMA)  # 1/model.delta
    assert summary["period"] == pytest.approx(synthetic.PERIOD, rel=1e-6)
    assert summary["n_periods"] == 2  # 4 slips in 4.3 periods, the first full one skipped
    assert summary["E_plus"] > 0 and summary["ratio"] == pytest.approx(1.0, abs=1e-6)
    assert summary["identity_residual"] < 1e-6
    with h5py.File(tmp_path / "out" / "spectrum.h5") as f:
        n_t, n_w = len(f["t"]), len(f["omega"])
        assert f["center"].shape == f["wire"].shape == (n_t, n_w) == (431, 121)
        assert f["period_bounds"].shape == (2, 2) and f["E_plus"].shape == (2,)
        np.testing.assert_allclose(f["E_plus"][()], -f["E_minus"][()], rtol=1e-6)
        assert f.attrs["variant"] == "consistent" and f.attrs["units.omega"] == "Delta0"
        # the center spectrum is Eq. (12) at x = 0
        k = 200
        x0 = f.attrs["x_center"]
    s = spectrum.Series.read(tmp_path)
    ic = int(np.argmin(np.abs(s.x - x0)))
    tab = table.load_table(T, GAMMA, "consistent", **GRID)
    expected = flux.flux_spectrum(s.dabs_psi_dt[k, ic], tab(s.abs_psi[k, ic], tab.omega), tab.omega, T)
    with h5py.File(tmp_path / "out" / "spectrum.h5") as f:
        np.testing.assert_allclose(f["center"][k], expected, rtol=1e-10, atol=1e-14)
    from psc_fem.plotting.fig2 import plot_spectrum_file  # the figure comes from spectrum.h5 alone

    plot_spectrum_file(tmp_path / "out" / "spectrum.h5", [tmp_path / "out" / "fig2.png"])
    assert (tmp_path / "out" / "fig2.png").stat().st_size > 10_000


def test_gapless_run_needs_gamma(tmp_path):
    synthetic.write_series(tmp_path / "series.h5", n_x=11, n_frames=301, delta=0.0)
    with pytest.raises(ValueError, match="gapless"):
        spectrum.run_spectrum(tmp_path, **GRID)
    summary = spectrum.run_spectrum(tmp_path, gamma=GAMMA, **GRID)
    assert summary["gamma"] == GAMMA


def test_write_curves(tmp_path):
    psi = [0.2, 0.5, 0.8, 1.0]
    path = spectrum.write_curves(psi, out_dir=tmp_path, omega_max=5.0, n_omega=51)
    with open(path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["omega", "psi=0.2", "psi=0.5", "psi=0.8", "psi=1"]
    data = np.array(rows[1:], dtype=float)
    np.testing.assert_allclose(data[:, 0], np.linspace(0, 5, 51))
    expected = spectral.eta1_consistent(data[:, 0], 0.8, T, GAMMA) * flux.phonon_weight(data[:, 0], T)
    np.testing.assert_allclose(data[:, 3], expected, rtol=1e-9, atol=1e-12)
    from psc_fem.plotting.fig2 import plot_curves

    plot_curves(tmp_path / "fig2b.png", psi, 0.9, GAMMA, "consistent", omega_max=5.0, n_omega=51)
    assert (tmp_path / "fig2b.png").stat().st_size > 10_000
    with pytest.raises(ValueError, match="unknown variant"):
        spectrum.write_curves(psi, variant="paper", out_dir=tmp_path)
