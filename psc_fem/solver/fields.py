"""Output fields of a state, in the paper's antisymmetric gauge (A.6).

Frames fall between time steps: Psi and its covariant rate D_tau Psi come
from the BDF polynomial of Psi carried along the links (dense output,
psc_fem.solver.simulation), and phi is then solved again from the current balance
(A.3), which is linear in phi for given Psi and d|Psi|^2/dtau =
2 Re(Psi* D_tau Psi).  So every frame satisfies js + jn + jint = j
exactly, as the steps do.

Point fields (P1): abs_psi, re_psi, im_psi, phi, dabs_psi_dt.
Cell fields (DG0, cell averages): js, jn, jint.  Cell averages of the
current parts are what the weak balance (A.3) conserves exactly,
int_e (js + jn + jint) = j |e|, so their sum is j in every cell, with no
boundary artefact from differentiating phi (the problem COMSOL's
centroid(-u4x) works around, Appendix B).  With a cross-section S(x) the
cell fields are S-weighted averages int_e S j / int_e S of the current
densities, and their sum is j / <S>_e (docs/geometry.md).

Gauge: the solver's phi(0) = 0 becomes the paper's antisymmetric (A.6)
by phi -> phi + c, c = -(phi(-L/2) + phi(L/2))/2, and Psi -> Psi exp(-i chi),
chi = (theta_- + theta_+)/2 the mean of the end phases (psc_fem.solver.problem).
For a symmetric wire c = chi = 0 to round-off.
"""

import dolfinx.fem.petsc
import numpy as np
import ufl
from dolfinx import cpp as _cpp
from dolfinx import fem, la, mesh
from petsc4py import PETSc

from psc_fem.forms import current_parts, times_i, transport
from psc_fem.forms.tdgl import D
from psc_fem.solver.lifetime import forget

POINT_FIELDS = ("abs_psi", "re_psi", "im_psi", "phi", "dabs_psi_dt")
CELL_FIELDS = ("js", "jn", "jint")


class LeanLinearSolve:
    """a(phi, w) = L(w) with phi = 0 at the dofs ``rows``, one rank: the frames' phi balance.

    dolfinx's LinearProblem.solve dispatches assembly, lifting and the
    Dirichlet rows in Python and factors anew (~0.2 ms a frame, half a
    frame's cost); here the C++ kernels assemble into one kept matrix whose
    sparsity, and with it PETSc's symbolic LU in the natural (x) order, is
    reused, and the gauge row is replaced in place (its value is 0, so
    nothing is lifted).
    """

    def __init__(self, a, L, rows):
        self.a, self.L = fem.form(a), fem.form(L)
        self.rows = np.asarray(rows, dtype=np.int32)
        self.A = dolfinx.fem.petsc.create_matrix(self.a)
        self.A.setOption(PETSc.Mat.Option.KEEP_NONZERO_PATTERN, True)
        self.b = dolfinx.fem.petsc.create_vector(self.L.function_spaces[0])
        self.x = self.b.duplicate()
        self.ksp = PETSc.KSP().create(PETSc.COMM_SELF)
        self.ksp.setType("preonly")
        pc = self.ksp.getPC()
        pc.setType("lu")
        pc.setFactorSolverType("petsc")
        pc.setFactorOrdering("natural")
        self.ksp.setOperators(self.A)

    def solve(self):
        a, L = self.a._cpp_object, self.L._cpp_object
        self.A.zeroEntries()
        _cpp.fem.petsc.assemble_matrix(self.A, a, _cpp.fem.pack_constants(a), _cpp.fem.pack_coefficients(a), [])
        self.A.assemble()
        self.A.zeroRowsLocal(self.rows, diag=1.0)
        with self.b.localForm() as b:
            b.set(0.0)
            _cpp.fem.assemble_vector(b.array_w, L, _cpp.fem.pack_constants(L), _cpp.fem.pack_coefficients(L))
            b.array_w[self.rows] = 0.0
        self.ksp.solve(self.b, self.x)
        return self.x.array_r


