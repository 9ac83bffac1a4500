"""Figure of a critical-current grid: critical_grid.png, J0 against wire length (or against delta).

Matplotlib's object API (no pyplot, no backend chosen), as in fig1 / fig2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from psc_fem.analysis.stationary import DEPAIRING
from psc_fem.io.atomic import save_figure


def plot_grid(rows: list[dict[str, Any]], path: str | Path) -> str | Path:
    """J0 with its bracket as error bar: against length per delta (with the GL branch maximum and the
    depairing current), or against delta per length when the grid has more deltas than lengths."""
    lengths = sorted({r["length"] for r in rows})
    deltas = sorted({r["delta"] for r in rows})
    fig = Figure(figsize=(6.5, 4.5), layout="constrained")
    ax = fig.subplots()
    if len(lengths) >= len(deltas):
        for d in deltas:
            rs = sorted((r for r in rows if r["delta"] == d), key=lambda r: r["length"])
            x = [r["length"] for r in rs]
            ax.errorbar(
                x,
                [r["J0"] for r in rs],
                yerr=[0.5 * (r["hi"] - r["lo"]) for r in rs],
                marker="o",
                capsize=3,
                label=f"TDGL, delta = {d:.3g}",
            )
        gl = sorted((r["length"], r["gl_branch_max"]) for r in rows if r["gl_branch_max"] == r["gl_branch_max"])
        if gl:
            ax.plot(*zip(*sorted(set(gl))), "k--", lw=1, zorder=5, label="GL stationary branch max")
        ax.axhline(DEPAIRING, color="0.5", ls=":", label=r"depairing $2/(3\sqrt{3})$")
        ax.set(
            xscale="log", xlabel=r"wire length $L/\xi(T)$", ylabel=r"$J_0/j_0$", title="critical current versus length"
        )
    else:
        for L in lengths:
            rs = sorted((r for r in rows if r["length"] == L), key=lambda r: r["delta"])
            ax.errorbar(
                [r["delta"] for r in rs],
                [r["J0"] for r in rs],
                yerr=[0.5 * (r["hi"] - r["lo"]) for r in rs],
                marker="o",
                capsize=3,
                label=f"L = {L:g} xi",
            )
        ax.set(xlabel=r"$\delta = 2\tau_\epsilon\Delta_0$", ylabel=r"$J_0/j_0$", title="critical current versus delta")
    ax.legend(fontsize=8)
    save_figure(fig, path, dpi=120)
    return path
