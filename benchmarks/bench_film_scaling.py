"""Strong scaling and memory of a film with >= 1e5 unknowns: the same run on 1 and 2 MPI ranks (issue 16).

    python benchmarks/bench_film_scaling.py [--mesh 0.08] [--t-end 1.0] [--solvers split,lu]

A 16 x 8 xi strip between normal terminals in B = 0.4 (mesh 0.08: 4.0e4
nodes, 1.2e5 unknowns), j = 0.5, from Psi = 1 to --t-end: the same adaptive
steps on every rank count (the test suite holds 2 ranks = 1), so the wall
time per Newton iteration compares the solvers directly. Each rank count
runs in its own `mpirun -n N` (this script with --worker) and reports the
wall time of the time loop, the Newton iterations, the steps and the peak
resident memory of every rank (bytes per unknown: their sum over the
unknowns). The machine's ceiling here is its two cores: speed-up 2.
--solvers: "split" (GMRES with a field split: ILU(0) blocks on Psi, GAMG
on phi; `[petsc] pc_type = "fieldsplit"`, kept all run), "lu" (PETSc's LU
with nested dissection on one rank, MUMPS on two) and "auto" (films'
default from 1e4 unknowns: the split, the LU while that is cheaper), each
on 1 and 2 ranks.
Prints a JSON record and a table.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, emit, fmt, machine, table  # noqa: E402

BIN = Path(sys.executable).parent
# "split" kept all run; "auto": the default from 1e4 unknowns (the split, the LU while that is cheaper)
PETSC = {"split": {"pc_type": "fieldsplit"}, "lu": {"ksp_type": "preonly", "pc_type": "lu"}, "auto": {}}


def worker(args):
    from mpi4py import MPI

    import psc_fem  # noqa: F401  (initialises the DOLFINx wheel first)
    from psc_fem.film.config import validate_film
    from psc_fem.solver.simulation import simulate

    comm = MPI.COMM_WORLD
    cfg = validate_film(
        {
            "geometry": {"kind": "strip", "length": 16.0, "width": 8.0, "mesh_size": args.mesh, "ends": "normal"},
            "field": {"B": 0.4},
            "model": {"delta": 10 / 3, "eta": 0.1},
            "drive": {"current": 0.5},
            "time": {"t_end": args.t_end, "until": "t_end"},
            "output": {"fields": False, "every": args.t_end},
            "petsc": PETSC[args.solver],
        }
    )
    t0 = time.perf_counter()
    sol = simulate(cfg, args.out, comm=comm, progress=False, echo=False, overwrite=True)
    wall = comm.allreduce(time.perf_counter() - t0, op=MPI.MAX)
    rss = comm.gather(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, root=0)
    if comm.rank == 0:
        run = sol.run
        its = run["newton_per_step"] * run["steps"]
        print(
            json.dumps(
                {
                    "ranks": comm.size,
                    "solver": args.solver,
                    "dofs": run["dofs"],
                    "steps": run["steps"],
                    "newton_its": its,
                    "wall": wall,
                    "ms_per_newton": 1e3 * wall / its,
                    "rss_per_rank": rss,
                    "bytes_per_dof": sum(rss) / run["dofs"],
                    "V_end": float(sol.series["V"][-1]),
                }
            ),
            flush=True,
        )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mesh", type=float, default=0.08)
    ap.add_argument("--t-end", type=float, default=1.0)
    ap.add_argument("--solvers", default="split,lu")
    ap.add_argument("--solver", default="split", help=argparse.SUPPRESS)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args)
        return 0
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for solver in args.solvers.split(","):
            for n in (1, 2):
                cmd = [str(BIN / "mpirun"), "-n", str(n), sys.executable, __file__, "--worker", "--solver", solver]
                cmd += ["--mesh", str(args.mesh), "--t-end", str(args.t_end), "--out", f"{tmp}/{solver}{n}"]
                proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
                if proc.returncode:
                    sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-3000:])
                    raise RuntimeError(f"mpirun -n {n} ({solver}) failed")
                rows.append(json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1]))
    base = rows[0]  # the first solver on one rank
    for r in rows:
        r["speedup_vs_first_1_rank"] = base["wall"] / r["wall"]
    record = {"bench": "film_scaling", "rows": rows, "machine": machine()}
    record["same_steps"] = len({r["steps"] for r in rows}) == 1
    text = table(
        [
            "solver",
            "ranks",
            "unknowns",
            "steps",
            "Newton its",
            "wall s",
            "ms per Newton",
            "speed-up",
            "peak RSS MB (sum)",
            "bytes/unknown",
        ],  # fmt: skip
        [
            [
                r["solver"],
                r["ranks"],
                r["dofs"],
                r["steps"],
                fmt(r["newton_its"], ".0f"),
                fmt(r["wall"]),
                fmt(r["ms_per_newton"]),
                fmt(r["speedup_vs_first_1_rank"], ".2f"),
                fmt(sum(r["rss_per_rank"]) / 2**20, ".0f"),
                fmt(r["bytes_per_dof"], ".0f"),
            ]
            for r in rows
        ],
    )
    emit(
        record, f"{text}\nspeed-up against the first solver on one rank (ceiling of 2 ranks: this machine's two cores)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
