"""Benchmark of the MPI batch machinery (issue 3).

1. Domain decomposition: one wire of ~1e5 unknowns (3 per node: Re Psi,
   Im Psi, phi; default L = 100 xi, h = 0.003), 30 fixed time steps of
   1e-3 at j = 0.3 from Psi = 1, on 1 rank and on 2 ranks: wall time per
   step, speedup, parallel efficiency.  (From Psi = 1 the whole current is
   normal at first, V = j L, and the right end's phase turns at that rate
   in the solver's gauge: the small fixed step keeps Newton at 2-3
   iterations.)  Setup (mesh, forms, sparsity) is timed separately.  One
   rank factorises with PETSc's own LU, two ranks use the parallel default
   (psc_fem.solver.dd_solver: each rank's piece LU-factored, the cut couplings
   solved exactly); a third run, one rank with MUMPS (the former parallel
   default), is kept for reference.
2. Batch efficiency: an N-current independent sweep of the Fig. 1 gapless
   wire (default 8 currents 0.9 .. 1.25) with `psc-fem sweep` on 1 rank
   and under `mpirun -n 2` (two groups of one rank, dynamic dispatch):
   wall time of each, ratio, efficiency = ratio / 2, and the balance of
   the two groups' busy times (mean / max; 1 = perfectly balanced, which
   the dynamic dispatch aims at and which does not depend on how loaded
   the machine is).  One run each (no repetitions: the machine is shared;
   the load average is in the record).

    OMP_NUM_THREADS=1 python benchmarks/bench_sweep.py [--quick]

Prints one JSON record, then a table.  Every measurement runs in its own
`mpirun -n K python -m mpi4py benchmarks/bench_sweep.py --worker ...`
process, so the form cache is warmed first in serial.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
MPIRUN = str(Path(PY).parent / "mpirun")


def _env():
    return {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def worker_dd(length, h, steps, dt, out, solver=None):
    """Fixed steps of one long wire on COMM_WORLD; rank 0 prints a JSON line."""
    from mpi4py import MPI

    import psc_fem  # noqa: F401
    from psc_fem.config import validate
    from psc_fem.solver.integrator import Integrator
    from psc_fem.solver.problem import WireProblem

    comm = MPI.COMM_WORLD
    cfg = validate(
        {
            "wire": {"length": length, "h": h},
            "model": {"delta": 10 / 3, "eta": 0.1},
            "drive": {"current": 0.3},
            "time": {"t_end": steps * dt, "dt_initial": dt, "adaptive": False, "dt_min": dt, "dt_max": dt},
            "output": {"fields": False, "dir": out},
            "petsc": {"pc_factor_mat_solver_type": solver} if solver else {},
        }
    )
    comm.Barrier()
    t0 = time.perf_counter()
    problem = WireProblem(cfg, comm)
    integ = Integrator(problem, cfg.time, cfg.drive)
    comm.Barrier()
    t_setup = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    integ.run([])
    cpu = comm.allreduce(time.process_time() - c0, op=MPI.MAX)
    comm.Barrier()
    t_steps = time.perf_counter() - t0
    dofs = problem.W.dofmap.index_map.size_global * problem.W.dofmap.index_map_bs
    if comm.rank == 0:
        print(
            json.dumps(
                {
                    "ranks": comm.size,
                    "dofs": dofs,
                    "steps": integ.stats.accepted,
                    "solver": solver or "default",
                    "newton_its": integ.stats.newton_its,
                    "setup_s": t_setup,
                    "steps_s": t_steps,
                    "cpu_s": cpu,
                }
            )
        )


def run_dd(ranks, length, h, steps, dt, tmp, solver=None):
    cmd = [
        MPIRUN,
        "-n",
        str(ranks),
        PY,
        "-m",
        "mpi4py",
        __file__,
        "--worker",
        "dd",
        "--length",
        str(length),
        "--h",
        str(h),
        "--steps",
        str(steps),
        "--dt",
        str(dt),
        "--out",
        str(tmp / f"dd{ranks}"),
    ]
    if solver:
        cmd += ["--solver", solver]
    res = subprocess.run(cmd, capture_output=True, text=True, env=_env())
    if res.returncode != 0:
        raise RuntimeError(res.stderr)
    return json.loads([line for line in res.stdout.splitlines() if line.startswith("{")][-1])


def run_sweep(ranks, currents, tmp):
    out = tmp / f"sweep{ranks}"
    cmd = [
        PY,
        "-m",
        "psc_fem.cli",
        "sweep",
        str(ROOT / "examples" / "fig1_gapless.toml"),
        "--currents",
        currents,
        "--out",
        str(out),
        "--set",
        "time.t_end=300",
        "--set",
        "output.every=0.5",
        "--set",
        "output.fields=false",
        "--periods",
        "4",
        "--quiet",
    ]
    if ranks > 1:
        cmd = [MPIRUN, "-n", str(ranks), PY, "-m", "mpi4py", *cmd[1:]]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=_env())
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError(res.stderr)
    meta = json.loads((out / "sweep.json").read_text())
    rows = meta["rows"]
    return {
        "ranks": ranks,
        "runs": len(rows),
        "wall_s": wall,
        "sweep_wall_s": meta["wall_time"],
        "run_walls_s": [round(r["wall_time"], 3) for r in rows],
        "groups": [r["group"] for r in rows],
        "states": [r["state"] for r in rows],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke test)")
    ap.add_argument("--worker", choices=("dd",))
    ap.add_argument("--length", type=float, default=100.0)
    ap.add_argument("--h", type=float, default=0.003)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--dt", type=float, default=1e-3)
    ap.add_argument("--out", default="")
    ap.add_argument("--solver", help="pc_factor_mat_solver_type for the dd worker")
    ap.add_argument("--currents", default="0.9:1.25:0.05")
    args = ap.parse_args()
    if args.worker == "dd":
        worker_dd(args.length, args.h, args.steps, args.dt, args.out, args.solver)
        return
    if args.quick:
        args.h, args.steps, args.currents = 0.03, 10, "0.95:1.1:0.05"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        run_dd(1, 5.0, 0.1, 2, args.dt, tmp)  # warm the form cache in serial
        dd = {k: run_dd(k, args.length, args.h, args.steps, args.dt, tmp) for k in (1, 2)}
        dd_mumps1 = run_dd(1, args.length, args.h, args.steps, args.dt, tmp, solver="mumps")
        sw = {k: run_sweep(k, args.currents, tmp) for k in (1, 2)}
    loads = [sum(w for w, g in zip(sw[2]["run_walls_s"], sw[2]["groups"]) if g == k) for k in (0, 1)]
    balance = (sum(loads) / 2) / max(loads)  # 1 = both groups equally busy (dynamic dispatch)
    per_step = {k: dd[k]["steps_s"] / dd[k]["steps"] for k in dd}
    per_step_mumps1 = dd_mumps1["steps_s"] / dd_mumps1["steps"]
    speedup = per_step[1] / per_step[2]
    ratio = sw[1]["sweep_wall_s"] / sw[2]["sweep_wall_s"]
    record = {
        "benchmark": "sweep",
        "python": platform.python_version(),
        "threads": os.environ.get("OMP_NUM_THREADS"),
        "cpus": os.cpu_count(),
        "load_avg": os.getloadavg()[0],
        "dd": {
            "length": args.length,
            "h": args.h,
            "dofs": dd[1]["dofs"],
            "steps": args.steps,
            "dt": args.dt,
            "per_step_s": {str(k): round(v, 5) for k, v in per_step.items()},
            "cpu_per_step_s": {str(k): round(dd[k]["cpu_s"] / dd[k]["steps"], 5) for k in dd},
            "solver": {"1": "petsc (serial LU)", "2": "psc_fem.solver.dd_solver (exact Woodbury DD)"},
            "per_step_s_1rank_mumps": round(per_step_mumps1, 5),
            "setup_s": {str(k): round(dd[k]["setup_s"], 3) for k in dd},
            "newton_its": {str(k): dd[k]["newton_its"] for k in dd},
            "speedup_2": round(speedup, 3),
            "efficiency_2": round(speedup / 2, 3),
        },
        "batch": {
            "currents": args.currents,
            "runs": sw[1]["runs"],
            "wall_s": {str(k): round(sw[k]["sweep_wall_s"], 3) for k in sw},
            "process_wall_s": {str(k): round(sw[k]["wall_s"], 3) for k in sw},
            "ratio_1_over_2": round(ratio, 3),
            "efficiency_2": round(ratio / 2, 3),
            "sum_run_walls_s": {str(k): round(sum(sw[k]["run_walls_s"]), 3) for k in sw},
            "groups_2": sw[2]["groups"],
            "group_busy_s_2": [round(v, 3) for v in loads],
            "balance_2": round(balance, 3),
            "states": sw[1]["states"],
        },
    }
    print(json.dumps(record))
    print()
    print(f"{'measurement':52s} {'1 rank':>10s} {'2 ranks':>10s} {'ratio':>7s}")
    print(
        f"{'DD: wall per step, %d dofs (s)' % dd[1]['dofs']:52s} {per_step[1]:10.4f} {per_step[2]:10.4f} {speedup:7.2f}"
    )
    print(f"{'DD: setup (s)':52s} {dd[1]['setup_s']:10.2f} {dd[2]['setup_s']:10.2f}")
    print(f"{'DD: wall per step, 1 rank with MUMPS (s)':52s} {per_step_mumps1:10.4f}")
    print(
        f"{'batch: %d-current sweep, wall (s)' % sw[1]['runs']:52s} {sw[1]['sweep_wall_s']:10.2f} {sw[2]['sweep_wall_s']:10.2f} {ratio:7.2f}"
    )
    print(f"{'batch: sum of run walls (s)':52s} {sum(sw[1]['run_walls_s']):10.2f} {sum(sw[2]['run_walls_s']):10.2f}")
    print(f"{'batch: load balance of the 2 groups (mean/max busy)':52s} {'':10s} {balance:10.3f}")


if __name__ == "__main__":
    main()
