"""Vortex detection from the phase winding around triangles (psc_fem/film/vortices.py)."""

import numpy as np
import pytest

from psc_fem.film.vortices import cell_windings, symmetric_gauge, vortex_positions


def grid(n=21, half=2.0):
    """A triangulated square [-half, half]^2 (two triangles per square, points (n*n, 2))."""
    s = np.linspace(-half, half, n)
    X, Y = np.meshgrid(s, s, indexing="ij")
    points = np.column_stack([X.ravel(), Y.ravel()])
    idx = np.arange(n * n).reshape(n, n)
    a, b, c, d = idx[:-1, :-1].ravel(), idx[1:, :-1].ravel(), idx[1:, 1:].ravel(), idx[:-1, 1:].ravel()
    cells = np.concatenate([np.column_stack([a, b, c]), np.column_stack([a, c, d])])
    return points, cells


def test_one_vortex_is_found_in_the_cell_that_holds_it():
    points, cells = grid()
    x0, y0 = 0.33, -0.71
    psi = (points[:, 0] - x0) + 1j * (points[:, 1] - y0)
    v, av = vortex_positions(points, cells, psi)
    assert len(v) == 1 and len(av) == 0
    assert np.hypot(*(v[0] - (x0, y0))) < 0.2  # within a cell (h = 0.2)
    v, av = vortex_positions(points, cells, np.conj(psi))  # the antivortex
    assert len(v) == 0 and len(av) == 1


def test_a_vortex_antivortex_pair_and_a_double_vortex():
    points, cells = grid()
    z = points[:, 0] + 1j * points[:, 1]
    pair = (z - (-1.0 + 0.1j)) * np.conj(z - (1.0 - 0.3j))
    v, av = vortex_positions(points, cells, pair)
    assert len(v) == 1 and len(av) == 1 and v[0][0] < 0 < av[0][0]
    assert cell_windings(points, cells, (z - 0.05 - 0.05j) ** 2).sum() == 2  # winding 2: charge counted


@pytest.mark.parametrize("B", [0.0, 0.8])
def test_the_gauge_invariant_winding_ignores_the_gauge(B):
    """With a field the phase of Psi carries the gauge: Psi -> Psi exp(i chi), A -> A + grad chi leaves the
    winding computed with A unchanged (chi = 0.7 x y, its gradient (0.7 y, 0.7 x))."""
    points, cells = grid()
    z = points[:, 0] + 1j * points[:, 1]
    psi = (z - 0.43 - 0.27j) * np.exp(-(np.abs(z) ** 2) / 8)
    A = symmetric_gauge(B)
    chi = 0.7 * points[:, 0] * points[:, 1]
    shifted = lambda p: A(p) + 0.7 * np.stack([p[:, 1], p[:, 0]], axis=1)  # noqa: E731
    w0 = cell_windings(points, cells, psi, A)
    w1 = cell_windings(points, cells, psi * np.exp(1j * chi), shifted)
    assert np.array_equal(w0, w1) and w0.sum() == 1


def test_the_supercurrent_of_a_phase_gradient_is_psi_squared_k_to_first_order_in_h():
    """js = Im(Psi* (grad - iA) Psi) of Psi = a(x) exp(i k x): a(x)^2 (k, 0); the P1 error halves with h."""
    from psc_fem.film.currents import cell_supercurrent

    errors = []
    for n in (21, 41, 81):
        points, cells = grid(n, 1.0)
        a = lambda p: 0.8 + 0.1 * p[:, 0] ** 2  # noqa: E731
        psi = a(points) * np.exp(1.3j * points[:, 0])
        js, area = cell_supercurrent(points, cells, psi)
        centre = points[cells].mean(axis=1)
        assert area.sum() == pytest.approx(4.0, rel=1e-12)
        assert np.max(np.abs(js[:, 1])) < 1e-12
        errors.append(np.max(np.abs(js[:, 0] - a(centre) ** 2 * 1.3)))
    assert errors[0] < 0.02 and all(1.8 < e / f < 2.5 for e, f in zip(errors, errors[1:]))  # first order


