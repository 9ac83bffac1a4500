"""Quadratic elements on a film (geometry.degree = 2, docs/films.md): what differs from P1.

The probes read phi as the cell's basis functions at the point (six dofs
of a triangle, ten of a tetrahedron), so a quadratic phi is read exactly;
the frames hold the state's values at the mesh's vertices (a subset of
the P2 nodes), so fields.xdmf opens as P1's.  Convergence against the
exact voltage: tests/system/test_films_fd.py; two ranks = one:
tests/mpi/test_films_mpi.py.
"""

import numpy as np
import pytest
from helpers.films import film_config
from mpi4py import MPI

from psc_fem.film.frames import frame_index, read_frame
from psc_fem.film.problem import FilmProblem
from psc_fem.film.run import simulate_film


@pytest.mark.parametrize("thickness", [None, 0.4])  # a triangle's six dofs, a tetrahedron's ten
def test_a_probe_reads_a_quadratic_phi_exactly(thickness):
    geometry = {"length": 2.0, "width": 1.0, "mesh_size": 0.25, "degree": 2, "ends": "normal"}
    if thickness:
        geometry["thickness"] = thickness
    point = [0.37, -0.21, 0.05][: 2 if thickness is None else 3]
    cfg = film_config(geometry=geometry, output={"probes": [point, [-0.6, 0.3, 0.0][: len(point)]]})
    problem = FilmProblem(cfg)
    unknowns = problem.W.dofmap.index_map.size_global * problem.W.dofmap.index_map_bs
    assert cfg.unknowns == unknowns  # the count before meshing (a batch's planning), a strip's exact
    n = problem.nodes
    x, y, z = n.xyz.T
    quadratic = lambda x, y, z: 0.3 + x - 2 * y + x * x - 1.5 * x * y + 0.7 * y * y + z * (x - y)  # noqa: E731
    array = np.zeros_like(problem.w.x.array)
    array[n.phi] = quadratic(x, y, z)
    probe = problem.probes[0]
    assert probe.dofs.size == (6 if thickness is None else 10)
    assert probe.local_phi(array) == pytest.approx(quadratic(*point, *(0.0,) * (3 - len(point))), abs=1e-13)
    # and P1 reads it with an error of the mesh's size: the test can tell
    p1 = FilmProblem(film_config(geometry={**geometry, "degree": 1}, output={"probes": [point, point]}))
    a1 = np.zeros_like(p1.w.x.array)
    a1[p1.nodes.phi] = quadratic(*p1.nodes.xyz.T)
    assert abs(p1.probes[0].local_phi(a1) - quadratic(*point, *(0.0,) * (3 - len(point)))) > 1e-4


def test_the_frames_hold_the_p2_state_at_the_vertices(tmp_path):
    """Frame 0 is the initial Psi: at every vertex of fields.xdmf the given function's value, to round-off."""
    psi0 = lambda xyz: (1.0 + 0.2 * xyz[:, 0]) * np.exp(0.5j * xyz[:, 1] + 0.3j * xyz[:, 0] ** 2)  # noqa: E731
    cfg = film_config(
        geometry={"length": 2.0, "width": 1.0, "mesh_size": 0.25, "degree": 2, "ends": "none"},
        drive={"current": 0.0},
        time={"t_end": 0.2, "until": "t_end"},
        output={"every": 0.1, "probes": None},
    )
    simulate_film(cfg, tmp_path / "run", MPI.COMM_SELF, False, False, initial_psi=psi0)
    frames = frame_index(tmp_path / "run" / "fields.h5")
    points, cells, t, values = read_frame(tmp_path / "run" / "fields.h5", 0, frames)
    assert t == 0.0 and len(frames) == 3 and cells.shape[1] == 3
    expected = psi0(np.column_stack([points[:, :2], np.zeros(len(points))]))
    np.testing.assert_allclose(values["re_psi"], expected.real, atol=1e-13)
    np.testing.assert_allclose(values["im_psi"], expected.imag, atol=1e-13)
    np.testing.assert_allclose(values["abs_psi"], np.abs(expected), atol=1e-13)
