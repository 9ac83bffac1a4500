"""Dof bookkeeping of a wire's mixed space W = [Re Psi, Im Psi] x phi (psc_fem.solver.problem).

Which local dofs hold u1, u2 and phi at each node (x-sorted), which this
rank owns, and the dofs at a given vertex (the ends and the centre).
"""

from dataclasses import dataclass

import numpy as np
from dolfinx import fem, mesh


@dataclass
class EndDofs:
    """Local dof indices (owned by this rank) of u1, u2, phi at one vertex, or None."""

    u1: int | None
    u2: int | None
    phi: int | None


@dataclass
class NodeSet:
    """Local dof indices (owned by this rank) of u1, u2, phi at a set of nodes (a bank: one end, a terminal)."""

    u1: np.ndarray
    u2: np.ndarray
    phi: np.ndarray


def as_node_set(end):
    """The `NodeSet` of one vertex's `EndDofs` (empty where another rank owns it)."""
    pick = lambda d: np.array([] if d is None else [d], dtype=np.int32)  # noqa: E731
    return NodeSet(pick(end.u1), pick(end.u2), pick(end.phi))


@dataclass
class NodeMaps:
    """Local W dofs of u1, u2, phi at each node (owned and ghost, x-sorted), the nodes' x and which this rank owns."""

    x: np.ndarray
    u1: np.ndarray
    u2: np.ndarray
    phi: np.ndarray
    owned: np.ndarray
    xyz: np.ndarray  # all three coordinates, same order


class WireDofs:
    """The dofs of W on one rank: sub-spaces, node maps, vertices."""

    def __init__(self, msh, W):
        self.msh, self.W = msh, W
        self.n_owned = W.dofmap.index_map.size_local * W.dofmap.index_map_bs
        self._collapsed = {}
        self.nodes = self._node_maps()

    def owned(self, dofs):
        return dofs[dofs < self.n_owned]

    def collapsed(self, i, comp=None):
        """(V, dof_map) of sub-space i (component comp) of W, collapsed once: each `collapse` builds a
        new space and dofmap (~13 ms), and solver, fields, checkpoints and feedback ask for the same three."""
        key = (i, comp)
        if key not in self._collapsed:
            sub = self.W.sub(i) if comp is None else self.W.sub(i).sub(comp)
            self._collapsed[key] = sub.collapse()
        return self._collapsed[key]

    def sub_dofs(self, i, comp=None):
        return np.asarray(self.collapsed(i, comp)[1], dtype=np.int32)

    def owned_inside(self, i, comp, edge):
        """Owned dofs of sub-space (i, comp) at |x| <= edge."""
        V, dof_map = self.collapsed(i, comp)
        dofs = np.asarray(dof_map, dtype=np.int32).ravel()
        inside = np.abs(V.tabulate_dof_coordinates()[:, 0]) <= edge
        return self.owned(dofs[inside])

    def _node_maps(self):
        """W dofs of (u1, u2, phi) at each local node (owned and ghost), aligned by (x, y, z); owned mask."""
        parts = []
        for i, comp in ((0, 0), (0, 1), (1, None)):
            V, dof_map = self.collapsed(i, comp)
            dofs = np.asarray(dof_map, dtype=np.int32).ravel()
            xyz = V.tabulate_dof_coordinates()[: dofs.size]
            order = np.lexsort((xyz[:, 2], xyz[:, 1], xyz[:, 0]))  # by x first (a wire: by x alone)
            parts.append((dofs[order], xyz[order]))
        (u1, x1), (u2, x2), (ph, xp) = parts
        if not (u1.size == u2.size == ph.size and np.allclose(x1, x2) and np.allclose(x1, xp)):
            raise RuntimeError("u1, u2 and phi must share their nodes")
        return NodeMaps(x1[:, 0].copy(), u1, u2, ph, u1 < self.n_owned, x1)

    def at_vertex(self, x0):
        """EndDofs of the vertex at x = x0 (None where another rank owns it)."""
        self.msh.topology.create_connectivity(0, 1)
        vertices = mesh.locate_entities(self.msh, 0, lambda x: np.isclose(x[0], x0))
        found = []
        for sub in (self.W.sub(0).sub(0), self.W.sub(0).sub(1), self.W.sub(1)):
            dofs = self.owned(fem.locate_dofs_topological(sub, 0, vertices))
            found.append(int(dofs[0]) if dofs.size else None)
        return EndDofs(*found)
