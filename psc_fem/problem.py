"""Spaces, forms and the Newton problem of one wire (DESIGN.md section 3).

One mixed Lagrange space holds u = [Re Psi, Im Psi] and phi.  Newton sees
everything: the residual of (A.1) and (A.3) from `psc_fem.forms`, plus
boundary rows that replace the PDE rows at the two ends of the wire.

Gauge.  With A = 0, adding c(tau) to phi and multiplying Psi by
exp(-i int c) leaves (A.1)-(A.3) and the bank conditions (A.7)-(A.9)
unchanged; only phi's constant and the end phases move, never |Psi|, the
currents or V.  We solve in the gauge phi(-L/2) = 0, where the left end
phase stays 0 (Psi(-L/2) = 1) and only the right end carries the boundary
ODE (A.7): theta' = -phi there, i.e. |Psi| = 1 and
u1 u2_t - u2 u1_t = -phi at x = L/2.  All rows are local to one cell, so
the system stays sparse and parallel-friendly, and the constant needs no
global row.  Output is transformed to the paper's antisymmetric gauge
(A.6)/(B.5): phi -> phi - V/2, Psi -> Psi exp(-i theta_R/2), exactly.

Normal-metal banks (``[wire.banks] kind = "normal"``, docs/geometry.md)
end in normal reservoirs: Psi = 0 at both ends and no boundary ODE.  Then
no end phase exists, and phi's constant is fixed at the wire's centre
(phi(0) = 0, a vertex): the phi rows sum to zero (the weak balance tested
with w = 1), so any one of them may give way to the gauge row, and at the
centre a symmetric wire's stationary state is static (in the gauge
phi(-L/2) = 0 its phase would turn at the rate V/2).  The current enters
through the natural boundary term of (A.3) at both ends.
"""

from dataclasses import dataclass

import numpy as np
import ufl
from mpi4py import MPI
from petsc4py import PETSc

import basix.ufl
import dolfinx.fem.petsc
from dolfinx import cpp as _cpp
from dolfinx import fem, mesh

from psc_fem.feedback import p_coefficient
from psc_fem.forms import ModelCoefficients, current_parts, phi_residual, psi_residual
from psc_fem.meshes import wire_mesh
from psc_fem.meshes.profiles import area_function, wire_condensation, wire_profile

DEFAULT_PETSC = {
    "snes_type": "newtonls",
    "snes_linesearch_type": "basic",
    "snes_rtol": 1e-9,
    "snes_atol": 1e-10,
    "snes_stol": 1e-12,
    "snes_max_it": 10,
    "ksp_type": "preonly",
    "pc_type": "lu",
}


def petsc_options(user, comm):
    """Defaults merged with the user's [petsc] table (user wins)."""
    opts = dict(DEFAULT_PETSC)
    if comm.size == 1:
        # The wire's dofs are numbered along x (banded matrix): in that
        # order PETSc's LU has no fill at all (factor nnz = matrix nnz), while
        # its default nested dissection adds ~70% (1e5 DOFs;
        # docs/performance.md).
        opts["pc_factor_mat_solver_type"] = "petsc"
        opts["pc_factor_mat_ordering_type"] = "natural"
    else:
        # Each rank factors its own piece of the chain the same way; the few
        # couplings across cuts are solved exactly (psc_fem.dd_solver).
        # MUMPS was 2.5x slower than PETSc's LU even on one rank.
        opts["pc_type"] = "python"
        opts["pc_python_type"] = "psc_fem.dd_solver.WoodburyPC"
    if any(key.startswith("pc_factor") for key in user) and "pc_type" not in user:
        opts["pc_type"] = "lu"  # e.g. pc_factor_mat_solver_type = "mumps" on several ranks
    opts.update(user)
    return opts


@dataclass
class EndDofs:
    """Local dof indices (owned by this rank) of u1, u2, phi at one vertex, or None."""

    u1: int | None
    u2: int | None
    phi: int | None


