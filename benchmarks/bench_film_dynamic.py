"""Films in dynamic states against py-tdgl (issue 16): phase slips in a constriction, vortex flow in a field,
critical currents.

    python benchmarks/bench_film_dynamic.py constriction [--meshes 0.1,0.05] [--pytdgl 0.1] [--ic 0.1]
    python benchmarks/bench_film_dynamic.py vortex [--meshes 0.2,0.1] [--pytdgl 0.2]
    python benchmarks/bench_film_dynamic.py strip --meshes "" --pytdgl "" --ic 0.1,0.05 --ic-bracket 0.28,0.3

Both codes solve the same equations (interference off, `[model]
interference = false`: py-tdgl's with gamma = delta; benchmarks/pytdgl_film.py
states the unit mapping of j, mu, t and the field) with normal-metal
terminals at the vertical end edges and V = phi(probe 1) - phi(probe 2),
probes 1 xi inside the ends on y = 0.

constriction: a strip 8 x 1 xi with a neck 0.4 wide and 2 long
(psc_fem.meshes.shapes.constriction), delta = gamma = 10/3, j = 0.22 at the
terminals (0.55 in the neck): periodic phase slips in the neck.  (The
4 x 1 strip with a 0.4 x 0.5 neck has no slipping state: its terminals
suppress the neck and it goes from a steady resistive state straight to
the normal state between j = 0.12 and 0.125.)  psc_fem runs `until =
"periodic"` (mean V and slip period from its own analysis); py-tdgl runs
to --t-end and its period and mean V come from the V spikes after
--t-settle (whole periods, pytdgl_film.dynamic_stats); the same rule is
applied to psc_fem's series as a cross-check (V_spikes, T_spikes in the
record).  --ic H1,H2: the critical current on meshes H in both codes,
bisecting j between --ic-bracket (runs of --ic-t-end): the current where
the steady superconducting state ends, by slips (`slips` says how each
code's run is judged slipping) or by turning normal (`normal`).  A run
that has neither switched nor settled by --ic-t-end counts as not
switched: near the critical current the switch comes late (the strip at
0.2925: after tau ~ 1100; the constriction at 0.1925: after ~600), so
such a bracket is an upper bound (docs/films.md).

strip: the quasi-1D strip 4 x 0.5 xi of bench_film_pytdgl.py (steady
resistive at j = 0.2), for its critical current (--ic).

vortex: a strip 8 x 4 xi in B = 0.7 Hc2 at j = 0.11: vortices keep crossing
the strip (|Psi(0, 0)| dips to 0 again and again; the mean V over 100 tau
windows stays within 0.242-0.255 up to tau = 600).  (At j = 0.15 they
cross ever faster and the film turns normal near tau = 650; at B = 0.4
the strip is steady up to j ~ 0.245 and normal from 0.26.)  Both codes run
to --t-end; V is the time average of V(t) after --t-settle; the "period"
is the mean spacing of V's spikes (irregular: a guide only).

--corners H1,H2: psc_fem on mesh 0.1 refined to H within --corner-radius
(0.3 xi) of the neck's four re-entrant corners ([geometry] corner_mesh_size
= H), where its uniform-mesh error comes from (py-tdgl meshes uniformly),
at time.rtol --corner-rtol; their errors are against psc_fem's limit from
--meshes, or the --fem-limit V,period given.  Errors: each code against its own finest
mesh ("vs own finest"), and its Richardson limit (second order assumed
with two meshes, observed order with three).  Cost: wall / tau of each run.  Prints a JSON record and a
table; py-tdgl needs .venv-bench (`make bench`).
"""

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from mpi4py import MPI  # noqa: E402

import psc_fem  # noqa: E402,F401  (initialises the DOLFINx wheel first)
from psc_fem.analysis.periods import slip_times  # noqa: E402
from psc_fem.film.config import validate_film  # noqa: E402
from psc_fem.meshes import shapes  # noqa: E402
from psc_fem.solver.simulation import simulate  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_PY, ROOT, emit, fmt, machine, run_json, table  # noqa: E402
from pytdgl_film import dynamic_stats  # noqa: E402  (numpy + scipy only)

CASES = {
    "strip": dict(length=4.0, width=0.5, current=0.2, field=0.0, delta=10 / 3, until="periodic"),  # quasi-1D
    "constriction": dict(
        length=8.0, width=1.0, neck_width=0.4, neck_length=2.0, current=0.22, field=0.0, delta=10 / 3, until="periodic"
    ),
    "vortex": dict(length=8.0, width=4.0, current=0.11, field=0.7, delta=10 / 3, until="t_end"),
}


