"""psc_fem against its peers, at equal accuracy in mean V (issue 8).

    python benchmarks/bench_peers.py fd       [--repeats 3]   # Fig. 1 wire vs tests/helpers/fd_reference.py
    python benchmarks/bench_peers.py fd-large [--cap 600]     # long wires, 1e3..1e4 DOFs, vs the FD solver
    python benchmarks/bench_peers.py pytdgl   [--repeats 3]   # Fig. 1 wire vs py-tdgl (needs .venv-bench)

Each prints one JSON record (a line starting with BENCH_JSON) and a table.

Accuracy.  Each code's error is |mean V - mean V_ref| / mean V_ref with
V_ref the code's *own* refined solution (REFS below; `--refs` recomputes
them).  Both codes solve the same equations, so their references must
agree: the table shows that too.  Equal accuracy: for each accuracy
level, each code's cheapest configuration of its ladder that reaches it;
those two are then timed side by side, interleaved, `--repeats` times, and
the ratio (peer wall / psc_fem wall, > 1: psc_fem faster) is reported as
min/median/max over the repeats.  The machine is shared: ratios from one
interleaved run are what to compare, absolute times only with the load
average printed beside them.

psc_fem runs in-process (`simulate`, form cache warm, no field output, one
frame at the end: the FD and py-tdgl runs write no fields either).
"""

import argparse
import json
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
from psc_fem.config import validate  # noqa: E402
from psc_fem.solver.simulation import simulate  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the tests' helpers package
from _common import BENCH_PY, ROOT, emit, fmt, fmt_spread, machine, run_json, spread, table  # noqa: E402

# ---- the Fig. 1 wire ------------------------------------------------------
FIG1 = dict(length=1.1, current=1.5, delta=10 / 3, eta=0.1, t_end=150.0)

# Own refined solutions (mean V over whole periods, t_end = 150, eps_q = 1e-3),
# recomputed by `bench_peers.py fd --refs` / `pytdgl --refs`:
REFS = {
    # psc_fem: P2, h = 0.0125, rtol = 1e-7, atol = 1e-8
    "fem_fig1": None,
    # FD: Richardson extrapolation of N = 44, 88, 176 cells at rtol = 1e-7 (observed order stored)
    "fd_fig1": None,
    # gapless wire (delta = 0), t_end = 45, P2 h = 0.0125 rtol 1e-7
    "fem_gapless45": None,
    # delta = 10/3 with eta -> 0 (= py-tdgl's gamma = 10/3 model), t_end = 75
    "fem_gamma45": None,
    # py-tdgl, gapless strip: Richardson h^2 of h = 0.1, 0.05 at dt_max = 1e-3 (the full `pytdgl` benchmark)
    "pytdgl_gapless45": None,
}
REFS_FILE = Path(__file__).resolve().parent / "reference_values.json"
if REFS_FILE.exists():
    REFS.update({k: v for k, v in json.loads(REFS_FILE.read_text()).items() if k in REFS})

# Ladders: coarse and loose -> fine and tight.
FEM_LADDER = [  # (h, degree, rtol); atol = rtol / 10
    (0.1, 1, 1e-3),
    (0.05, 1, 1e-3),
    (0.1, 1, 1e-4),
    (0.05, 1, 1e-4),
    (0.05, 1, 1e-5),
    (0.025, 1, 1e-5),
    (0.05, 2, 1e-5),
    (0.025, 1, 1e-6),
]
FD_LADDER = [  # (cells, rtol); atol = rtol / 100 (tests/helpers/fd_reference.py's ratio)
    (22, 1e-4),
    (22, 1e-6),
    (44, 1e-5),
    (44, 1e-6),
    (88, 1e-6),
    (176, 1e-6),
]
LEVELS = (3e-3, 1e-3, 3e-4, 1e-4)


