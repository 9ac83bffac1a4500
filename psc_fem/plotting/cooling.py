"""The cooling figure cool.png: the paper's balance (Eqs. 14-15) and the full balance's net cooling power.

Drawn from a `psc_fem.cooling.workflow.Outcome` (the nominal curves and the
Monte Carlo bands); `psc-fem cool` calls `draw_outcome`.
"""

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from psc_fem.io.atomic import save_figure

FIGURE_NAME = "cool.png"


def draw_outcome(outcome) -> Path:
    """cool.png in the analysis' output directory; returns its path (``cool(..., draw=draw_outcome)``)."""
    path = outcome.out / FIGURE_NAME
    return plot_balance(path, outcome.nominal, outcome.bands, outcome.cfg, outcome.title)


def plot_balance(path, nom: dict, bands: dict | None, cfg, title: str) -> Path:
    """(left) Eqs. 14-15 powers vs T_cold; (right) net cooling power of the full balance; saved to ``path``.

    ``nom``: `evaluate`'s nominal numbers with their curves, ``bands``: the
    Monte Carlo bands (or None), ``cfg``: the CoolConfig.
    """
    cv = nom["curves"]
    c = cfg.cooling
    fig = Figure(figsize=(12, 4.6), layout="constrained")
    a, b = fig.subplots(1, 2)
    T = cv["T_paper"]
    a.semilogy(T, cv["leak_eq14"] + cv["lead"] + c.load, "C3", label="leak, Eq. (14) (+ leads, load)")
    a.semilogy(T, cv["pump_ideal"], "C0--", label="P_c, ideal diode p = 1")
    if nom["p"] > 0:
        a.semilogy(T, cv["pump"], "C0", label=f"P_c, p = {nom['p']:.3g} ({c.diode})")
    else:  # nothing to draw on a log axis: say so in the panel, not as a legend line
        a.text(0.03, 0.03, f"P_c = 0: p = {nom['p']:.3g} ({c.diode})", transform=a.transAxes, color="C0", fontsize=8)
    a.semilogy(T, cv["joule"], "C1:", label="Joule I V (not in Eq. 14)")
    a.set_xlabel("T_cold (K)")
    a.set_ylabel(f"power (W), N = {c.n_series}")
    a.set_title(f"paper's balance (Eqs. 14-15), T_b = {c.T_bath} K")
    a.legend(fontsize=8)
    T = cv["T_full"]
    top = max(np.max(np.abs(cv["net_full"])), np.max(np.abs(cv["net_full_ideal"])), 1e-30)
    exp3 = min(max(3 * math.floor(math.log10(top) / 3), -18), 0)
    unit, f = {0: "W", -3: "mW", -6: "uW", -9: "nW", -12: "pW", -15: "fW", -18: "aW"}[exp3], 10.0**-exp3
    b.plot(T, cv["net_full"] * f, "C2", label=f"p = {nom['p']:.3g} ({c.diode})")
    b.plot(T, cv["net_full_ideal"] * f, "C2--", label="p = 1 (ideal diode)")
    if bands and "net_full" in bands:
        b.fill_between(
            T,
            bands["net_full"][0] * f,
            bands["net_full"][2] * f,
            color="C2",
            alpha=0.25,
            label="68 % band (Monte Carlo)",
        )
    b.axhline(0, color="k", lw=0.8)
    b.axvline(c.T_bath, color="k", lw=0.8, ls=":", label="T_b")
    if math.isfinite(nom["T_cold_full_N"]):
        b.axvline(nom["T_cold_full_N"], color="C2", lw=0.8, ls=":", label="steady T_cold")
    b.set_xlabel("T_cold (K)")
    b.set_ylabel(f"net cooling power at T_cold ({unit})")
    b.set_title("full balance (Joule share, Kapitza, plates): > 0 cools")
    b.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    save_figure(fig, path, dpi=120)
    return Path(path)