def fem_config(case, h, current, t_end, corners=None, corner_radius=0.3, rtol=1e-4, degree=1):
    """``corners``: a finer mesh size within ``corner_radius`` of the neck's four re-entrant corners
    (constriction); ``rtol``: time.rtol (atol = rtol / 10); ``degree``: geometry.degree (1 or 2)."""
    c = CASES[case]
    if case == "constriction":
        vertices, holes = shapes.constriction(c["length"], c["width"], c["neck_width"], c["neck_length"])
        geometry = {"kind": "polygon", "vertices": vertices, "holes": holes}
        if corners is not None:  # the four re-entrant corners of the neck, found by psc_fem
            geometry.update(corner_mesh_size=corners, corner_radius=corner_radius)
    else:
        geometry = {"kind": "strip", "length": c["length"], "width": c["width"]}
    return validate_film(
        {
            "geometry": {**geometry, "mesh_size": h, "ends": "normal", "degree": degree},
            "field": {"B": c["field"]},
            "model": {"delta": c["delta"], "eta": 0.1, "interference": False},
            "drive": {"current": current},
            "time": {"t_end": t_end, "until": c["until"], "rtol": rtol, "atol": rtol / 10},
            "output": {"fields": False},
        }
    )


def run_fem(case, h, out, t_end, t_settle, current=None, corners=None, corner_radius=0.3, rtol=1e-4, degree=1):
    current = CASES[case]["current"] if current is None else current
    start = time.perf_counter()
    cfg = fem_config(case, h, current, t_end, corners, corner_radius, rtol, degree)
    sol = simulate(cfg, out, comm=MPI.COMM_SELF, progress=False, echo=False, overwrite=True)
    wall = time.perf_counter() - start
    t, V = np.asarray(sol.series["t"]), np.asarray(sol.series["V"])
    s = sol.stats
    late_slips = slip_times(t, np.asarray(sol.series["psi_min"]))
    # the py-tdgl rule on psc_fem's own series: spikes of V after t_settle (a periodic run may stop before)
    spikes = dynamic_stats(t, V, min(t_settle, 0.5 * t[-1]))
    row = {
        "code": "psc_fem" if corners is None else f"psc_fem, corners {corners:g} within {corner_radius:g}",
        "rtol": rtol,
        "degree": degree,
        "h": h,
        "current": current,
        "unknowns": sol.run["dofs"],
        "state": s["state"],
        "n_slips": s.get("n_slips"),
        "late_slips": int(np.sum(late_slips >= 0.5 * t[-1])),
        "steps": sol.run["steps"],
        "tau": float(t[-1]),
        "wall": wall,
        "V_spikes": spikes.get("mean_V"),
        "T_spikes": spikes.get("period"),
        "V_mean": spikes["V_mean"],
        "V_ptp": spikes["V_ptp"],
        "n_periods": spikes.get("n_periods"),
        "V_half": spikes["V_half"],
    }
    if case == "constriction" and s["state"] in ("periodic", "not settled"):
        row.update(V=s["mean_V"], period=s["period"])
    elif s["state"] in ("steady", "stationary"):
        row.update(V=s["mean_V"], period=None)
    else:  # vortex flow: the time average after t_settle; the spacing of V's spikes (not one period) as a guide
        row.update(V=spikes["V_mean"], period=spikes.get("period"))
    row["wall_per_tau"] = wall / row["tau"]
    return row


def run_pytdgl(case, h, t_end, t_settle, current=None):
    c = CASES[case]
    current = c["current"] if current is None else current
    cmd = [str(BENCH_PY), str(ROOT / "benchmarks" / "pytdgl_film.py"), "--case", case, "--h", str(h)]
    cmd += ["--length", str(c["length"]), "--width", str(c["width"]), "--current", str(current)]
    cmd += ["--gamma", str(c["delta"]), "--field", str(c["field"])]
    cmd += ["--t-end", str(t_end), "--t-settle", str(t_settle)]
    if case == "constriction":
        cmd += ["--neck-width", str(c["neck_width"]), "--neck-length", str(c["neck_length"])]
    r = run_json(cmd)[-1]
    return {**r, "unknowns": 3 * r["sites"], "tau": r["t_end"], "wall_per_tau": r["wall"] / r["t_end"]}


