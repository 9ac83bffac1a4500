"""Phonon feedback, Eqs. (3)-(6): non-equilibrium phonons dN(omega, x, tau) and p = P/eta in (A.1).

* `kernels`: the spectral kernels (source of Eq. 8 linearised, phonon-electron
  decay rate of Eq. 8, pair-breaking kernel of Eqs. 3-4), tabulated and cached.
* `kinetics`: Eq. (5) with L = -dN/tau_es (Eq. 6) at every node, exactly
  integrated over each step, or its local-equilibrium limit; P of Eq. (3).
* `coupling`: the DOLFINx side: p(x) in the residual, the observer of a run.

Switched on by ``[phonons] feedback = true`` (docs/feedback.md).
"""

import importlib

from .switch import active, observed

# The kernels pull in scipy and the phonon tables (~1 s): imported on first use,
# so that runs without [phonons] feedback start fast.
_LAZY = {
    "PhononFeedback": "coupling",
    "Kernels": "kernels",
    "load_kernels": "kernels",
    "omega_grid": "kernels",
    "Couplings": "kinetics",
    "PhononKinetics": "kinetics",
    "StepBudget": "kinetics",
    "time_energy": "kinetics",
}


def p_coefficient(config, W):
    """The Function p_feedback(x) of (A.1), or None when the feedback is not `active`."""
    if not active(config):
        return None
    from .coupling import p_coefficient as make

    return make(config, W)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Couplings",
    "Kernels",
    "PhononFeedback",
    "PhononKinetics",
    "StepBudget",
    "active",
    "load_kernels",
    "observed",
    "omega_grid",
    "p_coefficient",
    "time_energy",
]
