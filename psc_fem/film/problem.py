"""The TDGL film of a `FilmConfig`: the wire's Newton problem on a 2D mesh (docs/films.md).

Everything of `psc_fem.solver.problem.WireProblem` carries over: the
forms are the same UFL forms with grad for ', the covariant BDF derivative,
the lean assembly and the row replacement.  What differs is where the
rows sit:
* "banks": every node of the two terminals (the boundary at the smallest
  and largest x, e.g. x = -+L/2 of a strip) carries the wire's
  bank rows, |Psi| = 1 and Im(Psi* D_tau Psi) = 0 (A.7), i.e. its phase
  turns by -int phi dtau of its own phi;
* "normal": Psi = 0 on the terminals (py-tdgl's normal-metal leads); the
  series' min |Psi| is taken between the probes' x, beyond the terminals'
  proximity layer (|Psi| rises from 0 over ~1 xi there);
* "none": a closed film, no terminal rows and no current;
and the current density j enters at the left terminal and leaves at the
right one through the natural boundary term of (A.3), uniform over each.
The gauge row phi = 0 at the node nearest the origin ((0, 0) of a strip)
is the wire's phi(0) = 0.  An applied field B
(in Hc2, perpendicular) enters as A = B (-y, x)/2 in the covariant
gradient (symmetric gauge; the film is unscreened, docs/films.md).  V is read at two
probe points (interpolation in the cell that holds each), and the "end phases" theta_-+ of the
series are -int phi dtau there, so theta_+ - theta_- = int V dtau exactly.
"""

import numpy as np
import ufl
from dolfinx.mesh import entities_to_geometry
from mpi4py import MPI

from psc_fem.film.orbit import FilmPoincareMap
from psc_fem.film.probes import PointProbe
from psc_fem.forms import ModelCoefficients
from psc_fem.meshes.film import LEFT, RIGHT, film_mesh, x_range
from psc_fem.solver.dofs import NodeSet
from psc_fem.solver.problem import WireProblem


