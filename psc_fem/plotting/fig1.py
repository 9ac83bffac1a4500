"""Figures of a run directory: the paper's Fig. 1 (matplotlib) and a pyvista rendering.

Matplotlib's object API (no pyplot, no backend chosen): works in scripts,
batch jobs and notebooks alike.
"""

import matplotlib
import numpy as np
from matplotlib.figure import Figure


def characteristic_frames(sol, n=5):
    """Frame indices spread over the last whole PSC period (or the last frames)."""
    ft = sol.frames["t"]
    slips = sol.stats["slip_times"]
    if len(slips) >= 2:
        a, b = slips[-2], slips[-1]
    else:
        a, b = ft[max(0, ft.size - 20)], ft[-1]
    targets = np.linspace(a, b, n, endpoint=False)
    return np.unique([int(np.argmin(np.abs(ft - tt))) for tt in targets])


def fig1(sol) -> Figure:
    """Fig. 1 of the paper: |Psi|^2(x,t), |Psi(0,t)|, V(t), js, jn, jint (a matplotlib Figure)."""
    f, s, a = sol.frames, sol.series, sol.attrs
    idx = characteristic_frames(sol)
    colors = matplotlib.colormaps["viridis"](np.linspace(0, 0.9, idx.size))
    # Fixed margins, not layout="constrained": its text-extent passes were 0.45 s of a 1.2 s figure
    # (fig1.png is drawn after every run).
    fig = Figure(figsize=(11, 10))
    fig.subplots_adjust(left=0.07, right=0.97, bottom=0.055, top=0.92, wspace=0.25, hspace=0.38)
    ax = fig.subplots(3, 2)
    title = (
        rf"$L = {a.get('wire.length', float('nan')):g}\,\xi$, $j = {a.get('drive.current', float('nan')):g}\,j_0$, "
        rf"$\delta = {a.get('model.delta', float('nan')):.4g}$, $\eta = {a.get('model.eta', float('nan')):g}$"
    )
    fig.suptitle(title)
    t_lo = f["t"][idx[0]] - 2 * (f["t"][idx[-1]] - f["t"][idx[0]]) if idx.size > 1 else f["t"][0]
    window = f["t"] >= max(t_lo, 0.0)
    m = ax[0, 0].pcolormesh(f["x"], f["t"][window], f["abs_psi"][window] ** 2, shading="gouraud", cmap="magma")
    fig.colorbar(m, ax=ax[0, 0], label=r"$|\Psi|^2$")
    for c, i in zip(colors, idx):
        ax[0, 0].axhline(f["t"][i], color=c, lw=1.2)
    ax[0, 0].set(xlabel=r"$x/\xi(T)$", ylabel=r"$\tau = t/t_0$", title=r"(a) $|\Psi(x,\tau)|^2$")
    tw = s["t"] >= max(t_lo, 0.0)
    ax[0, 1].plot(s["t"][tw], s["psi_center"][tw], "k-", lw=1)
    ax[1, 0].plot(s["t"][tw], s["V"][tw], "k-", lw=1)
    for c, i in zip(colors, idx):
        for k in (0, 1):
            panel = ax[0, 1] if k == 0 else ax[1, 0]
            panel.axvline(f["t"][i], color=c, lw=1, ls="--")
    ax[0, 1].set(xlabel=r"$\tau$", ylabel=r"$|\Psi(0,\tau)|$", title="(b) order parameter at the PSC core")
    ax[1, 0].set(xlabel=r"$\tau$", ylabel=r"$V$ [units of $1/(2t_0)$]", title="(c) voltage between the ends")
    for panel, key, label in (
        (ax[1, 1], "js", "(d) supercurrent"),
        (ax[2, 0], "jn", "(e) normal current"),
        (ax[2, 1], "jint", "(f) interference current"),
    ):
        for c, i in zip(colors, idx):
            panel.plot(f["x"], f[key][i], color=c, label=rf"$\tau$={f['t'][i]:.2f}")
        panel.set(xlabel=r"$x/\xi(T)$", ylabel=rf"$j_{{{key[1:]}}}/j_0$", title=label)
    ax[1, 1].legend(fontsize=7)
    return fig


