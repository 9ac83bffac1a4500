"""3D: a wire segment of finite cross-section, `[geometry] kind = "strip"` with a thickness (docs/films.md).

The same forms and solver on tetrahedra.  Checks:
* a 1.1 x 0.1 x 0.1 xi box between banks is the Fig. 1 wire (mean V
  0.526600 vs 0.526596, period 11.93161 vs 11.9317: 8e-6 apart);
* in a field along z the solution of a thick box does not depend on z, so
  it is the 2D film's: V(t) of a 4 x 1.6 x 0.2 box and the 4 x 1.6 strip at
  B = 0.4 differ by discretisation error only (9.0e-4 at mesh 0.2, 2.5e-4
  at 0.1: second order);
* the fields file holds tetrahedra that meshio reads.
"""

import numpy as np
import pytest
from helpers.films import run_film

WIRE = {"mean_V": 0.526596, "period": 11.9317}  # the Fig. 1 wire, h = 0.05 (tests/system/test_films.py)


def test_a_narrow_box_between_banks_is_the_wire(tmp_path):
    sol = run_film(
        tmp_path,
        geometry={"thickness": 0.1},
        output={"every": 1.0, "probes": [[-0.55, 0.0, 0.0], [0.55, 0.0, 0.0]]},
    )
    st = sol.stats
    assert st["state"] == "periodic" and abs(st["josephson_ratio"] - 1) < 1e-4
    assert st["mean_V"] == pytest.approx(WIRE["mean_V"], rel=1e-4)
    assert st["period"] == pytest.approx(WIRE["period"], rel=1e-4)
    meshio = pytest.importorskip("meshio")
    with meshio.xdmf.TimeSeriesReader(str(sol.rundir.fields_xdmf)) as reader:
        points, cells = reader.read_points_cells()
        assert cells[0].type == "tetra" and points.shape[1] == 3 and np.ptp(points[:, 2]) == pytest.approx(0.1)


def box_and_film(tmp_path, mesh_size):
    """max |V_box(t) - V_film(t)| of a 0.2 xi thick box and the strip, in B = 0.4 along z."""
    common = dict(
        field={"B": 0.4},
        drive={"current": 0.5},
        time={"t_end": 15.0, "until": "t_end"},
        output={"every": 1.0, "fields": False, "probes": None},
    )
    plane = {"length": 4.0, "width": 1.6, "mesh_size": mesh_size, "ends": "normal"}
    film = run_film(tmp_path / f"f{mesh_size}", geometry=plane, **common).series
    box = run_film(tmp_path / f"b{mesh_size}", geometry={**plane, "thickness": 0.2}, **common).series
    assert np.ptp(film["V"]) > 0.1  # the field and current drive something
    grid = np.linspace(1.0, 15.0, 200)
    return np.max(np.abs(np.interp(grid, film["t"], film["V"]) - np.interp(grid, box["t"], box["V"])))


@pytest.mark.slow
def test_a_thick_box_in_a_field_along_z_is_the_film(tmp_path):
    coarse, fine = box_and_film(tmp_path, 0.2), box_and_film(tmp_path, 0.1)
    assert fine < 5e-4 and coarse / fine > 3.0


def test_a_ring_extruded_in_an_axial_field_is_the_flat_ring(tmp_path):
    """[geometry] kind = "polygon" with a thickness: gmsh extrudes the film (here a ring, outer radius 2,
    inner 0.8, 0.2 xi thick, two layers of the flat ring's triangulation) along the field B = 0.8; its
    min |Psi| and |Psi| at the gauge node follow the flat ring's to 1.7e-4 and 2.9e-5 while Psi = 1
    relaxes in the field (measured, mesh 0.2)."""
    from mpi4py import MPI

    from psc_fem.film.config import validate_film
    from psc_fem.film.run import simulate_film
    from psc_fem.meshes import shapes

    vertices, holes = shapes.ring(2.0, 0.8, 64)
    series = {}
    for name, extra in (("flat", {}), ("solid", {"thickness": 0.2})):
        geometry = {"kind": "polygon", "vertices": vertices, "holes": holes, "mesh_size": 0.2, "ends": "none", **extra}
        cfg = validate_film(
            {
                "geometry": geometry,
                "field": {"B": 0.8},
                "model": {"delta": 0.0, "eta": 0.1},
                "drive": {"current": 0.0},
                "time": {"t_end": 60.0},
                "output": {"every": 5.0, "fields": name == "solid"},
            }
        )
        sol = simulate_film(cfg, tmp_path / name, MPI.COMM_SELF, progress=False, echo=False)
        series[name] = sol.series
        assert sol.run["dofs"] == {"flat": 2319, "solid": 3 * 2319}[name]  # three layers of the same nodes
        if name == "solid":  # the same tetrahedra from a file: kind = "mesh" reads 3D meshes too
            from dolfinx import io

            from psc_fem.film.problem import FilmProblem

            with io.XDMFFile(MPI.COMM_SELF, str(tmp_path / "ring.xdmf"), "w") as f:
                f.write_mesh(FilmProblem(cfg, MPI.COMM_SELF).msh)
            again = validate_film(
                {**cfg.model_dump(), "geometry": {"kind": "mesh", "path": str(tmp_path / "ring.xdmf"), "ends": "none"}}
            )
            from_file = simulate_film(again, tmp_path / "file", MPI.COMM_SELF, progress=False, echo=False).series
            np.testing.assert_allclose(from_file["psi_min"], sol.series["psi_min"], atol=1e-10)
    flat, solid = series["flat"], series["solid"]
    assert flat["psi_min"][0] - flat["psi_min"][-1] > 0.2  # the field suppresses Psi from 1
    grid = np.linspace(1.0, 60.0, 300)
    for key, tol in (("psi_min", 5e-4), ("psi_center", 1e-4)):
        diff = np.max(np.abs(np.interp(grid, flat["t"], flat[key]) - np.interp(grid, solid["t"], solid[key])))
        assert diff < tol, key
