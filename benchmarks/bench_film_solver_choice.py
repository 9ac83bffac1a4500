"""A film's linear solver chosen while it runs, against the field split and the LU all run (issues 16/17).

    python benchmarks/bench_film_solver_choice.py [--cases steady,vortices] [--scale 1]

The field split's Krylov iterations grow with the time step (its Psi block turns elliptic as dt / h^2
grows), the LU's cost does not: psc_fem.solver.linear_choice measures both and takes the cheaper.  Each
case runs three times on one rank, side by side in this process: "auto" (the default from 1e4
unknowns), "split" (`[petsc] pc_type = "fieldsplit"`, kept all run) and "lu" (`pc_type = "lu"`):

* steady: a 4 x 0.5 xi strip between normal terminals at j = 0.2 (mesh 0.025, 19743 unknowns),
  tau = 0..30: the steps grow from 1e-3 to ~1 as it settles;
* vortices: a 16 x 8 xi strip in B = 0.4 at j = 0.5 (mesh 0.25, 12579 unknowns), tau = 0..20:
  vortices enter and cross it, the steps stay short.

The linear solves go to 1e-10, so the three take the same steps up to a few at the error test's
edge; the record has the wall time of each, the Newton iterations the choice gave each solver and V
at t_end against the LU's.
Prints a JSON record and a table.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, fmt, machine, table  # noqa: E402

CASES = {
    "steady": {
        "geometry": {"kind": "strip", "length": 4.0, "width": 0.5, "mesh_size": 0.025, "ends": "normal"},
        "model": {"delta": 10 / 3, "eta": 0.1, "interference": False},
        "drive": {"current": 0.2},
        "time": {"t_end": 30.0, "until": "t_end"},
    },
    "vortices": {
        "geometry": {"kind": "strip", "length": 16.0, "width": 8.0, "mesh_size": 0.25, "ends": "normal"},
        "field": {"B": 0.4},
        "model": {"delta": 10 / 3, "eta": 0.1},
        "drive": {"current": 0.5},
        "time": {"t_end": 20.0, "until": "t_end"},
    },
}
SOLVERS = {"auto": {}, "split": {"pc_type": "fieldsplit"}, "lu": {"ksp_type": "preonly", "pc_type": "lu"}}


def run(case, solver, out, scale):
    from mpi4py import MPI

    import psc_fem  # noqa: F401  (initialises the DOLFINx wheel first)
    from psc_fem.film.config import validate_film
    from psc_fem.solver.simulation import simulate

    data = {key: dict(value) for key, value in CASES[case].items()}
    data["time"]["t_end"] *= scale
    data["output"] = {"fields": False, "every": data["time"]["t_end"]}
    data["petsc"] = SOLVERS[solver]
    t0 = time.perf_counter()
    sol = simulate(validate_film(data), out, comm=MPI.COMM_SELF, progress=False, echo=False, overwrite=True)
    return sol, time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", default="steady,vortices")
    ap.add_argument("--scale", type=float, default=1.0, help="t_end of each case times this")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        run("steady", "lu", f"{tmp}/warm", 1e-3)  # compiles the forms once, outside the timings
        for case in args.cases.split(","):
            sols = {s: run(case, s, f"{tmp}/{case}-{s}", args.scale) for s in SOLVERS}
            lu = sols["lu"][0]
            for solver, (sol, wall) in sols.items():
                r = sol.run
                rows.append(
                    {
                        "case": case,
                        "solver": solver,
                        "dofs": r["dofs"],
                        "steps": r["steps"],
                        "newton_its": round(r["newton_per_step"] * r["steps"]),
                        "wall": wall,
                        "vs_lu": wall / sols["lu"][1],
                        "vs_split": wall / sols["split"][1],
                        # at t_end: the steps may differ by a few (a step at the error test's edge)
                        "V_end_diff_vs_lu": float(abs(sol.series["V"][-1] - lu.series["V"][-1])),
                        "linear_solver": r.get("linear_solver"),
                    }
                )
    record = {"bench": "film_solver_choice", "rows": rows, "machine": machine()}
    text = table(
        ["case", "solver", "unknowns", "steps", "Newton its", "wall s", "/ LU", "/ split", "its split|LU", "dV(t_end)"],
        [
            [
                r["case"],
                r["solver"],
                r["dofs"],
                r["steps"],
                r["newton_its"],
                fmt(r["wall"]),
                fmt(r["vs_lu"], ".2f"),
                fmt(r["vs_split"], ".2f"),
                "-"
                if not r["linear_solver"]
                else f"{r['linear_solver']['newton_its_split']}|{r['linear_solver']['newton_its_lu']}",
                fmt(r["V_end_diff_vs_lu"], ".1e"),
            ]
            for r in rows
        ],
    )
    emit(record, f"{text}\nauto: the split while cheaper, the LU while that is (psc_fem.solver.linear_choice)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
