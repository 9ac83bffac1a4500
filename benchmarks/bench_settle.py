"""Wall time to the settled state against delta (issue 13).

    python benchmarks/bench_settle.py [--deltas 0,3,10,30] [--h 0.05] [--cap 4000]
                                      [--until periodic|orbit] [--continuation]
                                      [--scheme vbdf] [--rtol 1e-6] [--memory 30]

`--until orbit` finds the periodic orbit first (psc_fem.solver.orbit);
`--continuation` starts each delta from the previous delta's run
(`psc-fem run --from`), the way to reach delta >= 300.  Orbit rows also
give the search's windings and steps (recorded steps are separate).
`--scheme`, `--rtol` (atol = rtol/10) and `--memory` (time.orbit_memory)
set the integrator and the search: delta = 1e4 was found with
`--deltas 1000,10000 --until orbit --continuation --scheme vbdf --rtol 1e-6
--memory 30` (docs/model.md).

The 10 xi wire at j = 1.5 J0 = 0.589035, eta = 0.1, default tolerances,
`psc-fem run --until periodic` in a subprocess (what a user types), no
field output.  Per delta: wall time, tau at which the run settled, steps,
steps per period, mean V and period of the settled window.  Prints one
JSON record (BENCH_JSON line) and a table; docs/performance.md quotes it.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, emit, fmt, machine, table  # noqa: E402

BIN = Path(sys.executable).parent
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
CONFIG = """[wire]
length = 10.0
h = {h}
[model]
delta = {delta}
eta = 0.1
[drive]
current = 0.589035
[time]
t_end = {cap}
until = "{until}"
scheme = "{scheme}"
rtol = {rtol}
atol = {atol}
orbit_memory = {memory}
[output]
fields = false
every = 2.0
"""


def settle(delta, h, cap, work, until="periodic", start=None, scheme="bdf2", rtol=1e-4, memory=10):
    cfg = work / f"delta{delta}.toml"
    cfg.write_text(
        CONFIG.format(
            h=h,
            delta=float(delta),
            cap=float(cap),
            until=until,
            scheme=scheme,
            rtol=rtol,
            atol=rtol / 10,
            memory=memory,
        )
    )
    out = work / f"run{delta}"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            str(BIN / "psc-fem"),
            "run",
            str(cfg),
            "--out",
            str(out),
            "--quiet",
            *(["--from", str(start)] if start else []),
        ],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(proc.stdout[-2000:] + proc.stderr[-2000:])
    run = json.loads((out / "run.json").read_text())
    a = run["analysis"]
    steps = int(run["steps"])
    tau = float((run.get("stopped") or {}).get("t") or run["checkpoint"]["t"])  # settled here, or the cap
    period = a.get("winding_period", float("nan"))
    orbit = run.get("orbit") or {}
    return {
        "delta": float(delta),
        "until": until,
        "start": str(start) if start else "Psi = 1",
        "run_dir": str(out),
        "search_windings": orbit.get("windings"),
        "search_steps": orbit.get("steps"),
        "search_converged": orbit.get("converged"),
        "wall_s": wall,
        "state": a["state"],
        "tau_settled": tau,
        "steps": steps,
        "steps_per_tau": steps / tau if tau else None,
        "steps_per_period": steps / tau * period if tau and period == period else None,
        "mean_V": a.get("mean_V"),
        "period": period,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deltas", default="0,3,10,30")
    ap.add_argument("--h", type=float, default=0.05)
    ap.add_argument("--cap", type=float, default=4000.0)
    ap.add_argument("--until", choices=("periodic", "orbit"), default="periodic")
    ap.add_argument("--continuation", action="store_true", help="start each delta from the previous one's run")
    ap.add_argument("--scheme", default="bdf2", help="time.scheme (bdf2, ..., vbdf)")
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("--memory", type=int, default=10, help="time.orbit_memory")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        start = None
        for d in (float(x) for x in args.deltas.split(",")):
            rows.append(settle(d, args.h, args.cap, Path(tmp), args.until, start, args.scheme, args.rtol, args.memory))
            start = rows[-1]["run_dir"] if args.continuation else None
    record = {
        "benchmark": "settle-vs-delta",
        "machine": machine(),
        "h": args.h,
        "until": args.until,
        "scheme": args.scheme,
        "rtol": args.rtol,
        "rows": rows,
    }
    text = table(
        [
            "delta",
            "start",
            "state",
            "search windings",
            "search steps",
            "tau recorded",
            "steps",
            "steps/period",
            "wall s",
            "mean V",
            "period",
        ],
        [
            [
                fmt(r["delta"]),
                r["start"] if r["start"] == "Psi = 1" else "previous",
                r["state"],
                fmt(r["search_windings"]),
                fmt(r["search_steps"]),
                fmt(r["tau_settled"], ".4g"),
                r["steps"],
                fmt(r["steps_per_period"], ".3g"),
                fmt(r["wall_s"], ".3g"),
                fmt(r["mean_V"], ".6g"),
                fmt(r["period"], ".5g"),
            ]
            for r in rows
        ],
    )
    emit(record, text)


if __name__ == "__main__":
    main()
