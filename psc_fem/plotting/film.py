"""The figure of a film run (docs/films.md): |Psi|^2 on the film at the last frame, with its vortices and
supercurrent streamlines, and V(t) between the probes (matplotlib's object API, no pyplot)."""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.tri import Triangulation

from psc_fem.film.currents import node_supercurrent
from psc_fem.film.frames import psi_of, read_frame
from psc_fem.film.vortices import symmetric_gauge, vortex_positions


def _title(a, B):
    kind = a.get("geometry.kind", "strip")
    sizes = [a.get(f"geometry.{k}") for k in ("length", "width", "thickness")]
    dims = r" \times ".join(f"{x:g}" for x in sizes if x is not None)
    shape = (
        rf"{'box' if sizes[2] is not None else 'strip'} ${dims}\,\xi^{2 if sizes[2] is None else 3}$"
        if kind == "strip"
        else ("polygon" if kind == "polygon" else "mesh file")
    )
    return (
        rf"{shape}, ends {a.get('geometry.ends', '?')}, $B = {B:g}\,H_{{c2}}$, "
        rf"$j = {a.get('drive.current', np.nan):g}\,j_0$, $\delta = {a.get('model.delta', np.nan):.4g}$"
    )


def film_figure(sol) -> Figure:
    """|Psi|^2 at the last frame with vortices (+) and antivortices (x), and V(t): a matplotlib Figure."""
    a, s = sol.attrs, sol.series
    points, cells, t, v = read_frame(sol.rundir.fields_h5)
    psi = psi_of(v)
    B = float(a.get("field.B", 0.0))
    solid = cells.shape[1] == 4  # tetrahedra: the mid-plane z = 0 (its nodes, triangulated), no vortex count
    if solid:
        plane = np.abs(points[:, 2]) <= 1e-9 * np.ptp(points[:, 0])
        points, psi = points[plane], psi[plane]
        triangles = Triangulation(points[:, 0], points[:, 1])
        vortices = antivortices = np.empty((0, 2))
    else:
        triangles = Triangulation(points[:, 0], points[:, 1], cells)
        vortices, antivortices = vortex_positions(points, cells, psi, symmetric_gauge(B) if B else None)
    fig = Figure(figsize=(10, 7.5))
    fig.subplots_adjust(left=0.08, right=0.95, bottom=0.08, top=0.9, hspace=0.35)
    ax, bx = fig.subplots(2, 1, gridspec_kw={"height_ratios": [1.4, 1]})
    fig.suptitle(_title(a, B))
    m = ax.tripcolor(triangles, np.abs(psi) ** 2, shading="gouraud", cmap="magma")
    fig.colorbar(m, ax=ax, label=r"$|\Psi|^2$")
    if not solid:
        _streamlines(ax, triangles, node_supercurrent(points, cells, psi, symmetric_gauge(B) if B else None))
    if len(vortices):
        ax.plot(vortices[:, 0], vortices[:, 1], "c+", ms=8, label=f"vortices ({len(vortices)})")
    if len(antivortices):
        ax.plot(antivortices[:, 0], antivortices[:, 1], "gx", ms=8, label=f"antivortices ({len(antivortices)})")
    if len(vortices) or len(antivortices):
        ax.legend(loc="upper right", fontsize=8)
    ax.set_aspect("equal")
    where = " (mid-plane z = 0)" if solid else ""
    ax.set(xlabel=r"$x/\xi$", ylabel=r"$y/\xi$", title=rf"$\tau = {t:g}\,t_0${where}")
    bx.plot(s["t"], s["V"], lw=0.8)
    stats = sol.stats
    if "window" in stats:
        bx.axvspan(*stats["window"], color="0.9", label="settled window")
        bx.legend(loc="upper right", fontsize=8)
    bx.set(xlabel=r"$\tau/t_0$", ylabel=r"$V$ between the probes")
    return fig


def _streamlines(ax, triangles, js, n=160):
    """Streamlines of the supercurrent js (node values) on a regular grid over the film (masked outside it),
    their width growing with |js|."""
    from matplotlib.tri import LinearTriInterpolator

    x0, x1, y0, y1 = triangles.x.min(), triangles.x.max(), triangles.y.min(), triangles.y.max()
    ny = max(8, int(n * (y1 - y0) / max(x1 - x0, 1e-300)))
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, ny))
    u, v = (LinearTriInterpolator(triangles, js[:, k])(gx, gy) for k in (0, 1))
    speed = np.hypot(u, v)
    top = float(speed.max()) if speed.count() else 0.0
    if top <= 0.0:  # no current anywhere: nothing to draw
        return
    ax.streamplot(gx, gy, u, v, color="w", linewidth=0.3 + 1.2 * (speed / top).filled(0.0), density=1.2, arrowsize=0.7)
