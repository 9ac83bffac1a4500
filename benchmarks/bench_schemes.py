"""Steps and wall time at equal accuracy: BDF2 against BDF3-5 (`time.scheme`, issue 17).

    python benchmarks/bench_schemes.py [--case issue17|fig1] [--repeats 3]

Cases: ``issue17``, the gapless 10 xi wire of 200 P1 elements at
j = 0.58903, tau = 0..40 (the case of issue 17); ``fig1``, the Fig. 1
wire (delta = 10/3), tau = 0..20.  The accuracy measure is
int V dtau = theta_+ - theta_- at t_end, against BDF5 at rtol = 1e-10
(dt_initial = 1e-5 everywhere, so the low-order start costs nothing
visible).  Each scheme runs a ladder of rtol = 1e-3 .. 1e-8 (atol =
rtol/10); at each accuracy level the cheapest rung that reaches it is
reported with its steps and wall time (in-process `simulate`, forms
compiled beforehand, no field output, median of --repeats).  Prints one
JSON record (BENCH_JSON line) and a table; docs/performance.md quotes it.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, emit, fmt, machine, table  # noqa: E402
from mpi4py import MPI  # noqa: E402

import psc_fem  # noqa: E402,F401
from psc_fem.config import load_config  # noqa: E402
from psc_fem.solver.simulation import simulate  # noqa: E402

CASES = {
    "issue17": (
        ROOT / "examples" / "fig1.toml",
        ["wire.length=10.0", "model.delta=0.0", "drive.current=0.58903", "time.t_end=40.0"],
    ),
    "fig1": (ROOT / "examples" / "fig1.toml", ["time.t_end=20.0"]),
}
SCHEMES = ("bdf2", "bdf3", "bdf4", "bdf5", "vbdf")
RTOLS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
LEVELS = (1e-3, 1e-4, 1e-5, 1e-6)


def run(case, scheme, rtol, work):
    path, overrides = CASES[case]
    cfg = load_config(
        path,
        [
            *overrides,
            'time.until="t_end"',
            f'time.scheme="{scheme}"',
            f"time.rtol={rtol}",
            f"time.atol={rtol / 10}",
            "time.dt_initial=1e-5",
            "output.fields=false",
            "output.every=1000.0",
        ],
    )
    t0 = time.perf_counter()
    sol = simulate(cfg, work / "run", comm=MPI.COMM_SELF, progress=False, echo=False, overwrite=True)
    wall = time.perf_counter() - t0
    theta = sol.series["theta_plus"][-1] - sol.series["theta_minus"][-1]
    return {"scheme": scheme, "rtol": rtol, "theta": float(theta), "steps": int(sol.run["steps"]), "wall_s": wall}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=sorted(CASES), default="issue17")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ref = run(args.case, "bdf5", 1e-10, work)["theta"]
        ladder = []
        for scheme in SCHEMES:
            run(args.case, scheme, 1e-3, work)  # compile this scheme's forms
            for rtol in RTOLS:
                r = run(args.case, scheme, rtol, work)
                r["wall_s"] = statistics.median([r["wall_s"]] + [run(args.case, scheme, rtol, work)["wall_s"]
                                                                  for _ in range(args.repeats - 1)])  # fmt: skip
                r["error"] = abs(r["theta"] - ref) / abs(ref)
                ladder.append(r)
    best = {}
    for level in LEVELS:
        for scheme in SCHEMES:
            ok = [r for r in ladder if r["scheme"] == scheme and r["error"] <= level]
            best[(level, scheme)] = min(ok, key=lambda r: r["wall_s"]) if ok else None
    record = {
        "benchmark": "schemes-equal-accuracy",
        "machine": machine(),
        "case": args.case,
        "reference_theta": ref,
        "ladder": ladder,
        "best": [{"level": lv, "scheme": s, **(r or {})} for (lv, s), r in best.items()],
    }
    rows = []
    for level in LEVELS:
        base = best[(level, "bdf2")]
        for scheme in SCHEMES:
            r = best[(level, scheme)]
            rows.append(
                [
                    fmt(level),
                    scheme,
                    fmt(r and r["rtol"]),
                    fmt(r and r["error"], ".2e"),
                    fmt(r and r["steps"]),
                    fmt(r and r["wall_s"], ".3f"),
                    fmt(base["wall_s"] / r["wall_s"], ".2f") if r and base else "-",
                ]
            )
    text = table(["rel. error <=", "scheme", "rtol", "error", "steps", "wall s", "BDF2 wall / wall"], rows)
    emit(record, text)


if __name__ == "__main__":
    main()
