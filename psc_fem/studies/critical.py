"""`psc-fem critical`: the critical current J0 by bisection (docs/sweeps.md).

    psc-fem critical CONFIG.toml [--tolerance 0.005] [--bracket LO:HI]
        [--lengths L1,L2,...] [--deltas D1,D2,...] [--ranks-per-run K]
        [--ramp-time T] [--t-max T] [--gl] [--out DIR] [--set ...] [--quiet]

J0 is the current above which the wire has no stationary state.  Each
*probe* at a current j starts from Psi = 1 at j = 0 (the exact stationary
state there) and ramps the current linearly to j over ``--ramp-time``, then
holds it: the probe is *slipping* as soon as |Psi| drops below 0.1
anywhere (a phase slip), *stationary* once max |V| over the trailing
window (10% of the hold, at least 10 tau) is below 1e-6.  The ramp keeps
the probe adiabatic: a sudden switch-on from Psi = 1 overshoots and could
slip below J0.  Near J0 both outcomes slow down (V relaxes as
exp(-c sqrt(J0 - j) tau) below, lingers at the ghost of the saddle-node,
V ~ j - J0, above); a probe still undecided at ``--t-max`` is judged by
its trend (|V| still falling: stationary) and flagged.

Bisection: the bracket [stationary, slipping] halves until its width is
at most the tolerance; J0 is its midpoint.  Under mpirun the N/K groups
probe N/K points of the bracket at once (multisection: the bracket
shrinks by N/K + 1 per round).  Without --bracket the upper end is found
by doubling from j = 0.5 (j = 0 is stationary).

Grids: --lengths and/or --deltas run one bisection per (length, delta),
the grid points spread over the groups by psc_fem.studies.batch (dynamic), and
write critical_grid.csv / .json / .png.

``stationary_branch_max(L)`` solves the stationary GL equation between
rigid banks, Psi'' + (1 - |Psi|^2) Psi = 0, Psi(+-L/2) = exp(+-i chi/2),
by continuation in chi (scipy solve_bvp) and returns the maximum of its
supercurrent over chi: the saddle-node where the stationary state ends,
the same for every delta (delta only enters the dynamics).  --gl prints
it beside J0; the sweep's cost model uses it as a J0 estimate.
"""

import csv
import math
import time
from pathlib import Path

import numpy as np

DEPAIRING = 2 / (3 * math.sqrt(3))  # j_dep of the uniform wire, units of j0
SLIP_LEVEL = 0.1
V_TOL = 1e-6


def _usage(message):
    from psc_fem.errors import UsageError

    return UsageError(message)


# ---- the GL stationary branch (reference and estimate) ----------------------
def _gl_solve(L, chi, x, y):
    from scipy.integrate import solve_bvp

    c, s = math.cos(chi / 2), math.sin(chi / 2)

    def fun(_, y):
        u1, u2, p1, p2 = y
        r = 1 - u1 * u1 - u2 * u2
        return np.vstack([p1, p2, -r * u1, -r * u2])

    def bc(ya, yb):
        return np.array([ya[0] - c, ya[1] + s, yb[0] - c, yb[1] - s])

    sol = solve_bvp(fun, bc, x, y, tol=1e-8, max_nodes=200_000)
    if not sol.success:
        return None
    j = sol.y[0] * sol.y[3] - sol.y[1] * sol.y[2]
    return float(np.mean(j)), sol


def stationary_branch_max(length, dchi=None):
    """max over chi of the stationary GL supercurrent between rigid banks (see module doc)."""
    from scipy.optimize import minimize_scalar

    L = float(length)
    dchi = dchi or min(0.05, 0.02 * max(L, 1.0)) * max(1.0, L / 10)
    x = np.linspace(-L / 2, L / 2, 201)
    y = np.zeros((4, x.size))
    y[0] = 1.0
    best = (0.0, 0.0, x, y)  # (j, chi, x, y)
    chi, falling = 0.0, 0
    while falling < 3 and chi < 4 * L + 10:
        chi += dchi
        got = _gl_solve(L, chi, x, y)
        if got is None:
            break
        j, sol = got
        x, y = sol.x, sol.y
        if j > best[0]:
            best, falling = (j, chi, x, y), 0
        else:
            falling += 1
    j0, chi0, xb, yb = best

    def neg(c):
        got = _gl_solve(L, c, xb, yb)
        return -got[0] if got else 0.0

    r = minimize_scalar(neg, bounds=(chi0 - dchi, chi0 + dchi), method="bounded", options={"xatol": 1e-6})
    return max(j0, -float(r.fun))


