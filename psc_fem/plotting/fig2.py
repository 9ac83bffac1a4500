"""Figures of the phonon spectra: Fig. 2(a) and 2(b) of the paper.

`plot_spectrum_file` draws Fig. 2 from a spectrum.h5 (psc_fem.phonons.spectrum
writes everything it needs); `plot_curves` draws Fig. 2(b) alone.
Matplotlib's object API (no pyplot): no global state, no display needed.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from psc_fem.io.atomic import save_figure

CURVE_LABEL = r"$N_0(\omega)\,\eta_1(\omega)\,\omega^3$  [$\Delta_0^4$]"
OMEGA_LABEL = r"$\omega$  [$\Delta_0$]"


def _title(t_over_tc, T, gamma, variant):
    return (
        rf"$T = {t_over_tc:g}\,T_c = {T:.4g}\,\Delta_0$, "
        rf"$\gamma = {gamma:.4g}\,\Delta_0$, {variant}"
    )


def draw_curves(ax, omega, curves, t_over_tc, T, gamma, variant):
    """Fig. 2(b): N0 eta1 omega^3 for several |Psi|, with 2|Psi| marked.

    The negative segment is small next to the emission peak (1e-4 of it at
    0.9 Tc, gamma = 0.3), so an inset magnifies it when there is one.
    """
    lowest = min(float(np.min(v)) for v in curves.values())
    axes = [ax]
    if lowest < 0:
        inset = ax.inset_axes([0.6, 0.5, 0.37, 0.36])
        edge = 2 * max(curves) + 0.3
        inset.set_xlim(0, edge)
        inset.set_ylim(2.5 * lowest, -2.5 * lowest)
        inset.set_title("zoom on the negative segment", fontsize=7)
        inset.tick_params(labelsize=6)
        axes.append(inset)
    for a in axes:
        for i, (psi, values) in enumerate(curves.items()):
            a.plot(omega, values, color=f"C{i}", label=rf"$|\Psi| = {psi:g}$")
            a.axvline(2 * psi, color=f"C{i}", ls=":", lw=0.8)
        a.axhline(0.0, color="k", lw=0.6)
    ax.set_xlabel(OMEGA_LABEL)
    ax.set_ylabel(CURVE_LABEL)
    ax.set_title(_title(t_over_tc, T, gamma, variant) + r"; dotted: $2|\Psi|$", fontsize=9)
    ax.legend(fontsize=8, loc="upper left")


def curves_figure(path, omega, curves, t_over_tc, T, gamma, variant):
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    draw_curves(fig.add_subplot(), omega, curves, t_over_tc, T, gamma, variant)
    save_figure(fig, path, dpi=150)


def fig2(
    path, t, omega, center, dpsi_center, window, curves_omega, curves, t_over_tc, T, gamma, variant, omega_show,
    per=r"$\xi$ of wire",
):  # fmt: skip
    """(a) center spectrum over one period with d|Psi|/dtau; (b) the Fig. 2(b) curves; ``per``: the unit of
    sample the center spectrum is given per (a film's: xi^2 of film)."""
    fig = Figure(figsize=(12, 4.6), layout="constrained")
    ax_a, ax_b = fig.subplots(1, 2)
    sel = (t >= window[0]) & (t <= window[1])
    keep = omega <= omega_show
    data = center[np.ix_(sel, keep)].T
    bound = max(float(np.max(np.abs(data))), 1e-300)
    mesh = ax_a.pcolormesh(
        t[sel], omega[keep], data, shading="gouraud", cmap="RdBu_r", norm=TwoSlopeNorm(0.0, -bound, bound)
    )
    # Eq. (12) with C = 1: dW per unit omega/Delta0 and per xi of wire, in K Delta0^6/t0 (docs/phonons.md)
    fig.colorbar(mesh, ax=ax_a, label=r"$dW(\omega, x_c, \tau)\,/\,K$  [$\Delta_0^6/t_0$ per " + per + "]")
    ax_a.set_xlabel(r"$\tau = t/t_0$")
    ax_a.set_ylabel(OMEGA_LABEL)
    ax_a.set_title(
        "(a) spectrum at the PSC center over one period\n" + _title(t_over_tc, T, gamma, variant), fontsize=9
    )
    twin = ax_a.twinx()
    twin.plot(t[sel], dpsi_center[sel], color="C3", lw=1.5)
    twin.axhline(0.0, color="C3", lw=0.5, ls="--")
    twin.set_ylabel(r"$\partial|\Psi(0,\tau)|/\partial\tau$", color="C3")
    draw_curves(ax_b, curves_omega, curves, t_over_tc, T, gamma, variant)
    ax_b.set_title("(b) " + ax_b.get_title(), fontsize=9)
    for p in path if isinstance(path, (list, tuple)) else [path]:  # e.g. fig2.png and fig2.pdf
        save_figure(fig, p, dpi=150)


def plot_spectrum_file(spectrum_h5: str | Path, paths: list[str | Path]) -> list[Path]:
    """Fig. 2 of a run from its spectrum.h5, saved to each of ``paths`` (e.g. fig2.png, fig2.pdf)."""
    with h5py.File(spectrum_h5, "r") as f:
        a = {k: (v.item() if hasattr(v, "item") and np.ndim(v) == 0 else v) for k, v in f.attrs.items()}
        curves = {float(p): c for p, c in zip(a["curves_psi"], f["curves"][()])}
        variant = a["variant"].decode() if isinstance(a["variant"], bytes) else str(a["variant"])
        fig2(
            [Path(p) for p in paths],
            f["t"][()],
            f["omega"][()],
            f["center"][()],
            f["dabs_psi_dt_center"][()],
            f["period_bounds"][-1],
            f["curves_omega"][()],
            curves,
            float(a["T"]),
            float(a["T_over_delta0"]),
            float(a["gamma"]),
            variant,
            omega_show=float(a["omega_show"]),
            per=r"$\xi^2$ of film" if "xi^2" in str(a.get("units.center", "")) else r"$\xi$ of wire",
        )
    return [Path(p) for p in paths]


def plot_curves(
    path: str | Path,
    psi_values,
    temperature: float,
    gamma: float,
    variant: str,
    omega_max: float | None = None,
    n_omega: int | None = None,
) -> Path:
    """Fig. 2(b) alone (fig2b.png next to `psc_fem.phonons.spectrum.write_curves`' fig2b.csv)."""
    from psc_fem.phonons.spectrum import curve_grid, fig2b_curves
    from psc_fem.phonons.units import temperature_in_delta0

    T = temperature_in_delta0(temperature)
    omega = curve_grid(T, omega_max, n_omega)
    curves_figure(path, omega, fig2b_curves(psi_values, T, gamma, variant, omega), temperature, T, gamma, variant)
    return Path(path)
