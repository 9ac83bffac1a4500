"""Films from polygons (gmsh) and mesh files (docs/films.md, "Geometry").

* A rectangle meshed by gmsh is the crossed-triangle strip: Ohm's law
  exactly in the normal state, and the steady resistive V of the py-tdgl
  comparison strip within the two meshes' discretisation error.
* A mesh written to .msh or .xdmf and read back runs as the polygon it
  came from (the same series).
* Terminals of different widths carry the same total current (the
  injection term integrates to zero).
* Bad input is refused by name, exit code 2, nothing written.
"""

import dolfinx.mesh
import numpy as np
import pytest
import ufl
from mpi4py import MPI

from psc_fem.errors import ConfigError
from psc_fem.film.config import validate_film
from psc_fem.film.problem import FilmProblem
from psc_fem.film.run import simulate_film
from psc_fem.meshes import shapes
from psc_fem.meshes.film import LEFT

MODEL = {"delta": 10 / 3, "eta": 0.1}


def config(geometry, **sections):
    data = {"geometry": geometry, "model": MODEL, "drive": {"current": 0.2}, "time": {"t_end": 20.0, "until": "t_end"}}
    data.update(sections)
    return validate_film(data)


def polygon(vertices, holes=(), **keys):
    return {"kind": "polygon", "vertices": vertices, "holes": list(holes), **keys}


def run(cfg, path, **kw):
    return simulate_film(cfg, path, MPI.COMM_SELF, False, False, **kw)


def test_a_gmsh_rectangle_in_the_normal_state_obeys_ohms_law(tmp_path):
    vertices, _ = shapes.rectangle(2.0, 0.5)
    cfg = config(
        polygon(vertices, mesh_size=0.1),
        drive={"current": 3.0},
        time={"t_end": 60.0, "until": "t_end"},
        output={"probes": [[-0.4, 0.1], [0.4, -0.1]], "fields": False},
    )
    sol = run(cfg, tmp_path / "ohm")
    assert sol.series["psi_min"][-1] < 1e-8
    assert sol.series["V"][-1] == pytest.approx(3.0 * 0.8, rel=1e-8)


def test_a_gmsh_rectangle_is_the_strip(tmp_path):
    """The 4 x 0.5 strip of the py-tdgl comparison (normal terminals, j = 0.2, interference off): steady V
    between probes 1 xi inside the ends, 0.2318612 on the crossed strip (mesh 0.1; the comoving frame has no
    time error in a steady state: variable order at rtol 1e-8 in the transport frame gives 0.2318613)."""
    common = dict(
        model={**MODEL, "interference": False},
        time={"t_end": 400.0, "until": "periodic"},
        output={"every": 5.0, "fields": False},
    )
    strip = run(config({"kind": "strip", "length": 4.0, "width": 0.5, "mesh_size": 0.1}, **common), tmp_path / "s")
    vertices, _ = shapes.rectangle(4.0, 0.5)
    poly = run(config(polygon(vertices, mesh_size=0.1), **common), tmp_path / "p")
    for sol in (strip, poly):
        assert sol.stats["state"] == "steady"
    v_strip, v_poly = strip.stats["mean_V"], poly.stats["mean_V"]
    assert abs(v_strip - 0.2318612) < 2e-6  # the documented value
    assert abs(v_poly - v_strip) < 1e-3 * v_strip  # both within ~5e-4 of the limit


@pytest.fixture(scope="module")
def step_polygon():
    """A film 6 xi long, 2 xi wide on the left and 1 xi on the right, a hole in the wide part."""
    vertices = [[-3.0, -1.0], [0.0, -1.0], [0.0, -0.5], [3.0, -0.5], [3.0, 0.5], [0.0, 0.5], [0.0, 1.0], [-3.0, 1.0]]
    hole = [[-2.0, -0.3], [-1.4, -0.3], [-1.4, 0.3], [-2.0, 0.3]]
    return vertices, [hole]