# ---- probes -------------------------------------------------------------------
class ProbeStop:
    """``stop`` hook of a probe: slipping or stationary (see module doc)."""

    def __init__(self, ramp_time, v_tol=V_TOL, poll=None, every=10):
        self.ramp_time, self.v_tol, self.poll, self.every = ramp_time, v_tol, poll, every
        self.k = 0
        self.verdict = None

    def __call__(self, s):
        if self.poll is not None:
            self.poll()
        if s["psi_min"][-1] < SLIP_LEVEL:
            self.verdict = ("slipping", f"|Psi| < {SLIP_LEVEL} at tau = {s['t'][-1]:.1f}")
            return "slipping"
        self.k += 1
        if self.k % self.every:
            return None
        t = s["t"][-1]
        hold = t - self.ramp_time
        if hold < 20.0:
            return None
        ts = np.asarray(s["t"])
        w = ts >= t - max(10.0, 0.1 * hold)
        vmax = float(np.max(np.abs(np.asarray(s["V"])[w])))
        if vmax < self.v_tol:
            self.verdict = ("stationary", f"max|V| = {vmax:.1e} < {self.v_tol:g} at tau = {t:.1f}")
            return "stationary"
        return None


def probe(config, current, run_dir, comm, ramp_time=50.0, t_max=3000.0, v_tol=V_TOL, poll=None):
    """One probe at ``current``: {'current', 'verdict', 'reason', 'flag', 't', 'wall'} (all ranks)."""
    from psc_fem.solver.integrator import StepFailure
    from psc_fem.solver.simulation import simulate

    j = float(current)
    cfg = config.replace(
        drive={"current": 0.0, "ramp_to": j, "ramp_time": ramp_time},
        time={"t_end": ramp_time + t_max},
        output={"fields": False, "every": max(config.output.every, 5.0)},
    )
    stop = ProbeStop(ramp_time, v_tol, poll)
    t0 = time.perf_counter()
    try:
        res = simulate(cfg, run_dir, comm=comm, progress=False, echo=False, stop=stop)
    except StepFailure as exc:  # a collapsing order parameter that the stepper cannot follow: not stationary
        return {"current": j, "verdict": "slipping", "reason": f"step failure: {exc}", "flag": "failed", "t": math.nan,
                "wall": time.perf_counter() - t0}
    out = {"current": j, "t": float(res.t[-1]), "wall": time.perf_counter() - t0, "flag": ""}
    if stop.verdict is not None:
        out["verdict"], out["reason"] = stop.verdict
        return out
    # undecided at t_max: judge by the trend of |V| over the last two windows
    t, V = res.t, np.abs(res.V)
    w = max(10.0, 0.1 * (t[-1] - ramp_time))
    last, before = V[t >= t[-1] - w].max(), V[(t >= t[-1] - 2 * w) & (t < t[-1] - w)].max()
    verdict = "stationary" if last < 0.9 * before else "slipping"
    out.update(verdict=verdict, reason=f"undecided at tau = {t[-1]:.0f} (max|V| {before:.2e} -> {last:.2e}), by trend", flag="trend")
    return out


# ---- bisection ----------------------------------------------------------------
def _fmt(j):
    return f"{j:.6f}"


