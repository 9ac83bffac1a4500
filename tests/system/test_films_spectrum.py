"""Phonon spectra and phase-slip lines of a film (docs/films.md, "Phonon spectra", "Phase-slip lines").

A narrow strip between banks is the Fig. 1 wire in 2D (tests/system/test_films.py): its |Psi| does not
depend on y, so Eq. (12) integrated over the strip's area is the wire's integral over x times the
width, and at the core node the local spectrum is the wire's at its core.  Two code paths meet here:
the wire's frames in series.h5 with trapezoid weights, the film's in fields.h5 with the P1 nodes' areas.
"""

import h5py
import numpy as np
import pytest
from helpers.films import run_film

from psc_fem.phonons.spectrum import run_spectrum

WIDTH = 0.1  # the strip of helpers.films.STRIP


@pytest.fixture(scope="module")
def spectra(tmp_path_factory, fig1_run):
    tmp = tmp_path_factory.mktemp("film_spectrum")
    film = run_film(tmp / "strip", output={"every": 0.05})  # frames as dense as the wire's (fig1_run)
    return run_spectrum(film.path), run_spectrum(fig1_run, out_dir=tmp / "wire"), film


def test_a_narrow_strips_spectrum_is_the_wires_times_its_width(spectra):
    film, wire, _ = spectra
    assert film["n_periods"] >= 2 and film["period"] == pytest.approx(wire["period"], rel=2e-3)
    assert film["E_plus"] / WIDTH == pytest.approx(wire["E_plus"], rel=2e-3)
    assert film["E_minus"] / WIDTH == pytest.approx(wire["E_minus"], rel=2e-3)
    assert film["E_plus_center"] == pytest.approx(wire["E_plus_center"], rel=1e-3)  # per unit of sample, local
    with h5py.File(film["spectrum_file"]) as f, h5py.File(wire["spectrum_file"]) as w:
        assert f["omega"].shape == w["omega"].shape
        np.testing.assert_allclose(f["E_plus"][:] / WIDTH, w["E_plus"][: f["E_plus"].size], rtol=2e-3)
        assert "film's area" in f.attrs["units.wire"] and "per xi^2" in f.attrs["units.center"]
        assert abs(f.attrs["x_center"][0]) < 0.06  # the core node sits at x = 0 (any y: |Psi| is y-independent)


def test_a_films_spectrum_keeps_the_period_identity(spectra):
    """E+ = -E- over whole periods at every omega (Eq. 12 is d|Psi|/dtau times a function of |Psi|)."""
    film, _, _ = spectra
    assert film["identity_residual"] < 1e-3 and film["ratio"] == pytest.approx(1.0, abs=1e-3)


def test_the_frames_read_back_are_the_series_frames_across_segments(spectra):
    """fields.h5 and its segments (a new one every 200 frames) hold every frame at the series' times: DOLFINx
    names a frame at t = 10.05 "10_05", which float() once read as 1005 and scrambled non-integer frames."""
    from psc_fem.film.frames import frame_times

    *_, film = spectra
    t = frame_times(film.rundir.fields_h5)
    assert len(film.rundir.field_segments()) > 5
    np.testing.assert_allclose(t, film.frames["t"], rtol=0, atol=1e-12)


def test_the_narrow_strips_slips_are_phase_slip_lines_at_its_centre(spectra):
    """Each slip of the strip (the wire's PSC across its 0.1 xi width) is one phase-slip line, at x = 0,
    at the time of the dip of min |Psi| in the series, one period apart."""
    from psc_fem.analysis.periods import slip_times
    from psc_fem.film.frames import read_series
    from psc_fem.film.slip_lines import slip_lines

    *_, film = spectra
    points, _, t, values = read_series(film.rundir.fields_h5, ("abs_psi",))
    lines = slip_lines(t, points, values["abs_psi"])
    dips = slip_times(film.series["t"], film.series["psi_min"])
    assert len(lines) == len(dips) >= 8
    assert all(abs(x) < 1e-9 for _, x in lines)
    np.testing.assert_allclose([tm for tm, _ in lines], dips, atol=0.05)  # one frame
    assert np.diff([tm for tm, _ in lines])[-3:] == pytest.approx(film.stats["period"], rel=1e-3)
