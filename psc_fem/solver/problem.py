"""Spaces, forms and the Newton problem of one wire (docs/design.md section 3).

One mixed Lagrange space holds u = [Re Psi, Im Psi] and phi.  Newton sees
everything: the residual of (A.1) and (A.3) from `psc_fem.forms`, with the
gauge-covariant BDF derivative of forms/covariant.py, plus boundary rows
that replace the PDE rows at the two ends of the wire and one gauge row.

Gauge.  With A = 0, adding c(tau) to phi and multiplying Psi by
exp(-i int c) leaves (A.1)-(A.3) and the bank conditions (A.7)-(A.9)
unchanged, and the covariant time derivative keeps that exact in the
discrete equations.  We solve in the gauge phi(0) = 0 (a vertex: the cell
count is even), which for a symmetric wire is the paper's antisymmetric
gauge (A.6): phi(-x) = -phi(x), Psi(-x) = Psi*(x).  Both ends carry the
boundary ODE (A.7), theta' = -phi, as the rows |Psi| = 1 and
Im(Psi* D_tau Psi) = 0, i.e. Psi_{n+1} = exp(-i int phi) Psi_n.  The phi
rows sum to zero (the weak balance tested with w = 1), so the centre's
row gives way to the gauge row.  All rows are local to one cell: the
system stays sparse and the parallel solver exact.  Output is transformed
to the antisymmetric gauge for any wire (psc_fem.solver.fields):
phi -> phi - (phi(-L/2) + phi(L/2))/2, Psi -> Psi exp(-i (theta_- + theta_+)/2).

Normal-metal banks (``[wire.banks] kind = "normal"``, docs/geometry.md)
end in normal reservoirs: Psi = 0 at both ends and no boundary ODE; the
gauge row is the same, and the current enters through the natural
boundary term of (A.3) at both ends.

Stationary solves (``set_step(dt, weights, link=None)``, a huge dt): the
plain BDF derivative, the left end Psi = 1 (which fixes the global phase)
and phi(L/2) = 0 at the right end, whose phase is then free (the
stationary state carries j with phi = 0).
"""

import math

import basix.ufl
import dolfinx.fem.petsc
import numpy as np
import ufl
from dolfinx import cpp as _cpp
from dolfinx import fem
from mpi4py import MPI
from petsc4py import PETSc

from psc_fem.feedback import p_coefficient
from psc_fem.forms import ModelCoefficients, covariant_bdf, phi_residual, psi_residual
from psc_fem.meshes import wire_mesh
from psc_fem.meshes.profiles import area_function, wire_condensation, wire_profile
from psc_fem.solver.bdf import SCHEME_ORDER, history_length
from psc_fem.solver.convergence import LARGE_DELTA, PsiUpdateTest
from psc_fem.solver.dofs import NodeSet, WireDofs, as_node_set
from psc_fem.solver.lifetime import keep_options, own_prefix, weak_method
from psc_fem.solver.linear_choice import LinearSolverChoice
from psc_fem.solver.petsc_options import name_field_splits, petsc_options, swaps_to_lu


