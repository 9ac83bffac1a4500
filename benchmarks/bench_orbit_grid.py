"""psc_fem's orbit against the independent FD solver's orbit under grid refinement (issue 13).

    python benchmarks/bench_orbit_grid.py [--delta 100] [--hs 0.05,0.025,0.0125] [--fd-cells 200,400,800]

The 10 xi wire at j = 1.5 J0 = 0.589035, eta = 0.1.  On each grid the
settled state is found directly, as a fixed point of the map of one
winding: psc_fem with `--until orbit` (benchmarks/bench_settle.py, each
grid started from the previous grid's orbit with `--from`), and the FD
solver of tests/helpers/fd_reference.py with its own search (`fd_orbit`:
antisymmetric gauge, exact elimination, scipy BDF at rtol = 1e-6, its
search stopped at |P(x) - x| <= 3e-6, the map's noise floor at that
tolerance; each grid started from the previous orbit, interpolated).
Then each code's observed order and Richardson limit from its three
finest grids.  Slow at delta = 100: the FD's h = 0.0125 orbit takes
~8 min (1600 unknowns, dense Jacobian), its first grid ~4 min.
Prints one JSON record (BENCH_JSON line) and a table; docs/model.md quotes it.
"""

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))  # the tests' helpers package
from _common import emit, fmt, machine, table  # noqa: E402
from bench_settle import settle  # noqa: E402
from helpers.fd_reference import fd_orbit  # noqa: E402

LENGTH, CURRENT = 10.0, 0.589035


def richardson(hs, values):
    """Observed order and extrapolated limit from the last three (h, value) pairs, h halving or not."""
    if len(values) < 3:
        return None, None
    (h1, h2, h3), (v1, v2, v3) = hs[-3:], values[-3:]

    def mismatch(p):  # (v1 - v2)/(v2 - v3) against the same ratio of h^p
        return (h1**p - h2**p) / (h2**p - h3**p) - (v1 - v2) / (v2 - v3)

    lo, hi = 0.1, 6.0
    if mismatch(lo) * mismatch(hi) > 0:
        return None, None
    for _ in range(100):  # bisection: the ratio grows monotonically with p
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if mismatch(lo) * mismatch(mid) > 0 else (lo, mid)
    p = 0.5 * (lo + hi)
    c = (v2 - v3) / (h2**p - h3**p)
    return p, v3 - c * h3**p


def fem_ladder(delta, hs, work):
    rows, start = [], None
    for h in hs:
        (work / f"h{h}").mkdir()
        r = settle(delta, h, 1e5, work / f"h{h}", until="orbit", start=start)
        rows.append({"h": h, "mean_V": r["mean_V"], "period": r["period"], "windings": r["search_windings"],
                     "wall_s": r["wall_s"]})  # fmt: skip
        start = r["run_dir"]
    return rows


def fd_ladder(delta, cells, tol):
    rows, psi0, x0 = [], None, None
    for n in cells:
        x = np.linspace(-LENGTH / 2, LENGTH / 2, n + 1)
        start = None if psi0 is None else np.interp(x, x0, psi0.real) + 1j * np.interp(x, x0, psi0.imag)
        t0 = time.perf_counter()
        o = fd_orbit(LENGTH, n, CURRENT, delta=delta, rtol=1e-6, atol=1e-8, tol=tol, psi0=start)
        rows.append({"h": LENGTH / n, "mean_V": o.mean_V, "period": o.period, "windings": o.windings,
                     "residual": o.residual, "wall_s": time.perf_counter() - t0})  # fmt: skip
        psi0, x0 = o.psi, o.x
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--delta", type=float, default=100.0)
    ap.add_argument("--hs", default="0.05,0.025,0.0125", help="psc_fem mesh sizes, coarse to fine")
    ap.add_argument("--fd-cells", default="200,400,800", help="FD cell counts, coarse to fine")
    ap.add_argument("--fd-tol", type=float, default=3e-6)
    args = ap.parse_args(argv)
    hs = [float(h) for h in args.hs.split(",")]
    cells = [int(n) for n in args.fd_cells.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        fem = fem_ladder(args.delta, hs, Path(tmp))
    fd = fd_ladder(args.delta, cells, args.fd_tol)
    limits = {}
    for name, rows in (("fem", fem), ("fd", fd)):
        p, v = richardson([r["h"] for r in rows], [r["mean_V"] for r in rows])
        limits[name] = {"order": p, "mean_V": v}
    record = {"benchmark": "orbit-grid-vs-fd", "machine": machine(), "delta": args.delta, "fem": fem, "fd": fd,
              "limits": limits}  # fmt: skip
    lines = [
        [
            code,
            fmt(r["h"], ".4g"),
            fmt(r["mean_V"], ".6g"),
            fmt(r["period"], ".6g"),
            fmt(r["windings"]),
            fmt(r["wall_s"], ".3g"),
        ]  # fmt: skip
        for code, rows in (("psc_fem", fem), ("FD", fd))
        for r in rows
    ]
    for code, key in (("psc_fem", "fem"), ("FD", "fd")):
        lim = limits[key]
        lines.append([f"{code} limit", f"order {fmt(lim['order'], '.3g')}", fmt(lim["mean_V"], ".6g"), "-", "-", "-"])
    same = [(a, b) for a in fem for b in fd if math.isclose(a["h"], b["h"])]
    text = table(["code", "h", "mean V", "period", "search windings", "wall s"], lines)
    for a, b in same:
        text += f"\nh = {a['h']:g}: psc_fem / FD - 1 = {a['mean_V'] / b['mean_V'] - 1:+.4%}"
    if limits["fem"]["mean_V"] and limits["fd"]["mean_V"]:
        text += f"\nlimits: psc_fem / FD - 1 = {limits['fem']['mean_V'] / limits['fd']['mean_V'] - 1:+.4%}"
    emit(record, text)


if __name__ == "__main__":
    main()