class FilmProblem(WireProblem):
    """Fields, forms and the SNES of one time step of a film (module doc)."""

    poincare_map = FilmPoincareMap  # time.until = "orbit": one slip between the probes

    def __init__(self, config, comm=MPI.COMM_WORLD, prefix="psc_", vector_potential=None):
        """``vector_potential``: A as a function of UFL's spatial coordinate x (a UFL 2-vector) in place
        of [field] B's A = B (-y, x)/2, e.g. that A plus a gradient (the gauge-invariance test)."""
        self.config = config
        self.comm = comm
        g = config.geometry
        msh, self.facets = film_mesh(g, comm=comm)
        self._spaces(msh, g.degree)
        self.S = self.p_feedback = self.condensation = None
        self.free_ends = g.ends != "banks"
        x = ufl.SpatialCoordinate(msh)
        B = self.constant(config.field.B)
        in_plane = (-x[1], x[0], 0.0)[: msh.geometry.dim]  # A = B (-y, x, 0)/2: curl A = B e_z (in Hc2)
        A = None if config.field.B == 0.0 else 0.5 * B * ufl.as_vector(in_plane)
        if vector_potential is not None:
            A = vector_potential(x)
        self.coeffs = ModelCoefficients(**self._model_coefficients(config.model), p=self.constant(config.model.p), A=A)
        self.terminal_widths = [self.measure(ds_tag) for ds_tag in (LEFT, RIGHT)] if g.ends != "none" else [0, 0]
        self._newton(prefix, g.degree, injection=self._injection(msh) if g.ends != "none" else None)
        nodes = self.nodes
        xyz, own = nodes.xyz, nodes.owned
        x_min, x_max = x_range(msh)
        tol = 1e-9 * (x_max - x_min)
        terminal = [own & (np.abs(xyz[:, 0] - x_end) < tol) for x_end in (x_min, x_max)]
        banks = [] if g.ends == "none" else [NodeSet(nodes.u1[at], nodes.u2[at], nodes.phi[at]) for at in terminal]
        gauge = self._gauge_node(own)
        self.center_dofs = (nodes.u1[gauge], nodes.u2[gauge])  # empty where another rank owns the gauge node
        self._set_rows(banks, int(nodes.phi[gauge[0]]) if gauge.size else None)
        points = config.probe_points or self._default_probes(xyz, terminal, x_min, x_max, gauge)
        self.probes = [PointProbe(self, point, given=config.probe_points is not None) for point in points]
        self._core_u1, self._core_u2 = self._u1_dofs, self._u2_dofs
        if g.ends == "normal":  # min |Psi| between the probes: not the terminals' Psi = 0 and their proximity layer
            inner = self._between_probes(xyz, points, tol) & own & ~terminal[0] & ~terminal[1]
            self._core_u1, self._core_u2 = nodes.u1[inner], nodes.u2[inner]
        self.set_initial_state()

    def measure(self, tag):
        """The size of the terminal ``tag`` (LEFT or RIGHT; a length in 2D, an area in 3D), over all ranks."""
        msh, fdim = self.msh, self.msh.topology.dim - 1
        facets = self.facets.find(tag)
        facets = facets[facets < msh.topology.index_map(fdim).size_local]
        p = msh.geometry.x[entities_to_geometry(msh, fdim, facets)]  # (facets, vertices, 3)
        if fdim == 1:
            size = np.linalg.norm(p[:, 1] - p[:, 0], axis=1)
        else:  # triangles
            size = 0.5 * np.linalg.norm(np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]), axis=1)
        return self.comm.allreduce(float(size.sum()), op=MPI.SUM)

    def _injection(self, msh):
        """int (n . J) q ds over the terminals: the current density j enters uniformly at the left terminal
        and leaves uniformly at the right one, scaled there so that the same total current j W_left leaves."""
        n = ufl.FacetNormal(msh)
        ds = ufl.Measure("ds", domain=msh, subdomain_data=self.facets)
        w_left, w_right = self.terminal_widths
        if min(w_left, w_right) <= 0:
            raise ValueError("the film has no terminal edge at its smallest or largest x (geometry.ends)")
        if abs(w_left - w_right) <= 1e-12 * w_left:
            return lambda q: self.j * n[0] * q * (ds(LEFT) + ds(RIGHT))
        return lambda q: self.j * n[0] * q * ds(LEFT) + (w_left / w_right) * self.j * n[0] * q * ds(RIGHT)

    def _between_probes(self, xyz, points, tol):
        """Nodes with x between the probes' x (all nodes when no node lies there, e.g. probes at one x)."""
        lo, hi = min(p[0] for p in points) - tol, max(p[0] for p in points) + tol
        between = (xyz[:, 0] >= lo) & (xyz[:, 0] <= hi)
        return between if self.comm.allreduce(int(between.sum()), op=MPI.SUM) else np.ones(len(xyz), dtype=bool)

    def _gauge_node(self, own):
        """This rank's index (array of 0 or 1) of the owned node nearest the origin, the same node on every
        rank count (ties: the lowest coordinates): phi = 0 there, and |Psi| there is the series' psi_center."""
        # rounded to 1e-9 xi: dof coordinates carry partition-dependent round-off, and a ring's inner edge
        # has many nodes at one distance, so ties must break the same way on any number of ranks
        xyz = np.round(self.nodes.xyz, 9)
        keys = np.where(own, np.round(np.linalg.norm(xyz, axis=1), 9), np.inf)
        order = np.lexsort((xyz[:, 2], xyz[:, 1], xyz[:, 0], keys))
        k = int(order[0]) if keys.size else -1
        finite = keys.size and np.isfinite(keys[k])
        mine = (keys[k], *map(float, xyz[k])) if finite else (np.inf, 0.0, 0.0, 0.0)
        best = self.comm.allreduce(mine, op=MPI.MIN)
        return np.array([k] if mine == best and np.isfinite(best[0]) else [], dtype=np.int64)

    def _default_probes(self, xyz, terminal, x_min, x_max, gauge):
        """1 xi inside each terminal (a quarter of the length in x for shorter films) at the middle of its
        y (and z) extent; with no terminals both at the gauge node (V = 0)."""
        comm = self.comm
        d = self.msh.geometry.dim
        if self.config.geometry.ends == "none":
            origin = comm.allreduce([tuple(xyz[i, :d]) for i in gauge], op=MPI.SUM)
            return origin * 2
        inset = min(1.0, 0.25 * (x_max - x_min))
        probes = []
        for x_end, at in ((x_min + inset, terminal[0]), (x_max - inset, terminal[1])):
            lo = [comm.allreduce(xyz[at, c].min(initial=np.inf), op=MPI.MIN) for c in range(1, d)]
            hi = [comm.allreduce(xyz[at, c].max(initial=-np.inf), op=MPI.MAX) for c in range(1, d)]
            # rounded: a gmsh outline's node coordinates carry round-off (y = -1.1e-16 for 0), messages show it
            probes.append(tuple(round(c, 12) + 0.0 for c in (x_end, *(0.5 * (a + b) for a, b in zip(lo, hi)))))
        return probes

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
