"""A film against py-tdgl on the same problem (issue 16): a strip between normal-metal terminals.

    python benchmarks/bench_film_pytdgl.py [--meshes 0.1,0.05,0.025] [--pytdgl 0.1,0.05]

The strip L = 4 xi, W = 0.5 xi, j = 0.2, delta = gamma = 10/3, u exact, with
the interference current off (`[model] interference = false`): py-tdgl's
equations (benchmarks/pytdgl_film.py states the mapping).  Below its slip
regime the strip sits in a steady resistive state (V constant: the
voltage across the suppressed order next to each terminal), whose V
between probes 1 xi inside the ends depends only on the equations, the
terminals and the mesh; so both codes' mesh ladders must meet.  psc_fem
runs `until = "periodic"`, which stops on the steady state; py-tdgl runs
to --t-end and its V is the mean over the last 20% (its drift is printed).
Cost per unit of simulated time is each code's wall / tau of its run.
py-tdgl needs .venv-bench (`make bench`).  Prints a JSON record and a table.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from mpi4py import MPI  # noqa: E402

import psc_fem  # noqa: E402,F401  (initialises the DOLFINx wheel first)
from psc_fem.film.config import validate_film  # noqa: E402
from psc_fem.solver.simulation import simulate  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_PY, ROOT, emit, fmt, machine, run_json, table  # noqa: E402

STRIP = dict(length=4.0, width=0.5, current=0.2, delta=10 / 3)


def run_fem(mesh_size, out):
    cfg = validate_film(
        {
            "geometry": {"kind": "strip", "length": STRIP["length"], "width": STRIP["width"], "mesh_size": mesh_size},
            "model": {"delta": STRIP["delta"], "eta": 0.1, "interference": False},
            "drive": {"current": STRIP["current"]},
            "time": {"t_end": 1000.0, "until": "periodic"},
            "output": {"fields": False},
        }
    )
    start = time.perf_counter()
    sol = simulate(cfg, out, comm=MPI.COMM_SELF, progress=False, echo=False, overwrite=True)
    wall = time.perf_counter() - start
    tau = float(sol.series["t"][-1])
    return {
        "code": "psc_fem",
        "h": mesh_size,
        "unknowns": sol.run["dofs"],
        "state": sol.stats["state"],
        "V": sol.stats["mean_V"],
        "steps": sol.run["steps"],
        "tau": tau,
        "wall": wall,
        "wall_per_tau": wall / tau,
    }


def run_pytdgl(h, t_end):
    cmd = [str(BENCH_PY), str(ROOT / "benchmarks" / "pytdgl_film.py"), "--h", str(h), "--t-end", str(t_end)]
    cmd += ["--length", str(STRIP["length"]), "--width", str(STRIP["width"])]
    cmd += ["--current", str(STRIP["current"]), "--gamma", str(STRIP["delta"])]
    r = run_json(cmd)[-1]
    return {**r, "unknowns": 3 * r["sites"], "tau": r["t_end"], "wall_per_tau": r["wall"] / r["t_end"]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--meshes", default="0.1,0.05,0.025", help="psc_fem mesh sizes (xi)")
    ap.add_argument("--pytdgl", default="0.1", help="py-tdgl mesh sizes (xi); empty: skip")
    ap.add_argument("--t-end", type=float, default=400.0, help="py-tdgl's run")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for h in [float(x) for x in args.meshes.split(",") if x]:
            rows.append(run_fem(h, Path(tmp) / f"fem{h}"))
    skipped = None
    if not BENCH_PY.is_file():
        skipped = f"{BENCH_PY} missing: run `make bench` (installs py-tdgl into .venv-bench)"
    else:
        for h in [float(x) for x in args.pytdgl.split(",") if x]:
            rows.append(run_pytdgl(h, args.t_end))
    fem = [r for r in rows if r["code"] == "psc_fem"]
    ref = fem[-1]["V"] if fem else None
    for r in rows:
        r["rel_to_fem_finest"] = None if ref is None else r["V"] / ref - 1.0
    text = table(
        ["code", "h", "unknowns", "V", "vs psc_fem finest", "tau", "steps", "wall s", "s per tau"],
        [
            [
                r["code"],
                fmt(r["h"]),
                r["unknowns"],
                fmt(r["V"], ".6f"),
                fmt(r["rel_to_fem_finest"], "+.2%"),
                fmt(r["tau"], ".0f"),
                r["steps"],
                fmt(r["wall"]),
                fmt(r["wall_per_tau"]),
            ]
            for r in rows
        ],
    )
    emit({"bench": "film_pytdgl", "strip": STRIP, "rows": rows, "skipped": skipped, "machine": machine()}, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