def test_terminals_of_different_widths_carry_the_same_current(step_polygon):
    from dolfinx import fem

    vertices, holes = step_polygon
    p = FilmProblem(config(polygon(vertices, holes, mesh_size=0.2)), MPI.COMM_SELF)
    assert p.terminal_widths == pytest.approx([2.0, 1.0], rel=1e-12)
    one = fem.Constant(p.msh, 1.0)
    net = fem.assemble_scalar(fem.form(p._injection(p.msh)(one)))  # int (n . J) ds over both terminals
    ds = ufl.Measure("ds", domain=p.msh, subdomain_data=p.facets)
    left = fem.assemble_scalar(fem.form(p.j * ufl.FacetNormal(p.msh)[0] * ds(LEFT)))  # -j W_left
    assert abs(net) < 1e-12 and left == pytest.approx(-0.2 * 2.0, rel=1e-12)


def write_msh(vertices, holes, mesh_size, path):
    import gmsh

    from psc_fem.meshes.polygon import _gmsh_session, _outline

    with _gmsh_session() as g:
        geo = g.model.geo
        surface = geo.addPlaneSurface(
            [_outline(geo, vertices, mesh_size)] + [_outline(geo, h, mesh_size) for h in holes]
        )
        geo.synchronize()
        g.model.mesh.generate(2)
        gmsh.write(str(path))  # no physical groups: read_mesh takes all surfaces
    return surface


def test_a_mesh_file_runs_as_the_polygon_it_holds(tmp_path, step_polygon):
    """.xdmf written by DOLFINx and .msh written by gmsh, each read back: the same series as the polygon."""
    from dolfinx import io

    vertices, holes = step_polygon
    sections = dict(field={"B": 0.4}, drive={"current": 0.3}, output={"every": 5.0, "fields": False})
    poly_cfg = config(polygon(vertices, holes, mesh_size=0.2), **sections)
    ref = run(poly_cfg, tmp_path / "poly")
    problem = FilmProblem(poly_cfg, MPI.COMM_SELF)
    with io.XDMFFile(MPI.COMM_SELF, str(tmp_path / "film.xdmf"), "w") as f:
        f.write_mesh(problem.msh)
    write_msh(vertices, holes, 0.2, tmp_path / "film.msh")
    assert np.ptp(ref.series["V"]) > 1e-3
    for name in ("film.xdmf", "film.msh"):
        sol = run(config({"kind": "mesh", "path": str(tmp_path / name)}, **sections), tmp_path / name[-4:])
        if name == "film.xdmf":  # the very mesh: the same steps and series
            assert sol.run["steps"] == ref.run["steps"]
            assert np.max(np.abs(sol.series["V"] - ref.series["V"])) < 1e-8
        else:  # gmsh's own mesh of the polygon, without the origin vertex: the same physics
            assert abs(sol.series["V"][-1] - ref.series["V"][-1]) < 0.05 * abs(ref.series["V"][-1])


def test_corner_mesh_size_refines_at_each_reentrant_corner_and_nowhere_else():
    """A constriction's four neck corners get cells of corner_mesh_size; the rest keeps mesh_size."""
    from psc_fem.meshes.film import film_mesh

    geometry = polygon(*shapes.constriction(8.0, 1.0, 0.4, 2.0), mesh_size=0.1, corner_mesh_size=0.025)
    msh, _ = film_mesh(config(geometry).geometry, MPI.COMM_SELF)
    cells = np.arange(msh.topology.index_map(2).size_local, dtype=np.int32)
    h, mid = msh.h(2, cells), dolfinx.mesh.compute_midpoints(msh, 2, cells)
    corners = np.array([[-1.0, -0.2], [1.0, -0.2], [1.0, 0.2], [-1.0, 0.2]])
    dist = np.linalg.norm(mid[:, None, :2] - corners[None], axis=2)  # (cells, corners)
    for k in range(4):
        near = dist[:, k] < 0.1
        assert near.sum() > 20 and h[near].max() < 1.2 * 0.025, (k, near.sum(), h[near].max())
    far = dist.min(axis=1) > 1.0
    assert np.median(h[far]) == pytest.approx(0.1, rel=0.05)
    del geometry["corner_mesh_size"]
    plain, _ = film_mesh(config(geometry).geometry, MPI.COMM_SELF)
    assert len(cells) > 2.5 * plain.topology.index_map(2).size_local