def nodal_maps(nodes, V1):
    """For P1 states: the W dofs of u1, u2, phi at each V1 dof (same vertex; ``nodes``: problem.nodes).

    P1 interpolation is evaluation at the vertices, so the point fields
    are then numpy expressions of the state's values (see `evaluate`);
    the UFL Expressions serve higher degrees.  Vertices are matched by
    their coordinates, sorted as `psc_fem.solver.dofs.WireDofs` sorts the nodes.
    """
    xyz = V1.tabulate_dof_coordinates()
    order1 = np.lexsort((xyz[:, 2], xyz[:, 1], xyz[:, 0]))
    if xyz.shape[0] != nodes.xyz.shape[0] or not np.allclose(xyz[order1], nodes.xyz):
        return None  # not one dof per vertex: use the Expressions
    maps = []
    for dofs in (nodes.u1, nodes.u2, nodes.phi):
        m = np.empty(order1.size, dtype=np.int64)
        m[order1] = dofs
        maps.append(m)
    return maps


class FieldEvaluator:
    """Evaluates the output fields of (state, d state/dtau) on rank-local arrays."""

    def __init__(self, problem):
        self.p = problem
        msh, W = problem.msh, problem.W
        self.state = fem.Function(W)  # node values of the frame (phi: solved here)
        self.rate = fem.Function(W)  # node values of D_tau state (point fields), or the rate of a plain state
        c = lambda: fem.Constant(msh, PETSc.ScalarType(0.0))  # noqa: E731
        self.cos_chi, self.sin_chi, self.shift = c(), c(), c()
        psi, phi = ufl.split(self.state)
        psi_t, _ = ufl.split(self.rate)
        # The currents and the phi balance take Psi and D_tau Psi as the Newton forms do, at quadrature
        # points: the history carried by exp(-i Theta) (forms/covariant.py) and combined with the dense-output
        # weights, then carried back to the frame's time by exp(+i back).  At a step time this is the step's
        # own D_tau Psi, so frames and steps agree to round-off.
        n_hist = len(problem.olds) + 1  # the BDF polynomial through the history (dense output)
        self.hist = [fem.Function(W) for _ in range(n_hist)]
        self.turn = [fem.Function(W) for _ in range(n_hist)]  # phi slot: Theta carrying history k to t_{n+1}
        self.back = fem.Function(W)  # phi slot: int_tf^{t_{n+1}} phi dtau (in the step's frame)
        # phi slot: the comoving frame's phase rate mu (time.frame = "comoving"), which D_tau Psi adds back
        self.mu = fem.Function(W) if problem.mu is not None else None
        self.value_w = [c() for _ in range(n_hist)]
        self.deriv_w = [c() for _ in range(n_hist)]
        self.plain = c()  # 1: a plain (state, rate) pair, `evaluate` without ``dense``
        carried = [transport(ufl.split(h)[0], ufl.split(t)[1]) for h, t in zip(self.hist, self.turn)]
        back = ufl.split(self.back)[1]
        psi_q = transport(sum(v * z for v, z in zip(self.value_w, carried)), -back)
        rate_q = transport(sum(d * z for d, z in zip(self.deriv_w, carried)), -back) + self.plain * psi_t
        if self.mu is not None:  # forms/covariant.py: + i mu Psi
            rate_q = rate_q + ufl.split(self.mu)[1] * times_i(psi_q)
        s = ufl.dot(psi, psi)
        cs, sn = self.cos_chi, self.sin_chi
        # Psi_a = Psi_g exp(-i chi), phi_a = phi_g + c (module doc).
        point = {
            "abs_psi": ufl.sqrt(s),
            "re_psi": psi[0] * cs + psi[1] * sn,
            "im_psi": psi[1] * cs - psi[0] * sn,
            "phi": phi + self.shift,
            "dabs_psi_dt": ufl.dot(psi, psi_t) / ufl.sqrt(s + 1e-300),
        }
        psi, psi_t = psi_q, rate_q
        self._phi_balance(problem, psi, psi_t)
        V1 = fem.functionspace(msh, ("Lagrange", 1))
        DG0 = fem.functionspace(msh, ("DG", 0))
        self.point = {k: fem.Function(V1, name=k) for k in POINT_FIELDS}
        self._nodal = nodal_maps(problem.nodes, V1) if problem.config.wire.degree == 1 else None
        if self._nodal is None:  # compiled only where the numpy node values of `evaluate` do not apply
            self._point_expr = {k: fem.Expression(e, V1.element.interpolation_points) for k, e in point.items()}
        self.cell = {k: fem.Function(DG0, name=k) for k in CELL_FIELDS}
        q = ufl.TestFunction(DG0)
        parts = [e[0] for e in current_parts(psi, psi_t, phi, problem.coeffs)]  # the wire's x components
        # (jint vanishes identically in the gapless limit: nothing to assemble)
        S = problem.coeffs.S
        if S is not None:  # S-weighted cell averages (module doc)
            parts = [S * e for e in parts]
        self._cell_forms = {
            k: fem.form(e * q * problem.dx)
            for k, e in zip(CELL_FIELDS, parts)
            if not isinstance(e, ufl.constantvalue.Zero)
        }
        volume = fem.assemble_vector(fem.form(q * ufl.dx if S is None else S * q * problem.dx))
        volume.scatter_reverse(la.InsertMode.add)
        self._cell_volume = volume.array.copy()
        n_vert = V1.dofmap.index_map.size_local
        n_cell = DG0.dofmap.index_map.size_local
        self._x_nodes = V1.tabulate_dof_coordinates()[:n_vert, 0]
        self._x_cells = DG0.tabulate_dof_coordinates()[:n_cell, 0]
        self._n_vert, self._n_cell = n_vert, n_cell
        self.x_nodes = self._gather_sorted(self._x_nodes, "node_order")
        self.x_cells = self._gather_sorted(self._x_cells, "cell_order")

    def _phi_balance(self, problem, psi, psi_t):
        """Linear problem for phi given (Psi, D_tau Psi): (A.3) with phi(0) = 0, the solver's gauge."""
        Q, self._phi_map = problem.collapsed(1)
        phi, w = ufl.TrialFunction(Q), ufl.TestFunction(Q)
        c = problem.coeffs
        js = current_parts(psi, psi_t, None, c)[0][0]
        if c.S is None:
            a = D(psi, c) * phi.dx(0) * w.dx(0) * problem.dx
            L = (js - c.j) * w.dx(0) * problem.dx
        else:  # the balance of the total current, forms/tdgl.phi_residual
            a = c.S * D(psi, c) * phi.dx(0) * w.dx(0) * problem.dx
            L = (c.S * js - c.j) * w.dx(0) * problem.dx
        gauge = mesh.locate_entities(problem.msh, 0, lambda x: np.isclose(x[0], 0.0))
        rows = fem.locate_dofs_topological(Q, 0, gauge)
        self._phi_lean = None
        if problem.comm.size == 1:
            self._phi_lean = LeanLinearSolve(a, L, rows)
            return
        # in parallel: the exact domain decomposition of the Newton solves
        bc = fem.dirichletbc(0.0, rows, Q)
        options = {"ksp_type": "preonly", "pc_type": "python", "pc_python_type": "psc_fem.solver.dd_solver.WoodburyPC"}
        self._phi_problem = dolfinx.fem.petsc.LinearProblem(
            a, L, bcs=[bc], petsc_options_prefix="psc_frame_", petsc_options=options
        )
        forget("psc_frame_", options)

    def _solve_phi(self):
        if self._phi_lean is not None:
            self.state.x.array[self._phi_map] = self._phi_lean.solve()
        else:
            self.state.x.array[self._phi_map] = self._phi_problem.solve().x.array
        phi_l, phi_r, *_ = self.p.end_values(self.state.x.array)
        return phi_l - phi_r, -0.5 * (phi_l + phi_r)  # V = phi(-L/2) - phi(L/2), the shift to (A.6)

    def _gather_sorted(self, local, key):
        """Rows of ``local`` (one per owned entity) from all ranks, sorted by x, on rank 0."""
        local = np.asarray(local)
        parts = [local] if self.p.comm.size == 1 else self.p.comm.gather(local, root=0)
        if self.p.comm.rank != 0:
            return None
        allv = np.concatenate(parts)
        if not hasattr(self, key):
            setattr(self, key, np.argsort(allv, kind="stable"))
        return allv[getattr(self, key)]

    def evaluate(self, state, rate, chi, dense=None):
        """Fill the output Functions for a state and its covariant rate (solver's gauge; all ranks); returns V.

        ``state``, ``rate``: node values.  ``dense`` = (history, turns,
        back, value weights, derivative weights, mu) of the dense output that
        gave them (`psc_fem.solver.recorder.Dense.evaluated`); the currents and phi then use
        the same expressions at quadrature points (see __init__).  Without
        it, (state, rate) are used as they are.  ``chi`` = (theta_- +
        theta_+)/2 turns Psi to the antisymmetric gauge (module doc).
        """
        self.state.x.array[:] = state
        self.rate.x.array[:] = rate
        self.plain.value = 1.0 if dense is None else 0.0
        history, turns, back, value, deriv, mu = ([state], [0.0], 0.0, [1.0], [0.0], None) if dense is None else dense
        for k, (f_hist, f_turn) in enumerate(zip(self.hist, self.turn)):
            f_hist.x.array[:] = history[k] if k < len(history) else 0.0
            f_turn.x.array[:] = turns[k] if k < len(turns) else 0.0
            self.value_w[k].value = value[k] if k < len(value) else 0.0
            self.deriv_w[k].value = deriv[k] if k < len(deriv) else 0.0
        self.back.x.array[:] = back
        if self.mu is not None:
            self.mu.x.array[:] = 0.0 if mu is None else mu
        voltage, shift = self._solve_phi()
        self.cos_chi.value, self.sin_chi.value = np.cos(chi), np.sin(chi)
        self.shift.value = shift
        if self._nodal is None:
            for k, f in self.point.items():
                f.interpolate(self._point_expr[k])
        else:  # P1: the same values, node by node
            m1, m2, mp = self._nodal
            st = self.state.x.array
            u1, u2, r1, r2 = st[m1], st[m2], rate[m1], rate[m2]
            cs, sn = self.cos_chi.value, self.sin_chi.value
            s2 = u1 * u1 + u2 * u2
            values = {
                "abs_psi": np.sqrt(s2),
                "re_psi": u1 * cs + u2 * sn,
                "im_psi": u2 * cs - u1 * sn,
                "phi": st[mp] + shift,
                "dabs_psi_dt": (u1 * r1 + u2 * r2) / np.sqrt(s2 + 1e-300),
            }
            for k, f in self.point.items():
                f.x.array[:] = values[k]
        for k, f in self.cell.items():
            if k not in self._cell_forms:
                continue
            vec = fem.assemble_vector(self._cell_forms[k])
            vec.scatter_reverse(la.InsertMode.add)
            n = self._n_cell
            f.x.array[:n] = vec.array[:n] / self._cell_volume[:n]
            f.x.scatter_forward()
        return voltage

    def gathered(self):
        """(point fields, cell fields) sorted by x on rank 0, else (None, None)."""
        # one gather per kind of field: stacked columns
        point = self._gather_sorted(
            np.column_stack([f.x.array[: self._n_vert] for f in self.point.values()]), "node_order"
        )
        cell = self._gather_sorted(
            np.column_stack([f.x.array[: self._n_cell] for f in self.cell.values()]), "cell_order"
        )
        if self.p.comm.rank != 0:
            return None, None
        return dict(zip(self.point, point.T)), dict(zip(self.cell, cell.T))

    def at_nodes(self, cell_values):
        """Vertex values of a cell field: linear between cell midpoints, the end cell's value at the ends."""
        return np.interp(self.x_nodes, self.x_cells, cell_values)
