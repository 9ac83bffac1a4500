"""The Fig. 3 cross-section: a filament between a substrate and a top plate.

x is across the filament, y up; the filament's axis is normal to the plane.

    y = d + t_t  +-------------- top plate (|x| <= W_t/2) --------------+  <- TOP_SURFACE
    y = d        +--------+ filament (|x| <= w/2) +----------------------+  <- IF_FILAMENT_TOP
    y = 0        +--------+                       +----------------------+  <- IF_FILAMENT_SUBSTRATE
                 |               substrate (|x| <= W_s/2)                |
    y = -t_s     +-------------------------------------------------------+  <- COLD_FINGER

Beside the filament (0 < y < d, |x| > w/2) is vacuum: no cells. A tensor grid
with lines on every interface, uniform in the filament and graded
geometrically away from it (first size = the filament's cell, ratio
``growth``, at most ``max_cells`` per stretch), carries quadrilaterals; the
cells of the three solids are kept, tagged SUBSTRATE, FILAMENT, TOP. Facet
tags: COLD_FINGER, TOP_SURFACE and the two interfaces (interior facets).
Coordinates in metres; geometric tolerances are relative to the smallest cell.
"""

import math
from dataclasses import dataclass

import basix.ufl
import dolfinx.mesh
import numpy as np
from mpi4py import MPI

SUBSTRATE, FILAMENT, TOP = 1, 2, 3
COLD_FINGER, TOP_SURFACE, IF_FILAMENT_SUBSTRATE, IF_FILAMENT_TOP = 10, 11, 20, 21


@dataclass(frozen=True)
class CrossSection:
    """Dimensions (m): filament width w and thickness d, plates' widths and thicknesses."""

    width: float
    thickness: float
    top_width: float
    top_thickness: float
    substrate_width: float
    substrate_thickness: float

    def __post_init__(self):
        for k, v in self.__dict__.items():
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"cross-section {k} must be positive, got {v!r}")
        if self.top_width < self.width or self.substrate_width < self.width:
            raise ValueError("the plates must be at least as wide as the filament")

    @property
    def slab(self):
        """True when every layer has the filament's width: a 1D stack."""
        return self.top_width == self.width == self.substrate_width


def graded(a, b, h0, growth, max_cells):
    """Points from a to b: first cell ~h0 at a, sizes growing by ``growth``, at most max_cells."""
    length = abs(b - a)
    if length <= 0:
        return np.array([a])
    h0 = min(h0, length)
    if growth <= 1.0 + 1e-12:
        n = max(1, min(max_cells, math.ceil(length / h0 - 1e-9)))
        sizes = np.full(n, length / n)
    else:
        n = max(1, math.ceil(math.log1p(length * (growth - 1) / h0) / math.log(growth) - 1e-9))
        n = min(n, max_cells)
        sizes = h0 * growth ** np.arange(n)
        sizes *= length / sizes.sum()
    pts = a + math.copysign(1.0, b - a) * np.concatenate([[0.0], np.cumsum(sizes)])
    pts[-1] = b
    return pts