def fem_config(length, current, delta, eta, t_end, h, degree, rtol, atol=None):
    return validate(
        {
            "wire": {"length": length, "h": h, "degree": degree},
            "model": {"delta": delta, "eta": eta},
            "drive": {"current": current},
            "time": {"t_end": t_end, "rtol": rtol, "atol": atol if atol is not None else rtol / 10},
            "output": {"fields": False, "every": t_end},
        }
    )


_TMP = tempfile.TemporaryDirectory(prefix="psc_bench_")
_COUNT = [0]


def run_fem(cfg):
    """One psc_fem run (warm form cache); wall time of simulate() and its stats."""
    _COUNT[0] += 1
    out = Path(_TMP.name) / f"r{_COUNT[0]}"
    simulate(
        cfg.replace(time={"t_end": min(1.0, cfg.time.t_end)}),
        out.with_name(out.name + "w"),
        progress=False,
        echo=False,
        comm=MPI.COMM_SELF,
    )
    t0 = time.perf_counter()
    r = simulate(cfg, out, progress=False, echo=False, comm=MPI.COMM_SELF)
    wall = time.perf_counter() - t0
    return {
        "wall": wall,
        "mean_V": r.stats.get("mean_V"),
        "period": r.stats.get("period"),
        "josephson_ratio": r.stats.get("josephson_ratio"),
        "n_periods": r.stats.get("n_periods"),
        "steps": r.run["steps"],
        "dofs": r.run["dofs"],
        "newton_per_step": r.run["newton_per_step"],
        "t": np.asarray(r.series["t"]),
        "V": np.asarray(r.series["V"]),
    }


def run_fd(
    cells,
    rtol,
    t_end=FIG1["t_end"],
    length=FIG1["length"],
    current=FIG1["current"],
    delta=FIG1["delta"],
    eta=FIG1["eta"],
):
    from helpers.fd_reference import periodic_stats, solve_fd

    t0 = time.perf_counter()
    r = solve_fd(length, cells, current, delta=delta, eta=eta, t_end=t_end, rtol=rtol, atol=rtol / 100, dt_out=0.05)
    wall = time.perf_counter() - t0
    st = periodic_stats(r.series["t"], r.series["V"], r.series["psi_center"])
    # the paper's sign (V < 0 for j > 0): flip to psc_fem's
    return {
        "wall": wall,
        "mean_V": -st["mean_V"],
        "period": st["period"],
        "josephson_ratio": st["josephson_ratio"],
        "n_periods": st["n_periods"],
        "nfev": r.nfev,
        "unknowns": 2 * (cells - 1) + 2,
    }


def rel_err(v, ref):
    return None if v is None or ref is None else abs(v - ref) / abs(ref)


def cheapest(ladder_rows, level):
    ok = [r for r in ladder_rows if r["error"] is not None and r["error"] <= level]
    return min(ok, key=lambda r: r["wall"]) if ok else None


def side_by_side(fn_a, fn_b, repeats):
    """Interleaved repeats a, b, a, b, ...: per-repeat ratios b/a."""
    wa, wb = [], []
    for _ in range(repeats):
        wa.append(fn_a()["wall"])
        wb.append(fn_b()["wall"])
    return wa, wb, [b / a for a, b in zip(wa, wb)]


def richardson(values, ratio=2.0):
    """Extrapolate the last of a sequence refined by `ratio`; returns (value, observed order)."""
    a, b, c = values[-3:]
    order = math.log(abs((b - a) / (c - b))) / math.log(ratio)
    return c + (c - b) / (ratio**order - 1), order


