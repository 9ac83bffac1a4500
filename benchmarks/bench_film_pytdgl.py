"""A film against py-tdgl on the same problem (issue 16): a strip between normal-metal terminals.

    python benchmarks/bench_film_pytdgl.py [--meshes 0.1,0.05,0.025] [--p2 0.4,0.2] [--pytdgl 0.1,0.05] [--fd 40,80,160]

The strip L = 4 xi, W = 0.5 xi, j = 0.2, delta = gamma = 10/3, u exact, with
the interference current off (`[model] interference = false`): py-tdgl's
equations (benchmarks/pytdgl_film.py states the mapping).  Below its slip
regime the strip sits in a steady resistive state (V constant: the
voltage across the suppressed order next to each terminal), whose V
between probes 1 xi inside the ends depends only on the equations, the
terminals and the mesh; so both codes' mesh ladders must meet.  psc_fem
runs `until = "periodic"`, which stops on the steady state; py-tdgl runs
to --t-end and its V is the mean over the last 20% (its drift is printed),
with its step capped at dt_max = --dt-max-factor x h^2 (1e-3 on mesh 0.1,
2.5e-4 on 0.05): below its explicit stability edge, where its steady V is
constant to 1e-7.  Its default cap (1e-2 in pytdgl_film.py) lets the
adaptive step climb to that edge, where V ripples by a few % and its mean
is biased (mesh 0.1: 0.23644, V moving by 0.032, against 0.23418 at 1e-3
and 5e-4; docs/films.md).
Cost per unit of simulated time is each code's wall / tau of its run.
--p2: psc_fem's ladder with quadratic elements (geometry.degree = 2).
The strip's state does not depend on y, so it is also the 1D wire with
Psi = 0 at its ends, which tests/helpers/fd_normal_ends.py solves
independently (finite differences, its steady state by Newton): "fd"
rows with --fd N cells, their V and the strip's critical current (the
fold of the steady branch), and every V's distance from the FD ladder's
Richardson limit ("vs exact").  py-tdgl needs .venv-bench (`make
bench`).  Prints a JSON record and a table.
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


def run_fem(mesh_size, out, degree=1):
    geometry = {"kind": "strip", "length": STRIP["length"], "width": STRIP["width"], "mesh_size": mesh_size}
    cfg = validate_film(
        {
            "geometry": {**geometry, "degree": degree},
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
        "code": "psc_fem" if degree == 1 else "psc_fem P2",
        "h": mesh_size,
        "unknowns": sol.run["dofs"],
        "state": sol.stats["state"],
        "V": sol.stats["mean_V"],
        "steps": sol.run["steps"],
        "tau": tau,
        "wall": wall,
        "wall_per_tau": wall / tau,
    }


def run_fd(n_cells):
    from helpers.fd_normal_ends import NormalEnds, critical_current, steady_state

    start = time.perf_counter()
    L, j, delta = STRIP["length"], STRIP["current"], STRIP["delta"]
    V = NormalEnds(L, n_cells, j, delta).voltage(steady_state(L, n_cells, j, delta))
    j_c, _ = critical_current(L, n_cells, delta)
    wall = time.perf_counter() - start
    return {"code": "fd", "h": L / n_cells, "unknowns": 2 * (n_cells - 1), "V": V, "J_c": j_c, "wall": wall}


def run_pytdgl(h, t_end, dt_max_factor):
    cmd = [str(BENCH_PY), str(ROOT / "benchmarks" / "pytdgl_film.py"), "--h", str(h), "--t-end", str(t_end)]
    cmd += ["--dt-max", f"{dt_max_factor * h * h:.3g}"]
    cmd += ["--length", str(STRIP["length"]), "--width", str(STRIP["width"])]
    cmd += ["--current", str(STRIP["current"]), "--gamma", str(STRIP["delta"])]
    r = run_json(cmd)[-1]
    return {**r, "unknowns": 3 * r["sites"], "tau": r["t_end"], "wall_per_tau": r["wall"] / r["t_end"]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--meshes", default="0.1,0.05,0.025", help="psc_fem mesh sizes (xi)")
    ap.add_argument("--p2", default="0.4,0.2", help="psc_fem mesh sizes with geometry.degree = 2; empty: skip")
    ap.add_argument("--pytdgl", default="0.1", help="py-tdgl mesh sizes (xi); empty: skip")
    ap.add_argument("--t-end", type=float, default=400.0, help="py-tdgl's run")
    ap.add_argument("--fd", default="40,80,160", help="cells of the independent FD solver; empty: skip")
    ap.add_argument("--dt-max-factor", type=float, default=0.1, help="py-tdgl's dt_max = this x h^2 (module doc)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "tests"))  # the tests' helpers package
    rows = [run_fd(int(n)) for n in args.fd.split(",") if n]
    with tempfile.TemporaryDirectory() as tmp:
        for h in [float(x) for x in args.meshes.split(",") if x]:
            rows.append(run_fem(h, Path(tmp) / f"fem{h}"))
        for h in [float(x) for x in args.p2.split(",") if x]:
            rows.append(run_fem(h, Path(tmp) / f"p2_{h}", degree=2))
    skipped = None
    if not BENCH_PY.is_file():
        skipped = f"{BENCH_PY} missing: run `make bench` (installs py-tdgl into .venv-bench)"
    else:
        for h in [float(x) for x in args.pytdgl.split(",") if x]:
            rows.append(run_pytdgl(h, args.t_end, args.dt_max_factor))
    fem, fd = ([r for r in rows if r["code"] == code] for code in ("psc_fem", "fd"))
    ref = fem[-1]["V"] if fem else None
    limits = {key: fd[-1][key] + (fd[-1][key] - fd[-2][key]) / 3.0 for key in ("V", "J_c")} if len(fd) > 1 else {}
    for r in rows:
        r["rel_to_fem_finest"] = None if ref is None else r["V"] / ref - 1.0
        r["rel_to_exact"] = r["V"] / limits["V"] - 1.0 if limits else None
    text = table(
        ["code", "h", "unknowns", "V", "vs psc_fem finest", "vs exact", "J_c", "tau", "steps", "wall s", "s per tau"],
        [
            [
                r["code"],
                fmt(r["h"]),
                r["unknowns"],
                fmt(r["V"], ".7f"),
                fmt(r["rel_to_fem_finest"], "+.3%"),
                fmt(r["rel_to_exact"], "+.3%"),
                fmt(r.get("J_c"), ".7f"),
                fmt(r.get("tau"), ".0f"),
                r.get("steps", "-"),
                fmt(r["wall"]),
                fmt(r.get("wall_per_tau")),
            ]
            for r in rows
        ],
    )
    if limits:
        text += f"\nFD limits (second order): V = {limits['V']:.7f}, J_c = {limits['J_c']:.7f}\n"
    record = {"bench": "film_pytdgl", "strip": STRIP, "rows": rows, "fd_limits": limits, "skipped": skipped}
    emit({**record, "machine": machine()}, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