def test_the_supercurrent_is_gauge_invariant_and_circulates_around_a_vortex():
    """Psi exp(i chi) with A + grad chi: the same js to the P1 error; a vortex's js turns counter-clockwise."""
    from psc_fem.film.currents import cell_supercurrent, node_supercurrent

    points, cells = grid(81, 1.0)
    r = np.hypot(points[:, 0], points[:, 1])
    psi = np.tanh(2 * r) * np.exp(1j * np.arctan2(points[:, 1], points[:, 0]))
    A0 = symmetric_gauge(0.4)
    chi = 0.7 * points[:, 0] * points[:, 1]
    A1 = lambda p: A0(p) + 0.7 * np.stack([p[:, 1], p[:, 0]], axis=1)  # noqa: E731  A0 + grad chi
    j0, _ = cell_supercurrent(points, cells, psi, A0)
    j1, _ = cell_supercurrent(points, cells, psi * np.exp(1j * chi), A1)
    assert np.max(np.abs(j1 - j0)) < 0.02 * np.max(np.abs(j0))
    js = node_supercurrent(points, cells, psi)  # no field: the vortex's own flow
    ring = (r > 0.3) & (r < 0.9)
    curl = points[ring, 0] * js[ring, 1] - points[ring, 1] * js[ring, 0]  # (r x js)_z
    assert np.all(curl > 0)


def test_a_line_across_the_film_is_a_slip_line_and_a_crossing_vortex_is_not():
    """psc_fem.film.slip_lines: |Psi| suppressed across the width at x = 0.5 at three times gives three lines
    there; a vortex crossing the film (|Psi| = 0 at a moving point) gives none."""
    from psc_fem.film.slip_lines import slip_lines

    x, y = np.meshgrid(np.linspace(-2, 2, 81), np.linspace(-1, 1, 21))
    points = np.column_stack([x.ravel(), y.ravel()])
    t = np.arange(0.0, 20.0, 0.05)
    bump = sum(np.exp(-(((t - tc) / 0.3) ** 2)) for tc in (5.0, 12.0, 17.0))
    line = 1 - 0.99 * bump[:, None] * np.exp(-((points[:, 0] - 0.5) ** 2) / 0.05)[None, :]
    found = slip_lines(t, points, line)
    assert [round(tm, 6) for tm, _ in found] == [5.0, 12.0, 17.0] and all(abs(xl - 0.5) < 1e-9 for _, xl in found)
    yv = -1.5 + 3.0 * (t - 2.0) / 6.0  # a vortex crossing at x = -1 between tau = 2 and 8
    vortex = np.tanh(2 * np.hypot(points[None, :, 0] + 1.0, points[None, :, 1] - yv[:, None]))
    assert slip_lines(t, points, vortex) == []


def test_a_straight_vortex_line_pierces_faces_along_it_in_a_3d_body():
    """vortex_lines on a box of tetrahedra: Psi = (x - x0) + i (y - y0) winds around the line (x0, y0, z):
    pierce points within a cell of it from bottom to top, directions along +z (-z for the antivortex), the
    same with a field's A (gauge-invariant winding)."""
    import dolfinx.mesh
    from mpi4py import MPI

    from psc_fem.film.vortices import vortex_lines

    msh = dolfinx.mesh.create_box(
        MPI.COMM_SELF, [[-1, -1, -0.5], [1, 1, 0.5]], [10, 10, 5], dolfinx.mesh.CellType.tetrahedron
    )
    points, cells = (
        msh.geometry.x,
        np.asarray(msh.geometry.dofmaps(0) if callable(msh.geometry.dofmaps) else msh.geometry.dofmaps[0]),
    )
    x0, y0 = 0.13, -0.27
    psi = (points[:, 0] - x0) + 1j * (points[:, 1] - y0)
    for A in (None, symmetric_gauge(0.4)):
        at, direction = vortex_lines(points, cells, psi, A)
        assert len(at) >= 5 and np.max(np.hypot(at[:, 0] - x0, at[:, 1] - y0)) < 0.2  # within a cell (h = 0.2)
        assert at[:, 2].min() == pytest.approx(-0.5) and at[:, 2].max() == pytest.approx(0.5)
        assert np.all(direction[:, 2] > 0)
    assert np.all(vortex_lines(points, cells, np.conj(psi))[1][:, 2] < 0)
