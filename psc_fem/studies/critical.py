"""The critical current J0 by bisection over probe runs, for one wire or a grid of lengths and deltas.

J0 is the current above which the wire (or film) has no stationary state.  Each
*probe* at a current j starts from Psi = 1 at j = 0 (the exact stationary
state there) and ramps the current linearly to j over ``ramp_time``, then
holds it: the probe is *slipping* as soon as |Psi| drops below 0.1
anywhere (a phase slip), *stationary* once max |V| over the trailing
window (10% of the hold, at least 10 tau) is below 1e-6 (with normal
contacts, whose stationary state has a voltage: once V is constant to
1e-6 there).  The ramp keeps
the probe adiabatic: a sudden switch-on from Psi = 1 overshoots and could
slip below J0.  Near J0 both outcomes slow down (V relaxes as
exp(-c sqrt(J0 - j) tau) below, lingers at the ghost of the saddle-node,
V ~ j - J0, above); a probe still undecided at ``t_max`` is judged by
its trend (|V| still falling: stationary) and flagged.

Bisection: the bracket [stationary, slipping] halves until its width is
at most the tolerance; J0 is its midpoint.  Under mpirun the N/K groups
probe N/K points of the bracket at once (multisection: the bracket
shrinks by N/K + 1 per round).  Without a bracket the upper end is found
by doubling from j = 0.5 (j = 0 is stationary).

Grids (`critical_grid`): one bisection per (length, delta), the grid
points spread over the groups by psc_fem.studies.batch (dynamic).  The
reference J0 of rigid banks is psc_fem.analysis.stationary; the command
is `psc-fem critical` (docs/sweeps.md).
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from psc_fem.analysis.stationary import stationary_branch_max
from psc_fem.studies.tables import write_critical_json

SLIP_LEVEL = 0.1
V_TOL = 1e-6


# ---- probes -------------------------------------------------------------------
class ProbeStop:
    """``stop`` hook of a probe: slipping or stationary (see module doc).

    ``steady``: normal contacts (a film between normal terminals), whose
    stationary state carries a voltage: stationary is then V constant to
    ``v_tol`` (relative to max(1, |V|)) over the trailing window.
    """

    def __init__(self, ramp_time, v_tol=V_TOL, poll=None, every=10, steady=False):
        self.ramp_time, self.v_tol, self.poll, self.every = ramp_time, v_tol, poll, every
        self.steady = steady
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
        Vw = np.asarray(s["V"])[w]
        if self.steady:
            change = float(np.ptp(Vw)) / max(1.0, float(np.max(np.abs(Vw))))
            if change < self.v_tol:
                self.verdict = ("stationary", f"V steady to {change:.1e} at tau = {t:.1f}")
                return "stationary"
            return None
        vmax = float(np.max(np.abs(Vw)))
        if vmax < self.v_tol:
            self.verdict = ("stationary", f"max|V| = {vmax:.1e} < {self.v_tol:g} at tau = {t:.1f}")
            return "stationary"
        return None


def probe(config, current, run_dir, comm, ramp_time=50.0, t_max=3000.0, v_tol=V_TOL, poll=None, cache=None):
    """One probe at ``current``: {'current', 'verdict', 'reason', 'flag', 't', 'wall'} (all ranks).

    ``cache``: a psc_fem.solver.reuse.ProblemCache shared by the probes of one search."""
    from psc_fem.errors import StepFailure
    from psc_fem.solver.simulation import simulate

    j = float(current)
    cfg = config.replace(
        drive={"current": 0.0, "ramp_to": j, "ramp_time": ramp_time},
        time={"t_end": ramp_time + t_max},
        output={"fields": False, "every": max(config.output.every, 5.0)},
    )
    stop = ProbeStop(ramp_time, v_tol, poll, steady=config.normal_contacts)
    t0 = time.perf_counter()
    try:
        res = simulate(cfg, run_dir, comm=comm, progress=False, echo=False, stop=stop, overwrite=True, cache=cache)
    except StepFailure as exc:  # a collapsing order parameter that the stepper cannot follow: not stationary
        return {
            "current": j,
            "verdict": "slipping",
            "reason": f"step failure: {exc}",
            "flag": "failed",
            "t": math.nan,
            "wall": time.perf_counter() - t0,
        }
    t, V = res.series["t"], res.series["V"]
    out = {"current": j, "t": float(t[-1]), "wall": time.perf_counter() - t0, "flag": ""}
    if stop.verdict is not None:
        out["verdict"], out["reason"] = stop.verdict
        return out
    # undecided at t_max: judge by the trend of |V| (of V's change with normal contacts) over two windows
    w = max(10.0, 0.1 * (t[-1] - ramp_time))
    late, early = t >= t[-1] - w, (t >= t[-1] - 2 * w) & (t < t[-1] - w)
    if stop.steady:
        last, before = np.ptp(V[late]), np.ptp(V[early])
    else:
        last, before = np.abs(V[late]).max(), np.abs(V[early]).max()
    verdict = "stationary" if last < 0.9 * before else "slipping"
    out.update(
        verdict=verdict,
        reason=f"undecided at tau = {t[-1]:.0f} (max|V| {before:.2e} -> {last:.2e}), by trend",
        flag="trend",
    )
    return out


# ---- bisection ----------------------------------------------------------------
def format_current(j: float) -> str:
    """A probe current as the bisection prints it (6 decimals)."""
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
            self.say(f"  j = {format_current(r['current'])}: {r['verdict']} ({r['reason']}){flag}")

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
            self.say(f"checking the bracket ends j = {format_current(lo)}, {format_current(hi)}")
            res = self.run_round([lo, hi][:n_points] if n_points >= 2 else [lo])
            if n_points < 2:
                res += self.run_round([hi])
            self._record(res)
            v = {r["current"]: r["verdict"] for r in res}
            if v[lo] != "stationary" or v[hi] != "slipping":
                raise ValueError(
                    f"--bracket {lo:g}:{hi:g} does not bracket J0: j = {lo:g} is {v[lo]}, j = {hi:g} is {v[hi]}"
                )
        lo, hi = self.bracket
        self.say(f"bracket [{format_current(lo)}, {format_current(hi)}] width {format_current(hi - lo)}")
        while hi - lo > self.tol:
            pts = [lo + (hi - lo) * (k + 1) / (n_points + 1) for k in range(n_points)]
            res = self.run_round(pts)
            self._record(res)
            slipping = [r["current"] for r in res if r["verdict"] == "slipping"]
            hi = min([hi] + slipping)
            lo = max([lo] + [r["current"] for r in res if r["verdict"] == "stationary" and r["current"] < hi])
            stray = [r["current"] for r in res if r["verdict"] == "stationary" and r["current"] > hi]
            if stray:
                self.say(
                    f"  note: stationary above a slipping probe at j = {', '.join(map(format_current, stray))} (not monotone)"
                )
            self.say(f"bracket [{format_current(lo)}, {format_current(hi)}] width {format_current(hi - lo)}")
        self.bracket = [lo, hi]
        return 0.5 * (lo + hi)


def _probe_dir(base, j):
    return Path(base) / f"j={j:.6f}"


def critical_current(
    config,
    out_dir: str | Path,
    tolerance: float = 0.005,
    bracket: list[float] | None = None,
    groups=None,
    comm=None,
    ramp_time: float = 50.0,
    t_max: float = 3000.0,
    say: Callable[[str], None] | None = None,
    poll: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """J0 of ``config``: a dict with J0, bracket, tolerance, probes (on every rank of the caller).

    Either ``groups`` (psc_fem.studies.batch.Groups: every group probes one point per
    round, results shared over the world) or ``comm`` (one communicator,
    one probe at a time).  Writes the probes' run directories under
    ``out_dir``/probes; ValueError when ``bracket`` does not bracket J0.
    """
    from psc_fem.solver.reuse import ProblemCache

    say = say or (lambda text: None)
    probes_dir = Path(out_dir) / "probes"
    cache = ProblemCache()  # every probe runs the same wire: its compiled problem is reused
    if groups is not None:

        def run_round(points):
            mine = points[groups.index] if groups.index < len(points) else None
            res = None
            if mine is not None:
                res = probe(
                    config, mine, _probe_dir(probes_dir, mine), groups.comm, ramp_time, t_max, poll=poll, cache=cache
                )
            gc.collect()
            allres = groups.world.allgather(res if groups.leader else None)
            return [r for r in allres if r is not None]

        n_points = groups.count
    else:

        def run_round(points):
            out = []
            for j in points:
                out.append(probe(config, j, _probe_dir(probes_dir, j), comm, ramp_time, t_max, poll=poll, cache=cache))
                gc.collect()
            return out

        n_points = 1
    b = Bisection(tolerance, run_round, say, bracket)
    t0 = time.perf_counter()
    try:
        j0 = b.run(n_points)
    finally:
        cache.clear()
        gc.collect()  # its PETSc objects destroyed on every rank together
    return {
        "J0": j0,
        "bracket": b.bracket,
        "tolerance": tolerance,
        "length": config.wire.length if hasattr(config, "wire") else None,  # a film: its [geometry]
        "delta": config.model.delta,
        "ramp_time": ramp_time,
        "t_max": t_max,
        "probes": b.probes,
        "wall_time": time.perf_counter() - t0,
    }


# ---- grids --------------------------------------------------------------------
def critical_grid(
    config,
    lengths: list[float],
    deltas: list[float],
    out_dir: str | Path,
    groups,
    tolerance: float,
    bracket: list[float] | None = None,
    ramp_time: float = 50.0,
    t_max: float = 3000.0,
    gl: bool = False,
    progress: bool = True,
    quiet: bool = False,
    schedule: str = "dynamic",
) -> list[dict[str, Any]] | None:
    """One bisection per (length, delta), spread over the groups; rows (GRID_COLUMNS) on world rank 0.

    Each point writes its probes and critical.json to
    ``out_dir``/grid/L=<length>_delta=<delta>/; ``gl`` adds the GL
    stationary-branch maximum of each length (else NaN).
    """
    from psc_fem.studies import batch

    tasks = [(L, d) for L in lengths for d in deltas]
    costs = [L * max(L, 5.0) * (1 + d) ** 0.5 for L, d in tasks]

    def work(task, comm, poll):
        L, d = task
        cfg = config.replace(wire={"length": L}, model={"delta": d})
        res = critical_current(
            cfg,
            Path(out_dir) / "grid" / f"L={L:g}_delta={d:.4g}",
            tolerance,
            bracket,
            comm=comm,
            ramp_time=ramp_time,
            t_max=t_max,
            poll=poll,
        )
        if comm.rank != 0:
            return None
        write_critical_json(Path(out_dir) / "grid" / f"L={L:g}_delta={d:.4g}" / "critical.json", res)
        return {
            "length": L,
            "delta": d,
            "J0": res["J0"],
            "lo": res["bracket"][0],
            "hi": res["bracket"][1],
            "probes": len(res["probes"]),
            "flagged": sum(1 for p in res["probes"] if p["flag"]),
            "gl_branch_max": stationary_branch_max(L) if gl else math.nan,
            "wall_time": res["wall_time"],
            "group": groups.index,
        }

    def describe(row):
        return f"L = {row['length']:g}, delta = {row['delta']:.4g}: J0 = {row['J0']:.5f}"

    return batch.run_tasks(
        groups, tasks, work, costs=costs, schedule=schedule, progress=progress, quiet=quiet, describe=describe
    )