def grid_lines(cs, filament_cells=4, growth=1.3, max_cells=40):
    """(x lines, y lines) of the tensor grid."""
    hy = cs.thickness / filament_cells
    nw = int(min(max(2, round(cs.width / hy)), 4 * max_cells))
    nw += nw % 2
    hx = cs.width / nw
    half = 0.5 * cs.width
    right = [np.linspace(0.0, half, nw // 2 + 1)]
    stops = sorted({0.5 * cs.top_width, 0.5 * cs.substrate_width} - {half})
    start, h = half, hx
    for stop in stops:
        seg = graded(start, stop, h, growth, max_cells)
        right.append(seg[1:])
        h = seg[-1] - seg[-2] if seg.size > 1 else h
        start = stop
    xr = np.concatenate(right)
    x = np.concatenate([-xr[:0:-1], xr])
    y_sub = graded(0.0, -cs.substrate_thickness, hy, growth, max_cells)[::-1]
    y_fil = np.linspace(0.0, cs.thickness, filament_cells + 1)
    y_top = graded(cs.thickness, cs.thickness + cs.top_thickness, hy, growth, max_cells)
    y = np.concatenate([y_sub[:-1], y_fil, y_top[1:]])
    return x, y


def _region(cs, xc, yc):
    """Region tag (0 = vacuum) of points (cell centres)."""
    tag = np.zeros_like(xc, dtype=np.int32)
    tag[(yc < 0) & (np.abs(xc) < 0.5 * cs.substrate_width)] = SUBSTRATE
    tag[(yc > 0) & (yc < cs.thickness) & (np.abs(xc) < 0.5 * cs.width)] = FILAMENT
    tag[(yc > cs.thickness) & (np.abs(xc) < 0.5 * cs.top_width)] = TOP
    return tag


def cross_section_mesh(cs, filament_cells=4, growth=1.3, max_cells=40, comm=MPI.COMM_WORLD):
    """(mesh, cell tags, facet tags, h_min) of the cross-section ``cs``."""
    x, y = grid_lines(cs, filament_cells, growth, max_cells)
    h_min = min(np.diff(x).min(), np.diff(y).min())
    if comm.rank == 0:
        X, Y = np.meshgrid(x, y, indexing="xy")
        pts = np.column_stack([X.ravel(), Y.ravel()])
        nx = x.size
        i, j = np.meshgrid(np.arange(x.size - 1), np.arange(y.size - 1), indexing="xy")
        i, j = i.ravel(), j.ravel()
        keep = _region(cs, 0.5 * (x[i] + x[i + 1]), 0.5 * (y[j] + y[j + 1])) > 0
        i, j = i[keep], j[keep]
        # DOLFINx quadrilateral vertex order: (0,0), (1,0), (0,1), (1,1)
        cells = np.column_stack([j * nx + i, j * nx + i + 1, (j + 1) * nx + i, (j + 1) * nx + i + 1])
        used, inverse = np.unique(cells, return_inverse=True)
        cells = inverse.reshape(cells.shape).astype(np.int64)
        pts = pts[used]
    else:
        cells, pts = np.empty((0, 4), np.int64), np.empty((0, 2))
    element = basix.ufl.element("Lagrange", "quadrilateral", 1, shape=(2,))
    # interface integrals need both cells of a facet on a rank: ghost across facets
    partitioner = dolfinx.mesh.create_cell_partitioner(dolfinx.mesh.GhostMode.shared_facet, 2)
    msh = dolfinx.mesh.create_mesh(comm, cells, element, pts, partitioner=partitioner)
    tdim = msh.topology.dim
    tol = 1e-6 * h_min

    n_cells = msh.topology.index_map(tdim).size_local + msh.topology.index_map(tdim).num_ghosts
    all_cells = np.arange(n_cells, dtype=np.int32)
    mid = dolfinx.mesh.compute_midpoints(msh, tdim, all_cells)
    ctags = dolfinx.mesh.meshtags(msh, tdim, all_cells, _region(cs, mid[:, 0], mid[:, 1]))

    msh.topology.create_connectivity(tdim - 1, tdim)
    d, top_y = cs.thickness, cs.thickness + cs.top_thickness
    w2 = 0.5 * cs.width + tol
    markers = [
        (COLD_FINGER, lambda p: np.abs(p[1] + cs.substrate_thickness) < tol),
        (TOP_SURFACE, lambda p: np.abs(p[1] - top_y) < tol),
        (IF_FILAMENT_SUBSTRATE, lambda p: (np.abs(p[1]) < tol) & (np.abs(p[0]) < w2)),
        (IF_FILAMENT_TOP, lambda p: (np.abs(p[1] - d) < tol) & (np.abs(p[0]) < w2)),
    ]
    idx, val = [], []
    for tag, where in markers:
        f = dolfinx.mesh.locate_entities(msh, tdim - 1, where)
        idx.append(f)
        val.append(np.full(f.size, tag, dtype=np.int32))
    idx, val = np.concatenate(idx), np.concatenate(val)
    order = np.argsort(idx)
    ftags = dolfinx.mesh.meshtags(msh, tdim - 1, idx[order].astype(np.int32), val[order])
    return msh, ctags, ftags, h_min
