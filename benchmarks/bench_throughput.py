"""Runs per minute of a sweep and of a critical-current search, with and without problem reuse (issue 17).

    python benchmarks/bench_throughput.py [--points 20] [--repeats 3]

One process, one rank.  ``sweep``: `run_sweep` over --points currents
1.0 .. 1.5 on the Fig. 1 wire (examples/fig1.toml, tau = 0..30 each, its
default output: fields every 0.1).  ``sweep, no fields``: the same with
output.fields = false.  ``critical``: `critical_current` of the Fig. 1
wire to a tolerance of 0.01 (probes ramp the current and stop once V
settles).  Each with the compiled problem reused between runs
(psc_fem.solver.reuse, the default) and rebuilt for every run, interleaved
--repeats times.  Prints one JSON record (BENCH_JSON line) and a table.
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
from psc_fem.solver import reuse  # noqa: E402
from psc_fem.studies.critical import critical_current  # noqa: E402
from psc_fem.studies.sweep import run_sweep  # noqa: E402


class NoReuse:
    """ProblemCache.take that never hands anything out: every run builds its problem."""

    def __enter__(self):
        self.take = reuse.ProblemCache.take
        reuse.ProblemCache.take = lambda self, config, comm: None

    def __exit__(self, *exc):
        reuse.ProblemCache.take = self.take


def sweep(work, points, fields):
    cfg = load_config(ROOT / "examples" / "fig1.toml", ["time.t_end=30", 'time.until="t_end"'])
    cfg = cfg.replace(output={"fields": fields})
    currents = [1.0 + 0.5 * i / max(points - 1, 1) for i in range(points)]
    t0 = time.perf_counter()
    rows = run_sweep(cfg, currents, work, mode="independent", progress=False, world=MPI.COMM_SELF)
    return len(rows), time.perf_counter() - t0


def critical(work, points):
    cfg = load_config(ROOT / "examples" / "fig1.toml")
    t0 = time.perf_counter()
    res = critical_current(cfg, work, tolerance=0.01, comm=MPI.COMM_SELF, ramp_time=20.0, t_max=400.0)
    return len(res["probes"]), time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    cases = {
        "sweep": lambda w: sweep(w, args.points, True),
        "sweep, no fields": lambda w: sweep(w, args.points, False),
        "critical": lambda w: critical(w, args.points),
    }
    results = {(c, r): [] for c in cases for r in ("reused", "rebuilt")}
    with tempfile.TemporaryDirectory() as tmp:
        n = 0
        sweep(Path(tmp) / "warm", 2, True)  # compile the forms
        for _ in range(args.repeats):
            for case, fn in cases.items():
                for how in ("reused", "rebuilt"):
                    n += 1
                    if how == "reused":
                        runs, wall = fn(Path(tmp) / f"r{n}")
                    else:
                        with NoReuse():
                            runs, wall = fn(Path(tmp) / f"r{n}")
                    results[(case, how)].append((runs, wall))
    rows, record_rows = [], []
    for case in cases:
        per_min = {}
        for how in ("reused", "rebuilt"):
            runs = results[(case, how)][0][0]
            wall = statistics.median(w for _, w in results[(case, how)])
            per_min[how] = 60.0 * runs / wall
            record_rows.append({"case": case, "how": how, "runs": runs, "wall_s": wall, "runs_per_min": per_min[how]})
        rows.append(
            [
                case,
                record_rows[-1]["runs"],
                fmt(per_min["rebuilt"], ".3g"),
                fmt(per_min["reused"], ".3g"),
                fmt(per_min["reused"] / per_min["rebuilt"], ".2f"),
            ]  # fmt: skip
        )
    record = {"benchmark": "throughput", "machine": machine(), "rows": record_rows}
    emit(record, table(["case", "runs", "runs/min rebuilt", "runs/min reused", "gain"], rows))


if __name__ == "__main__":
    main()
