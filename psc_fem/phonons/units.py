"""Energy units of the phonon post-processing.

Energies (eps, omega, gamma, T) are measured in Delta0, the gap amplitude
that sets Psi = Delta/Delta0 in (A.1): Delta0 = sqrt(8 pi^2 eta / (7 zeta(3))) Tc
with eta = 1 - T/Tc (Appendix A). Hence |Delta| = |Psi| in these units.
"""

import math

from scipy.special import zeta

ZETA3 = float(zeta(3.0))


def delta0_over_tc(eta: float) -> float:
    """Delta0/Tc = sqrt(8 pi^2 eta / (7 zeta(3))) (Appendix A)."""
    if not 0.0 < eta < 1.0:
        raise ValueError(f"eta = 1 - T/Tc must lie in (0, 1), got {eta}")
    return math.sqrt(8.0 * math.pi**2 * eta / (7.0 * ZETA3))


def temperature_in_delta0(t_over_tc: float) -> float:
    """T/Delta0 for a temperature given in units of Tc (0 < T/Tc < 1)."""
    if not 0.0 < t_over_tc < 1.0:
        raise ValueError(f"temperature must lie in (0, 1) Tc, got {t_over_tc}")
    return t_over_tc / delta0_over_tc(1.0 - t_over_tc)
