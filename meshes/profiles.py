"""Cross-section profiles S(x) of non-uniform wires (docs/geometry.md).

A profile is a numpy callable ``S(x)`` on x in [-L/2, L/2] (units of xi),
S > 0, normalised so that S = 1 is the cross-section whose current density
is ``[drive] current`` (the total current is I = j * 1).  The builders here
are parametric (uniform, constriction, taper, banks) or
tabulated (a CSV file of x, S, interpolated piecewise-linearly);
`wire_profile` turns the config's [wire] section into one, and
`area_function` samples it at the quadrature points of the forms.
`wire_condensation` is the other piecewise coefficient: the 1 of
(1 - |Psi|^2) in (A.1), -a in normal-metal banks.
"""

import math
from pathlib import Path

import basix.ufl
import numpy as np
from dolfinx import fem


def uniform(scale=1.0):
    """S(x) = scale."""
    return lambda x: np.full(np.shape(x), float(scale))


def constriction(position, width, depth, scale=1.0):
    """A smooth dip of S to ``depth * scale`` at ``position``, of full width ``width``.

    S(x) = scale (1 - (1 - depth) cos^2(pi (x - position)/width)) for
    |x - position| < width/2, scale elsewhere: S and S' are continuous.
    """
    x0, w, d, s = float(position), float(width), float(depth), float(scale)

    def S(x):
        x = np.asarray(x, dtype=float)
        xi = (x - x0) / w
        dip = np.where(np.abs(xi) < 0.5, np.cos(math.pi * xi) ** 2, 0.0)
        return s * (1.0 - (1.0 - d) * dip)

    return S


def taper(length, ratio, scale=1.0):
    """S linear from ``scale`` at x = -L/2 to ``ratio * scale`` at x = +L/2."""
    L, r, s = float(length), float(ratio), float(scale)
    return lambda x: s * (1.0 + (r - 1.0) * (np.asarray(x, dtype=float) + 0.5 * L) / L)


def tabulated(xs, ss, scale=1.0):
    """S from a table (x increasing), interpolated piecewise-linearly."""
    xs, ss = np.asarray(xs, dtype=float), np.asarray(ss, dtype=float) * float(scale)
    return lambda x: np.interp(np.asarray(x, dtype=float), xs, ss)


def read_table(path):
    """(x, S) columns of a CSV file: comma-separated, '#' comments, an optional header line.

    Raises ValueError (the message says what is wrong) for a file that is
    not two numeric columns with x strictly increasing and S > 0, finite.
    """
    path = Path(path)
    lines = [ln.split("#", 1)[0].strip() for ln in path.read_text().splitlines()]
    rows = [ln for ln in lines if ln]
    try:
        float(rows[0].split(",")[0])
    except (ValueError, IndexError):
        rows = rows[1:]  # a header line
    try:
        table = np.array([[float(v) for v in r.split(",")] for r in rows], dtype=float)
    except ValueError as exc:
        raise ValueError(f"{path}: not numeric ({exc})") from None
    if table.ndim != 2 or table.shape[0] < 2 or table.shape[1] != 2:
        raise ValueError(f"{path}: need at least two rows of two columns x, S")
    x, s = table[:, 0], table[:, 1]
    if not (np.all(np.isfinite(table)) and np.all(np.diff(x) > 0)):
        raise ValueError(f"{path}: x must be finite and strictly increasing")
    if not np.all(s > 0):
        raise ValueError(f"{path}: S must be > 0 everywhere (min {s.min():g})")
    return x, s


def with_banks(profile, length, bank_length, width):
    """``profile`` times ``width`` on the banks |x| > L/2 - bank_length (a step: put it on a node)."""
    edge = 0.5 * float(length) - float(bank_length)
    w = float(width)

    def S(x):
        x = np.asarray(x, dtype=float)
        return profile(x) * np.where(np.abs(x) > edge, w, 1.0)

    return S


def wire_profile(wire):
    """S(x) of a config's [wire] section, or None for the uniform wire of the paper.

    ``wire`` is a `psc_fem.config.Wire` (its ``cross_section`` and
    ``banks`` sub-tables; either may be None).
    """
    cs, banks = wire.cross_section, wire.banks
    if cs is None and banks is None:
        return None
    if cs is None or cs.shape == "uniform":
        S = uniform(1.0 if cs is None else cs.scale)
    elif cs.shape == "constriction":
        S = constriction(
            0.0 if cs.position is None else cs.position, cs.width, cs.depth, cs.scale
        )  # default: the centre
    elif cs.shape == "taper":
        S = taper(wire.length, cs.ratio, cs.scale)
    else:  # "file"
        S = tabulated(*read_table(cs.path), cs.scale)
    if banks is not None:
        S = with_banks(S, wire.length, banks.length, banks.width_value)
    return S


def condensation(length, bank_length, suppression):
    """The coefficient of (A.1)'s (c - |Psi|^2) Psi: 1 in the superconductor, -a on the normal banks.

    The banks are |x| > L/2 - bank_length (a step: put it on a node).
    """
    edge, a = 0.5 * float(length) - float(bank_length), float(suppression)

    def c(x):
        return np.where(np.abs(np.asarray(x, dtype=float)) > edge, -a, 1.0)

    return c


def wire_condensation(wire):
    """c(x) of a config's [wire] section with normal banks, else None (c = 1: the forms are unchanged)."""
    if not wire.normal_banks:
        return None
    return condensation(wire.length, wire.banks.length, wire.banks.suppression_value)


def area_function(msh, quadrature_degree, profile, name="cross_section"):
    """S (or another coefficient: ``name``) as a Function at the quadrature points of ``dx`` with that degree.

    S enters the forms only under integrals, so sampling it at their
    quadrature points adds no interpolation error: a smooth profile is
    integrated to the order of the quadrature.  A step (the banks) or a
    kink (a table) inside a cell is only resolved to O(h): put it on a node.
    """
    element = basix.ufl.quadrature_element(msh.basix_cell(), value_shape=(), degree=quadrature_degree)
    S = fem.Function(fem.functionspace(msh, element), name=name)
    S.interpolate(lambda x: profile(x[0]))
    return S