# ---- fd: Fig. 1 wire at equal accuracy --------------------------------------
def bench_fd(args):
    refs = dict(REFS)
    if args.refs or refs["fem_fig1"] is None:
        refs["fem_fig1"] = run_fem(fem_config(**FIG1, h=0.0125, degree=2, rtol=1e-7, atol=1e-8))["mean_V"]
    if args.refs or refs["fd_fig1"] is None:
        vals = [run_fd(n, 1e-7)["mean_V"] for n in (44, 88, 176)]
        refs["fd_fig1"], order = richardson(vals)
        refs["fd_fig1_order"] = order
        refs["fd_fig1_levels"] = vals
    _save_refs(refs)

    fem_rows, fd_rows = [], []
    for h, deg, rtol in FEM_LADDER:
        r = run_fem(fem_config(**FIG1, h=h, degree=deg, rtol=rtol))
        fem_rows.append(
            {"h": h, "degree": deg, "rtol": rtol, **_scalars(r), "error": rel_err(r["mean_V"], refs["fem_fig1"])}
        )
    for cells, rtol in FD_LADDER:
        r = run_fd(cells, rtol)
        fd_rows.append(
            {
                "cells": cells,
                "h": FIG1["length"] / cells,
                "rtol": rtol,
                **r,
                "error": rel_err(r["mean_V"], refs["fd_fig1"]),
            }
        )

    matches = []
    for level in LEVELS:
        a, b = cheapest(fem_rows, level), cheapest(fd_rows, level)
        if a is None or b is None:
            matches.append({"level": level, "fem": a and _label_fem(a), "fd": b and _label_fd(b), "ratio": None})
            continue
        cfg = fem_config(**FIG1, h=a["h"], degree=a["degree"], rtol=a["rtol"])
        wa, wb, ratios = side_by_side(lambda: run_fem(cfg), lambda: run_fd(b["cells"], b["rtol"]), args.repeats)
        matches.append(
            {
                "level": level,
                "fem": _label_fem(a),
                "fd": _label_fd(b),
                "fem_error": a["error"],
                "fd_error": b["error"],
                "fem_wall": spread(wa),
                "fd_wall": spread(wb),
                "ratio_fd_over_fem": spread(ratios),
            }
        )
    record = {
        "benchmark": "peers-fd",
        "machine": machine(),
        "wire": FIG1,
        "refs": refs,
        "fem_ladder": fem_rows,
        "fd_ladder": fd_rows,
        "equal_accuracy": matches,
        "target": "psc_fem within 3x of the FD solver at equal accuracy (ratio fd/fem >= 1/3)",
    }
    text = [
        "",
        f"Fig. 1 wire (L = 1.1, j = 1.5, delta = 10/3, eta = 0.1, t_end = 150), one rank, {machine()['cores']} cores, load {machine()['load_avg_1_5_15']}",
        f"own references: psc_fem {refs['fem_fig1']:.6f}, FD {refs['fd_fig1']:.6f} (difference {rel_err(refs['fem_fig1'], refs['fd_fig1']):.1e})",
        "",
    ]
    text.append(
        table(
            ["psc_fem config", "dofs", "steps", "wall [s]", "mean V", "error"],
            [
                [_label_fem(r), r["dofs"], r["steps"], fmt(r["wall"]), fmt(r["mean_V"], ".6f"), fmt(r["error"], ".1e")]
                for r in fem_rows
            ],
        )
    )
    text.append("")
    text.append(
        table(
            ["FD config", "unknowns", "nfev", "wall [s]", "mean V", "error"],
            [
                [
                    _label_fd(r),
                    r["unknowns"],
                    r["nfev"],
                    fmt(r["wall"]),
                    fmt(r["mean_V"], ".6f"),
                    fmt(r["error"], ".1e"),
                ]
                for r in fd_rows
            ],
        )
    )
    text.append("")
    text.append(
        table(
            ["accuracy", "psc_fem (error)", "FD (error)", "psc_fem wall [s]", "FD wall [s]", "FD/psc_fem"],
            [
                [
                    fmt(m["level"], ".0e"),
                    f"{m['fem']} ({fmt(m.get('fem_error'), '.1e')})",
                    f"{m['fd']} ({fmt(m.get('fd_error'), '.1e')})",
                    fmt_spread(m.get("fem_wall")),
                    fmt_spread(m.get("fd_wall")),
                    fmt_spread(m.get("ratio_fd_over_fem"), ".2f"),
                ]
                for m in matches
            ],
        )
    )
    emit(record, "\n".join(text))


