"""Partition-independent states: state arrays keyed by node coordinates (checkpoints, ``--from``).

`StateLayout.gather` turns rank-local state arrays into one coordinate-sorted
array per sub-space (u1, u2, phi) on rank 0; `scatter` turns those back
into rank-local arrays on any partition, `interpolate` onto another mesh
of the same wire or film.  A wire's key is x (one coordinate, as checkpoints have
always stored it); a film's is (x, y), matched by a k-d tree.
"""

from __future__ import annotations

import numpy as np
from mpi4py import MPI

from psc_fem.errors import ResumeError

PARTS = ("u1", "u2", "phi")


class StateLayout:
    """Local dofs of u1, u2, phi and their x coordinates.

    `gather` turns rank-local state arrays into one x-sorted array per
    sub-space on rank 0; `scatter` turns those back into rank-local arrays
    (owned and ghost entries) on any partition.
    """

    def __init__(self, problem):
        self.comm = problem.comm
        self.size = problem.w.x.array.size
        self.n_owned = problem.n_owned
        self.dim = problem.msh.geometry.dim
        n = problem.nodes  # u1, u2, phi dofs of every local node and its coordinates (psc_fem.solver.dofs)
        key = n.x if self.dim == 1 else n.xyz[:, : self.dim]
        extent = np.ptp(key, axis=0).max(initial=0.0) if key.size else 0.0
        self.span = problem.config.wire.length if self.dim == 1 else self.comm.allreduce(extent, op=MPI.MAX)
        self.parts = [(n.u1.astype(np.int64), key), (n.u2.astype(np.int64), key), (n.phi.astype(np.int64), key)]
        covered = np.zeros(self.size, dtype=bool)
        for dofs, _ in self.parts:
            covered[dofs] = True
        assert covered.all(), "u1, u2, phi must cover every dof of the mixed space"

    def gather(self, arrays):
        """{part: (coordinates sorted (x first), values (len(arrays), n))} on rank 0, None elsewhere
        (collective); a wire's coordinates are x alone, a 1D array."""
        out, d = {}, self.dim
        for name, (dofs, x) in zip(PARTS, self.parts):
            own = dofs < self.n_owned
            block = np.column_stack([x[own], *[a[dofs[own]] for a in arrays]])
            blocks = self.comm.gather(block, root=0) if self.comm.size > 1 else [block]
            if self.comm.rank == 0:
                allb = np.concatenate(blocks)
                allb = allb[np.lexsort(allb[:, :d].T[::-1])]  # by x, then y (stable: a wire as before)
                keys = allb[:, 0].copy() if d == 1 else np.ascontiguousarray(allb[:, :d])
                out[name] = (keys, np.ascontiguousarray(allb[:, d:].T))
        return out if self.comm.rank == 0 else None

    def scatter(self, saved):
        """Rank-local arrays from `gather`'s output (the same dict on every rank)."""
        n = next(iter(saved.values()))[1].shape[0]
        arrays = [np.zeros(self.size) for _ in range(n)]
        for name, (dofs, x) in zip(PARTS, self.parts):
            xs, values = saved[name]
            idx = self._match(xs, x, name)
            for a, v in zip(arrays, values):
                a[dofs] = v[idx]
        return arrays

    def interpolate(self, saved):
        """Rank-local arrays from coordinate-keyed values of another mesh of the same wire or film (``--from``):
        linear in x on a wire; on a film linear on the Delaunay triangulation of the other mesh's nodes (its
        own triangles wherever they are Delaunay), the nearest node where that leaves a point outside."""
        if self.dim != 1:
            return self._interpolate_points(saved)
        n = next(iter(saved.values()))[1].shape[0]
        arrays = [np.zeros(self.size) for _ in range(n)]
        for name, (dofs, x) in zip(PARTS, self.parts):
            xs, values = saved[name]
            lo, hi = float(xs[0]), float(xs[-1])
            if max(abs(lo + 0.5 * self.span), abs(hi - 0.5 * self.span)) > 1e-9 * self.span:
                raise ResumeError(
                    f"initial state: its wire spans [{lo:g}, {hi:g}], this config's "
                    f"[{-0.5 * self.span:g}, {0.5 * self.span:g}]"
                )
            for a, v in zip(arrays, values):
                a[dofs] = np.interp(x, xs, v)
        return arrays

    def _interpolate_points(self, saved):
        from scipy.interpolate import LinearNDInterpolator, NearestNDInterpolator
        from scipy.spatial import Delaunay

        xs = np.asarray(saved["u1"][0]).reshape(-1, self.dim)  # u1, u2, phi share their nodes (sorted alike)
        x = self.parts[0][1]
        lo, hi = xs.min(axis=0), xs.max(axis=0)
        mine = [np.empty(self.dim), np.empty(self.dim)]  # this mesh's extent over all ranks
        self.comm.Allreduce(x.min(axis=0, initial=np.inf), mine[0], op=MPI.MIN)
        self.comm.Allreduce(x.max(axis=0, initial=-np.inf), mine[1], op=MPI.MAX)
        if max(np.max(np.abs(lo - mine[0])), np.max(np.abs(hi - mine[1]))) > 1e-6 * self.span:
            show = lambda a, b: " x ".join(f"[{p:g}, {q:g}]" for p, q in zip(a, b))  # noqa: E731
            raise ResumeError(f"initial state: its film spans {show(lo, hi)}, this config's {show(*mine)}")
        values = np.concatenate([saved[name][1] for name in PARTS]).T  # (nodes, 3 * states)
        linear = LinearNDInterpolator(Delaunay(xs), values)(x)
        outside = np.isnan(linear).any(axis=1)
        if outside.any():
            linear[outside] = NearestNDInterpolator(xs, values)(x[outside])
        n = saved["u1"][1].shape[0]
        arrays = [np.zeros(self.size) for _ in range(n)]
        for p, (dofs, _) in enumerate(self.parts):
            for k, a in enumerate(arrays):
                a[dofs] = linear[:, p * n + k]
        return arrays

    def _match(self, xs, x, name):
        """Index in xs of the entry equal to each x (to round-off)."""
        if self.dim > 1:
            return self._match_points(xs, x)
        if xs.size < 2 or np.any(np.diff(xs) <= 0):
            raise ResumeError(f"checkpoint: the {name} dofs do not have distinct coordinates")
        i = np.clip(np.searchsorted(xs, x), 1, xs.size - 1)
        left_closer = np.abs(x - xs[i - 1]) <= np.abs(xs[i] - x)
        j = np.where(left_closer, i - 1, i)
        if np.max(np.abs(xs[j] - x), initial=0.0) > 1e-9 * self.span:
            raise ResumeError("checkpoint: its mesh does not match the config's wire")
        return j

    def _match_points(self, xs, x):
        """Index in xs (n, d) of the point equal to each row of x (to round-off): a film's nodes."""
        from scipy.spatial import cKDTree

        xs = np.asarray(xs).reshape(-1, self.dim)
        distance, j = cKDTree(xs).query(x) if len(x) else (np.zeros(0), np.zeros(0, dtype=np.int64))
        if np.max(distance, initial=0.0) > 1e-9 * self.span:
            raise ResumeError("checkpoint: its mesh does not match the config's film")
        return j
