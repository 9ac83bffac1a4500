"""A film's frames over time: vortex tracks (film_tracks.png) and an animation of |Psi|^2 (film.gif).

Both read every frame of fields.h5 and its segments (psc_fem.film.frames)
and find vortices as film.png does (the gauge-invariant phase winding of
each triangle, psc_fem.film.vortices); 3D films have no vortex count yet.
"""

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.tri import Triangulation

from psc_fem.film.frames import frame_index, psi_of, read_frame
from psc_fem.film.vortices import symmetric_gauge, vortex_positions


def vortex_tracks(sol, stride=1):
    """[(t, vortices (k, 2), antivortices (m, 2))] at every ``stride``-th frame of a 2D film."""
    B = float(sol.attrs.get("field.B", 0.0))
    A = symmetric_gauge(B) if B else None
    out = []
    frames = frame_index(sol.rundir.fields_h5)
    for k in range(0, len(frames), max(1, int(stride))):
        points, cells, t, values = read_frame(sol.rundir.fields_h5, k, frames)
        if cells.shape[1] != 3:
            raise ValueError("vortex tracks are for 2D films (triangles); this run's mesh is 3D")
        out.append((t, *vortex_positions(points, cells, psi_of(values), A)))
    return out


def tracks_figure(sol, stride=1) -> Figure:
    """Vortex (o) and antivortex (x) positions of every frame, coloured by time, over the last |Psi|^2."""
    tracks = vortex_tracks(sol, stride)
    points, cells, t_last, values = read_frame(sol.rundir.fields_h5)
    fig = Figure(figsize=(9, 5), layout="constrained")
    ax = fig.subplots()
    ax.tripcolor(
        Triangulation(points[:, 0], points[:, 1], cells), np.abs(psi_of(values)) ** 2, cmap="Greys_r", alpha=0.5
    )
    ts = np.array([t for t, _, _ in tracks])
    norm = (ts.min(), max(ts.max(), ts.min() + 1e-12))
    for marker, which in (("o", 1), ("x", 2)):
        xy = [(p, t) for t, *pos in tracks for p in pos[which - 1]]
        if xy:
            pts, times = np.array([p for p, _ in xy]), np.array([t for _, t in xy])
            sc = ax.scatter(
                pts[:, 0], pts[:, 1], c=times, vmin=norm[0], vmax=norm[1], marker=marker, s=14, cmap="viridis"
            )
    if any(len(v) or len(a) for _, v, a in tracks):
        fig.colorbar(sc, ax=ax, label=r"$\tau/t_0$")
    n_v, n_a = len(tracks[-1][1]), len(tracks[-1][2])
    ax.set_aspect("equal")
    ax.set(
        xlabel=r"$x/\xi$",
        ylabel=r"$y/\xi$",
        title=f"vortices (o) and antivortices (x) of {len(tracks)} frames; at tau = {t_last:g}: {n_v} and {n_a}",
    )
    return fig


def animate_film(sol, path, fps=10, stride=1):
    """|Psi|^2 of every ``stride``-th frame with its vortices as a GIF (Pillow) or MP4 (ffmpeg); the path."""
    from matplotlib import animation

    index = frame_index(sol.rundir.fields_h5)
    frames = list(range(0, len(index), max(1, int(stride))))
    B = float(sol.attrs.get("field.B", 0.0))
    A = symmetric_gauge(B) if B else None
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()

    def draw(k):
        ax.clear()
        points, cells, t, values = read_frame(sol.rundir.fields_h5, k, index)
        psi = psi_of(values)
        ax.tripcolor(Triangulation(points[:, 0], points[:, 1], cells), np.abs(psi) ** 2, vmin=0, vmax=1, cmap="magma")
        vortices, antivortices = vortex_positions(points, cells, psi, A)
        if len(vortices):
            ax.plot(vortices[:, 0], vortices[:, 1], "c+", ms=8)
        if len(antivortices):
            ax.plot(antivortices[:, 0], antivortices[:, 1], "gx", ms=8)
        ax.set_aspect("equal")
        ax.set(xlabel=r"$x/\xi$", ylabel=r"$y/\xi$", title=rf"$|\Psi|^2$ at $\tau = {t:.4g}\,t_0$")
        return ()

    anim = animation.FuncAnimation(fig, draw, frames=frames, blit=False)
    path = Path(path)
    writer = animation.FFMpegWriter(fps=fps) if path.suffix == ".mp4" else animation.PillowWriter(fps=fps)
    anim.save(path, writer=writer)
    return path
