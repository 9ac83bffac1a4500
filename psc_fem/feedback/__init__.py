"""Phonon feedback, Eqs. (3)-(6): non-equilibrium phonons dN(omega, x, tau) and p = P/eta in (A.1).

* `kernels`: the spectral kernels (source of Eq. 8 linearised, phonon-electron
  decay rate of Eq. 8, pair-breaking kernel of Eqs. 3-4), tabulated and cached.
* `kinetics`: Eq. (5) with L = -dN/tau_es (Eq. 6) at every node, exactly
  integrated over each step, or its local-equilibrium limit; P of Eq. (3).
* `coupling`: the DOLFINx side: p(x) in the residual, the observer of a run.

Switched on by ``[phonons] feedback = true`` (docs/feedback.md).
"""

from .coupling import PhononFeedback, active, observed, p_coefficient
from .kernels import Kernels, load_kernels, omega_grid
from .kinetics import Couplings, PhononKinetics, StepBudget, time_energy

__all__ = ["Couplings", "Kernels", "PhononFeedback", "PhononKinetics", "StepBudget", "active",
           "load_kernels", "observed", "omega_grid", "p_coefficient", "time_energy"]
