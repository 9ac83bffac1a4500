"""How the phonon escape time tau_es changes a PSC: I-V point, period, p and the escaped spectrum.

    .venv/bin/python examples/feedback_tau_es.py [OUT]      # default runs/feedback; ~2 min

Runs examples/feedback_tau_es.toml for several tau_es (0 = the paper's free
escape) and the aluminium estimate of the couplings, prints the table of
docs/feedback.md and writes OUT/feedback_tau_es.png (the escaped energy per
unit omega and per period, its positive and negative parts).  With CI set:
two short runs.
"""

import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import psc_fem

CONFIG = Path(__file__).with_name("feedback_tau_es.toml")
CI = bool(os.environ.get("CI"))
TAUS = (0.0, 1.0) if CI else (0.0, 0.1, 0.3, 1.0, 3.0, 10.0)
T_END = 40.0 if CI else 150.0
ALUMINIUM = ["phonons.tau_es=0.36", "phonons.phonon_electron_rate=1.4e-3", "phonons.pair_breaking=5e-6"]


def period_window(result):
    """Step slice over the whole periods after the first one, and the number of periods."""
    slips = np.asarray(result.stats["slip_times"])
    t = result.series["t"]
    i0, i1 = np.searchsorted(t, slips[1]), np.searchsorted(t, slips[-1])
    return slice(i0 + 1, i1 + 1), len(slips) - 2


def summarise(label, result):
    s = result.series
    window, n = period_window(result)
    spec = s["phonon_escape_spectrum"][window]  # energy per unit omega escaped in each step (wire-integrated)
    plus, minus = np.maximum(spec, 0).sum(axis=0) / n, np.minimum(spec, 0).sum(axis=0) / n
    st = result.stats
    return {
        "label": label,
        "mean_V": st["mean_V"],
        "period": st["period"],
        "ratio": st["josephson_ratio"],
        "p_min": float(np.min(s["p_min"][window])),
        "p_max": float(np.max(s["p_max"][window])),
        "plus": plus,
        "minus": minus,
    }


def main(out):
    out = Path(out)
    rows = []
    for tau in TAUS:
        cfg = psc_fem.load_config(CONFIG, [f"phonons.tau_es={tau}", f"time.t_end={T_END}"])
        rows.append(summarise(f"{tau:g}", psc_fem.simulate(cfg, out / f"tau_es={tau:g}", progress=False, echo=False)))
    if not CI:
        cfg = psc_fem.load_config(CONFIG, [*ALUMINIUM, f"time.t_end={T_END}"])
        rows.append(summarise("0.36 (Al)", psc_fem.simulate(cfg, out / "aluminium", progress=False, echo=False)))
    import h5py

    with h5py.File(out / f"tau_es={TAUS[0]:g}" / "series.h5") as f:
        omega = f["phonon_omega"][:]
    dw = omega[1] - omega[0]
    print(
        "| tau_es (t0) | mean V | period (t0) | period mean(V)/(2 pi) | p min, max | E+ per period | E- per period | omega of the E+ peak (Delta0) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['label']} | {r['mean_V']:.5f} | {r['period']:.4f} | {r['ratio']:.5f} | {r['p_min']:.3g}, {r['p_max']:.3g} "
            f"| {r['plus'].sum() * dw:.4g} | {r['minus'].sum() * dw:.4g} | {omega[np.argmax(r['plus'])]:.3f} |"
        )
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for r in rows:
        (line,) = ax.plot(omega, r["plus"], label=f"tau_es = {r['label']}")
        ax.plot(omega, r["minus"], color=line.get_color(), ls="--")
    ax.set_xlabel("omega / Delta0")
    ax.set_ylabel("escaped energy per d omega, per period")
    ax.set_title("positive part (solid), negative part (dashed)", fontsize=9)
    ax.axhline(0, color="k", lw=0.5)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "feedback_tau_es.png", dpi=120)
    return rows


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/feedback")
