"""Partition-independent states: a wire's state arrays keyed by x (checkpoints, ``--from``).

`StateLayout.gather` turns rank-local state arrays into one x-sorted array
per sub-space (u1, u2, phi) on rank 0; `scatter` turns those back into
rank-local arrays on any partition, `interpolate` onto another mesh of
the same wire.
"""

from __future__ import annotations

import numpy as np

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
        self.span = problem.config.wire.length
        n = problem.nodes  # u1, u2, phi dofs of every local node and its x (psc_fem.solver.dofs)
        self.parts = [(n.u1.astype(np.int64), n.x), (n.u2.astype(np.int64), n.x), (n.phi.astype(np.int64), n.x)]
        covered = np.zeros(self.size, dtype=bool)
        for dofs, _ in self.parts:
            covered[dofs] = True
        assert covered.all(), "u1, u2, phi must cover every dof of the mixed space"

    def gather(self, arrays):
        """{part: (x sorted, values (len(arrays), n))} on rank 0, None elsewhere (collective)."""
        out = {}
        for name, (dofs, x) in zip(PARTS, self.parts):
            own = dofs < self.n_owned
            block = np.column_stack([x[own], *[a[dofs[own]] for a in arrays]])
            blocks = self.comm.gather(block, root=0) if self.comm.size > 1 else [block]
            if self.comm.rank == 0:
                allb = np.concatenate(blocks)
                allb = allb[np.argsort(allb[:, 0], kind="stable")]
                out[name] = (allb[:, 0].copy(), np.ascontiguousarray(allb[:, 1:].T))
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
        """Rank-local arrays from x-keyed values of another mesh of the same wire (linear in x; ``--from``)."""
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

    def _match(self, xs, x, name):
        """Index in xs of the entry equal to each x (to round-off)."""
        if xs.size < 2 or np.any(np.diff(xs) <= 0):
            raise ResumeError(f"checkpoint: the {name} dofs do not have distinct coordinates")
        i = np.clip(np.searchsorted(xs, x), 1, xs.size - 1)
        left_closer = np.abs(x - xs[i - 1]) <= np.abs(xs[i] - x)
        j = np.where(left_closer, i - 1, i)
        if np.max(np.abs(xs[j] - x), initial=0.0) > 1e-9 * self.span:
            raise ResumeError("checkpoint: its mesh does not match the config's wire")
        return j