def _label_fem(r):
    return f"P{r['degree']} h={r['h']:g} rtol={r['rtol']:g}"


def _label_fd(r):
    return f"N={r['cells']} rtol={r['rtol']:g}"


def _scalars(r):
    return {k: v for k, v in r.items() if not isinstance(v, np.ndarray)}


def _save_refs(refs):
    old = json.loads(REFS_FILE.read_text()) if REFS_FILE.exists() else {}
    old.update({k: v for k, v in refs.items() if v is not None})
    REFS_FILE.write_text(json.dumps(old, indent=1) + "\n")


# ---- fd-large: long wires ------------------------------------------------------
# From Psi = 1 the whole current starts as normal current (V = j L); the phase
# gradient builds up while the end phase winds, and |Psi| starts to sag
# everywhere (j > 0.385, the depairing current): the first 5 time units of
# the collapse towards the resistive state.  Same window, same grid for both.
LARGE = dict(current=0.6, delta=0.0, eta=0.1, h=0.05, t_end=5.0, rtol=1e-4)


class WallCap(Exception):
    pass


def run_fd_large(cells, banded, cap):
    """FD solver on a long wire; stops at `cap` seconds and reports how far it got."""
    import scipy.sparse as sp
    from helpers.fd_reference import U_EXACT, FDModel
    from scipy.integrate import solve_ivp

    length = cells * LARGE["h"]
    m = FDModel(length, cells, LARGE["current"], LARGE["delta"], LARGE["eta"], float(U_EXACT), "exact", 1e-3)
    n = cells - 1
    y0 = np.concatenate([np.ones(n), np.zeros(n), np.zeros(2)])
    kw = {"vectorized": True}
    if banded:
        # The exact Jacobian is dense (phi at every node depends on Psi everywhere
        # through (A.6)); solve_ivp accepts only a sparsity *pattern*.  Banded
        # pattern of the local terms + the two end-phase rows, which are dense:
        # an approximate Jacobian for BDF's Newton, sparse LU.
        T = sp.diags([1.0, 1.0, 1.0], [-1, 0, 1], shape=(n, n))
        S = sp.lil_matrix((2 * n + 2, 2 * n + 2))
        S[: 2 * n, : 2 * n] = sp.bmat([[T, T], [T, T]])
        for r in (0, n - 1, n, 2 * n - 1):
            S[r, 2 * n] = S[r, 2 * n + 1] = 1
        S[2 * n, :] = 1
        S[2 * n + 1, :] = 1
        kw = {"vectorized": False, "jac_sparsity": S.tocsc()}
    state = {"t": 0.0, "start": time.perf_counter()}

    def rhs(t, y):
        if time.perf_counter() - state["start"] > cap:
            raise WallCap
        state["t"] = max(state["t"], float(t))
        return m.rhs(t, y)

    t0 = time.perf_counter()
    capped, V_end = False, None
    try:
        sol = solve_ivp(
            rhs, (0.0, LARGE["t_end"]), y0, method="BDF", rtol=LARGE["rtol"], atol=LARGE["rtol"] / 100, **kw
        )
        _, _, _, phi = m.fields(sol.y[:, -1:])
        V_end = float(phi[0, 0] - phi[-1, 0])  # psc_fem's sign
        t_reached = LARGE["t_end"]
    except WallCap:
        capped, t_reached = True, state["t"]
    wall = time.perf_counter() - t0
    return {
        "wall": wall,
        "t_reached": t_reached,
        "capped": capped,
        "wall_per_tau": wall / max(t_reached, 1e-12),
        "V_end": V_end,
        "unknowns": 2 * n + 2,
    }


