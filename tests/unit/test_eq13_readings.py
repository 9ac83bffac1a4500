"""The fourth reading of Eq. (13): printed, with the relaxation term's sign of Eq. (8) (docs/reproduce.md)."""

import numpy as np
import pytest

from psc_fem.phonons import spectral
from psc_fem.phonons.units import temperature_in_delta0

T = temperature_in_delta0(0.9)
GAMMA = 0.3


@pytest.mark.parametrize("psi, zero", [(0.2, 0.677), (0.5, 1.056), (0.8, 1.511), (1.0, 1.828)])
def test_printed_eq8_changes_sign_once_where_the_issue_computed(psi, zero):
    omega = np.linspace(0.05, 4.0, 800)
    values = spectral.eta1(omega, psi, T, GAMMA, "printed-eq8")
    crossings = np.flatnonzero(np.diff(np.sign(values)))
    assert crossings.size == 1
    i = crossings[0]
    root = omega[i] - values[i] * (omega[i + 1] - omega[i]) / (values[i + 1] - values[i])
    assert root == pytest.approx(zero, abs=2e-3)  # the issue's 0.68/1.06/1.51/1.83, found independently


@pytest.mark.parametrize("psi", [0.2, 0.5, 0.8, 1.0])
def test_the_two_printed_readings_share_the_recombination_term_and_flip_the_relaxation_term(psi):
    """printed = R - S and printed-eq8 = R + S with R > 0 (pair recombination emits) and S < 0: the
    printed reading can only emit, the Eq. (8) sign gives absorption where S outweighs R."""
    omega = np.linspace(0.1, 5.0, 60)
    a, b = spectral.eta1_printed(omega, psi, T, GAMMA), spectral.eta1_printed_eq8(omega, psi, T, GAMMA)
    recombination, relaxation = 0.5 * (a + b), 0.5 * (b - a)
    assert np.all(recombination > 0) and np.all(relaxation < 0)
    assert np.all(a > 0)
