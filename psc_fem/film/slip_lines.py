"""Phase-slip lines of a film: where |Psi| drops to ~0 across the film's whole width at once.

A vortex crossing a film suppresses |Psi| at a moving point; a phase-slip
line (a wide film's phase-slip centre, or kinematic vortices crossing it
faster than |Psi| recovers) suppresses it across the width at one x.  The
film's x range is cut into bins about one mesh cell wide; in each, the
cross-section's largest |Psi|, s(x, tau) = max over the bin's nodes, dips
in time when a line passes there: a slip line is such a dip below
``level`` (the dip's minimum in time by psc_fem.analysis.periods.slip_times),
and the bins a line covers at once count as one line, at the bin of its
deepest dip.  Works on the frames (`psc_fem.film.frames.read_series`), so
frames must be dense enough to resolve a slip (as for the spectra).
"""

import numpy as np

from psc_fem.analysis.periods import slip_times


def cross_section_max(points, abs_psi, width=None):
    """(x of the bins' centres, s (frames, bins)): max |Psi| over the nodes of each x bin; ``width``: the
    bins' width (default: the median spacing of the nodes' distinct x, i.e. about one cell)."""
    x = points[:, 0]
    if width is None:
        steps = np.diff(np.unique(np.round(x, 9)))
        width = float(np.median(steps)) if steps.size else 1.0
    edges = np.arange(x.min() - 0.5 * width, x.max() + width, width)  # centred on a regular mesh's node columns
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    used = np.unique(which)
    s = np.stack([abs_psi[:, which == b].max(axis=1) for b in used], axis=1)
    return 0.5 * (edges[used] + edges[used + 1]), s


def slip_lines(t, points, abs_psi, level=0.2, x_range=None, width=None):
    """[(tau, x)] of the film's phase-slip lines in time order (module doc); ``x_range``: only lines there
    (e.g. between the probes, away from normal terminals, where |Psi| is 0 across the width always)."""
    xc, s = cross_section_max(points, abs_psi, width)
    dips = []
    for b, xb in enumerate(xc):
        if x_range is not None and not x_range[0] <= xb <= x_range[1]:
            continue
        for tm in slip_times(t, s[:, b], threshold=level):
            k = int(np.argmin(np.abs(t - tm)))
            dips.append((tm, xb, s[k, b], b))
    dips.sort()
    frame = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    lines, group = [], []
    for dip in dips:  # one line: dips within two frames of each other in neighbouring bins
        if group and (dip[0] - group[-1][0] > 2 * frame or min(abs(dip[3] - g[3]) for g in group) > 1):
            lines.append(min(group, key=lambda g: g[2]))
            group = []
        group.append(dip)
    if group:
        lines.append(min(group, key=lambda g: g[2]))
    return [(float(tm), float(xb)) for tm, xb, _, _ in lines]
