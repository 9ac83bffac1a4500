"""The field split's Psi block: ILU(0) against a multigrid with SOR on its levels, by time step (issue 16).

    python benchmarks/bench_film_psi_block.py [--cases steady,box] [--mesh-steady 0.025] [--mesh-box 0.1]

The split's Krylov iterations per Newton iteration grow with the step for ILU(0) on the Psi block (the
block turns elliptic as dt / h^2 grows); GAMG with unsmoothed aggregation and SOR on its levels
(`fieldsplit_psi_mg_levels_*`: honoured since 2026-12-05, dropped before) grows much less.  Each case
runs on one rank, one after the other in this process, with the split kept all run
(`pc_type = "fieldsplit"`), with each Psi block, and with the default (the split giving way to the LU
while that is cheaper, psc_fem.solver.linear_choice):

* steady: a 4 x 0.5 xi strip between normal terminals settling at j = 0.2, tau = 0..30 (steps 1e-3 to ~2);
* box: a 4 x 2 x 1 xi box of tetrahedra between banks at j = 0.2, tau = 0..20 (3D: the LU is dear).

The record has the wall time, the Newton iterations and the Krylov iterations per Newton iteration in
bands of the step.  Prints a JSON record and a table.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, fmt, machine, table  # noqa: E402

ILU = {"pc_type": "fieldsplit"}
GAMG_SOR = {
    "pc_type": "fieldsplit",
    "fieldsplit_psi_pc_type": "gamg",
    "fieldsplit_psi_pc_gamg_agg_nsmooths": 0,
    "fieldsplit_psi_mg_levels_ksp_type": "richardson",
    "fieldsplit_psi_mg_levels_pc_type": "sor",
}
VARIANTS = {"split ILU(0)": ILU, "split GAMG+SOR": GAMG_SOR, "default (choice)": {}}
BANDS = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0, float("inf"))


def case_config(case, mesh):
    if case == "steady":
        geometry = {"kind": "strip", "length": 4.0, "width": 0.5, "mesh_size": mesh, "ends": "normal"}
        data = {"geometry": geometry, "model": {"delta": 10 / 3, "eta": 0.1, "interference": False}, "t_end": 30.0}
    else:
        geometry = {"kind": "strip", "length": 4.0, "width": 2.0, "thickness": 1.0, "mesh_size": mesh, "ends": "banks"}
        data = {"geometry": geometry, "model": {"delta": 10 / 3, "eta": 0.1}, "t_end": 20.0}
        data["output"] = {"probes": [[-1.5, 0.0, 0.0], [1.5, 0.0, 0.0]]}
    t_end = data.pop("t_end")
    data["drive"] = {"current": 0.2}
    data["time"] = {"t_end": t_end, "until": "t_end"}
    data.setdefault("output", {}).update({"fields": False, "every": t_end})
    return data


def run(data, petsc, out):
    from mpi4py import MPI

    import psc_fem  # noqa: F401  (initialises the DOLFINx wheel first)
    from psc_fem.film.config import validate_film
    from psc_fem.solver import problem
    from psc_fem.solver.simulation import simulate

    steps = []  # (dt, Newton its, Krylov its) of every Newton solve
    solve = problem.WireProblem.solve

    def counting(self):
        result = solve(self)
        steps.append((self._bdf[0], result[1], self.snes.getLinearSolveIterations()))
        return result

    problem.WireProblem.solve = counting
    try:
        t0 = time.perf_counter()
        sol = simulate(validate_film({**data, "petsc": petsc}), out, comm=MPI.COMM_SELF, progress=False, echo=False)
        wall = time.perf_counter() - t0
    finally:
        problem.WireProblem.solve = solve
    bands = {}
    for lo, hi in zip(BANDS[:-1], BANDS[1:]):
        newton = sum(n for dt, n, _ in steps if lo <= dt < hi)
        if newton:
            bands[f"{lo:g}-{hi:g}"] = round(sum(k for dt, _, k in steps if lo <= dt < hi) / newton, 1)
    r = sol.run
    return {
        "wall": wall,
        "dofs": r["dofs"],
        "steps": r["steps"],
        "newton_its": sum(n for _, n, _ in steps),
        "krylov_per_newton_by_dt": bands,
        "V_end": float(sol.series["V"][-1]),
        "linear_solver": r.get("linear_solver"),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", default="steady,box")
    ap.add_argument("--mesh-steady", type=float, default=0.025)
    ap.add_argument("--mesh-box", type=float, default=0.1)
    args = ap.parse_args(argv)
    meshes = {"steady": args.mesh_steady, "box": args.mesh_box}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases.split(","):
            data = case_config(case, meshes[case])
            run({**data, "time": {**data["time"], "t_end": 1e-3}}, ILU, f"{tmp}/warm-{case}")  # compiles the forms
            for k, (name, petsc) in enumerate(VARIANTS.items()):
                rows.append(
                    {"case": case, "mesh": meshes[case], "solver": name, **run(data, petsc, f"{tmp}/{case}{k}")}
                )
    record = {"bench": "film_psi_block", "rows": rows, "machine": machine()}
    text = table(
        ["case", "mesh", "solver", "unknowns", "steps", "Newton its", "wall s", "Krylov per Newton by dt"],
        [
            [
                r["case"],
                r["mesh"],
                r["solver"],
                r["dofs"],
                r["steps"],
                r["newton_its"],
                fmt(r["wall"]),
                " ".join(f"{band}:{its}" for band, its in r["krylov_per_newton_by_dt"].items()),
            ]
            for r in rows
        ],
    )
    emit(record, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