def richardson(rows, key):
    """Limit and order of ``key`` on a ladder of halving meshes (p = 2 assumed with two)."""
    pts = sorted(((r["h"], r[key]) for r in rows if r.get(key) is not None), reverse=True)
    if len(pts) < 2:
        return None
    (h1, a), (h2, b) = pts[-2], pts[-1]
    p = 2.0
    if len(pts) >= 3:
        z = pts[-3][1]
        if (b - a) != 0 and (a - z) / (b - a) > 1:
            p = math.log((a - z) / (b - a)) / math.log(h1 / h2)
    limit = b + (b - a) / ((h1 / h2) ** p - 1)
    return {"limit": limit, "order": p, "finest_error": b - limit}


def slips(row):
    """Is a run slipping?  py-tdgl: the probes' phase difference winds at least twice after t_settle (its V
    in a steady state has ripples that a spike finder takes for periods); psc_fem: two dips of min |Psi|
    to its slip level in the second half of the run (psc_fem.analysis.periods.slip_times)."""
    if "windings" in row:
        return row["windings"] >= 2
    return row["late_slips"] >= 2


def normal(row, case, current):
    """Has the film turned normal between the probes: V >= 0.95 j d (d = length - 2, probes 1 xi inside the
    ends; a normal constriction's V is larger still)?  A quasi-1D strip goes from its steady superconducting
    state straight to the normal one, with no slips (and the phase between normal probes is noise)."""
    return row["V"] is not None and row["V"] >= 0.95 * current * (CASES[case]["length"] - 2.0)


def critical_current(case, code, h, lo, hi, steps, t_end, tmp):
    """Bisection on j between a steady ``lo`` and a slipping ``hi``: (lo, hi, runs)."""
    runs = []
    for k in range(steps):
        j = 0.5 * (lo + hi)
        if code == "psc_fem":
            r = run_fem(case, h, Path(tmp) / f"ic{h}_{k}", t_end, 0.5 * t_end, current=j)
        else:
            r = run_pytdgl(case, h, t_end, 0.5 * t_end, current=j)
        run = {"j": j, "slips": slips(r), "normal": normal(r, case, j), "V": r["V"], "period": r.get("period")}
        runs.append({**run, "wall": r["wall"]})
        print(f"  Ic {code} h={h}: {run}", file=sys.stderr, flush=True)
        lo, hi = (lo, j) if run["slips"] or run["normal"] else (j, hi)  # the superconducting steady state ends
    return {"code": code, "h": h, "lo": lo, "hi": hi, "Ic": 0.5 * (lo + hi), "runs": runs}


