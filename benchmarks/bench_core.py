"""Core solver benchmark: the Fig. 1 wire (examples/fig1.toml), finite-gap and gapless.

Prints one JSON record and a table: wall time per simulated time unit,
steps, rejected steps, Newton iterations per step, peak memory, DOFs.
Repeats each case (min/median/max of the wall time) since these machines
are noisy; the first, untimed run warms the form cache.

    python benchmarks/bench_core.py [--repeats 3] [--t-end 150]
"""

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from mpi4py import MPI  # noqa: E402

import psc_fem  # noqa: E402,F401
from psc_fem.config import load_config  # noqa: E402
from psc_fem.solver.simulation import simulate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def case(name, overrides, t_end, repeats, fields):
    cfg = load_config(
        ROOT / "examples" / "fig1.toml", [f"time.t_end={t_end}", f"output.fields={str(fields).lower()}", *overrides]
    )
    walls, result = [], None
    with tempfile.TemporaryDirectory() as tmp:
        simulate(cfg.replace(time={"t_end": 1.0}), Path(tmp) / "warm", progress=False, echo=False)
        for k in range(repeats):
            t0 = time.perf_counter()
            result = simulate(cfg, Path(tmp) / f"r{k}", progress=False, echo=False)
            walls.append(time.perf_counter() - t0)
    r, st = result.run, result.stats
    return {
        "case": name,
        "fields": fields,
        "t_end": t_end,
        "wall_min": min(walls),
        "wall_median": statistics.median(walls),
        "wall_max": max(walls),
        "wall_per_tau": statistics.median(walls) / t_end,
        "steps": r["steps"],
        "rejected": r["rejected_error"] + r["rejected_newton"],
        "newton_per_step": r["newton_per_step"],
        "dofs": r["dofs"],
        "periods": st.get("n_periods", 0),
        "mean_V": st.get("mean_V"),
        "josephson_ratio": st.get("josephson_ratio"),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--t-end", type=float, default=150.0)
    args = ap.parse_args()
    rows = [
        case("fig1 finite-gap (delta=10/3)", [], args.t_end, args.repeats, True),
        case("fig1 finite-gap, no field output", [], args.t_end, args.repeats, False),
        case("fig1 gapless (delta=0)", ["model.delta=0.0"], args.t_end, args.repeats, True),
    ]
    record = {
        "benchmark": "core",
        "ranks": MPI.COMM_WORLD.size,
        "cores": os.cpu_count(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cases": rows,
    }
    if MPI.COMM_WORLD.rank == 0:
        print(json.dumps(record, indent=1))
        print(
            f"\n{'case':36s} {'wall/tau [ms]':>13s} {'wall med [s]':>12s} {'min-max [s]':>13s} {'steps':>6s} {'rej':>4s} {'newton/step':>11s} {'dofs':>5s} {'periods':>7s} {'P*V/2pi':>9s}"
        )
        for c in rows:
            print(
                f"{c['case']:36s} {1e3 * c['wall_per_tau']:13.2f} {c['wall_median']:12.2f} {c['wall_min']:6.2f}-{c['wall_max']:<6.2f} {c['steps']:6d} {c['rejected']:4d} {c['newton_per_step']:11.2f} {c['dofs']:5d} {c['periods']:7d} {c['josephson_ratio']:9.6f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