def bench_fd_large(args):
    rows = []
    for cells in args.cells:
        length = cells * LARGE["h"]
        cfg = fem_config(
            length, LARGE["current"], LARGE["delta"], LARGE["eta"], LARGE["t_end"], LARGE["h"], 1, LARGE["rtol"]
        )
        fem = [run_fem(cfg) for _ in range(args.repeats)]
        fem_walls = [f["wall"] for f in fem]
        cap = max(args.cap_min, args.cap_factor * max(fem_walls))
        row = {
            "cells": cells,
            "length": length,
            "fem_dofs": fem[0]["dofs"],
            "fem_wall": spread(fem_walls),
            "fem_steps": fem[0]["steps"],
            "fem_V_end": float(fem[0]["V"][-1]),
        }
        for name, banded in (("fd_dense", False), ("fd_banded", True)):
            if name == "fd_dense" and cells > args.dense_max:
                row[name] = {
                    "skipped": f"dense Jacobian of {2 * cells} unknowns: {16 * (2 * cells) ** 2 / 1e9:.1f} GB per work array"
                }
                continue
            r = run_fd_large(cells, banded, cap)
            r["ratio_wall_per_tau"] = r["wall_per_tau"] / (np.median(fem_walls) / LARGE["t_end"])
            row[name] = r
        rows.append(row)
        print(f"# fd-large cells={cells} done", file=sys.stderr, flush=True)
    record = {
        "benchmark": "peers-fd-large",
        "machine": machine(),
        "problem": LARGE,
        "rows": rows,
        "target": "psc_fem faster than the FD solver from 1e4 DOFs up",
    }
    text = [
        "",
        f"Long wires (gapless, j = {LARGE['current']}, h = {LARGE['h']}, from Psi = 1 to t = {LARGE['t_end']}: "
        f"normal current converting to supercurrent, |Psi| sagging), rtol = {LARGE['rtol']}, one rank, {machine()['cores']} cores, load {machine()['load_avg_1_5_15']}",
        "",
    ]
    body = []
    for r in rows:
        for name in ("fd_dense", "fd_banded"):
            f = r[name]
            if "skipped" in f:
                body.append([r["cells"], r["fem_dofs"], fmt_spread(r["fem_wall"]), name, "-", "skipped", "-", "-"])
                continue
            ratio = fmt(f["ratio_wall_per_tau"], ".2f") + (" (lower bound)" if f["capped"] else "")
            body.append(
                [
                    r["cells"],
                    r["fem_dofs"],
                    fmt_spread(r["fem_wall"]),
                    name,
                    f["unknowns"],
                    f"{fmt(f['wall'])} to t={fmt(f['t_reached'], '.3g')}",
                    ratio,
                    fmt(None if f["V_end"] is None else abs(f["V_end"] - r["fem_V_end"]) / abs(r["fem_V_end"]), ".1e"),
                ]
            )
    text.append(
        table(
            [
                "cells",
                "psc_fem dofs",
                "psc_fem wall [s]",
                "peer",
                "peer unknowns",
                "peer wall [s]",
                "peer/psc_fem per tau",
                "|dV(t_end)|/V",
            ],
            body,
        )
    )
    emit(record, "\n".join(text))


# ---- pytdgl ----------------------------------------------------------------------
TDGL_LADDER = {  # gamma -> [(h, dt_max)]
    0.0: [(0.1, 2e-3), (0.1, 1e-3), (0.05, 1e-3), (0.1, 5e-4), (0.05, 5e-4)],
    10 / 3: [(0.1, 1e-3), (0.05, 1e-3)],
}
TDGL_T_END = 45.0
# psc_fem's ladder for this comparison: the Fig. 1 ladder plus coarser, looser
# configurations (py-tdgl's accuracy is in the per-cent range)
FEM_LADDER_COARSE = [(0.2, 1, 1e-2), (0.1, 1, 1e-2), (0.1, 1, 3e-3)] + FEM_LADDER[:6]