class Bisection:
    """J0 of one config by (multi)section over ``n_points`` probes per round.

    ``run_round(points) -> list of probe dicts`` evaluates the points (in
    parallel or not); ``say`` prints (rank 0).
    """

    def __init__(self, tolerance, run_round, say=lambda text: None, bracket=None):
        self.tol = tolerance
        self.run_round = run_round
        self.say = say
        self.probes = []
        self.bracket = list(bracket) if bracket else None

    def _record(self, results):
        for r in results:
            self.probes.append(r)
            flag = f" [{r['flag']}]" if r["flag"] else ""
            self.say(f"  j = {_fmt(r['current'])}: {r['verdict']} ({r['reason']}){flag}")

    def search(self, n_points, start=0.5, top=64.0):
        """Upper end by doubling from ``start``; j = 0 is the stationary lower end."""
        lo, j = 0.0, start
        while j <= top:
            pts = [j * 2**k for k in range(n_points)]
            res = self.run_round(pts)
            self._record(res)
            slipping = sorted(r["current"] for r in res if r["verdict"] == "slipping")
            if slipping:
                hi = slipping[0]
                lo = max([lo] + [r["current"] for r in res if r["verdict"] == "stationary" and r["current"] < hi])
                return [lo, hi]
            lo = pts[-1]
            j = pts[-1] * 2
        raise RuntimeError(f"no slipping probe up to j = {top:g}: is this wire superconducting at all currents?")

    def run(self, n_points):
        if self.bracket is None:
            self.say("bracket search: doubling from j = 0.5 (j = 0 is stationary)")
            self.bracket = self.search(n_points)
        else:
            lo, hi = self.bracket
            self.say(f"checking the bracket ends j = {_fmt(lo)}, {_fmt(hi)}")
            res = self.run_round([lo, hi][:n_points] if n_points >= 2 else [lo])
            if n_points < 2:
                res += self.run_round([hi])
            self._record(res)
            v = {r["current"]: r["verdict"] for r in res}
            if v[lo] != "stationary" or v[hi] != "slipping":
                raise ValueError(f"--bracket {lo:g}:{hi:g} does not bracket J0: j = {lo:g} is {v[lo]}, j = {hi:g} is {v[hi]}")
        lo, hi = self.bracket
        self.say(f"bracket [{_fmt(lo)}, {_fmt(hi)}] width {_fmt(hi - lo)}")
        while hi - lo > self.tol:
            pts = [lo + (hi - lo) * (k + 1) / (n_points + 1) for k in range(n_points)]
            res = self.run_round(pts)
            self._record(res)
            slipping = [r["current"] for r in res if r["verdict"] == "slipping"]
            hi = min([hi] + slipping)
            lo = max([lo] + [r["current"] for r in res if r["verdict"] == "stationary" and r["current"] < hi])
            stray = [r["current"] for r in res if r["verdict"] == "stationary" and r["current"] > hi]
            if stray:
                self.say(f"  note: stationary above a slipping probe at j = {', '.join(map(_fmt, stray))} (not monotone)")
            self.say(f"bracket [{_fmt(lo)}, {_fmt(hi)}] width {_fmt(hi - lo)}")
        self.bracket = [lo, hi]
        return 0.5 * (lo + hi)


def _probe_dir(base, j):
    return Path(base) / f"j={j:.6f}"


def critical_current(config, out_dir, tolerance=0.005, bracket=None, groups=None, comm=None, ramp_time=50.0,
                     t_max=3000.0, say=None, poll=None):
    """J0 of ``config``: a dict with J0, bracket, tolerance, probes (on every rank of the caller).

    Either ``groups`` (psc_fem.studies.batch.Groups: every group probes one point per
    round, results shared over the world) or ``comm`` (one communicator,
    one probe at a time).
    """
    say = say or (lambda text: None)
    probes_dir = Path(out_dir) / "probes"
    if groups is not None:
        def run_round(points):
            mine = points[groups.index] if groups.index < len(points) else None
            res = None
            if mine is not None:
                res = probe(config, mine, _probe_dir(probes_dir, mine), groups.comm, ramp_time, t_max, poll=poll)
            import gc

            gc.collect()
            allres = groups.world.allgather(res if groups.leader else None)
            return [r for r in allres if r is not None]
        n_points = groups.count
    else:
        def run_round(points):
            out = []
            for j in points:
                out.append(probe(config, j, _probe_dir(probes_dir, j), comm, ramp_time, t_max, poll=poll))
                import gc

                gc.collect()
            return out
        n_points = 1
    b = Bisection(tolerance, run_round, say, bracket)
    t0 = time.perf_counter()
    j0 = b.run(n_points)
    return {
        "J0": j0,
        "bracket": b.bracket,
        "tolerance": tolerance,
        "length": config.wire.length,
        "delta": config.model.delta,
        "ramp_time": ramp_time,
        "t_max": t_max,
        "probes": b.probes,
        "wall_time": time.perf_counter() - t0,
    }


# ---- grids --------------------------------------------------------------------
GRID_COLUMNS = ("length", "delta", "J0", "lo", "hi", "probes", "flagged", "gl_branch_max", "wall_time", "group")


