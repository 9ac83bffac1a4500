"""A film's Poincare map for ``time.until = "orbit"`` (psc_fem.solver.orbit; docs/films.md).

One winding is one phase slip between the probes: the phase difference
arg Psi(probe 2) - arg Psi(probe 1) has turned by 2 pi.  The wire counts
int V dtau between its banks instead, which (A.7) makes the end-phase
difference; a film's probes sit inside the film, where int V dtau over a
period is not 2 pi (the constriction's mean V times its period is 8.4:
the terminals' charge imbalance reaches the probes), so the phases
themselves are counted.  The difference is unwrapped step by step (a slip
turns it within several steps, never by pi in one) and located inside the
step on the dense output.  P(x) is then turned by a constant phase so that
arg Psi(probe 1) is x's, which leaves phi, |Psi| and the currents alone:
P(x) = x on the orbit.

Superconducting banks (geometry.ends = "banks") hold |Psi| = 1 on every
terminal node (A.8) while each node's phase follows its own phi (A.7), so
the iterates do not share their terminal values as the wire's ends do: an
Anderson combination is put back on |Psi| = 1 there.  A film that stays
steady (no slip between the probes) ends the search as soon as |Psi| and
phi stop changing, instead of integrating to t_end for a winding.
"""

import numpy as np
from mpi4py import MPI

from psc_fem.solver.orbit import PoincareMap
from psc_fem.solver.recorder import dense_state


def _wrapped(angle):
    """The angle in (-pi, pi]."""
    return float(angle - 2.0 * np.pi * np.ceil((angle - np.pi) / (2.0 * np.pi)))


STEADY_CHANGE = 1e-9  # largest change of |Psi| or phi over SIGNAL_POLL steps that counts as steady


class FilmPoincareMap(PoincareMap):
    """P(x) of one phase slip between a film's probes (module doc)."""

    def probe_psi(self, array):
        """Psi at the two probes (P1 interpolation), on all ranks."""
        v = np.array([part for probe in self.p.probes for part in probe.local_psi(array)])
        self.p.comm.Allreduce(MPI.IN_PLACE, v, op=MPI.SUM)
        return complex(v[0], v[1]), complex(v[2], v[3])

    def difference(self, array):
        first, second = self.probe_psi(array)
        return float(np.angle(second * np.conj(first)))

    def begin(self, x):
        self._polled = None
        self.total, self.last = 0.0, self.difference(x)
        self.pending = (self.total, self.last)

    def wound(self, integ):
        now = self.difference(integ.history[0])
        self.pending = (self.total + _wrapped(now - self.last), now)
        return abs(self.pending[0])

    def accept(self):
        self.total, self.last = self.pending

    def wound_at(self, integ, step, times, tf):
        now = self.difference(dense_state(self.p, integ, times, tf, step.link_nodes).state)
        return abs(self.total + _wrapped(now - self.last))

    def angle(self, array):
        return float(np.angle(self.probe_psi(array)[0]))

    def steady(self, integ):
        """|Psi| and phi unchanged (to STEADY_CHANGE) since the last poll, SIGNAL_POLL steps ago: a film that
        stays steady (below its critical current, or normal) has no slip to wait for."""
        n = self.p.nodes
        now = np.concatenate([np.hypot(integ.history[0][n.u1], integ.history[0][n.u2]), integ.history[0][n.phi]])
        last, self._polled = self._polled, now
        change = float(np.max(np.abs(now - last))) if last is not None and now.size else np.inf
        return self.p.comm.allreduce(change, op=MPI.MAX) < STEADY_CHANGE

    def admissible(self, x):
        if self.p.free_ends:  # normal terminals: Psi = 0 there in every iterate, and so in their combinations
            return x
        out = x.copy()
        for bank in self.p.banks:
            scale = 1.0 / np.maximum(np.hypot(x[bank.u1], x[bank.u2]), 1e-300)
            out[bank.u1], out[bank.u2] = x[bank.u1] * scale, x[bank.u2] * scale
        return out