def frame_figure(sol, t: float) -> Figure:
    """The fields at time t (`Solution.at`): |Psi| and phi, and the three current parts."""
    fields = sol.at(t)
    x = fields["x"]
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax_psi, ax_j = fig.subplots(1, 2)
    ax_psi.plot(x, fields["abs_psi"], "k-", label=r"$|\Psi|$")
    ax_phi = ax_psi.twinx()
    ax_phi.plot(x, fields["phi"], "C3--", label=r"$\phi$")
    ax_phi.set_ylabel(r"$\phi$ [$1/(2t_0)$]", color="C3")
    ax_psi.set(xlabel=r"$x/\xi(T)$", ylabel=r"$|\Psi|$", title=rf"$\tau = {t:.4g}\,t_0$")
    for key, style in (("js", "C0-"), ("jn", "C1-"), ("jint", "C2-")):
        ax_j.plot(x, fields[key], style, label=rf"$j_{{{key[1:]}}}$")
    ax_j.set(xlabel=r"$x/\xi(T)$", ylabel=r"$j/j_0$", title="current parts")
    ax_j.legend(fontsize=8)
    return fig


def animate(sol, path, field: str = "abs_psi", fps: int = 20, stride: int = 1):
    """|Psi(x)| (or another frame field) against tau as a GIF (Pillow) or MP4 (ffmpeg, when installed)."""
    from pathlib import Path

    from matplotlib import animation

    f = sol.frames
    frames = range(0, f["t"].size, max(1, int(stride)))
    fig = Figure(figsize=(6, 3.6), layout="constrained")
    ax = fig.subplots()
    values = f[field]
    (line,) = ax.plot(f["x"], values[0], "k-")
    ax.set(xlabel=r"$x/\xi(T)$", ylabel=field, ylim=(min(0.0, values.min()), 1.05 * values.max()))
    label = ax.set_title("")

    def draw(i):
        line.set_ydata(values[i])
        label.set_text(rf"$\tau = {f['t'][i]:.2f}\,t_0$")
        return line, label

    anim = animation.FuncAnimation(fig, draw, frames=frames, blit=False)
    path = Path(path)
    writer = animation.FFMpegWriter(fps=fps) if path.suffix == ".mp4" else animation.PillowWriter(fps=fps)
    anim.save(path, writer=writer)
    return path


def spacetime_render(sol, path):
    """|Psi(x, tau)|^2 over the (x, tau) plane as a warped surface, off-screen.

    x runs along the wire (units of xi), tau upwards (scaled to the wire's
    length so both axes show); the height and colour are |Psi|^2.
    """
    import pyvista as pv

    pv.OFF_SCREEN = True
    try:  # no "cannot connect to X server" chatter from VTK on headless machines
        from vtkmodules.vtkCommonCore import vtkObject

        vtkObject.GlobalWarningDisplayOff()
    except ImportError:
        pass

    f = sol.frames
    x, t, s = f["x"], f["t"], f["abs_psi"] ** 2
    scale = (x[-1] - x[0]) / max(t[-1] - t[0], 1e-12)
    X, T = np.meshgrid(x, t * scale)
    grid = pv.StructuredGrid(X, T, s * 0.3 * (x[-1] - x[0]))
    grid["|Psi|^2"] = s.ravel(order="F")  # StructuredGrid orders points column-major
    plotter = pv.Plotter(off_screen=True, window_size=(1000, 800))
    plotter.add_mesh(grid, scalars="|Psi|^2", cmap="magma", scalar_bar_args={"title": "abs(Psi)^2"})
    plotter.add_text(f"abs(Psi(x, tau))^2, tau from {t[0]:.3g} to {t[-1]:.3g} t0 (upwards)", font_size=10)
    plotter.show_grid(xtitle="x / xi", ytitle="tau (scaled to L)", ztitle="abs(Psi)^2 (scaled)", font_size=9)
    plotter.view_isometric()
    plotter.screenshot(str(path))
    plotter.close()
    return path
