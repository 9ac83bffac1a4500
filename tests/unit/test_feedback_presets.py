"""[phonons] material fills the feedback couplings from the materials table (psc_fem.feedback.presets)."""

import math

import pytest

from psc_fem.config import ConfigError, validate
from psc_fem.feedback.presets import phonon_couplings

BASE = {
    "wire": {"length": 1.1},
    "model": {"delta": 10 / 3, "eta": 0.1},
    "drive": {"current": 1.5},
    "time": {"t_end": 1.0},
}
U = math.pi**4 / (14 * 1.2020569031595942)


def test_aluminium_by_hand():
    # the table's Al row (lambda 0.43, theta_D 428 K, eps_F 11.7 eV, c_l 6420 m/s, Tc 1.18 K), eta = 0.1
    hbar, kb, e, me = 1.054571817e-34, 1.380649e-23, 1.602176634e-19, 9.1093837015e-31
    tc, eta, lam = 1.18, 0.1, 0.43
    delta0 = math.sqrt(8 * math.pi**2 * eta / (7 * 1.2020569031595942)) * kb * tc
    t0 = math.pi * hbar / (8 * U * kb * tc * eta)
    g = t0 * math.pi * lam * (kb * 428.0 / hbar) * delta0 / (2 * 11.7 * e)
    c_p = math.pi * lam * delta0**2 / (2 * (6420.0 * math.sqrt(2 * me * 11.7 * e)) ** 2)
    got = phonon_couplings("Al", eta, U)
    assert got["phonon_electron_rate"] == pytest.approx(g, rel=1e-9)
    assert got["pair_breaking"] == pytest.approx(c_p, rel=1e-9)
    assert "Kittel" in got["sources"]["theta_D"][1]


def test_couplings_scale_with_eta_as_t0_delta0_and_delta0_squared():
    a, b = phonon_couplings("Nb", 0.05, U), phonon_couplings("Nb", 0.2, U)
    # g ~ t0 Delta0 ~ eta^-1/2; c_P ~ Delta0^2 ~ eta
    assert b["phonon_electron_rate"] / a["phonon_electron_rate"] == pytest.approx(0.5, rel=1e-12)
    assert b["pair_breaking"] / a["pair_breaking"] == pytest.approx(4.0, rel=1e-12)


def test_config_fills_what_is_not_given():
    cfg = validate({**BASE, "phonons": {"feedback": True, "tau_es": 1.0, "material": "Al"}})
    al = phonon_couplings("Al", 0.1, U)
    assert cfg.phonons.phonon_electron_rate == pytest.approx(al["phonon_electron_rate"], rel=1e-12)
    assert cfg.phonons.pair_breaking == pytest.approx(al["pair_breaking"], rel=1e-12)
    mixed = validate({**BASE, "phonons": {"feedback": True, "material": "Al", "pair_breaking": 0.05}})
    assert mixed.phonons.pair_breaking == 0.05  # an explicit value wins
    assert mixed.phonons.phonon_electron_rate == pytest.approx(al["phonon_electron_rate"], rel=1e-12)


@pytest.mark.parametrize(
    "phonons, message",
    [
        ({"feedback": True, "material": "Unobtainium"}, "phonons.material: unknown material 'Unobtainium'; known: Al"),
        ({"feedback": True, "material": "Si"}, "phonons.material: Si is a insulator"),
        ({"feedback": True}, 'or phonons.material = "Al"'),
    ],
)
def test_bad_material_is_a_config_error(phonons, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        validate({**BASE, "phonons": phonons})
