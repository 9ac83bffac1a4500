"""psc_fem against the independent finite-difference solver across delta (issue 13).

    python benchmarks/bench_delta_scan.py [--deltas 3,10,30] [--h 0.05] [--fd-t-end 1500]

The 10 xi wire at j = 1.5 J0 = 0.589035, eta = 0.1.  For each delta: the FD
solver of tests/helpers/fd_reference.py (antisymmetric gauge, exact elimination,
scipy BDF at rtol = 1e-6) on the same grid, its mean V over the last five
windings of the end-phase difference at t_end, and whether those had
settled (psc_fem.analysis.periods.settle_check); psc_fem with `--until periodic`
at the default tolerances (benchmarks/bench_settle.py).  Slow: the FD run
takes ~4 min at delta = 10 and ~10 min at delta = 30 (t_end = 1500).
Prints one JSON record (BENCH_JSON line) and a table; docs/model.md quotes
the numbers.
"""

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))  # the tests' helpers package
from _common import emit, fmt, machine, table  # noqa: E402
from bench_settle import settle  # noqa: E402
from helpers.fd_reference import solve_fd  # noqa: E402

from psc_fem.analysis.periods import settle_check, winding_times  # noqa: E402


def fd_settled(delta, h, t_end, windings=5):
    t0 = time.perf_counter()
    fd = solve_fd(
        10.0, int(round(10.0 / h)), 0.589035, delta=delta, eta=0.1, t_end=t_end, rtol=1e-6, atol=1e-8, dt_out=0.02
    )
    wall = time.perf_counter() - t0
    c = winding_times(fd.t, fd.theta_plus - fd.theta_minus)
    check = settle_check(c, windings, 1e-3)
    v = 2 * math.pi * windings / (c[-1] - c[-1 - windings])
    return {"mean_V": v, "settled": bool(check and check["settled"]), "wall_s": wall}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deltas", default="3,10,30")
    ap.add_argument("--h", type=float, default=0.05)
    ap.add_argument("--fd-t-end", type=float, default=1500.0)
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for d in (float(x) for x in args.deltas.split(",")):
            fem = settle(d, args.h, 4 * args.fd_t_end, Path(tmp))
            fd = fd_settled(d, args.h, args.fd_t_end)
            rows.append({"delta": d, "fem": fem, "fd": fd, "difference": fem["mean_V"] / fd["mean_V"] - 1})
    record = {"benchmark": "delta-scan-vs-fd", "machine": machine(), "h": args.h, "rows": rows}
    text = table(
        ["delta", "FEM mean V", "FEM tau settled", "FEM wall s", "FD mean V", "FD settled", "FD wall s", "FEM/FD - 1"],
        [
            [
                fmt(r["delta"]),
                fmt(r["fem"]["mean_V"], ".6g"),
                fmt(r["fem"]["tau_settled"], ".4g"),
                fmt(r["fem"]["wall_s"], ".3g"),
                fmt(r["fd"]["mean_V"], ".6g"),
                str(r["fd"]["settled"]),
                fmt(r["fd"]["wall_s"], ".3g"),
                f"{r['difference']:+.2%}",
            ]
            for r in rows
        ],
    )
    emit(record, text)


if __name__ == "__main__":
    main()
