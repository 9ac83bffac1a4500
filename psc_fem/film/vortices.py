"""Vortices and antivortices of a film from the phase winding of Psi around each triangle (vortex lines of a
3D body: around each face of its tetrahedra).

The winding of one cell is the sum over its three edges of the phase
difference of Psi, each wrapped to (-pi, pi], divided by 2 pi: +1 for a
vortex inside the cell, -1 for an antivortex, 0 otherwise.  It is exact
for any field whose phase changes by less than pi along each edge, and it
does not depend on the gauge of Psi for A = 0; with a field, the
gauge-invariant winding adds the line integral of A along each edge,
int A.dl, before wrapping (the phase of Psi alone winds with the gauge).
"""

import numpy as np


def cell_windings(points, cells, psi, A=None):
    """Winding number of each triangle: ``points`` (n, 2+), ``cells`` (m, 3) vertex indices, ``psi`` (n,)
    complex at the vertices, ``A``: None or a function of (n, 2) points -> (n, 2) (edge midpoints)."""
    return _windings(points[:, :2], cells, psi, A)


def _windings(points, triangles, psi, A=None):
    """Winding number of each triangle with vertices at ``points`` (n, d): the in-plane film's (d = 2) or a
    3D body's faces (d = 3, ``A`` giving (x, y) only, `symmetric_gauge`, or all three components)."""
    theta = np.angle(psi)
    total = np.zeros(len(triangles))
    for a, b in ((0, 1), (1, 2), (2, 0)):
        i, j = triangles[:, a], triangles[:, b]
        step = theta[j] - theta[i]
        if A is not None:  # gauge-invariant: the phase difference minus int A.dl (midpoint rule)
            a_mid = A(0.5 * (points[i] + points[j]))
            step = step - np.sum(a_mid * (points[j] - points[i])[:, : a_mid.shape[1]], axis=1)
        total += np.angle(np.exp(1j * step))
    return np.rint(total / (2.0 * np.pi)).astype(int)


def vortex_positions(points, cells, psi, A=None):
    """(vortices, antivortices): the centroids (k, 2) of the cells that wind by +1 and by -1."""
    winding = cell_windings(points, cells, psi, A)
    centroid = points[cells, :2].mean(axis=1)
    return centroid[winding > 0], centroid[winding < 0]


def symmetric_gauge(B):
    """A = B (-y, x)/2 of [field] B (psc_fem.film.problem), for `cell_windings`."""
    return lambda p: 0.5 * B * np.stack([-p[:, 1], p[:, 0]], axis=1)


def tetrahedron_faces(cells):
    """The distinct triangles (k, 3) of tetrahedra ``cells`` (m, 4), each once, vertices ascending."""
    faces = np.concatenate(
        [np.sort(cells[:, [a, b, c]], axis=1) for a, b, c in ((0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3))]
    )
    return np.unique(faces, axis=0)


def vortex_lines(points, cells, psi, A=None):
    """A 3D body's vortex lines as the points where they pierce the faces of its tetrahedra: (centroids (k, 3),
    directions (k, 3)): each face around which the phase winds by +-2 pi (as `cell_windings`, gauge-invariantly
    with ``A`` a function of (n, 3) points, e.g. `symmetric_gauge`), its unit normal turned along the line's circulation (right-hand
    rule).  A line through a tetrahedron pierces two of its faces; a vortex line of a 2D film's extrusion
    shows as one point per layer of faces along z."""
    faces = tetrahedron_faces(cells)
    winding = _windings(points, faces, psi, A)
    hit = winding != 0
    p = points[faces[hit]]
    normal = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    normal /= np.linalg.norm(normal, axis=1)[:, None]
    return p.mean(axis=1), normal * winding[hit][:, None]
