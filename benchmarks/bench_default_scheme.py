"""Which time.scheme should be the default: BDF2 against BDF4 and variable order at the default tolerances.

    python benchmarks/bench_default_scheme.py [--deltas 0,3.3333333333333335,10,30] [--schemes bdf2,bdf4,vbdf]
                                              [--ref-rtol 1e-7]

The 10 xi wire of bench_settle.py (j = 1.5 J0, eta = 0.1, h = 0.05),
`psc-fem run --until periodic` from Psi = 1 at each delta, once per scheme
at the default rtol = 1e-4, atol = 1e-5, and once with variable order at
--ref-rtol (atol = rtol/10) as the time-converged reference on the same
grid.  Per run: steps, wall time, tau at which it settled, mean V and
period of the settled window and their relative errors against the
reference.  Prints one JSON record (BENCH_JSON line) and a table;
docs/performance.md quotes it.
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, fmt, machine, table  # noqa: E402
from bench_settle import settle  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deltas", default="0,3.3333333333333335,10,30")
    ap.add_argument("--schemes", default="bdf2,bdf4,vbdf")
    ap.add_argument("--ref-rtol", type=float, default=1e-7)
    ap.add_argument("--cap", type=float, default=4000.0)
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for delta in (float(x) for x in args.deltas.split(",")):
            work = Path(tmp) / f"ref{delta}"
            work.mkdir()
            ref = settle(delta, 0.05, args.cap, work, scheme="vbdf", rtol=args.ref_rtol)
            rows.append({**ref, "scheme": f"vbdf rtol {args.ref_rtol:g} (reference)", "err_V": 0.0, "err_period": 0.0})
            for scheme in args.schemes.split(","):
                work = Path(tmp) / f"{scheme}{delta}"
                work.mkdir()
                r = settle(delta, 0.05, args.cap, work, scheme=scheme, rtol=1e-4)
                rows.append(
                    {
                        **r,
                        "scheme": scheme,
                        "err_V": abs(r["mean_V"] / ref["mean_V"] - 1),
                        "err_period": abs(r["period"] / ref["period"] - 1),
                    }
                )
                print(rows[-1], flush=True)
    record = {"benchmark": "default-scheme", "machine": machine(), "rows": rows}
    text = table(
        ["delta", "scheme", "state", "tau settled", "steps", "wall s", "mean V", "error", "period", "error"],
        [
            [
                fmt(r["delta"], ".4g"),
                r["scheme"],
                r["state"],
                fmt(r["tau_settled"], ".4g"),
                r["steps"],
                fmt(r["wall_s"], ".3g"),
                fmt(r["mean_V"], ".6g"),
                fmt(r["err_V"], ".1e"),
                fmt(r["period"], ".6g"),
                fmt(r["err_period"], ".1e"),
            ]  # fmt: skip
            for r in rows
        ],
    )
    emit(record, text)


if __name__ == "__main__":
    main()
