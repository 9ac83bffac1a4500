"""Figures of I-V sweeps: iv.png (mean V and PSC count per current, by state) and overlaid hysteresis loops.

Matplotlib's object API (no pyplot, no backend chosen), as in fig1 / fig2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from psc_fem.io.atomic import save_figure

STATE_STYLE = {
    "superconducting": ("tab:blue", "o"),
    "one PSC": ("tab:red", "s"),
    "several PSCs": ("tab:purple", "D"),
    "normal domain": ("tab:gray", "^"),
    "not periodic": ("tab:orange", "x"),
    "failed": ("black", "x"),
}


def iv_title(config: dict[str, Any], mode: str) -> str:
    """Title of iv.png from a config dump (run.json / sweep.json layout)."""
    if "geometry" in config:  # a film
        g = config["geometry"]
        size = rf"${g['length']:g} \times {g['width']:g}\,\xi^2$ strip, $B = {config['field']['B']:g}$"
    else:
        size = rf"$L = {config['wire']['length']:g}\,\xi$"
    return rf"{size}, $\delta = {config['model']['delta']:.4g}$, {mode}"


def plot_iv(rows: list[dict[str, Any]], path: str | Path, title: str = "") -> str | Path:
    """iv.png: mean V (top) and PSC count (bottom) against j, up branch filled, down branch open."""
    fig = Figure(figsize=(7, 7), layout="constrained")
    ax, bx = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    for branch, ls, fill in (("up", "-", True), ("down", "--", False)):
        rs = [r for r in rows if r["branch"] == branch]
        if not rs:
            continue
        # the line joins settled points only: a "not periodic" or failed point has no mean V to join
        joined = [r for r in rs if r["state"] not in ("not periodic", "failed")]
        js = [r["current"] for r in joined]
        ax.plot(js, [r["V_mean"] for r in joined], ls, color="0.5", lw=1, zorder=1, label=f"{branch} branch")
        bx.plot(js, [r["n_psc"] for r in joined], ls, color="0.5", lw=1)
        for r in rs:
            color, marker = STATE_STYLE.get(r["state"], ("k", "."))
            if marker in ("x", "+", "."):  # unfilled markers take a plain color
                style = {"color": color}
            else:
                style = {"facecolors": color if fill else "none", "edgecolors": color}
            ax.scatter([r["current"]], [r["V_mean"]], marker=marker, zorder=2, s=30, **style)
            bx.scatter([r["current"]], [r["n_psc"]], marker=marker, zorder=2, s=30, **style)
    for state, (color, marker) in STATE_STYLE.items():
        if any(r["state"] == state for r in rows):
            ax.scatter([], [], marker=marker, color=color, label=state)
    ax.set(ylabel=r"mean $V$ [units of $1/(2t_0)$]", title=title or "I-V curve")
    ax.legend(fontsize=8)
    bx.set(xlabel=r"$j/j_0$", ylabel="PSC count")
    bx.yaxis.set_major_locator(MaxNLocator(integer=True))  # a count: no ticks at 0.25
    save_figure(fig, path, dpi=120)
    return path


def plot_loops(tables: list[tuple[str, str | Path]], path: str | Path, title: str = "") -> str | Path:
    """Overlay the up/down branches of several iv.csv files: ``tables`` = [(label, path)]."""
    from psc_fem.studies.tables import read_csv

    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.subplots()
    for k, (label, csv_path) in enumerate(tables):
        rows = read_csv(csv_path)
        color = f"C{k}"
        for branch, ls, marker in (("up", "-", "o"), ("down", "--", "v")):
            rs = [r for r in rows if r["branch"] == branch]
            if not rs:
                continue
            ax.plot(
                [r["current"] for r in rs],
                [r["V_mean"] for r in rs],
                ls,
                marker=marker,
                ms=3,
                color=color,
                label=f"{label} ({branch})",
            )
    ax.set(xlabel=r"$j/j_0$", ylabel=r"mean $V$ [units of $1/(2t_0)$]", title=title)
    ax.legend(fontsize=7, ncol=2)
    save_figure(fig, path, dpi=120)
    return path
