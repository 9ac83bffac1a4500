"""The TDGL film of a `FilmConfig`: the wire's Newton problem on a 2D mesh (docs/films.md).

Everything of `psc_fem.solver.problem.WireProblem` carries over: the
forms are the same UFL forms with grad for ', the covariant BDF derivative,
the lean assembly and the row replacement.  What differs is where the
rows sit:
* "banks": every node of the two terminals (x = -+L/2) carries the wire's
  bank rows, |Psi| = 1 and Im(Psi* D_tau Psi) = 0 (A.7), i.e. its phase
  turns by -int phi dtau of its own phi;
* "normal": Psi = 0 on the terminals (py-tdgl's normal-metal leads);
and the current density j enters at x = -L/2 and leaves at x = +L/2
through the natural boundary term of (A.3), uniform over each terminal.
The gauge row phi(0, 0) = 0 is the wire's phi(0) = 0.  An applied field B
(in Hc2, perpendicular) enters as A = B (-y, x)/2 in the covariant
gradient (symmetric gauge; the film is unscreened, docs/films.md).  V is read at two
probe points (P1 interpolation), and the "end phases" theta_-+ of the
series are -int phi dtau there, so theta_+ - theta_- = int V dtau exactly.
"""

import numpy as np
import ufl
from mpi4py import MPI

from psc_fem.film.probes import PointProbe
from psc_fem.forms import ModelCoefficients
from psc_fem.meshes.film import LEFT, RIGHT, strip_mesh
from psc_fem.solver.dofs import NodeSet
from psc_fem.solver.problem import WireProblem


class FilmProblem(WireProblem):
    """Fields, forms and the SNES of one time step of a film (module doc)."""

    banded = False  # a 2D mesh: LU with nested dissection (psc_fem.solver.petsc_options)

    def __init__(self, config, comm=MPI.COMM_WORLD, prefix="psc_", vector_potential=None):
        """``vector_potential``: A as a function of UFL's spatial coordinate x (a UFL 2-vector) in place
        of [field] B's A = B (-y, x)/2, e.g. that A plus a gradient (the gauge-invariance test)."""
        self.config = config
        self.comm = comm
        g = config.geometry
        msh, self.facets = strip_mesh(g.length, g.width, g.mesh_size, comm=comm)
        self._spaces(msh, 1)
        self.S = self.p_feedback = self.condensation = None
        self.free_ends = g.ends == "normal"
        x = ufl.SpatialCoordinate(msh)
        B = self.constant(config.field.B)
        A = None if config.field.B == 0.0 else 0.5 * B * ufl.as_vector((-x[1], x[0]))  # curl A = B (in Hc2)
        if vector_potential is not None:
            A = vector_potential(x)
        self.coeffs = ModelCoefficients(**self._model_coefficients(config.model), p=self.constant(config.model.p), A=A)
        n = ufl.FacetNormal(msh)
        ds = ufl.Measure("ds", domain=msh, subdomain_data=self.facets)
        # int (n . J) w ds over the terminals: J = j e_x enters at x = -L/2 and leaves at +L/2 (forms/tdgl.py)
        self._newton(prefix, 1, injection=lambda q: self.j * n[0] * q * (ds(LEFT) + ds(RIGHT)))
        nodes = self.nodes
        xyz, own = nodes.xyz, nodes.owned
        tol = 1e-9 * g.length
        banks = []
        for x_end in (-0.5 * g.length, 0.5 * g.length):
            at = own & (np.abs(xyz[:, 0] - x_end) < tol)
            banks.append(NodeSet(nodes.u1[at], nodes.u2[at], nodes.phi[at]))
        centre = np.flatnonzero(own & (np.abs(xyz[:, 0]) < tol) & (np.abs(xyz[:, 1]) < tol))
        self.center_dofs = (nodes.u1[centre], nodes.u2[centre])  # empty where another rank owns (0, 0)
        self._set_rows(banks, int(nodes.phi[centre[0]]) if centre.size else None)
        if comm.allreduce(centre.size, op=MPI.SUM) != 1:
            raise RuntimeError("the strip mesh must have one vertex at (0, 0)")
        self._core_u1, self._core_u2 = self._u1_dofs, self._u2_dofs
        if self.free_ends:  # min |Psi| over the film, not the normal terminals' Psi = 0
            inner = own & (np.abs(np.abs(xyz[:, 0]) - 0.5 * g.length) >= tol)
            self._core_u1, self._core_u2 = nodes.u1[inner], nodes.u2[inner]
        self.probes = [PointProbe(self, point) for point in config.probe_points]
        self.set_initial_state()

    def set_initial_state(self, array=None):
        """Psi = 1 (0 on normal terminals, which their rows hold), phi = 0; or a given state array."""
        for f in (self.w, *self.olds):
            if array is not None:
                f.x.array[:] = array
                continue
            f.x.array[:] = 0.0
            f.x.array[self.nodes.u1] = 1.0
            if self.free_ends:
                for bank in self.banks:
                    f.x.array[bank.u1] = 0.0
            f.x.scatter_forward()

    def set_initial_psi(self, psi_of_x):
        """Psi at tau = 0 from a function of the node coordinates ((n, 3) array -> n complex values)."""
        n = self.nodes
        psi = np.asarray(psi_of_x(n.xyz), dtype=complex)
        array = self.w.x.array.copy()
        array[n.u1], array[n.u2] = psi.real, psi.imag
        self.set_initial_state(array)

    def reset(self, config):
        raise NotImplementedError("a film's problem is not reused across runs yet")

    def end_values(self, array=None, link=None):
        """(phi(probe 1), phi(probe 2), |Psi(0, 0)|, link(probe 1), link(probe 2)) on all ranks: the wire's
        `end_values` with the probes in place of the ends (V = phi(probe 1) - phi(probe 2))."""
        array = self.w.x.array if array is None else array
        vals = np.zeros(5)
        for i, probe in enumerate(self.probes):
            vals[i] = probe.local_phi(array)
            if link is not None:
                vals[3 + i] = probe.local_phi(link)
        u1, u2 = self.center_dofs
        if u1.size:
            vals[2] = float(np.hypot(array[u1[0]], array[u2[0]]))
        self.comm.Allreduce(MPI.IN_PLACE, vals, op=MPI.SUM)
        return vals
