"""phi (and Psi) at a point of a film: interpolation in the cell that holds it, owned by one rank (collective setup)."""

import basix
import numpy as np
from dolfinx import geometry
from mpi4py import MPI

from psc_fem.errors import ConfigError


class PointProbe:
    """phi at ``point`` as a fixed combination of the phi dofs of one cell, on the lowest rank that has it.

    Set up once (locating the cell, its basis functions' values at the
    point: the vertices' barycentric weights for P1); each evaluation is a
    dot product of a cell's values (3 for P1 on a triangle, 6 for P2), so V
    costs nothing per step.  `local_phi` is the rank's share: summed over ranks
    (one rank holds the whole value) it is phi(point).
    """

    def __init__(self, problem, point, given=True):
        msh = problem.msh
        tdim = msh.topology.dim
        x = np.array([[point[0], point[1], point[2] if len(point) > 2 else 0.0]])
        tree = geometry.bb_tree(msh, tdim)
        cells = geometry.compute_colliding_cells(msh, geometry.compute_collisions_points(tree, x), x)
        n_local = msh.topology.index_map(tdim).size_local
        found = [c for c in cells.links(0) if c < n_local]
        comm = problem.comm
        owner = comm.allreduce(comm.rank if found else comm.size, op=MPI.MIN)
        if owner == comm.size:
            raise ConfigError(
                f"output.probes: the probe point ({', '.join(f'{c:g}' for c in point)}) is not in the film"
                + ("" if given else " (the default, 1 xi inside a terminal: give [output] probes inside the film)")
            )
        self.dofs = np.empty(0, dtype=np.int32)
        self.weights = np.empty(0)
        self.psi_dofs = (self.dofs, self.dofs)
        if comm.rank == owner:
            cell = found[0]
            dofs = np.asarray(problem.W.sub(1).dofmap.cell_dofs(cell), dtype=np.int32)
            self.weights = basis_at(msh, cell, x[0], problem.config.geometry.degree)
            self.dofs = dofs
            where = {int(d): i for i, d in enumerate(problem.nodes.phi)}
            nodes = [where[int(d)] for d in dofs]
            self.psi_dofs = (problem.nodes.u1[nodes], problem.nodes.u2[nodes])

    def local_phi(self, array):
        """This rank's share of phi(point) for a state-shaped array (or a link's phi slots)."""
        return float(self.weights @ array[self.dofs]) if self.dofs.size else 0.0

    def local_psi(self, array):
        """This rank's share of (Re Psi, Im Psi) at the point for a state-shaped array."""
        if not self.dofs.size:
            return 0.0, 0.0
        return float(self.weights @ array[self.psi_dofs[0]]), float(self.weights @ array[self.psi_dofs[1]])


def basis_at(msh, cell, point, degree):
    """The values at ``point`` of the Lagrange basis functions of ``cell`` (degree 1 or 2), in the order of the
    cell's dofs: the point's reference coordinates X from the affine map x = x_0 + sum_i (x_i - x_0) X_i of the
    cell's vertices (a film's cells are straight), then basix's basis at X."""
    tdim = msh.topology.dim
    corners = msh.geometry.x[msh.geometry.dofmaps[0][cell], :tdim]
    X = np.linalg.solve((corners[1:] - corners[0]).T, point[:tdim] - corners[0])
    # gll_warped: DOLFINx's Lagrange variant (basix.ufl.element); one dof per edge at P2, no permutations
    element = basix.create_element(basix.ElementFamily.P, msh.basix_cell(), degree, basix.LagrangeVariant.gll_warped)
    return element.tabulate(0, X[None, :])[0, 0, :, 0]