def critical_grid(config, lengths, deltas, out_dir, groups, tolerance, bracket=None, ramp_time=50.0, t_max=3000.0,
                  gl=False, progress=True, quiet=False, schedule="dynamic"):
    """One bisection per (length, delta), spread over the groups; rows on world rank 0."""
    from psc_fem.studies import batch

    tasks = [(L, d) for L in lengths for d in deltas]
    costs = [L * max(L, 5.0) * (1 + d) ** 0.5 for L, d in tasks]

    def work(task, comm, poll):
        L, d = task
        cfg = config.replace(wire={"length": L}, model={"delta": d})
        res = critical_current(cfg, Path(out_dir) / "grid" / f"L={L:g}_delta={d:.4g}", tolerance, bracket,
                               comm=comm, ramp_time=ramp_time, t_max=t_max, poll=poll)
        if comm.rank != 0:
            return None
        from psc_fem.io.writer import write_json

        write_json(Path(out_dir) / "grid" / f"L={L:g}_delta={d:.4g}" / "critical.json", res)
        return {
            "length": L, "delta": d, "J0": res["J0"], "lo": res["bracket"][0], "hi": res["bracket"][1],
            "probes": len(res["probes"]), "flagged": sum(1 for p in res["probes"] if p["flag"]),
            "gl_branch_max": stationary_branch_max(L) if gl else math.nan, "wall_time": res["wall_time"],
            "group": groups.index,
        }

    def describe(row):
        return f"L = {row['length']:g}, delta = {row['delta']:.4g}: J0 = {row['J0']:.5f}"

    return batch.run_tasks(groups, tasks, work, costs=costs, schedule=schedule, progress=progress, quiet=quiet, describe=describe)


def write_grid(rows, out_dir, tolerance):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "critical_grid.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(GRID_COLUMNS)
        for r in rows:
            w.writerow([f"{r[c]:.10g}" if isinstance(r[c], float) else r[c] for c in GRID_COLUMNS])
    from psc_fem.io.writer import write_json

    write_json(out / "critical_grid.json", {"tolerance": tolerance, "depairing": DEPAIRING, "rows": rows})
    plot_grid(rows, out / "critical_grid.png")
    return [out / "critical_grid.csv", out / "critical_grid.json", out / "critical_grid.png"]


