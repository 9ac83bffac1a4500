"""The supercurrent density of a film's frame, js = Im(Psi* (grad - i A) Psi) = |Psi|^2 (grad theta - A), from
its P1 node values (the figure's streamlines; docs/films.md).

On each triangle grad Psi is constant (P1); js is evaluated at the centroid with Psi there (the mean of
the three vertices) and A there, so that it is gauge-invariant: Psi exp(i chi) with A + grad chi gives the
same js up to the P1 error, O(h) (tests/unit/test_vortices.py).  Node values are the area-weighted means
of the adjacent triangles'.  A picture of the flow, not a flux to integrate.
"""

import numpy as np


def cell_supercurrent(points, cells, psi, A=None):
    """(js per triangle (m, 2), areas (m,)): ``points`` (n, 2+), ``cells`` (m, 3), ``psi`` (n,) complex,
    ``A`` None or a function of (k, 2) points -> (k, 2)."""
    p = points[cells, :2]  # (m, 3, 2)
    e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    d1, d2 = psi[cells[:, 1]] - psi[cells[:, 0]], psi[cells[:, 2]] - psi[cells[:, 0]]
    # grad Psi from Psi(p1) - Psi(p0) = grad . e1, Psi(p2) - Psi(p0) = grad . e2
    grad = np.stack([(d1 * e2[:, 1] - d2 * e1[:, 1]) / det, (d2 * e1[:, 0] - d1 * e2[:, 0]) / det], axis=1)
    centre = psi[cells].mean(axis=1)
    js = np.imag(np.conj(centre)[:, None] * grad)
    if A is not None:
        js -= np.abs(centre)[:, None] ** 2 * A(p.mean(axis=1))
    return js, 0.5 * np.abs(det)


def node_supercurrent(points, cells, psi, A=None):
    """js at the nodes (n, 2): the area-weighted mean over each node's triangles."""
    js, area = cell_supercurrent(points, cells, psi, A)
    total, weight = np.zeros((len(points), 2)), np.zeros(len(points))
    for k in range(3):
        np.add.at(total, cells[:, k], js * area[:, None])
        np.add.at(weight, cells[:, k], area)
    return total / np.maximum(weight, 1e-300)[:, None]