@pytest.mark.parametrize("corners", [{}, {"corner_mesh_size": 0.05}, {"corner_mesh_size": 0.05, "corner_radius": 0.5}])
def test_a_films_config_survives_the_sweeps_replace(corners):
    """Sweeps and `critical` change the current by dumping and re-validating the config (RunSection.replace):
    the corner keys' defaults must validate again (a dumped corner_radius without corner_mesh_size once did not)."""
    cfg = config(polygon(*shapes.constriction(8.0, 1.0, 0.4, 2.0), **corners))
    again = cfg.replace(drive={"current": 0.3})
    assert again.drive.current == 0.3 and again.geometry.refine_discs == cfg.geometry.refine_discs


@pytest.mark.parametrize(
    "geometry, sections, says",
    [
        (polygon([[0, 0], [1, 1], [2, 2]]), {}, "geometry.vertices must enclose an area"),
        (polygon([[0, 0], [1, 0], [1, 0], [0, 1]], ends="none"), {}, "geometry.vertices repeats a vertex"),
        (polygon(shapes.disc(2.0, 32)[0]), {}, 'with ends = "normal" the film needs a terminal'),
        (polygon(*shapes.rectangle(2, 1), ends="none"), {}, 'drive.current must be 0 for geometry.ends = "none"'),
        (polygon(shapes.rectangle(2, 1)[0], [[[5, 5], [6, 5], [6, 6]]]), {}, "geometry.holes[0] must lie inside"),
        ({"kind": "mesh", "path": "no/such.msh"}, {}, "geometry.path = 'no/such.msh': no such file"),
        ({"kind": "polygon", "length": 2.0}, {}, 'geometry.length does not apply to kind = "polygon"'),
        (
            {"kind": "strip", "length": 2.0, "width": 1.0, "holes": [[[0, 0], [0.1, 0], [0, 0.1]]]},
            {},
            "geometry.holes and",
        ),
        ({"kind": "strip", "length": 2.0, "width": 1.0, "corner_mesh_size": 0.05}, {}, "geometry.corner_mesh_size"),
        (polygon(*shapes.cross(6, 1), corner_mesh_size=0.1), {}, "geometry.corner_mesh_size (0.1) must be smaller"),
        (polygon(*shapes.cross(6, 1), corner_radius=0.5), {}, "geometry.corner_radius needs geometry.corner_mesh"),
        (
            polygon(*shapes.ring(3, 1), ends="none"),
            {"drive": {"current": 0.0}, "output": {"probes": [[0, 0], [2, 0]]}},
            "output.probes[0] = [0, 0] lies outside the film",
        ),
    ],
)
def test_bad_geometry_is_refused_by_name(geometry, sections, says):
    with pytest.raises(ConfigError) as err:
        config(geometry, **sections)
    assert says in str(err.value)


def test_a_bad_polygon_exits_2_and_writes_nothing(tmp_path):
    from test_cli import psc_fem

    cfg = tmp_path / "disc.toml"
    vertices = ", ".join(f"[{x:.4f}, {y:.4f}]" for x, y in shapes.disc(2.0, 16)[0])
    cfg.write_text(
        f'[geometry]\nkind = "polygon"\nvertices = [{vertices}]\n'
        "[model]\ndelta = 1.0\neta = 0.1\n[drive]\ncurrent = 0.5\n[time]\nt_end = 1.0\n"
    )
    res = psc_fem("run", cfg, "--out", tmp_path / "out")
    assert res.returncode == 2 and "needs a terminal" in res.stderr, res.stderr
    assert not (tmp_path / "out").exists()


def test_a_default_probe_in_a_hole_exits_2_and_writes_nothing(tmp_path):
    """The probes are placed on the mesh (1 xi inside each terminal): one in a hole is refused by name."""
    from test_cli import psc_fem

    cfg = tmp_path / "holey.toml"
    cfg.write_text(
        '[geometry]\nkind = "polygon"\nvertices = [[-3, -1], [3, -1], [3, 1], [-3, 1]]\n'
        "holes = [[[-2.3, -0.3], [-1.7, -0.3], [-1.7, 0.3], [-2.3, 0.3]]]\nmesh_size = 0.25\n"
        "[model]\ndelta = 1.0\neta = 0.1\n[drive]\ncurrent = 0.5\n[time]\nt_end = 1.0\n"
    )
    res = psc_fem("run", cfg, "--out", tmp_path / "out")
    assert res.returncode == 2 and "output.probes: the probe point (-2, 0) is not in the film" in res.stderr, res.stderr
    assert not (tmp_path / "out").exists()
