"""The FEM's discrete stationary states, for the geometry tests: continuation in the current up to the fold."""

import numpy as np
from mpi4py import MPI

from psc_fem.solver.problem import WireProblem


def newton_at(p, j, start):
    """Stationary state at current j by one Newton solve with dt = 1e12 (the time terms vanish), or None.

    ``link=None``: the plain BDF derivative and the stationary end rows (psc_fem.solver.problem).
    """
    p.j.value = j
    p.set_step(1e12, (1.0, -1.0, 0.0), link=None)
    p.w_n.x.array[:] = start
    p.w.x.array[:] = start
    ok, _, _ = p.solve()
    return p.w.x.array.copy() if ok else None


def fold(cfg, solve_at=newton_at, dj=0.05, dj_min=1e-6, stop_at=None):
    """Continuation of the stationary state in j from 0: (largest j reached, problem at that state).

    ``solve_at(p, j, start)`` returns the state at j or None; a failure halves
    the step.  With ``stop_at`` the continuation ends there (the state at
    that current).
    """
    p = WireProblem(cfg, MPI.COMM_SELF)
    good, j = p.w.x.array.copy(), 0.0
    while dj > dj_min:
        step = dj if stop_at is None else min(dj, stop_at - j)
        got = solve_at(p, j + step, good)
        if got is not None:
            j, good = j + step, got
            if stop_at is not None and j >= stop_at - 1e-14:
                break
        else:
            dj /= 2
    p.w.x.array[:] = good
    return j, p


def node_values(p):
    """(x, |Psi|, phase, phi) at the vertices of a serial P1 problem, sorted by x."""
    x = p.W.sub(0).sub(0).collapse()[0].tabulate_dof_coordinates()[:, 0]
    a = p.w.x.array
    u1, u2 = a[p._u1_dofs], a[p._u2_dofs]  # serial: every dof is owned
    order = np.argsort(x)
    phase = np.unwrap(np.arctan2(u2, u1)[order])
    return x[order], np.hypot(u1, u2)[order], phase, a[p._phi_dofs.ravel()][order]
