"""Phonon spectra on the output of a real run (Eq. 12 over a PSC period)."""

import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
from helpers.configs import run

from psc_fem.phonons.spectrum import run_spectrum
from psc_fem.solution import load_run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def spectra(tmp_path_factory, fig1_run):
    """Fig. 1 wire, frames every 0.05 t0: a copy of the shared run (tests/conftest.py), with its spectrum."""
    d = tmp_path_factory.mktemp("spectrum") / "run"
    shutil.copytree(fig1_run, d)
    return {0.05: (d, run_spectrum(d)), "run": load_run(d)}


def test_period_integral_vanishes_at_every_omega(spectra):
    """E+ = -E-: Eq. (12) is d|Psi|/dt times a function of |Psi|, so over a full
    period its integral is zero at every omega, up to the time quadrature and
    the run's tolerance (measured: 1.6e-4 of the gross flux)."""
    fine = spectra[0.05][1]
    assert fine["n_periods"] >= 2
    assert fine["identity_residual"] < 1e-3
    assert fine["ratio"] == pytest.approx(1.0, abs=1e-3)
    # ... while half a period is far from zero: the identity is not automatic
    d = spectra[0.05][0]
    with h5py.File(d / "spectrum.h5") as f:
        t, wire, (a, b) = f["t"][:], f["wire"][:], f["period_bounds"][-1]
    half = (t >= a) & (t <= 0.5 * (a + b))
    part = np.trapezoid(wire[half], t[half], axis=0)
    assert np.max(np.abs(part)) > 0.1 * np.trapezoid(np.abs(wire[half]), t[half], axis=0).max()


def test_spectrum_uses_run_parameters(spectra):
    s = spectra[0.05][1]
    assert s["temperature"] == pytest.approx(0.9)  # 1 - eta
    assert s["gamma"] == pytest.approx(0.3)  # 1/delta
    # the PSC period between the core's dips equals the run's winding period 2 pi / mean V
    assert s["period"] == pytest.approx(spectra["run"].stats["winding_period"], rel=2e-3)


def test_spectrum_follows_an_off_centre_core(tmp_path):
    """examples/constriction.toml: the PSC sits at the constriction x = 2, not at the centre; the
    periods come from min_x |Psi| and the "center" spectrum is taken at the core."""
    from psc_fem.config import load_config
    from psc_fem.solver.simulation import simulate

    cfg = load_config(
        ROOT / "examples" / "constriction.toml", ["time.t_end=60", "output.fields=false", "output.every=0.05"]
    )
    r = simulate(cfg, tmp_path, progress=False, echo=False)
    s = run_spectrum(tmp_path)
    assert s["n_periods"] >= 2
    with h5py.File(tmp_path / "spectrum.h5") as f:
        assert f.attrs["x_center"] == pytest.approx(2.0, abs=cfg.wire.h + 1e-12)
    assert s["period"] == pytest.approx(r.stats["winding_period"], rel=5e-3)


def test_plot_writes_every_figure_of_the_run_as_png_and_pdf(spectra):
    """`psc-fem plot DIR --pdf` on a run with spectrum.h5: Fig. 1 and Fig. 2, PNG and PDF."""
    from psc_fem import cli

    d = spectra[0.05][0]
    assert cli.main(["plot", str(d), "--pdf"]) == 0
    for name in ("fig1.png", "fig2.png"):
        assert (d / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    for name in ("fig1.pdf", "fig2.pdf"):
        assert (d / name).read_bytes()[:5] == b"%PDF-", name


def test_run_without_a_whole_period_is_a_usage_error(tmp_path, capsys):
    """`psc-fem spectrum DIR` on a run too short for two slips: exit 2 with the reason, nothing written."""
    from psc_fem import cli

    run(tmp_path, time={"t_end": 5.0}, output={"fields": False, "every": 0.05})
    assert cli.main(["spectrum", str(tmp_path)]) == 2
    assert "no full PSC period" in capsys.readouterr().err
    assert not (tmp_path / "spectrum.h5").exists() and not (tmp_path / "fig2.png").exists()