def plot_grid(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lengths = sorted({r["length"] for r in rows})
    deltas = sorted({r["delta"] for r in rows})
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    if len(lengths) >= len(deltas):
        for d in deltas:
            rs = sorted((r for r in rows if r["delta"] == d), key=lambda r: r["length"])
            x = [r["length"] for r in rs]
            ax.errorbar(x, [r["J0"] for r in rs], yerr=[0.5 * (r["hi"] - r["lo"]) for r in rs], marker="o", capsize=3, label=f"TDGL, delta = {d:.3g}")
        gl = sorted((r["length"], r["gl_branch_max"]) for r in rows if r["gl_branch_max"] == r["gl_branch_max"])
        if gl:
            ax.plot(*zip(*sorted(set(gl))), "k--", lw=1, zorder=5, label="GL stationary branch max")
        ax.axhline(DEPAIRING, color="0.5", ls=":", label=r"depairing $2/(3\sqrt{3})$")
        ax.set(xscale="log", xlabel=r"wire length $L/\xi(T)$", ylabel=r"$J_0/j_0$", title="critical current versus length")
    else:
        for L in lengths:
            rs = sorted((r for r in rows if r["length"] == L), key=lambda r: r["delta"])
            ax.errorbar([r["delta"] for r in rs], [r["J0"] for r in rs], yerr=[0.5 * (r["hi"] - r["lo"]) for r in rs], marker="o", capsize=3, label=f"L = {L:g} xi")
        ax.set(xlabel=r"$\delta = 2\tau_\epsilon\Delta_0$", ylabel=r"$J_0/j_0$", title="critical current versus delta")
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


# ---- command line -----------------------------------------------------------
def _floats(text, name):
    try:
        vals = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise _usage(f"{name} expects comma-separated numbers, got {text!r}") from None
    if not vals:
        raise _usage(f"{name}: no values")
    return vals


def add_arguments(p):
    p.add_argument("config", help="TOML config file")
    p.add_argument("--tolerance", type=float, default=0.005, help="final bracket width (default 0.005)")
    p.add_argument("--bracket", metavar="LO:HI", help="initial bracket (LO stationary, HI slipping; checked)")
    p.add_argument("--lengths", metavar="L1,L2,...", help="grid: J0 for each wire length (xi)")
    p.add_argument("--deltas", metavar="D1,D2,...", help="grid: J0 for each delta")
    p.add_argument("--ranks-per-run", type=int, metavar="K", help="MPI ranks per probe (default 1)")
    p.add_argument("--ramp-time", type=float, default=50.0, help="current ramp 0 -> j before the hold (default 50 tau)")
    p.add_argument("--t-max", type=float, default=3000.0, help="longest hold of a probe (default 3000 tau)")
    p.add_argument("--gl", action="store_true", help="also print the GL stationary-branch maximum (scipy solve_bvp)")
    p.add_argument("--out", help="output directory (default: <output.dir>_critical)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help="override a config key")
    p.add_argument("--quiet", action="store_true", help="only the result")


def main(args):
    from psc_fem.config import load_config

    config = load_config(args.config, args.set)
    tol = args.tolerance
    if not (math.isfinite(tol) and tol > 0):
        raise _usage(f"--tolerance must be a positive number, got {tol}")
    if not (args.ramp_time > 0 and args.t_max > 0):
        raise _usage("--ramp-time and --t-max must be positive")
    bracket = None
    if args.bracket:
        parts = args.bracket.split(":")
        try:
            bracket = [float(p) for p in parts]
        except ValueError:
            bracket = None
        if bracket is None or len(bracket) != 2 or not (0 <= bracket[0] < bracket[1] <= 100):
            raise _usage(f"--bracket expects LO:HI with 0 <= LO < HI <= 100, got {args.bracket!r}")
    lengths = _floats(args.lengths, "--lengths") if args.lengths else None
    deltas = _floats(args.deltas, "--deltas") if args.deltas else None
    if lengths and any(L <= 0 for L in lengths):
        raise _usage("--lengths must be positive")
    if deltas and any(d < 0 for d in deltas):
        raise _usage("--deltas must be >= 0")
    for L in lengths or []:  # validate every grid config before anything runs
        config.replace(wire={"length": L})
    for d in deltas or []:
        config.replace(model={"delta": d})
    from psc_fem.studies import batch
    from psc_fem.cli.common import world as _comm

    world = _comm()
    k = args.ranks_per_run or 1
    if k < 1 or world.size % k:
        raise _usage(f"--ranks-per-run {k} must divide the number of MPI ranks ({world.size})")
    out = Path(args.out) if args.out else Path(f"{config.output.dir}_critical")
    rank0 = world.rank == 0
    say = (lambda text: print(text, flush=True)) if rank0 and not args.quiet else (lambda text: None)
    groups = batch.split(world, k)

    if lengths or deltas:
        lengths = lengths or [config.wire.length]
        deltas = deltas or [config.model.delta]
        say(f"critical grid: {len(lengths) * len(deltas)} bisections (lengths {lengths}, deltas {deltas}), "
            f"tolerance {tol:g}, {groups.count} group(s) of {k} rank(s)")
        rows = critical_grid(config, lengths, deltas, out, groups, tol, bracket, args.ramp_time, args.t_max,
                             gl=args.gl, quiet=args.quiet)
        if rank0:
            files = write_grid(rows, out, tol)
            print(f"{'L':>8s} {'delta':>8s} {'J0':>9s} {'bracket':>21s} {'GL max':>9s}")
            for r in rows:
                print(f"{r['length']:8.4g} {r['delta']:8.4g} {r['J0']:9.5f} [{r['lo']:.5f}, {r['hi']:.5f}] {r['gl_branch_max']:9.5f}")
            for f in files:
                print(f"wrote {f}")
        return 0

    say(f"critical: L = {config.wire.length:g} xi, delta = {config.model.delta:.4g}, tolerance {tol:g}, "
        f"{groups.count} group(s) of {k} rank(s), ramp {args.ramp_time:g} tau, hold <= {args.t_max:g} tau")
    try:
        res = critical_current(config, out, tol, bracket, groups=groups, ramp_time=args.ramp_time, t_max=args.t_max, say=say)
    except ValueError as exc:
        raise _usage(str(exc)) from None
    if args.gl:
        res["gl_branch_max"] = stationary_branch_max(config.wire.length)
        say(f"GL stationary-branch maximum (rigid banks, solve_bvp): {res['gl_branch_max']:.6f}")
    if rank0:
        from psc_fem.io.writer import write_json

        out.mkdir(parents=True, exist_ok=True)
        write_json(out / "critical.json", res)
        flagged = [p for p in res["probes"] if p["flag"]]
        if flagged and not args.quiet:
            print(f"note: {len(flagged)} probe(s) decided by trend or failure: {', '.join(_fmt(p['current']) for p in flagged)}")
        if not args.quiet:
            print(f"wrote {out / 'critical.json'}")
        print(f"J0 = {res['J0']:.6g}")
    return 0