def run_tdgl(h, dt_max, gamma, t_end, extra=()):
    cmd = [
        str(BENCH_PY),
        str(ROOT / "benchmarks" / "pytdgl_strip.py"),
        "--h",
        str(h),
        "--dt-max",
        str(dt_max),
        "--gamma",
        str(gamma),
        "--t-end",
        str(t_end),
        *extra,
    ]
    return run_json(cmd)[-1]


def tdgl_reference(rows):
    """py-tdgl's own refined mean V: Richardson in h (0.1 -> 0.05, second order,
    its finite-volume scheme) at the smallest dt_max run at both sizes.  Its
    dt dependence is measured too (dt_max 1e-3 -> 5e-4 moves mean V by
    ~1e-4 relative: negligible next to the h error)."""
    by = {(r["h"], r["dt_max"]): r["mean_V"] for r in rows if r["mean_V"] is not None}
    for dt in sorted({r["dt_max"] for r in rows}):
        if (0.1, dt) in by and (0.05, dt) in by:
            v1, v2 = by[(0.1, dt)], by[(0.05, dt)]
            return v2 + (
                v2 - v1
            ) / 3.0, f"Richardson h^2 from h = 0.1, 0.05 at dt_max = {dt:g} (first order would give {2 * v2 - v1:.4f})"
    r = rows[-1]
    return r["mean_V"], "finest run (no extrapolation possible)"


