"""Where a time step goes: cProfile of `simulate` split into assembly,
factorisation + solve, Python overhead of the step, and output.

    python benchmarks/profile_core.py            # Fig. 1 wire (69 DOFs) and a 1e5-DOF wire
    python benchmarks/profile_core.py --top 25   # also print the top functions

Buckets (cumulative times of these functions, per accepted step):
  residual    WireProblem._residual   (dolfinx C++ assembly + boundary rows)
  jacobian    WireProblem._jacobian   (assembly, boundary rows, MatAssembly)
  lu          the SNES solve minus residual and Jacobian: PETSc LU
              (numeric factorisation; the symbolic one is reused) and
              triangular solves, SNES bookkeeping
  step        Integrator.step minus the SNES solve: predictor, error norm,
              history copies (Python)
  output      the Recorder: series per step, and frames (dense output,
              phi re-solve, field evaluation, HDF5/XDMF)
  other       the rest of the loop and set-up
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from mpi4py import MPI  # noqa: E402

import psc_fem  # noqa: E402,F401
from psc_fem.config import load_config, validate  # noqa: E402
from psc_fem.solver.simulation import simulate  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, emit, fmt, machine, run_json, table  # noqa: E402


def _cum(stats, file_part, func):
    total = 0.0
    for (fname, _, name), (_, _, _, ct, _) in stats.stats.items():
        if name == func and file_part in fname:
            total += ct
    return total


def profile(cfg, top):
    with tempfile.TemporaryDirectory(prefix="psc_prof_") as tmp:
        simulate(
            cfg.replace(time={"t_end": min(cfg.time.t_end, 1e-3 if cfg.wire.cells > 10000 else 1.0)}),
            f"{tmp}/w",
            progress=False,
            echo=False,
            comm=MPI.COMM_SELF,
        )
        pr = cProfile.Profile()
        t0 = time.perf_counter()
        pr.enable()
        r = simulate(cfg, f"{tmp}/r", progress=False, echo=False, comm=MPI.COMM_SELF)
        pr.disable()
        wall = time.perf_counter() - t0
    st = pstats.Stats(pr)
    res = _cum(st, "psc_fem/solver/problem.py", "_residual")
    jac = _cum(st, "psc_fem/solver/problem.py", "_jacobian")
    snes = _cum(st, "psc_fem/solver/problem.py", "solve")
    step = _cum(st, "psc_fem/solver/integrator.py", "step")
    rec = _cum(st, "psc_fem/solver/simulation.py", "__call__")
    frame = _cum(st, "psc_fem/solver/simulation.py", "_frame")
    total = st.total_tt
    steps = r.run["steps"]
    buckets = {
        "residual": res,
        "jacobian": jac,
        "lu": snes - res - jac,
        "step": step - snes,
        "output_series": rec - frame,
        "output_frames": frame,
    }
    buckets["other"] = total - sum(buckets.values())
    if top:
        st.sort_stats("tottime").print_stats(top)
    return {
        "dofs": r.run["dofs"],
        "steps": steps,
        "newton_per_step": r.run["newton_per_step"],
        "frames": int(r.run.get("frames", 0) or 0),
        "wall": wall,
        "profiled_total": total,
        "per_step_ms": {k: 1e3 * v / steps for k, v in buckets.items()},
        "share": {k: v / total for k, v in buckets.items()},
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--case", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    cases = {
        "Fig. 1 (output.every = 0.1, no XDMF)": load_config(ROOT / "examples" / "fig1.toml", ["output.fields=false"]),
        "Fig. 1 (one frame at the end)": load_config(
            ROOT / "examples" / "fig1.toml", ["output.fields=false", "output.every=150"]
        ),
        "1e5 DOFs (L = 1667, t = 0..0.01)": validate(
            {
                "wire": {"length": 33334 * 0.05, "elements": 33334},
                "model": {"delta": 0.0, "eta": 0.1},
                "drive": {"current": 0.6},
                "time": {"t_end": 0.01},
                "output": {"fields": False, "every": 0.01},
            }
        ),
    }
    if args.case is not None:  # one case per process: no garbage of a previous run in the profile
        name, cfg = list(cases.items())[args.case]
        print("BENCH_JSON " + json.dumps({"name": name, **profile(cfg, args.top)}), flush=True)
        return 0
    rows = {}
    for k in range(len(cases)):
        rec = run_json([sys.executable, __file__, "--case", str(k), "--top", str(args.top)])[-1]
        rows[rec.pop("name")] = rec
    record = {"benchmark": "profile-core", "machine": machine(), "cases": rows}
    keys = ["residual", "jacobian", "lu", "step", "output_series", "output_frames", "other"]
    text = ["", f"Per accepted step, ms (share of the profiled run), one rank, load {machine()['load_avg_1_5_15']}", ""]
    text.append(
        table(
            ["case", "dofs", "steps", "its/step", *keys],
            [
                [
                    n,
                    r["dofs"],
                    r["steps"],
                    fmt(r["newton_per_step"], ".2f"),
                    *[f"{r['per_step_ms'][k]:.3g} ({100 * r['share'][k]:.0f}%)" for k in keys],
                ]
                for n, r in rows.items()
            ],
        )
    )
    emit(record, "\n".join(text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
