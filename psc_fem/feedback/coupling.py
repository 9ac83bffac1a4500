"""Phonon feedback in a run: dN at every node of the wire, p(x) in (A.1), the energy budget.

`PhononFeedback` observes the integrator (before the Recorder): after each
accepted step it advances dN (psc_fem.feedback.kinetics) at every local
node from the old and new |Psi|, sets the coefficient Function p(x) that
the next step's residual uses (lagged coupling: Newton does not see dp/dPsi),
and leaves the step's energy budget, summed over the wire, in ``row`` for
series.h5.  Energies are integrated in x with the lumped weights int S phi_i dx
(trapezoid for P1), over omega with the midpoint rule of the kernels.
"""

import numpy as np
import ufl
from dolfinx import fem, la
from mpi4py import MPI

from psc_fem.feedback.kernels import OMEGA_MAX_IN_T, load_kernels
from psc_fem.feedback.kinetics import Couplings, PhononKinetics
from psc_fem.feedback.switch import active, observed  # noqa: F401  (re-exported)
from psc_fem.phonons.units import temperature_in_delta0

# per-step datasets of series.h5 (psc_fem.io): name -> trailing shape (n_omega for the spectrum)
SCALARS = ("phonon_input", "phonon_escape", "phonon_source", "phonon_absorbed", "phonon_energy", "p_min", "p_max")


def p_coefficient(config, W):
    """The Function p_feedback(x) in the scalar Lagrange space of phi, or None when not `active`."""
    if not active(config):
        return None
    V, _ = W.sub(1).collapse()
    return fem.Function(V, name="p_feedback")


def parameters(config):
    """(T, gamma, omega_max) in Delta0: defaults T = 1 - eta, gamma = 1/delta, 15 T."""
    ph, model = config.phonons, config.model
    T = temperature_in_delta0(ph.temperature if ph.temperature is not None else 1.0 - model.eta)
    gamma = ph.gamma if ph.gamma is not None else 1.0 / model.delta
    omega_max = ph.omega_max if ph.omega_max is not None else OMEGA_MAX_IN_T * T
    return T, gamma, omega_max


class PhononFeedback:
    """Observer: dN, p(x) and the phonon energy budget of a run (module docstring)."""

    def __init__(self, config, problem, cache=None):
        self.problem, self.comm = problem, problem.comm
        T, gamma, omega_max = parameters(config)
        kernels = None
        if self.comm.rank == 0:
            kernels = load_kernels(T, gamma, omega_max, config.phonons.n_omega, cache)
        kernels = self.comm.bcast(kernels, root=0) if self.comm.size > 1 else kernels
        self.omega = kernels.omega
        V, phi_map = problem.collapsed(1)
        maps = [np.asarray(problem.collapsed(0, i)[1], dtype=np.int32).ravel() for i in (0, 1)]
        x = V.tabulate_dof_coordinates()[:, 0]
        for i in (0, 1):  # the same node order in every scalar sub-space
            xi = problem.collapsed(0, i)[0].tabulate_dof_coordinates()[:, 0]
            assert np.array_equal(xi, x), "u1, u2 and phi dofs must share their node order"
        self._u1, self._u2 = maps
        self.x = x
        n_owned = V.dofmap.index_map.size_local
        v = ufl.TestFunction(V)
        S = problem.coeffs.S  # cross-section S(x): energies per unit reference area are volume integrals
        lumped = fem.assemble_vector(fem.form(v * ufl.dx if S is None else S * v * problem.dx))
        lumped.scatter_reverse(la.InsertMode.add)
        self.weight = np.zeros(x.size)
        self.weight[:n_owned] = lumped.array[:n_owned]  # owned nodes only: each node counted once
        self.kinetics = PhononKinetics(kernels, Couplings.from_config(config.model, config.phonons, T), x.size)
        self.p_function = problem.p_feedback
        self.row = None

    @property
    def fields(self):
        """Per-step datasets for psc_fem.io.RunWriter: name -> trailing shape."""
        return {**{k: () for k in SCALARS}, "phonon_escape_spectrum": (self.omega.size,)}

    def psi(self, array):
        """|Psi| at the local nodes of a state array."""
        return np.hypot(array[self._u1], array[self._u2])

    def __call__(self, integ, step):
        psi_new = self.psi(integ.history[0])
        budget = self.kinetics.step(self.psi(integ.history[1]), psi_new, step.dt)
        p = self.kinetics.p(psi_new)
        if self.p_function is not None:
            self.p_function.x.array[:] = p  # ghosts too: every rank computes its ghosts as the owner does
        kin, wx = self.kinetics, self.weight
        spectrum = wx @ budget.escaped  # (n_omega,) phonon numbers escaped during the step
        sums = np.concatenate(
            [
                [
                    wx @ (budget.source @ kin.energy_weight),
                    wx @ (budget.absorbed @ kin.energy_weight),
                    wx @ kin.energy(),
                ],
                spectrum,
            ]
        )
        owned = wx > 0
        extremes = np.array([-np.min(p[owned], initial=np.inf), np.max(p[owned], initial=-np.inf)])
        if self.comm.size > 1:
            self.comm.Allreduce(MPI.IN_PLACE, sums, op=MPI.SUM)
            self.comm.Allreduce(MPI.IN_PLACE, extremes, op=MPI.MAX)
        source, absorbed, energy = sums[:3]
        escape_spectrum = sums[3:] * self.omega**3  # energy per unit omega
        self.row = {
            "phonon_source": source,
            "phonon_absorbed": absorbed,
            "phonon_input": source - absorbed,
            "phonon_escape": float(escape_spectrum.sum() * kin.k.d_omega),
            "phonon_energy": energy,
            "p_min": -extremes[0],
            "p_max": extremes[1],
            "phonon_escape_spectrum": escape_spectrum,
        }