def bench_pytdgl(args):
    if not BENCH_PY.exists():
        record = {
            "benchmark": "peers-pytdgl",
            "skipped": f"{BENCH_PY} missing: run `make bench` (installs py-tdgl into .venv-bench)",
        }
        emit(record, record["skipped"])
        return
    refs = dict(REFS)
    cases = []
    t_end = TDGL_T_END
    for gamma in args.gammas:
        # psc_fem's equivalent: gapless, or eta -> 0 (D -> 1, no interference current) at delta = gamma
        eta = 0.1 if gamma == 0 else 1e-12
        key = "fem_gapless45" if gamma == 0 else "fem_gamma45"
        if args.refs or refs.get(key) is None:
            refs[key] = run_fem(fem_config(1.1, 1.5, gamma, eta, t_end, 0.0125, 2, 1e-7, 1e-8))["mean_V"]
            _save_refs(refs)
        cfgs = {(h, d, r): fem_config(1.1, 1.5, gamma, eta, t_end, h, d, r) for h, d, r in FEM_LADDER_COARSE}
        fem_rows = {}
        for c, cfg in cfgs.items():
            r = run_fem(cfg)
            fem_rows[c] = {
                "h": c[0],
                "degree": c[1],
                "rtol": c[2],
                **_scalars(r),
                "wall_per_tau": r["wall"] / t_end,
                "error": rel_err(r["mean_V"], refs[key]),
            }
        # py-tdgl runs, each followed by one timing pass over psc_fem's ladder
        # (same minutes, same machine load: the ratios pair these)
        tdgl_rows, passes = [], []
        for h, dt in TDGL_LADDER.get(gamma, TDGL_LADDER[10 / 3]):
            tdgl_rows.append(run_tdgl(h, dt, gamma, t_end))
            passes.append({c: run_fem(cfg)["wall"] / t_end for c, cfg in cfgs.items()})
        ref_t, ref_note = tdgl_reference(tdgl_rows)
        for r in tdgl_rows:
            r["error"] = rel_err(r["mean_V"], ref_t)
        matches = []
        for i, r in enumerate(tdgl_rows):
            if r["error"] is None:
                continue
            ok = [f for f in fem_rows.values() if f["error"] is not None and f["error"] <= r["error"]]
            if not ok:
                continue
            c = min(ok, key=lambda f: np.median([p[(f["h"], f["degree"], f["rtol"])] for p in passes]))
            key_c = (c["h"], c["degree"], c["rtol"])
            near = [passes[k][key_c] for k in (i - 1, i, i + 1) if 0 <= k < len(passes)]
            matches.append(
                {
                    "pytdgl": f"h={r['h']:g} dt_max={r['dt_max']:g}",
                    "pytdgl_error": r["error"],
                    "pytdgl_wall_per_tau": r["wall_per_tau"],
                    "fem": _label_fem(c),
                    "fem_error": c["error"],
                    "fem_wall_per_tau": spread(near),
                    "ratio": spread([r["wall_per_tau"] / w for w in near]),
                }
            )
        cases.append(
            {
                "gamma": gamma,
                "eta_fem": eta,
                "t_end": t_end,
                "fem_ref": refs[key],
                "pytdgl_ref": ref_t,
                "pytdgl_ref_note": ref_note,
                "fem_ladder": list(fem_rows.values()),
                "pytdgl_ladder": tdgl_rows,
                "fem_timing_passes": [
                    {_label_fem({"h": c[0], "degree": c[1], "rtol": c[2]}): w for c, w in p.items()} for p in passes
                ],
                "equal_accuracy": matches,
            }
        )
    record = {
        "benchmark": "peers-pytdgl",
        "machine": machine(),
        "cases": cases,
        "target": "psc_fem >= 20x faster per unit simulated time at equal accuracy in mean V",
    }
    text = []
    for c in cases:
        text += [
            "",
            f"py-tdgl vs psc_fem: L = 1.1, j = 1.5, gamma = delta = {c['gamma']:.4g} (psc_fem eta = {c['eta_fem']:g}), t_end = {c['t_end']:g}, "
            f"{machine()['cores']} cores, load {machine()['load_avg_1_5_15']}",
            f"own references: psc_fem {fmt(c['fem_ref'], '.6f')}; py-tdgl {fmt(c['pytdgl_ref'], '.5f')} ({c['pytdgl_ref_note']})",
            "",
        ]
        text.append(
            table(
                ["py-tdgl config", "sites (wire)", "steps", "wall/tau [s]", "mean V", "P*V/2pi", "V mouths", "error"],
                [
                    [
                        f"h={r['h']:g} dt_max={r['dt_max']:g}",
                        f"{r['sites']} ({r['wire_sites']})",
                        r["steps"],
                        fmt(r["wall_per_tau"]),
                        fmt(r["mean_V"], ".5f"),
                        fmt(r["josephson_ratio"], ".4f"),
                        fmt(r.get("mean_V_mouth"), ".4f"),
                        fmt(r["error"], ".1e"),
                    ]
                    for r in c["pytdgl_ladder"]
                ],
            )
        )
        text.append("")
        text.append(
            table(
                ["psc_fem config", "dofs", "steps", "wall/tau [ms]", "mean V", "P*V/2pi", "error"],
                [
                    [
                        _label_fem(r),
                        r["dofs"],
                        r["steps"],
                        fmt(1e3 * r["wall_per_tau"]),
                        fmt(r["mean_V"], ".6f"),
                        fmt(r["josephson_ratio"], ".5f"),
                        fmt(r["error"], ".1e"),
                    ]
                    for r in c["fem_ladder"]
                ],
            )
        )
        text.append("")
        text.append(
            table(
                [
                    "py-tdgl (error)",
                    "psc_fem cheapest at <= that error",
                    "py-tdgl wall/tau [s]",
                    "psc_fem wall/tau [ms]",
                    "py-tdgl/psc_fem",
                ],
                [
                    [
                        f"{m['pytdgl']} ({fmt(m['pytdgl_error'], '.1e')})",
                        f"{m['fem']} ({fmt(m['fem_error'], '.1e')})",
                        fmt(m["pytdgl_wall_per_tau"]),
                        fmt_spread(
                            {k: (1e3 * v if isinstance(v, float) else v) for k, v in m["fem_wall_per_tau"].items()}
                        ),
                        fmt_spread(m["ratio"], ".0f"),
                    ]
                    for m in c["equal_accuracy"]
                ],
            )
        )
    emit(record, "\n".join(text))


