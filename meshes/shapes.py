"""Film outlines as polygons (units of xi): the vertex lists of `[geometry] kind = "polygon"`.

Each function returns ``(vertices, holes)``: the outer boundary as a list of
[x, y] (counter-clockwise) and a list of hole boundaries, ready for
`psc_fem.film.config.Geometry` or a TOML file.  Curved boundaries are
polygons with ``segments`` sides; give enough that a side is shorter than
the mesh size.  Films that carry a current have vertical ends at their
smallest and largest x (the terminals, docs/films.md).
"""

import math


def _circle(radius, segments, clockwise=False):
    step = -2 * math.pi / segments if clockwise else 2 * math.pi / segments
    return [[radius * math.cos(k * step), radius * math.sin(k * step)] for k in range(segments)]


def rectangle(length, width):
    """[-L/2, L/2] x [-W/2, W/2]: the strip as a polygon."""
    a, b = 0.5 * length, 0.5 * width
    return [[-a, -b], [a, -b], [a, b], [-a, b]], []


def disc(radius, segments=128):
    """A disc of ``radius`` centred at 0 (a closed film: use ends = "none")."""
    return _circle(radius, segments), []


def ring(outer, inner, segments=128):
    """An annulus between radii ``inner`` < ``outer`` centred at 0 (a closed film with a hole)."""
    if not 0 < inner < outer:
        raise ValueError(f"ring: need 0 < inner < outer, got inner = {inner:g}, outer = {outer:g}")
    return _circle(outer, segments), [_circle(inner, segments, clockwise=True)]


def constriction(length, width, neck_width, neck_length):
    """A strip L x W with a rectangular neck of width ``neck_width`` and length ``neck_length`` at x = 0."""
    if not 0 < neck_width < width or not 0 < neck_length < length:
        raise ValueError("constriction: need 0 < neck_width < width and 0 < neck_length < length")
    a, b, c, d = 0.5 * length, 0.5 * width, 0.5 * neck_length, 0.5 * neck_width
    lower = [[-a, -b], [-c, -b], [-c, -d], [c, -d], [c, -b], [a, -b]]
    upper = [[a, b], [c, b], [c, d], [-c, d], [-c, b], [-a, b]]
    return lower + upper, []


def cross(length, width):
    """A cross: a strip L x W along x and one along y (arms of width W), terminals at x = -+L/2."""
    a, b = 0.5 * length, 0.5 * width
    quarter = [[a, -b], [a, b], [b, b]]  # the next quarter starts at [b, a]
    outline = []
    for k in range(4):  # the quarter turned by k * 90 degrees
        c, s = round(math.cos(k * math.pi / 2)), round(math.sin(k * math.pi / 2))
        outline += [[c * x - s * y, s * x + c * y] for x, y in quarter]
    return outline, []