class WireProblem:
    """The TDGL wire of a `Config`: fields, forms and the SNES of one time step."""

    def __init__(self, config, comm=MPI.COMM_WORLD, prefix="psc_"):
        self.config = config
        self.comm = comm
        wire, model = config.wire, config.model
        self._spaces(wire_mesh(wire.length, wire.cells, comm=comm), wire.degree)
        k = wire.degree
        profile = wire_profile(wire)  # None: the uniform wire, forms without S (docs/geometry.md)
        self.S = None if profile is None else area_function(self.msh, 2 * k + 1, profile)
        self.p_feedback = p_coefficient(config, self.W)  # p(x) of Eqs. (3)-(6), or None (psc_fem.feedback)
        self.free_ends = wire.normal_banks  # normal-reservoir ends (module doc)
        cond = wire_condensation(wire)
        self.condensation = None if cond is None else area_function(self.msh, 2 * k + 1, cond, "condensation")
        p = self.constant(model.p)
        self.coeffs = ModelCoefficients(
            **self._model_coefficients(model),
            p=p if self.p_feedback is None else p + self.p_feedback,
            S=self.S,
            condensation=self.condensation,
        )
        self._newton(prefix, k)
        self.left, self.right, self.center = (
            self.dofs.at_vertex(x) for x in (-0.5 * wire.length, 0.5 * wire.length, 0.0)
        )
        self._set_rows([as_node_set(self.left), as_node_set(self.right)], self.center.phi)
        # psi_min is taken over the superconducting part (the normal banks' Psi is ~ 0)
        self._core_u1, self._core_u2 = self._u1_dofs, self._u2_dofs
        if self.free_ends:
            edge = 0.5 * wire.length - wire.banks.length + 1e-12 * wire.length
            self._core_u1, self._core_u2 = (self.dofs.owned_inside(0, comp, edge) for comp in (0, 1))
        self.set_initial_state()

    def constant(self, value):
        return fem.Constant(self.msh, PETSc.ScalarType(value))

    def _spaces(self, msh, k):
        """The mixed space [Re Psi, Im Psi] x phi of degree k on ``msh``, the state, its history and the step's
        constants (BDF weights, links, current)."""
        self.msh = msh
        cell = msh.basix_cell()
        self.W = fem.functionspace(
            msh,
            basix.ufl.mixed_element(
                [basix.ufl.element("Lagrange", cell, k, shape=(2,)), basix.ufl.element("Lagrange", cell, k)]
            ),
        )
        self.dofs = WireDofs(msh, self.W)  # dof bookkeeping (psc_fem.solver.dofs)
        self.collapsed, self.n_owned, self.nodes = self.dofs.collapsed, self.dofs.n_owned, self.dofs.nodes
        # Solution at t_{n+1} (the Newton iterate) and the BDF history.
        # The forms carry as many old states as the scheme's order needs (no unused terms in the kernels).
        self.order = SCHEME_ORDER[self.config.time.scheme]
        self.w = fem.Function(self.W, name="state")
        self.olds = tuple(fem.Function(self.W) for _ in range(history_length(self.order)))  # w_n, w_{n-1}, ...
        self.w_n, self.w_nm1 = self.olds[:2]
        # phi slots: Theta = int phi dtau over the earlier steps at each node (forms/covariant.py)
        self.links_before = tuple(fem.Function(self.W) for _ in self.olds[1:])
        c = self.constant
        self.dt = c(1.0)
        self.a = tuple(c(v) for v in (1.0, -1.0, *[0.0] * (len(self.olds) - 1)))  # BDF weights a0, a1, ...
        # link weights on phi_{n+1}, phi_n, ...: as many as psc_fem.solver.bdf.link_nodes gives at most
        self.b = tuple(c(v) for v in (1.0, *[0.0] * (len(self.olds) - 1)))
        self.covariant = c(1.0)
        self.j = c(self.config.drive.j(0.0))
        # phi slots: the comoving frame's phase rate mu of each node (forms/covariant.py), or none
        self.mu = fem.Function(self.W) if self.config.time.frame == "comoving" else None

    def _model_coefficients(self, model):
        """The [model] part of `ModelCoefficients` (constants, so one compiled form serves a sweep)."""
        c = self.constant
        return dict(
            delta=c(model.delta),
            eta=c(model.eta),
            u=c(model.u_value),
            j=self.j,
            elliptic=model.elliptic,
            eps_q=c(model.q_regularization),
            gapless=model.delta == 0.0,
            coupling=c(model.interference_coupling) if model.interference_coefficient != "A.2" else None,
            interference=model.interference,
        )

    def _newton(self, prefix, k, injection=None):
        """Residual, Jacobian and SNES of one step; ``injection(q)``: the terminals' current term of a film
        (forms/tdgl.phi_residual).  Quadrature degree 2k + 1 (UFL's estimate for sqrt/ln/division is huge)."""
        psi, phi = ufl.split(self.w)
        olds = [ufl.split(f)[0] for f in self.olds]
        phi_olds = [ufl.split(f)[1] for f in self.olds]
        links_before = [ufl.split(f)[1] for f in self.links_before]
        v, q = ufl.TestFunctions(self.W)
        mu = None if self.mu is None else ufl.split(self.mu)[1]
        _, psi_t = covariant_bdf(psi, phi, phi_olds, olds, self.a, self.dt, self.b, links_before, self.covariant, mu)
        self.dx = ufl.Measure("dx", domain=self.msh, metadata={"quadrature_degree": 2 * k + 1})
        F = psi_residual(psi, psi_t, phi, v, self.coeffs, self.dx) + phi_residual(
            psi, psi_t, phi, q, self.coeffs, self.dx, None if injection is None else injection(q)
        )
        J = ufl.derivative(F, self.w, ufl.TrialFunction(self.W))

        unknowns = self.W.dofmap.index_map.size_global * self.W.dofmap.index_map_bs
        options = petsc_options(self.config.petsc, self.comm, self.msh.topology.dim, unknowns)
        prefix = own_prefix(prefix)
        self.problem = dolfinx.fem.petsc.NonlinearProblem(F, self.w, J=J, petsc_options_prefix=prefix)
        keep_options(self, prefix, options)  # until this problem is gone: some are read at the solver's set-up
        self.snes = self.problem.solver
        self.snes.setFromOptions()
        self.snes.setConvergenceHistory(reset=True)  # each solve's own residuals (StepFailure quotes the last)
        self.problem.A.setOption(PETSc.Mat.Option.KEEP_NONZERO_PATTERN, True)
        # Compiled forms for the lean callbacks below (dolfinx's generic assemble_residual/assemble_jacobian
        # spend most of their time in Python dispatch at wire sizes; docs/performance.md).
        self._F_cpp = self.problem.F._cpp_object
        self._J_cpp = self.problem.J._cpp_object
        self.snes.setFunction(weak_method(self._residual), self.problem.b)  # weak: the problem can be freed
        self.snes.setJacobian(weak_method(self._jacobian), self.problem.A, self.problem.P_mat)
        self._u1_dofs, self._u2_dofs = (self.dofs.owned(self.dofs.sub_dofs(0, comp)) for comp in (0, 1))
        self._psi_dofs = np.concatenate([self._u1_dofs, self._u2_dofs])
        if self.config.model.delta > LARGE_DELTA:  # Newton judged on Psi's update (psc_fem.solver.convergence)
            self.snes.setConvergenceTest(PsiUpdateTest(self._psi_dofs, self.comm))
        self._phi_dofs = self.dofs.sub_dofs(1)
        bs, phi_owned = self.W.dofmap.index_map_bs, self.dofs.owned(self._phi_dofs)
        name_field_splits(self.snes.getKSP(), self.W.dofmap.index_map, bs, self.nodes, phi_owned)
        swaps = swaps_to_lu(self.config.petsc, options, self.msh.topology.dim)  # the split, then the LU if cheaper
        self.linear = LinearSolverChoice(self.snes, self.comm) if swaps else None  # psc_fem.solver.linear_choice
        self._bdf = (1.0, 1.0, -1.0, *[0.0] * (len(self.olds) - 1))  # dt, a0, a1, ... as floats (set_step)
        self._link = (1.0, *[0.0] * (len(self.olds) - 1))  # b0, b1, ... as floats; None: stationary rows
        self.gauge_value = 0.0  # phi(0) of the gauge row (0; a test sets c(tau) to show gauge invariance)
        # Views of w, w_n, w_nm1, ...'s arrays and the earlier links' (each `.x.array` access costs a few us).
        self._arrays = (self.w.x.array, *(f.x.array for f in self.olds))
        self._links_before = tuple(f.x.array for f in self.links_before)

    def _set_rows(self, banks, gauge_dof):
        """The boundary rows: each bank's two rows per node (A.7, or Psi = 0 with free ends) and the gauge
        row phi = 0 at ``gauge_dof`` (None where another rank owns it); ``banks``: `NodeSet`s, left first."""
        self.banks = banks
        rows = [np.concatenate([b.u1, b.u2]) for b in banks]
        self.gauge_dof, gauge = gauge_dof, np.array([] if gauge_dof is None else [gauge_dof], dtype=np.int32)
        self._bc_rows = np.concatenate([*rows, gauge]).astype(np.int32)
        # The A.7 rows' indices, per bank with nodes on this rank (first: the left one): a wire's end, one
        # node, as plain ints, so that its rows, built every Newton iteration, cost scalar arithmetic only
        # (numpy on 1-element arrays tripled the residual's time on the Fig. 1 wire).
        self._a7 = [
            (k == 0, NodeSet(*(int(d[0]) for d in (b.u1, b.u2, b.phi))) if b.u1.size == 1 else b)
            for k, b in enumerate(banks)
            if b.u1.size
        ]

    def superconducting_psi(self, array=None):
        """(Re Psi, Im Psi) at this rank's owned nodes of the superconducting part (all of it without normal banks)."""
        a = self.w.x.array if array is None else array
        return a[self._core_u1], a[self._core_u2]

    def transport(self, array, theta):
        """Copy of a state array with Psi turned by exp(-i theta) at each node (theta per node, forms/covariant.py)."""
        out = array.copy()
        n = self.nodes
        c, s = np.cos(theta), np.sin(theta)
        a1, a2 = array[n.u1], array[n.u2]
        out[n.u1] = c * a1 + s * a2
        out[n.u2] = c * a2 - s * a1
        return out

    # ---- state -------------------------------------------------------------
    def reset(self, config):
        """The state of a new problem for another run of the same wire (psc_fem.solver.reuse): the run's
        config (drive, time, output may differ), Psi = 1, no history, the gauge row at 0."""
        self.config = config
        self.j.value = config.drive.j(0.0)
        self.gauge_value = 0.0
        for link in self._links_before:
            link[:] = 0.0
        self.set_initial_state()

    def set_initial_state(self, array=None):
        """Psi = 1 with theta(0) = 0 (A.8)-(A.9), or a given state array (same layout).

        With normal banks Psi = 1 in the superconductor and 0 in the banks,
        which is what their end rows (Psi = 0) and condensation term hold.
        phi at tau = 0 is algebraic: the first step solves it.
        """
        wire = self.config.wire
        edge = 0.5 * wire.length - (wire.banks.length if self.free_ends else 0.0)
        tol = 1e-9 * wire.length
        for f in (self.w, *self.olds):
            if array is not None:
                f.x.array[:] = array
                continue
            f.x.array[:] = 0.0
            f.sub(0).sub(0).interpolate(lambda x: (np.abs(x[0]) <= edge + tol).astype(float))
            f.x.scatter_forward()

    def value_at(self, dofs_by_end, array=None):
        """Global value of one owned dof (summed over ranks; one owns it)."""
        array = self.w.x.array if array is None else array
        local = array[dofs_by_end] if dofs_by_end is not None else 0.0
        return self.comm.allreduce(float(local), op=MPI.SUM)

    def end_values(self, array=None, link=None):
        """phi at both ends, |Psi| at the centre and (with ``link``) the links at both ends, on all ranks.

        Returns (phi(-L/2), phi(L/2), |Psi(0)|, link(-L/2), link(L/2));
        V = phi(-L/2) - phi(L/2).  ``link``: an array whose phi slot holds
        int phi dtau over a step (psc_fem.solver.integrator), which turns the end phases.
        """
        array = self.w.x.array if array is None else array
        vals = np.zeros(5)
        for k, end in enumerate((self.left, self.right)):
            if end.phi is not None:
                vals[k] = array[end.phi]
                vals[3 + k] = 0.0 if link is None else link[end.phi]
        c = self.center
        if c.u1 is not None:
            vals[2] = np.hypot(array[c.u1], array[c.u2])
        self.comm.Allreduce(MPI.IN_PLACE, vals, op=MPI.SUM)
        return vals

    # ---- one time step -----------------------------------------------------
    def set_step(self, dt, weights, link=(0.5, 0.5), links_before=()):
        """BDF weights (a0, a1, ...) of a step dt and the link rule (b0, b1, ...) of forms/covariant.py.

        ``links_before``: the links of the earlier steps, newest first (arrays, phi slot); missing ones
        are 0.  ``link=None``: plain BDF and stationary end rows (module doc).
        """
        n = len(self.olds)
        weights = (*(float(w) for w in weights), *[0.0] * n)[: n + 1]
        self.dt.value = dt
        for const, w in zip(self.a, weights):
            const.value = w
        self._bdf = (float(dt), *weights)
        assert link is None or len(link) <= n, "a link through more phi values than the forms carry"
        self._link = None if link is None else (*(float(b) for b in link), *[0.0] * n)[:n]
        for const, b in zip(self.b, self._link or [0.0] * n):
            const.value = b
        self.covariant.value = 0.0 if link is None else 1.0
        for k, f in enumerate(self._links_before):
            f[:] = links_before[k] if k < len(links_before) else 0.0

    def link_array(self, new=None):
        """int phi dtau over the current step at every node (in the phi slot of a state-shaped array).

        ``new``: the state at t_{n+1} (default the Newton iterate); phi_n, phi_{n-1}, ... are the olds'.
        """
        new = self.w.x.array if new is None else new
        dt, b = self._bdf[0], self._link or (0.0,)
        out = (dt * b[0]) * new
        for bj, old in zip(b[1:], self._arrays[1:]):
            if bj:
                out += (dt * bj) * old
        return out

    def solve(self):
        """Newton for the current step; returns (converged, iterations, residual history)."""
        if self.linear:
            self.linear.start()
        self.problem.solve()
        its = self.snes.getIterationNumber()
        history = self.snes.getConvergenceHistory()[0][: its + 1].copy()
        ok = self.snes.getConvergedReason() > 0 and np.all(np.isfinite(self.w.x.array))
        if self.linear:
            self.linear.observe(self._bdf[0], its, ok)
        return ok, its, history

    # ---- boundary rows (see the module docstring) --------------------------
    def _bank_row(self, a, end):
        """m = a1 U1 Psi_n + a2 U2 Psi_{n-1} + ... at a bank's nodes and d Theta/d phi (forms/covariant.py)."""
        dt, weights = self._bdf[0], self._bdf[2:]
        b = self._link or (0.0,)  # stationary: no transport
        ph = end.phi
        scalar = isinstance(ph, int)  # one node (a wire's end): math, not numpy, per call (`_set_rows`)
        th = b[0] * a[ph]
        for bj, old in zip(b[1:], self._arrays[1:]):
            th += bj * old[ph]
        th *= dt
        m0 = m1 = 0.0
        for k, (weight, old) in enumerate(zip(weights, self._arrays[1:])):
            if k:
                th += self._links_before[k - 1][ph]
            if weight:
                c, s = (math.cos(th), math.sin(th)) if scalar else (np.cos(th), np.sin(th))
                m0 += weight * (c * old[end.u1] + s * old[end.u2])
                m1 += weight * (c * old[end.u2] - s * old[end.u1])
        return (m0, m1), b[0] * dt

    def _sync(self, x):
        """Copy the SNES iterate x (owned entries, then ghosts) into self.w."""
        x.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        with x.localForm() as xl:
            self._arrays[0][:] = xl.array_r

    def _residual(self, snes, x, b):
        # dolfinx.fem.petsc.assemble_residual without its lifting and
        # Dirichlet machinery (this problem has no DirichletBC objects): the
        # same C++ kernels, a fraction of the Python overhead per call.
        self._sync(x)
        a = self._arrays[0]
        F_cpp = self._F_cpp
        with b.localForm() as F:
            F.set(0.0)
            _cpp.fem.assemble_vector(
                F.array_w, F_cpp, _cpp.fem.pack_constants(F_cpp), _cpp.fem.pack_coefficients(F_cpp)
            )
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        with b.localForm() as F:
            F[self._bc_rows] = a[self._bc_rows]  # Psi = 0 at free ends, phi(0) = 0
            if self.gauge_dof is not None:
                F[self.gauge_dof] -= self.gauge_value
            if self.free_ends:
                return
            dt = self._bdf[0]
            for first, end in self._a7:
                if self._link is None and first:  # stationary: Psi(-L/2) = 1 fixes the global phase
                    F[end.u1], F[end.u2] = a[end.u1] - 1.0, a[end.u2]
                    continue
                F[end.u1] = a[end.u1] ** 2 + a[end.u2] ** 2 - 1.0
                m, _ = self._bank_row(a, end)
                # (A.7): Im(Psi* D_tau Psi) = 0; stationary: Im(Psi* dPsi/dtau) + phi = 0 (plain BDF)
                F[end.u2] = (a[end.u1] * m[1] - a[end.u2] * m[0]) / dt + (a[end.phi] if self._link is None else 0.0)

    def _jacobian(self, snes, x, A, P):
        # dolfinx.fem.petsc.assemble_jacobian, lean (see _residual); the
        # sparsity pattern is kept (KEEP_NONZERO_PATTERN), so zeroRowsLocal
        # leaves it, and the LU's symbolic factorisation, unchanged.
        self._sync(x)
        J_cpp = self._J_cpp
        A.zeroEntries()
        _cpp.fem.petsc.assemble_matrix(A, J_cpp, _cpp.fem.pack_constants(J_cpp), _cpp.fem.pack_coefficients(J_cpp), [])
        A.assemble()
        A.zeroRowsLocal(self._bc_rows, diag=1.0)
        if not self.free_ends:
            a, dt = self._arrays[0], self._bdf[0]
            for first, end in self._a7:
                if self._link is None and first:
                    continue  # stationary: Psi(-L/2) = 1, identity rows
                u1, u2 = a[end.u1], a[end.u2]
                m, dtheta = self._bank_row(a, end)
                # d/dphi: both links turn by dtheta, d(exp(-i th) v)/dth = -i exp(-i th) v; stationary: + phi
                d_phi = 1.0 if self._link is None else -dtheta * (u1 * m[0] + u2 * m[1]) / dt
                values = (end.u1, end.u2, end.phi, u1, u2, m[0], m[1], d_phi)
                nodes = [values] if isinstance(end.u1, int) else zip(*np.broadcast_arrays(*values))
                for r1, r2, rp, v1, v2, m0, m1, dp in nodes:  # one node's rows couple its own u1, u2, phi only
                    cols = np.array([r1, r2, rp], dtype=np.int32)
                    A.setValuesLocal([r1], cols, [2 * v1, 2 * v2, 0.0], addv=PETSc.InsertMode.INSERT)
                    A.setValuesLocal([r2], cols, [m1 / dt, -m0 / dt, dp], addv=PETSc.InsertMode.INSERT)
        A.assemble()