def bench_pytdgl_coarsest(args):
    """The closest point of the comparison, re-timed: py-tdgl's cheapest run (gapless, h = 0.1,
    dt_max = 2e-3) against psc_fem's cheapest configuration that is at least as accurate,
    interleaved ``repeats`` times.  Errors against each code's own reference (py-tdgl's is the
    Richardson value of the full `pytdgl` benchmark, stored in reference_values.json)."""
    refs = dict(REFS)
    h_t, dt_t = TDGL_LADDER[0.0][0]
    fem_cfg = fem_config(1.1, 1.5, 0.0, 0.1, TDGL_T_END, *FEM_LADDER_COARSE[0])
    rows = []
    for _ in range(args.repeats):
        t = run_tdgl(h_t, dt_t, 0.0, TDGL_T_END)
        f = run_fem(fem_cfg)
        rows.append(
            {
                "pytdgl_wall_per_tau": t["wall_per_tau"],
                "fem_wall_per_tau": f["wall"] / TDGL_T_END,
                "pytdgl_mean_V": t["mean_V"],
                "fem_mean_V": f["mean_V"],
            }
        )
    ratio = spread([r["pytdgl_wall_per_tau"] / r["fem_wall_per_tau"] for r in rows])
    err_t = rel_err(rows[-1]["pytdgl_mean_V"], refs.get("pytdgl_gapless45"))
    err_f = rel_err(rows[-1]["fem_mean_V"], refs["fem_gapless45"])
    record = {
        "benchmark": "peers-pytdgl-coarsest",
        "machine": machine(),
        "pytdgl": f"h={h_t:g} dt_max={dt_t:g}",
        "pytdgl_error": err_t,
        "fem": _label_fem(dict(zip(("h", "degree", "rtol"), FEM_LADDER_COARSE[0]))),
        "fem_error": err_f,
        "rows": rows,
        "ratio": ratio,
        "target": "psc_fem >= 20x faster per unit simulated time at equal accuracy in mean V",
    }
    text = [
        "",
        f"py-tdgl's cheapest gapless run vs psc_fem at better accuracy, {args.repeats} interleaved repeats, load {machine()['load_avg_1_5_15']}",
        "",
    ]
    text.append(
        table(
            ["py-tdgl (error)", "psc_fem (error)", "py-tdgl wall/tau [s]", "psc_fem wall/tau [ms]", "py-tdgl/psc_fem"],
            [
                [
                    f"{record['pytdgl']} ({fmt(err_t, '.1e')})",
                    f"{record['fem']} ({fmt(err_f, '.1e')})",
                    fmt_spread(spread([r["pytdgl_wall_per_tau"] for r in rows])),
                    fmt_spread(spread([1e3 * r["fem_wall_per_tau"] for r in rows])),
                    fmt_spread(ratio, ".1f"),
                ]
            ],
        )
    )
    emit(record, "\n".join(text))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("which", choices=["fd", "fd-large", "pytdgl", "pytdgl-coarsest"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--refs", action="store_true", help="recompute the own refined solutions")
    ap.add_argument(
        "--cells",
        type=int,
        nargs="+",
        default=[334, 1000, 3334],
        help="fd-large: wire sizes (cells; psc_fem DOFs = 3 cells + 3)",
    )
    ap.add_argument("--dense-max", type=int, default=1000, help="fd-large: largest size for the dense-Jacobian FD run")
    ap.add_argument(
        "--cap-factor", type=float, default=10.0, help="fd-large: stop an FD run after this many psc_fem walls"
    )
    ap.add_argument("--cap-min", type=float, default=60.0)
    ap.add_argument("--gammas", type=float, nargs="+", default=[0.0, 10 / 3])
    args = ap.parse_args(argv)
    {"fd": bench_fd, "fd-large": bench_fd_large, "pytdgl": bench_pytdgl, "pytdgl-coarsest": bench_pytdgl_coarsest}[
        args.which
    ](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