def floats(text):
    return [float(x) for x in text.split(",") if x]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--meshes", help="psc_fem mesh sizes (xi); default 0.1,0.05 (constriction), 0.2,0.1 (vortex)")
    ap.add_argument("--pytdgl", help="py-tdgl mesh sizes (xi); default 0.1 / 0.2; empty: skip")
    ap.add_argument("--t-end", type=float, help="py-tdgl's run, psc_fem's in the vortex case (default 250 / 600)")
    ap.add_argument("--t-settle", type=float, help="statistics after this time (default 100 / 200)")
    ap.add_argument("--fem-t-end", type=float, default=1000.0, help="psc_fem's cap with until = periodic")
    ap.add_argument("--corners", help="constriction: psc_fem at mesh 0.1 refined to these sizes at the neck's corners")
    ap.add_argument("--corner-radius", type=float, default=0.3, help="the corners' refinement radius (xi)")
    ap.add_argument("--corner-rtol", type=float, default=1e-4, help="time.rtol of the --corners runs")
    ap.add_argument("--degree", type=int, default=1, choices=(1, 2), help="psc_fem's geometry.degree")
    ap.add_argument("--rtol", type=float, default=1e-4, help="time.rtol of the --meshes runs")
    ap.add_argument(
        "--fem-limit", help="V,period: psc_fem's limits for the --corners rows' errors (default: --meshes')"
    )
    ap.add_argument("--ic", help="strip, constriction: also bisect the critical current on these meshes")
    ap.add_argument("--ic-bracket", default="0.18,0.2", help="steady, slipping j (constriction; strip: 0.28,0.3)")
    ap.add_argument("--ic-steps", type=int, default=4)
    ap.add_argument("--ic-t-end", type=float, default=300.0)
    ap.add_argument("--ic-codes", default="psc_fem,py-tdgl")
    args = ap.parse_args(argv)
    vortex = args.case == "vortex"
    meshes = floats(args.meshes if args.meshes is not None else ("0.2,0.1" if vortex else "0.1,0.05"))
    pmeshes = floats(args.pytdgl if args.pytdgl is not None else ("0.2" if vortex else "0.1"))
    t_end = args.t_end or (600.0 if vortex else 250.0)
    t_settle = args.t_settle or (200.0 if vortex else 100.0)
    rows, ic = [], []
    have_bench = BENCH_PY.is_file()
    skipped = None if have_bench else f"{BENCH_PY} missing: run `make bench` (installs py-tdgl into .venv-bench)"
    with tempfile.TemporaryDirectory() as tmp:
        for h in meshes:
            fem_t_end = t_end if vortex else args.fem_t_end
            out = Path(tmp) / f"fem{h}"
            rows.append(run_fem(args.case, h, out, fem_t_end, t_settle, rtol=args.rtol, degree=args.degree))
            print(f"  psc_fem h={h}: V={rows[-1]['V']} T={rows[-1]['period']}", file=sys.stderr, flush=True)
        for size in floats(args.corners or "") if not vortex else []:
            rows.append(
                run_fem(
                    args.case,
                    0.1,
                    Path(tmp) / f"corners{size}",
                    args.fem_t_end,
                    t_settle,
                    corners=size,
                    corner_radius=args.corner_radius,
                    rtol=args.corner_rtol,
                    degree=args.degree,
                )
            )
        for h in pmeshes if have_bench else []:
            rows.append(run_pytdgl(args.case, h, t_end, t_settle))
            print(f"  py-tdgl h={h}: V={rows[-1]['V']} T={rows[-1].get('period')}", file=sys.stderr, flush=True)
        for h in floats(args.ic or "") if not vortex else []:
            lo, hi = floats(args.ic_bracket)
            for code in args.ic_codes.split(","):
                if code == "psc_fem" or have_bench:
                    ic.append(critical_current(args.case, code, h, lo, hi, args.ic_steps, args.ic_t_end, tmp))
    limits = {}
    for code in ("psc_fem", "py-tdgl"):
        own = [r for r in rows if r["code"] == code]
        ref = min(own, key=lambda r: r["h"]) if own else None
        for r in own:
            r["V_vs_own_finest"] = None if r["V"] is None else r["V"] / ref["V"] - 1.0
            T, Tref = r.get("period"), ref.get("period")
            r["T_vs_own_finest"] = T / Tref - 1.0 if T and Tref else None
        limits[code] = {"V": richardson(own, "V"), "period": richardson(own, "period")}
    known = dict(zip(("V", "period"), floats(args.fem_limit or "")))  # psc_fem's limits from an earlier ladder
    for key in ("V", "period"):
        limit = (limits["psc_fem"][key] or {}).get("limit", known.get(key))
        for r in rows if limit else []:
            if r["code"].startswith("psc_fem, corners") and r.get(key):
                r[f"{key}_vs_fem_limit"] = r[key] / limit - 1.0
    headers = ["code", "h", "unknowns", "state", "mean V", "period", "V vs own finest", "T vs own finest"]
    headers += ["tau", "steps", "wall s", "s per tau"]
    text = table(
        headers,
        [
            [
                r["code"],
                fmt(r["h"]),
                r["unknowns"],
                r.get("state", "-"),
                fmt(r["V"], ".5f"),
                fmt(r.get("period"), ".4f"),
                fmt(r.get("V_vs_own_finest", r.get("V_vs_fem_limit")), "+.3%"),
                fmt(r.get("T_vs_own_finest", r.get("period_vs_fem_limit")), "+.3%"),
                fmt(r["tau"], ".0f"),
                r["steps"],
                fmt(r["wall"]),
                fmt(r["wall_per_tau"]),
            ]
            for r in rows
        ],
    )
    for code, lim in limits.items():
        for key, v in lim.items():
            if v:
                text += f"\n{code} {key}: Richardson limit {v['limit']:.5f} (order {v['order']:.2f}), "
                text += f"finest mesh off by {v['finest_error']:+.2e}"
    for r in ic:
        text += f"\nIc {r['code']} h={r['h']}: {r['Ic']:.5f} (steady at {r['lo']:.5f}, slipping at {r['hi']:.5f})"
    record = {"bench": f"film_dynamic_{args.case}", "case": CASES[args.case], "t_end": t_end, "t_settle": t_settle}
    record.update(rows=rows, limits=limits, critical_current=ic, skipped=skipped, machine=machine())
    emit(record, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
