"""Film outlines (psc_fem.meshes.shapes) and the point-in-film test (psc_fem.meshes.regions)."""

import math

import pytest

from psc_fem.film.config import polygon_area
from psc_fem.meshes import shapes
from psc_fem.meshes.regions import inside, interior, reentrant_corners


@pytest.mark.parametrize(
    "outline, area",
    [
        (shapes.rectangle(4.0, 0.5), 2.0),
        (shapes.constriction(8.0, 2.0, 0.6, 1.0), 16.0 - 1.4),
        (shapes.cross(6.0, 1.0), 2 * 6.0 - 1.0),
        (shapes.disc(3.0, 4096), math.pi * 9.0),
        (shapes.ring(3.0, 1.0, 4096), math.pi * 8.0),
    ],
)
def test_each_outline_has_its_area_and_runs_counter_clockwise(outline, area):
    vertices, holes = outline
    assert polygon_area(vertices) > 0  # counter-clockwise
    assert all(polygon_area(h) < 0 for h in holes)  # holes clockwise
    total = polygon_area(vertices) + sum(polygon_area(h) for h in holes)
    assert total == pytest.approx(area, rel=1e-5)


@pytest.mark.parametrize("outline", [shapes.rectangle(4, 1), shapes.constriction(8, 2, 0.6, 1), shapes.cross(6, 1)])
def test_current_carrying_outlines_have_vertical_terminals(outline):
    xs = [x for x, _ in outline[0]]
    assert sum(x == min(xs) for x in xs) == 2 and sum(x == max(xs) for x in xs) == 2


def test_inside_knows_holes_edges_and_the_outside():
    vertices, holes = shapes.ring(3.0, 1.0, 256)
    assert inside((2.0, 0.0), vertices, holes) and inside((0.0, -2.0), vertices, holes)
    assert not inside((0.0, 0.0), vertices, holes) and not inside((3.5, 0.0), vertices, holes)
    assert inside((3.0, 0.0), vertices, holes)  # on the boundary: in the film
    assert not interior((3.0, 0.0), vertices, holes) and interior((2.0, 0.0), vertices, holes)


def test_bad_shapes_are_refused_by_name():
    with pytest.raises(ValueError, match="ring: need 0 < inner < outer"):
        shapes.ring(1.0, 2.0)
    with pytest.raises(ValueError, match="constriction: need"):
        shapes.constriction(4.0, 1.0, 1.5, 1.0)


@pytest.mark.parametrize(
    "outline, corners",
    [
        (shapes.rectangle(4, 1), []),
        (shapes.constriction(8, 1, 0.4, 2), [[-1, -0.2], [1, -0.2], [1, 0.2], [-1, 0.2]]),
        (shapes.cross(6, 1), [[0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5], [0.5, -0.5]]),
        (([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]], []), [[1, 1]]),  # an L: one corner of 270 degrees
        ((shapes.rectangle(6, 6)[0], [shapes.rectangle(2, 2)[0][::-1]]), shapes.rectangle(2, 2)[0]),  # square hole
        (shapes.ring(3.0, 1.0, 8), shapes.ring(3.0, 1.0, 8)[1][0]),  # an octagonal hole: 45 degree corners
        (shapes.ring(3.0, 1.0, 64), []),  # a polygonal circle (5.6 degrees per vertex): no corners
    ],
)
def test_reentrant_corners_are_where_the_film_turns_more_than_210_degrees(outline, corners):
    """Outer vertices turning away from the film and hole vertices turning into it, in either orientation."""
    vertices, holes = outline
    expected = sorted((round(x, 9), round(y, 9)) for x, y in corners)
    for ring, rings in ((vertices, holes), (vertices[::-1], [h[::-1] for h in holes])):
        assert sorted((round(x, 9), round(y, 9)) for x, y in reentrant_corners(ring, rings)) == expected