class WireProblem:
    """The TDGL wire of a `Config`: fields, forms and the SNES of one time step."""

    def __init__(self, config, comm=MPI.COMM_WORLD, prefix="psc_"):
        self.config = config
        self.comm = comm
        wire, model = config.wire, config.model
        self.msh = wire_mesh(wire.length, wire.cells, comm=comm)
        cell = self.msh.basix_cell()
        k = wire.degree
        self.W = fem.functionspace(
            self.msh,
            basix.ufl.mixed_element(
                [basix.ufl.element("Lagrange", cell, k, shape=(2,)), basix.ufl.element("Lagrange", cell, k)]
            ),
        )
        # Solution at t_{n+1} (the Newton iterate) and the BDF history.
        self.w = fem.Function(self.W, name="state")
        self.w_n = fem.Function(self.W)
        self.w_nm1 = fem.Function(self.W)

        c = lambda value: fem.Constant(self.msh, PETSc.ScalarType(value))  # noqa: E731
        self.dt, self.a0, self.a1, self.a2 = c(1.0), c(1.0), c(-1.0), c(0.0)
        self.j = c(config.drive.j(0.0))
        profile = wire_profile(wire)  # None: the uniform wire, forms without S (docs/geometry.md)
        self.S = None if profile is None else area_function(self.msh, 2 * k + 1, profile)
        self.p_feedback = p_coefficient(config, self.W)  # p(x) of Eqs. (3)-(6), or None (psc_fem.feedback)
        self.free_ends = wire.normal_banks  # normal-reservoir ends (module doc)
        cond = wire_condensation(wire)
        self.condensation = None if cond is None else area_function(self.msh, 2 * k + 1, cond, "condensation")
        self.coeffs = ModelCoefficients(
            delta=c(model.delta),
            eta=c(model.eta),
            u=c(model.u_value),
            j=self.j,
            elliptic=model.elliptic,
            eps_q=c(model.q_regularization),
            p=c(model.p) if self.p_feedback is None else c(model.p) + self.p_feedback,
            gapless=model.delta == 0.0,
            S=self.S,
            condensation=self.condensation,
        )

        psi, phi = ufl.split(self.w)
        psi_n, _ = ufl.split(self.w_n)
        psi_nm1, _ = ufl.split(self.w_nm1)
        v, q = ufl.TestFunctions(self.W)
        psi_t = (self.a0 * psi + self.a1 * psi_n + self.a2 * psi_nm1) / self.dt
        # UFL would estimate a huge degree for sqrt/ln/division integrands.
        self.dx = ufl.Measure("dx", domain=self.msh, metadata={"quadrature_degree": 2 * k + 1})
        F = psi_residual(psi, psi_t, phi, v, self.coeffs, self.dx) + phi_residual(psi, psi_t, phi, q, self.coeffs, self.dx)
        J = ufl.derivative(F, self.w, ufl.TrialFunction(self.W))

        self.problem = dolfinx.fem.petsc.NonlinearProblem(
            F, self.w, J=J, petsc_options_prefix=prefix, petsc_options=petsc_options(config.petsc, comm)
        )
        self.snes = self.problem.solver
        self.snes.setConvergenceHistory()
        A = self.problem.A
        A.setOption(PETSc.Mat.Option.KEEP_NONZERO_PATTERN, True)
        # Compiled forms for the lean callbacks below (dolfinx's generic
        # assemble_residual/assemble_jacobian spend most of their time in
        # Python dispatch at wire sizes; docs/performance.md).
        self._F_cpp = self.problem.F._cpp_object
        self._J_cpp = self.problem.J._cpp_object
        self.snes.setFunction(self._residual, self.problem.b)
        self.snes.setJacobian(self._jacobian, A, self.problem.P_mat)

        self.left = self._end_dofs(-0.5 * wire.length)
        self.right = self._end_dofs(0.5 * wire.length)
        self.center = self._end_dofs(0.0)
        self._u1_dofs = self._owned(self._sub_dofs(0, 0))
        self._u2_dofs = self._owned(self._sub_dofs(0, 1))
        self._psi_dofs = np.concatenate([self._u1_dofs, self._u2_dofs])
        self._phi_dofs = self._sub_dofs(1)
        if self.free_ends:  # Psi = 0 at both ends, phi(0) = 0: rows x_i = 0
            rows = (self.left.u1, self.left.u2, self.right.u1, self.right.u2, self.center.phi)
        else:
            rows = (self.left.u1, self.left.u2, self.left.phi, self.right.u1, self.right.u2)
        self._bc_rows = np.array([d for d in rows if d is not None], dtype=np.int32)
        # psi_min is taken over the superconducting part (the normal banks' Psi is ~ 0)
        self._core_u1, self._core_u2 = self._u1_dofs, self._u2_dofs
        if self.free_ends:
            edge = 0.5 * wire.length - wire.banks.length + 1e-12 * wire.length
            self._core_u1, self._core_u2 = (self._owned_inside(0, comp, edge) for comp in (0, 1))
        self._bdf = (1.0, 1.0, -1.0, 0.0)  # dt, a0, a1, a2 as floats (set_step)
        # Views of w, w_n, w_nm1's arrays (each `.x.array` access costs a few us).
        self._arrays = (self.w.x.array, self.w_n.x.array, self.w_nm1.x.array)
        self.set_initial_state()

    # ---- dof bookkeeping -------------------------------------------------
    @property
    def n_owned(self):
        return self.W.dofmap.index_map.size_local * self.W.dofmap.index_map_bs

    def _owned(self, dofs):
        return dofs[dofs < self.n_owned]

    def _sub_dofs(self, i, comp=None):
        sub = self.W.sub(i) if comp is None else self.W.sub(i).sub(comp)
        V, dof_map = sub.collapse()
        return np.asarray(dof_map, dtype=np.int32)

    def _owned_inside(self, i, comp, edge):
        """Owned dofs of sub-space (i, comp) at |x| <= edge."""
        V, dof_map = self.W.sub(i).sub(comp).collapse()
        dofs = np.asarray(dof_map, dtype=np.int32).ravel()
        inside = np.abs(V.tabulate_dof_coordinates()[:, 0]) <= edge
        return self._owned(dofs[inside])

    def _end_dofs(self, x0):
        self.msh.topology.create_connectivity(0, 1)
        vertices = mesh.locate_entities(self.msh, 0, lambda x: np.isclose(x[0], x0))
        found = []
        for sub in (self.W.sub(0).sub(0), self.W.sub(0).sub(1), self.W.sub(1)):
            dofs = self._owned(fem.locate_dofs_topological(sub, 0, vertices))
            found.append(int(dofs[0]) if dofs.size else None)
        return EndDofs(*found)

    # ---- state -------------------------------------------------------------
    def set_initial_state(self, array=None):
        """Psi = 1 with theta(0) = 0 (A.8)-(A.9), or a given state array (same layout).

        With normal banks Psi = 1 in the superconductor and 0 in the banks,
        which is what their end rows (Psi = 0) and condensation term hold.
        phi at tau = 0 is algebraic: the first step solves it.
        """
        wire = self.config.wire
        edge = 0.5 * wire.length - (wire.banks.length if self.free_ends else 0.0)
        tol = 1e-9 * wire.length
        for f in (self.w, self.w_n, self.w_nm1):
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

    def end_values(self, array=None):
        """(u1, u2, phi) at the right end, |Psi| at the center and phi at the left end, all ranks.

        V = phi(-L/2) - phi(L/2); phi(-L/2) = 0 except with free ends.
        """
        array = self.w.x.array if array is None else array
        vals = np.zeros(5)
        r, c, left = self.right, self.center, self.left
        if r.u1 is not None:
            vals[0:3] = array[r.u1], array[r.u2], array[r.phi]
        if c.u1 is not None:
            vals[3] = np.hypot(array[c.u1], array[c.u2])
        if left.phi is not None:
            vals[4] = array[left.phi]
        self.comm.Allreduce(MPI.IN_PLACE, vals, op=MPI.SUM)
        return vals

    # ---- one time step -----------------------------------------------------
    def set_step(self, dt, weights):
        self.dt.value = dt
        self.a0.value, self.a1.value, self.a2.value = weights
        self._bdf = (float(dt), *(float(w) for w in weights))

    def solve(self):
        """Newton for the current step; returns (converged, iterations, residual history)."""
        self.problem.solve()
        reason = self.snes.getConvergedReason()
        its = self.snes.getIterationNumber()
        history = self.snes.getConvergenceHistory()[0][: its + 1].copy()
        ok = reason > 0 and np.all(np.isfinite(self.w.x.array))
        return ok, its, history

    # ---- boundary rows (see the module docstring) --------------------------
    def _psi_t_right(self, a):
        """BDF d/dtau of (u1, u2) at the right end, and d(u_t)/du = a0/dt."""
        r = self.right
        dt, a0, a1, a2 = self._bdf
        k = a0 / dt
        n, nm1 = self._arrays[1], self._arrays[2]
        u1t = a[r.u1] * k + (a1 * n[r.u1] + a2 * nm1[r.u1]) / dt
        u2t = a[r.u2] * k + (a1 * n[r.u2] + a2 * nm1[r.u2]) / dt
        return u1t, u2t, k

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
            _cpp.fem.assemble_vector(F.array_w, F_cpp, _cpp.fem.pack_constants(F_cpp), _cpp.fem.pack_coefficients(F_cpp))
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        if self.free_ends:  # Psi = 0 at both ends, phi(0) = 0
            with b.localForm() as F:
                F[self._bc_rows] = a[self._bc_rows]
            return
        with b.localForm() as F:
            left, r = self.left, self.right
            if left.u1 is not None:
                F[left.u1] = a[left.u1] - 1.0
                F[left.u2] = a[left.u2]
                F[left.phi] = a[left.phi]
            if r.u1 is not None:
                u1t, u2t, _ = self._psi_t_right(a)
                F[r.u1] = a[r.u1] ** 2 + a[r.u2] ** 2 - 1.0
                F[r.u2] = a[r.u1] * u2t - a[r.u2] * u1t + a[r.phi]

    def _jacobian(self, snes, x, A, P):
        # dolfinx.fem.petsc.assemble_jacobian, lean (see _residual); the
        # sparsity pattern is kept (KEEP_NONZERO_PATTERN), so zeroRowsLocal
        # leaves it, and the LU's symbolic factorisation, unchanged.
        self._sync(x)
        J_cpp = self._J_cpp
        A.zeroEntries()
        _cpp.fem.petsc.assemble_matrix(A, J_cpp, _cpp.fem.pack_constants(J_cpp), _cpp.fem.pack_coefficients(J_cpp), [])
        A.assemble()
        r = self.right
        A.zeroRowsLocal(self._bc_rows, diag=1.0)
        if r.u1 is not None and not self.free_ends:
            a = self._arrays[0]
            u1, u2 = a[r.u1], a[r.u2]
            u1t, u2t, k = self._psi_t_right(a)
            cols = np.array([r.u1, r.u2, r.phi], dtype=np.int32)
            A.setValuesLocal([r.u1], cols, [2 * u1, 2 * u2, 0.0], addv=PETSc.InsertMode.INSERT)
            A.setValuesLocal([r.u2], cols, [u2t - u2 * k, u1 * k - u1t, 1.0], addv=PETSc.InsertMode.INSERT)
        A.assemble()
