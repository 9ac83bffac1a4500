"""time.until = "orbit" for films (psc_fem.film.orbit, docs/films.md): one phase slip between the probes.

The orbit search must end where long time integration ends: the recorded
run from the orbit is periodic, with the `until = "periodic"` run's mean V
and period on the same mesh, both with superconducting banks (the Fig. 1
wire as a strip, where the probes' phase winding is the end phases') and
between normal terminals (a constriction, where int V dtau over a period
is not 2 pi and the phases are counted).  If the section or the turn of
P(x) were wrong, the search would not converge or the recorded windings
would drift.
"""

import numpy as np
import pytest
from helpers.films import constriction_config, film_config, run_film

from psc_fem.errors import ConfigError
from psc_fem.film.config import validate_film
from psc_fem.film.orbit import _wrapped
from psc_fem.solver.simulation import simulate


def run_constriction(path, until):
    return simulate(constriction_config(until), path, progress=False, echo=False)


def test_a_constrictions_orbit_is_where_integration_ends(tmp_path):
    """Measured: period 13.60130 (orbit) vs 13.60105 (periodic), mean V 0.683856 vs 0.683829; the search
    took 643 steps, and the recorded run settled on its first ten windings."""
    orbit, direct = run_constriction(tmp_path / "orbit", "orbit"), run_constriction(tmp_path / "direct", "periodic")
    search = orbit.run["orbit"]
    assert search["converged"] and search["residual"] <= 1e-7 and search["windings"] < 20
    a, b = orbit.stats, direct.stats
    assert a["state"] == b["state"] == "periodic"
    assert a["mean_V"] == pytest.approx(b["mean_V"], rel=1e-4)
    assert a["period"] == pytest.approx(b["period"], rel=1e-4)
    assert search["period"] == pytest.approx(a["period"], rel=5e-4)  # the search restarts BDF each winding
    assert a["window"][1] < 0.6 * b["window"][1]  # no transient to wait for: settled sooner
    # the probes' int V dtau is not 2 pi a slip here (why the phases are counted, psc_fem.film.orbit)
    assert abs(a["mean_V"] * a["period"] / (2 * np.pi) - 1.0) > 0.3


def test_a_strip_between_banks_finds_the_wires_orbit(tmp_path):
    """The Fig. 1 wire as a strip: measured period 11.933048 (orbit) vs 11.933041, mean V equal to 1e-7."""
    orbit = run_film(tmp_path / "orbit", time={"until": "orbit"}, output={"fields": False})
    direct = run_film(tmp_path / "direct", output={"fields": False})
    assert orbit.run["orbit"]["converged"] and orbit.stats["state"] == "periodic"
    assert orbit.stats["mean_V"] == pytest.approx(direct.stats["mean_V"], rel=1e-5)
    assert orbit.stats["period"] == pytest.approx(direct.stats["period"], rel=1e-5)
    assert orbit.stats["josephson_ratio"] == pytest.approx(1.0, abs=1e-5)  # the probes at the banks


@pytest.mark.parametrize(
    "sections, says",
    [
        ({"geometry": {"ends": "none"}, "drive": {"current": 0.0}}, "a closed film carries no current"),
        ({"drive": {"ramp_to": 1.6, "ramp_time": 10.0}}, "a ramped current has no periodic orbit"),
    ],
)
def test_an_orbit_without_one_is_refused_by_name(sections, says):
    with pytest.raises(ConfigError) as err:
        film_config(time={"until": "orbit"}, **sections)
    assert 'time.until = "orbit" is not available here' in str(err.value) and says in str(err.value)


@pytest.mark.parametrize("angle", [0.0, 3.0, -3.0, 3.2, -3.2, 7.0, -7.0, np.pi, 2 * np.pi])
def test_the_step_s_phase_change_is_wrapped_into_one_turn(angle):
    wrapped = _wrapped(angle)
    assert -np.pi < wrapped <= np.pi + 1e-15
    assert (angle - wrapped) / (2 * np.pi) == pytest.approx(round((angle - wrapped) / (2 * np.pi)), abs=1e-12)


def test_a_steady_film_ends_the_search_instead_of_integrating_to_t_end(tmp_path):
    """Below its critical current the constriction has no slip to wind: the search stops once |Psi| and phi
    stop changing (measured: after 512 steps, tau = 819 of the 3000 allowed), and the run records the steady
    state."""
    cfg = constriction_config("orbit").model_dump(mode="json", exclude_none=True)
    cfg["drive"]["current"], cfg["time"]["t_end"] = 0.1, 3000.0
    sol = simulate(validate_film(cfg), tmp_path, progress=False, echo=False)
    search = sol.run["orbit"]
    assert not search["converged"] and search["reason"].startswith("no winding: the state is steady")
    assert search["tau_used"] < 1500.0 and search["windings"] == 0
    assert sol.stats["state"] == "steady"
