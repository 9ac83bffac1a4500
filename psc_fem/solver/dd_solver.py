"""Exact domain-decomposition solver for the wire's Jacobian on several ranks.

Each rank owns a contiguous piece of the wire, so the parallel matrix is its
block diagonal A_D (one banded block per rank) plus a handful of entries
that couple neighbouring pieces across the cut vertices.  Collect those in
A_O = U V^T: V picks the k off-process columns (3 per cut per side at P1)
and U holds their entries.  Woodbury's identity then gives A^{-1} exactly:

    A^{-1} b = y - Z K^{-1} V^T y,   y = A_D^{-1} b,
    Z = A_D^{-1} U,   K = I_k + V^T Z   (k x k, k ~ 6 (ranks - 1)).

Per Jacobian every rank factors its own block (banded, natural order: no
fill) and solves for its own k_r columns of Z; per solve it does one local
solve, one allreduce of k numbers and a k x k dense solve.  This is a
direct method (2 ranks agree with 1 rank to round-off), without MUMPS's
general-purpose analysis, which costs more than the whole step here
(docs/performance.md).

Selected with PETSc options ``pc_type = python`` and
``pc_python_type = psc_fem.solver.dd_solver.WoodburyPC`` (the default on more than
one rank; see psc_fem.solver.petsc_options).
"""

import numpy as np
from mpi4py import MPI
from petsc4py import PETSc


class WoodburyPC:
    """petsc4py python PC: exact A^{-1} by block-diagonal LU + Woodbury (see module)."""

    def __init__(self):
        self._pattern = None
        self.ksp = None

    # ---- structure (once): which owned rows reach which off-process columns
    def _find_pattern(self, A):
        comm = A.getComm().tompi4py()
        r0, r1 = A.getOwnershipRange()
        indptr, cols, _ = A.getValuesCSR()
        off = (cols < r0) | (cols >= r1)
        rows_local = np.repeat(np.arange(r1 - r0, dtype=np.int32), np.diff(indptr))[off]
        ghost_cols = np.unique(cols[off]).astype(PETSc.IntType)
        coupled_rows = np.unique(rows_local).astype(PETSc.IntType)
        # One global enumeration of all ranks' off-process columns (rank order).
        all_cols = comm.allgather(ghost_cols)
        offset = sum(len(c) for c in all_cols[: comm.rank])
        k = sum(len(c) for c in all_cols)
        every = np.concatenate(all_cols) if k else np.zeros(0, dtype=PETSc.IntType)
        mine = np.flatnonzero((every >= r0) & (every < r1))  # entries of V^T y this rank owns
        self._pattern = dict(
            comm=comm,
            r0=r0,
            n=r1 - r0,
            rows=coupled_rows,
            cols=ghost_cols,
            offset=offset,
            k=k,
            mine=mine,
            mine_local=(every[mine] - r0).astype(np.int64),
        )

    def _local_ksp(self, Ad):
        ksp = PETSc.KSP().create(PETSc.COMM_SELF)
        ksp.setType("preonly")
        pc = ksp.getPC()
        pc.setType("lu")
        pc.setFactorSolverType("petsc")
        pc.setFactorOrdering("natural")  # dofs run along x: banded, no fill
        ksp.setOperators(Ad)
        self._y = Ad.createVecRight()
        self._b = Ad.createVecRight()
        return ksp

    def setUp(self, pc):
        A, P = pc.getOperators()
        if self._pattern is None:
            self._find_pattern(P)
        p = self._pattern
        Ad = P.getDiagonalBlock()
        if self.ksp is None:
            self.ksp = self._local_ksp(Ad)
        Ad.stateIncrease()  # values changed in place: refactor (symbolic analysis is kept)
        self.ksp.setOperators(Ad)
        self.ksp.setUp()
        self._factor = self.ksp.getPC().getFactorMatrix()
        # Z_r = A_D^{-1} U_r: the coupling entries as k_r right-hand sides
        # (separate solves: PETSc's MatMatSolve is no faster for a few columns).
        kr = len(p["cols"])
        Z = np.zeros((p["n"], kr))
        if kr:
            F = self._factor
            B = P.getValues(p["rows"] + p["r0"], p["cols"])
            b = self._b.array
            for c in range(kr):
                b[:] = 0.0
                b[p["rows"]] = B[:, c]
                F.solve(self._b, self._y)
                Z[:, c] = self._y.array_r
        self._Z = Z
        # K = I + V^T Z, assembled from each rank's owned rows of its own columns.
        K = np.zeros((p["k"], p["k"]))
        K[np.ix_(p["mine"], np.arange(p["offset"], p["offset"] + kr))] = Z[p["mine_local"], :]
        p["comm"].Allreduce(MPI.IN_PLACE, K, op=MPI.SUM)
        K += np.eye(p["k"])
        self._K_inv = np.linalg.inv(K) if p["k"] else None  # k x k, k ~ 6 per cut

    def apply(self, pc, x, y):
        p = self._pattern
        self._b.array[:] = x.array_r
        self._factor.solve(self._b, self._y)
        yl = self._y.array_r
        if p["k"]:
            w = np.zeros(p["k"])
            w[p["mine"]] = yl[p["mine_local"]]
            p["comm"].Allreduce(MPI.IN_PLACE, w, op=MPI.SUM)
            t = self._K_inv @ w
            kr = self._Z.shape[1]
            out = yl - self._Z @ t[p["offset"] : p["offset"] + kr]
        else:
            out = yl
        y.array[:] = out

    def view(self, pc, viewer=None):
        p = self._pattern
        if viewer is not None and p is not None:
            viewer.printfASCII(f"  Woodbury domain decomposition: {p['k']} coupling columns in all\n")
