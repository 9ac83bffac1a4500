"""Convergence figure of docs/verification.md, from real runs.

    python benchmarks/verification_figures.py [--out docs/img/convergence.png]

The same studies as tests/system/test_convergence.py (which asserts the orders):
mean V over whole periods under mesh refinement (P1, P2; gapless Fig. 1
wire, t_end = 40, rtol 1e-6) and V(tau = 8) at fixed steps (BDF1, BDF2;
delta = 10/3).  Prints a JSON record (BENCH_JSON line) with the errors and
fitted orders, and writes the figure.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the tests' helpers package


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "img" / "convergence.png"))
    args = ap.parse_args(argv)
    from helpers.configs import run  # the tests' Fig. 1 wire and quiet simulate()

    record = {"benchmark": "verification-figures", "mesh": {}, "time": {}}
    with tempfile.TemporaryDirectory(prefix="psc_verif_") as tmp:
        tmp = Path(tmp)
        common = {"model": {"delta": 0.0}, "time": {"t_end": 40.0, "rtol": 1e-6, "atol": 1e-7}}
        for degree, cells in ((1, [8, 16, 32, 64]), (2, [4, 8, 16])):  # P2 finer hits the time error (rtol 1e-6)
            mean_v = lambda n: run(
                tmp / f"p{degree}_{n}", wire={"h": None, "elements": n, "degree": degree}, **common
            ).stats["mean_V"]  # noqa: E731
            vs = [mean_v(n) for n in cells]
            ref = mean_v(4 * cells[-1])
            err = np.abs(np.array(vs) - ref)
            h = 1.1 / np.array(cells)
            record["mesh"][f"P{degree}"] = {
                "h": h.tolist(),
                "error": err.tolist(),
                "order": float(np.polyfit(np.log(h), np.log(err), 1)[0]),
            }
        dts = [0.08, 0.04, 0.02, 0.01]
        for scheme in ("bdf1", "bdf2"):
            v_end = lambda dt: run(
                tmp / f"{scheme}{dt}",
                model={"delta": 10 / 3},
                time={"t_end": 8.0, "dt_initial": dt, "adaptive": False, "scheme": scheme, "dt_min": 1e-9},
            ).V[-1]  # noqa: E731
            vs = [v_end(dt) for dt in dts]
            ref = v_end(dts[-1] / 8)
            err = np.abs(np.array(vs) - ref)
            record["time"][scheme] = {
                "dt": dts,
                "error": err.tolist(),
                "order": float(np.polyfit(np.log(dts), np.log(err), 1)[0]),
            }

    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for name, r in record["mesh"].items():
        ax.loglog(r["h"], r["error"], "o-", label=f"{name}: order {r['order']:.2f}")
    ax.set(xlabel=r"$h/\xi$", ylabel="|mean V - reference|", title="space: mean V, gapless Fig. 1 wire")
    for name, r in record["time"].items():
        bx.loglog(r["dt"], r["error"], "s-", label=f"{name.upper()}: order {r['order']:.2f}")
    bx.set(
        xlabel=r"fixed step $\Delta\tau$",
        ylabel=r"|V($\tau$=8) - reference|",
        title=r"time: V($\tau$=8), $\delta$ = 10/3",
    )
    for a in (ax, bx):
        a.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        a.legend()
        a.grid(True, which="both", alpha=0.3)
    fig.savefig(args.out, dpi=110)
    print("BENCH_JSON " + json.dumps(record))
    print(f"figure: {args.out}")
    for kind in ("mesh", "time"):
        for name, r in record[kind].items():
            print(f"{kind:5s} {name:5s} order {r['order']:.2f}  errors " + " ".join(f"{e:.2e}" for e in r["error"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
