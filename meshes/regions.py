"""Point-in-polygon tests for films (no mesh needed): probe points and the gauge node are checked with them."""


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
