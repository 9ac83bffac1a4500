"""The comoving frame of ``time.frame = "comoving"`` (forms/covariant.py): each node's phase rate mu.

mu compares Psi_n with Psi_{n-1} carried along the last step's link,
arg(Psi_n conj(U_{n,n-1} Psi_{n-1})) / dt: the rate at which Psi turns
beyond the transport by int phi dtau (its charge imbalance; phi itself
where Psi stands still).  Both factors turn alike under a gauge shift, so
mu is gauge invariant.  The next step differences its history in the frame
that turns at mu (`Integrator.in_frame`), and so do the predictor, the error
estimate and the dense output (psc_fem.solver.integrator, recorder).
"""

import numpy as np

TRUST = 1.0  # rad: a turn over the last step up to this is followed exactly (a steady state's mu dt <= ~1)
FLOOR = 1e-8  # |Psi_n| |Psi_{n-1}| well below this has no phase to follow (Psi = 0 at normal terminals)


def phase_rate(problem, new, old, link, h):
    """mu at each node, in the phi slots of a state-shaped array (zero elsewhere; module doc).

    Continuous in the states, so that round-off cannot flip it: where the
    turn passes +-pi (a slip's core, where Psi passes through 0 and its
    phase jumps) it goes to 0 from both sides, and it fades out as
    |Psi_n| |Psi_{n-1}| drops below FLOOR, where the phase is round-off.
    """
    n = problem.nodes
    carried = problem.transport(old, link[n.phi])
    product = (new[n.u1] + 1j * new[n.u2]) * np.conj(carried[n.u1] + 1j * carried[n.u2])
    turn = np.angle(product)
    size = np.abs(turn)
    beyond = np.sign(turn) * (1.0 - ((size - TRUST) / (np.pi - TRUST)) ** 2)  # 1 at TRUST, 0 at pi
    weight = np.abs(product) ** 2
    out = np.zeros_like(new)
    out[n.phi] = np.where(size <= TRUST, turn, beyond) * (weight / (weight + FLOOR**2)) / h
    for bank in problem.banks:  # (A.7): a bank's phase follows its own phi, mu = 0 (its rows transport alone)
        out[bank.phi] = 0.0
    return out
