"""Point-in-polygon tests and re-entrant corners of films (no mesh needed): probes, gauge node, refinement."""

import math


def _crossings(point, polygon):
    """True when a ray from ``point`` along +x crosses the closed ``polygon`` an odd number of times."""
    x, y = point
    odd = False
    for k in range(len(polygon)):
        (x1, y1), (x2, y2) = polygon[k], polygon[k - 1]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            odd = not odd
    return odd


def _distance_to_edges(point, polygon):
    x, y = point
    best = float("inf")
    for k in range(len(polygon)):
        (x1, y1), (x2, y2) = polygon[k - 1], polygon[k]
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy or 1.0)))
        best = min(best, ((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5)
    return best


def inside(point, vertices, holes=(), margin=1e-12):
    """``point`` in the film (in ``vertices``, in no hole), or within ``margin`` of its boundary."""
    boundaries = [vertices, *holes]
    if margin > 0 and min(_distance_to_edges(point, b) for b in boundaries) <= margin:
        return True
    return _crossings(point, vertices) and not any(_crossings(point, h) for h in holes)


def interior(point, vertices, holes=(), clearance=1e-9):
    """``point`` in the film and farther than ``clearance`` from every boundary."""
    boundaries = [vertices, *holes]
    return (
        inside(point, vertices, holes, margin=0) and min(_distance_to_edges(point, b) for b in boundaries) > clearance
    )


def _signed_area(ring):
    return 0.5 * sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]))


def reentrant_corners(vertices, holes=(), min_turn=30.0):
    """The film's re-entrant corners: vertices where its interior angle exceeds 180 + ``min_turn`` degrees.

    There the current bends around the corner and its density diverges (as
    r^(-1/3) at a right-angled one), which a mesh must resolve.  Outer
    vertices turning away from the film and hole vertices turning towards
    it, in either orientation; the shallow vertices of a polygonal circle
    (a ring's hole: 360/segments degrees) are not corners.
    """
    corners = []
    for ring, outer in ((vertices, True), *((h, False) for h in holes)):
        sense = 1.0 if (_signed_area(ring) > 0) == outer else -1.0  # +1: the film lies to the left of the path
        for k in range(len(ring)):
            (x0, y0), (x1, y1), (x2, y2) = ring[k - 1], ring[k], ring[(k + 1) % len(ring)]
            a, b = math.atan2(y1 - y0, x1 - x0), math.atan2(y2 - y1, x2 - x1)
            turn = math.degrees(math.remainder(b - a, 2 * math.pi))  # > 0: a left turn
            if -sense * turn > min_turn:  # turning away from the film's side: its angle is 180 + |turn|
                corners.append([float(x1), float(y1)])
    return corners
