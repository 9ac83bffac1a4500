"""`psc-fem sweep`: I-V curves as MPI batch jobs (docs/sweeps.md).

    psc-fem sweep CONFIG.toml --currents START:STOP:STEP [--down]
        [--mode independent|continuation] [--ranks-per-run K] [--out DIR]
        [--periods N] [--schedule dynamic|static] [--set section.key=value] [--quiet]

independent   every current from the uniform state Psi = 1, the runs spread
              over the N/K groups of `mpirun -n N` (psc_fem.studies.batch);
continuation  an adiabatic staircase: each current starts from the final
              state of the previous one, START -> STOP and, with --down,
              back to START, to expose hysteresis.  Sequential in current
              by nature: one group of K ranks (default K = N) does it.
--down alone implies continuation.

Every run stops as soon as its state is decided (psc_fem.studies.sweep.Decider):
N whole periods after the transient, relaxed to V = 0, or a settled normal
domain; otherwise at time.t_end.  Each run gets its own directory
DIR/runs/<branch>_j=<current>/ (fields.xdmf for ParaView, series.h5,
run.json), and rank 0 writes DIR/iv.csv, DIR/iv.h5, DIR/iv.png and
DIR/sweep.json.
"""

import csv
import gc
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

# Heavy imports (dolfinx, simulate) stay inside functions: the CLI loads
# this module to build its parser.

COLUMNS = (
    "branch", "current", "V_mean", "period", "n_psc", "state", "josephson_ratio", "slips_per_period",
    "period_spread", "n_periods", "n_slips", "psc_positions", "t_run", "steps", "wall_time", "status",
    "stopped", "group", "run_dir",
)
MAX_RUNS = 10_000


def _usage(message):
    from psc_fem.errors import UsageError

    return UsageError(message)


def parse_currents(text):
    """'START:STOP:STEP' -> currents from START to STOP (inclusive) by STEP.

    STEP may be negative for a descending list; STOP is included when it
    lies on the grid (to 1e-9 of a step).
    """
    parts = text.split(":")
    if len(parts) != 3:
        raise _usage(f"--currents expects START:STOP:STEP, got {text!r}")
    try:
        start, stop, step = (float(p) for p in parts)
    except ValueError:
        raise _usage(f"--currents expects three numbers START:STOP:STEP, got {text!r}") from None
    if not all(math.isfinite(v) for v in (start, stop, step)):
        raise _usage(f"--currents: values must be finite, got {text!r}")
    if step == 0:
        raise _usage("--currents: STEP must not be zero")
    if (stop - start) * step < 0:
        raise _usage(f"--currents: STEP {step:g} does not lead from {start:g} to {stop:g}")
    n = int(math.floor((stop - start) / step + 1e-9)) + 1
    if n > MAX_RUNS:
        raise _usage(f"--currents gives {n} runs (more than {MAX_RUNS})")
    currents = [round(start + i * step, 12) for i in range(n)]
    if any(abs(j) > 100 for j in currents):
        raise _usage("--currents: |j| must stay <= 100 (drive.current's range)")
    return currents


def _decimals(currents):
    """Digits that tell the currents apart in directory names (at least 4)."""
    if len(currents) < 2:
        return 4
    step = min(abs(b - a) for a, b in zip(currents, currents[1:]) if b != a) if len(set(currents)) > 1 else 1.0
    return max(4, int(math.ceil(-math.log10(step) + 1e-9)))


class Decider:
    """``stop`` hook of one sweep run: end it once its state is decided.

    Checked every ``every`` steps (the poll for the batch dispatcher runs
    at every step).  Decided when
    * periodic: settled as `psc_fem.analysis.periods.settle_check` says (the last
      ``periods`` windings of the end-phase difference agree to ``settle``
      with the ones before and with those a quarter of the run earlier),
      so that no I-V point quotes a transient, and ``skip`` + ``periods``
      + 1 dips of psi_min are there (the point's window); with normal banks (no end
      phase, ``josephson=False``) ``skip`` transient slips + ``periods``
      whole periods of psi_min dips whose older and newer halves give the
      same mean V to ``settle`` (a normal domain's edges can drift slowly
      while the phase winds regularly);
    * superconducting: no slip in the run's last half and V relaxed
      (`psc_fem.analysis.psc_count.relaxed`), after at least ``t_min``;
    * normal domain: psi_min (min over the wire of |Psi|) below 0.1 for the
      last max(30, 0.2 tau) and V steady to 1% over that window.
    Depends on the series only (identical on all ranks of a run).
    """

    def __init__(self, periods=6, skip=1, t_min=20.0, every=20, poll=None, settle=2e-3, josephson=True):
        from psc_fem.analysis.periods import WindingCounter

        self.periods, self.skip, self.t_min, self.every = periods, skip, t_min, every
        self.settle = settle
        self.poll = poll
        self.josephson = josephson
        self.windings = WindingCounter()
        self._fed = 0  # series entries fed to the counter
        self.k = 0

    def __call__(self, s):
        if self.poll is not None:
            self.poll()
        self.k += 1
        if self.k % self.every:
            return None
        from psc_fem.analysis.psc_count import relaxed, slip_events

        t = np.asarray(s["t"])
        if t[-1] < self.t_min:
            return None
        pmin = np.asarray(s["psi_min"])
        V = np.asarray(s["V"])
        slips = slip_events(t, pmin)
        if self.josephson:
            from psc_fem.analysis.periods import settle_check

            # theta_+ - theta_- = 2 theta_+ (antisymmetric gauge); fed once per check
            self.windings.feed(t[self._fed:], 2 * np.asarray(s["theta_plus"][self._fed:]))
            self._fed = t.size
            win = settle_check(self.windings.times, self.periods, self.settle)
            # and the I-V point's own window (the last ``periods`` periods of dips) past the transient
            if win is not None and win["settled"] and slips.size >= self.skip + self.periods + 1:
                return "periodic"
        elif slips.size >= self.skip + self.periods + 1:
            # settled: mean V over the older and the newer half of the periods agree
            from psc_fem.analysis.periods import mean_over

            used = slips[-(self.periods + 1):]
            mid = used[len(used) // 2]
            v1, v2 = mean_over(t, V, used[0], mid), mean_over(t, V, mid, used[-1])
            if abs(v2 - v1) <= self.settle * max(abs(v2), 1e-12):
                return "periodic"
        if (slips.size == 0 or slips[-1] < 0.5 * t[-1]) and relaxed(t, V):
            return "stationary"
        w = max(30.0, 0.2 * t[-1])
        if t[-1] > self.t_min + w:
            win = t >= t[-1] - w
            vw = V[win]
            if pmin[win].max() < 0.1 and np.ptp(vw) < 1e-2 * max(abs(vw.mean()), 1e-12):
                return "normal domain"
        return None


def read_frames(run_dir):
    """frames t, x, abs_psi of a run directory's series.h5 (or None)."""
    import h5py

    path = Path(run_dir) / "series.h5"
    if not path.is_file():
        return None
    with h5py.File(path, "r") as f:
        if "frames" not in f:
            return None
        return {k: f["frames"][k][:] for k in ("t", "x", "abs_psi") if k in f["frames"]}


def read_series(run_dir):
    import h5py

    with h5py.File(Path(run_dir) / "series.h5", "r") as f:
        return {k: f[k][:] for k in ("t", "V", "psi_min", "psi_center")}


def _reusable(run_dir, config, comm):
    """True (on every rank of ``comm``) when ``run_dir`` holds this run, completed: --resume skips it."""
    done = False
    if comm.rank == 0:
        from psc_fem.io.checkpoint import is_complete

        path = Path(run_dir) / "run.json"
        try:
            done = is_complete(run_dir, t_end=config.time.t_end)
            done = done and json.loads(path.read_text())["parameters"] == json.loads(json.dumps(config.model_dump()))
        except (OSError, ValueError, KeyError):
            done = False
    return comm.bcast(done, root=0)


def run_point(config, current, run_dir, comm, poll=None, initial_state=None, periods=6, skip=1, early_stop=True,
              resume=False):
    """One current: simulate, classify.  Returns (row on the group leader else None, final state or None).

    ``resume``: a run directory that already holds this run, completed, is
    classified again without running (its ``wall_time`` is then 0); an
    interrupted one continues from its checkpoint (`simulate(resume=True)`).
    """
    from psc_fem.solver.integrator import StepFailure
    from psc_fem.config import ConfigError
    from psc_fem.analysis.psc_count import iv_point
    from psc_fem.solver.simulation import simulate

    cfg = config.replace(drive={"current": float(current)})
    decider = Decider(periods=periods, skip=skip, poll=poll, josephson=not cfg.wire.normal_banks)
    stop = decider if early_stop else (lambda s: decider.poll()) if poll is not None else None
    t0 = time.perf_counter()
    final, run, series = None, {}, None
    if resume and _reusable(run_dir, cfg, comm):
        status = "completed"
        if comm.rank == 0:
            run = json.loads((Path(run_dir) / "run.json").read_text())
    else:
        try:
            res = simulate(cfg, run_dir, comm=comm, progress=False, echo=False, initial_state=initial_state, stop=stop,
                           **({"resume": True} if resume else {}))
            status, series, final, run = "completed", res.series, res.final_state, res.run
        except StepFailure as exc:
            status, run = "failed", {"error": str(exc)}
        except ConfigError as exc:  # --resume onto a directory of other parameters
            status, run = "failed", {"error": str(exc)}
    wall = time.perf_counter() - t0
    if comm.rank != 0:
        return None, final
    if series is None:
        series = read_series(run_dir) if (Path(run_dir) / "series.h5").is_file() else {k: [] for k in ("t", "V", "psi_min")}
    point = iv_point(series, read_frames(run_dir), skip=skip, periods=periods, josephson=not cfg.wire.normal_banks)
    if status == "failed":
        point["state"] = "failed"
    row = {
        "current": float(current),
        **{k: point[k] for k in ("V_mean", "period", "n_psc", "state", "josephson_ratio", "slips_per_period",
                                 "period_spread", "n_periods", "n_slips", "psc_positions")},
        "t_run": float(series["t"][-1]) if len(series["t"]) else 0.0,
        "steps": int(run.get("steps", len(series["t"]))),
        "wall_time": wall,
        "status": status,
        "stopped": (run.get("stopped") or {}).get("reason", "") or run.get("error", "")[:80],
        "run_dir": str(run_dir),
    }
    return row, final


def estimate_j0(config):
    """Cheap J0 estimate for the cost model: the GL stationary-branch maximum.

    Solved (a second or two) for L <= 12 xi; longer wires are within 0.005
    of the depairing current 2/(3 sqrt 3), which is used instead.
    """
    from psc_fem.studies.critical import DEPAIRING, stationary_branch_max

    if config.wire.length > 12:
        return DEPAIRING
    try:
        return stationary_branch_max(config.wire.length)
    except Exception:  # noqa: BLE001  (an estimate only; equal costs then)
        return None


def run_costs(currents, j0):
    """Relative cost of each run: slow near J0 (critical slowing down ~ |j - J0|^-1/2)."""
    if j0 is None:
        return [1.0] * len(currents)
    return [1.0 + 0.3 / math.sqrt(abs(j - j0) + 0.01 * max(j0, 0.1)) for j in currents]


def run_sweep(config, currents, out_dir, mode="independent", down=False, ranks_per_run=None, world=None,
              periods=6, schedule="dynamic", progress=True, quiet=True, early_stop=True, resume=False):
    """The sweep as a Python call; returns the rows (dicts, COLUMNS) on world rank 0, None elsewhere.

    Every rank of ``world`` must call it with the same arguments (and the
    same ``out_dir``, visible to all ranks).
    """
    from mpi4py import MPI

    from psc_fem.studies import batch

    world = MPI.COMM_WORLD if world is None else world
    k = ranks_per_run or (world.size if mode == "continuation" else 1)
    groups = batch.split(world, k)
    out = Path(out_dir)
    digits = _decimals(currents)
    ascending = len(currents) < 2 or currents[-1] >= currents[0]
    first = "up" if ascending else "down"
    second = "down" if ascending else "up"
    name = lambda branch, j: out / "runs" / f"{branch}_j={j:.{digits}f}"  # noqa: E731

    def describe(row):
        return f"{row['branch']} j={row['current']:.{digits}f}: {row['state']}, V={row['V_mean']:.4g}"

    if mode == "independent":
        tasks = [(first, j) for j in currents]

        def work(task, comm, poll):
            branch, j = task
            row, _ = run_point(config, j, name(branch, j), comm, poll=poll, periods=periods, skip=1, early_stop=early_stop,
                               resume=resume)
            if row is not None:
                row.update(branch=branch, group=groups.index)
            return row

        costs = run_costs(currents, estimate_j0(config) if groups.count > 1 else None)
        rows = batch.run_tasks(groups, tasks, work, costs=costs, schedule=schedule, progress=progress, quiet=quiet, describe=describe)
    elif mode == "continuation":
        plan = [(first, j) for j in currents]
        if down:
            plan += [(second, j) for j in reversed(currents[:-1])]
        rows = None
        if groups.index == 0:
            prog = batch.Progress(len(plan), enabled=progress and world.rank == 0, quiet=quiet, describe=describe) if world.rank == 0 else None
            state, rows = None, []
            for i, (branch, j) in enumerate(plan):
                skip = 1 if i == 0 else 2  # after a change of current: the old state's slips are transient
                row, final = run_point(config, j, name(branch, j), groups.comm, initial_state=state, periods=periods, skip=skip, early_stop=early_stop)
                gc.collect()  # collective destruction of the run's PETSc objects, in step
                if final is not None:
                    state = final
                if groups.leader:
                    row.update(branch=branch, group=0)
                    rows.append(row)
                    if prog is not None:
                        prog.update(row)
            if prog is not None:
                prog.close()
        world.Barrier()
        if world.rank != 0:
            rows = None
    else:
        raise _usage(f"--mode must be independent or continuation, got {mode!r}")
    groups.comm.Free()
    if world.rank != 0:
        return None
    return [{c: r.get(c) for c in COLUMNS} for r in rows]


# ---- output ----------------------------------------------------------------
def _csv_value(key, value):
    if key == "psc_positions":
        return ";".join(f"{x:.3f}" for x in value)
    if isinstance(value, float):
        return f"{value:.10g}"
    return value


def write_csv(rows, path):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([_csv_value(c, r[c]) for c in COLUMNS])
    return path


def read_csv(path):
    """iv.csv -> list of rows with numbers parsed (for scripts and tests)."""
    ints = {"n_psc", "n_periods", "n_slips", "steps", "group"}
    floats = {"current", "V_mean", "period", "josephson_ratio", "slips_per_period", "period_spread", "t_run", "wall_time"}
    rows = []
    with open(path, newline="") as fh:
        for r in csv.DictReader(fh):
            for k in ints:
                r[k] = int(r[k])
            for k in floats:
                r[k] = float(r[k])
            r["psc_positions"] = [float(x) for x in r["psc_positions"].split(";") if x]
            rows.append(r)
    return rows


def write_h5(rows, path, config, meta):
    import h5py

    with h5py.File(path, "w") as f:
        g = f.create_group("iv")
        for c in COLUMNS:
            vals = [r[c] for r in rows]
            if c == "psc_positions":
                g.create_dataset(c, data=[json.dumps(v) for v in vals], dtype=h5py.string_dtype())
            elif all(isinstance(v, str) for v in vals) and vals:
                g.create_dataset(c, data=vals, dtype=h5py.string_dtype())
            else:
                g.create_dataset(c, data=np.asarray(vals, dtype=float))
        for key, value in config.flat().items():
            f.attrs[key] = value if not isinstance(value, dict) else json.dumps(value)
        for key, value in meta.items():
            f.attrs[f"sweep.{key}"] = json.dumps(value) if not isinstance(value, (int, float, str)) else value
    return path


STATE_STYLE = {
    "superconducting": ("tab:blue", "o"),
    "one PSC": ("tab:red", "s"),
    "several PSCs": ("tab:purple", "D"),
    "normal domain": ("tab:gray", "^"),
    "not periodic": ("tab:orange", "x"),
    "failed": ("black", "x"),
}


def plot_iv(rows, path, title=""):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(2, 1, figsize=(7, 7), sharex=True, gridspec_kw={"height_ratios": [3, 1]}, constrained_layout=True)
    for branch, ls, fill in (("up", "-", True), ("down", "--", False)):
        rs = [r for r in rows if r["branch"] == branch]
        if not rs:
            continue
        js = [r["current"] for r in rs]
        vs = [r["V_mean"] for r in rs]
        ax.plot(js, vs, ls, color="0.5", lw=1, zorder=1, label=f"{branch} branch")
        bx.plot(js, [r["n_psc"] for r in rs], ls, color="0.5", lw=1)
        for r in rs:
            color, marker = STATE_STYLE.get(r["state"], ("k", "."))
            if marker in ("x", "+", "."):  # unfilled markers take a plain color
                style = {"color": color}
            else:
                style = {"facecolors": color if fill else "none", "edgecolors": color}
            ax.scatter([r["current"]], [r["V_mean"]], marker=marker, zorder=2, s=30, **style)
            bx.scatter([r["current"]], [r["n_psc"]], marker=marker, zorder=2, s=30, **style)
    for state, (color, marker) in STATE_STYLE.items():
        if any(r["state"] == state for r in rows):
            ax.scatter([], [], marker=marker, color=color, label=state)
    ax.set(ylabel=r"mean $V$ [units of $1/(2t_0)$]", title=title or "I-V curve")
    ax.legend(fontsize=8)
    bx.set(xlabel=r"$j/j_0$", ylabel="PSC count")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_loops(tables, path, title=""):
    """Overlay the up/down branches of several iv.csv files: ``tables`` = [(label, path)]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    for k, (label, csv_path) in enumerate(tables):
        rows = read_csv(csv_path)
        color = f"C{k}"
        for branch, ls, marker in (("up", "-", "o"), ("down", "--", "v")):
            rs = [r for r in rows if r["branch"] == branch]
            if not rs:
                continue
            ax.plot([r["current"] for r in rs], [r["V_mean"] for r in rs], ls, marker=marker, ms=3, color=color,
                    label=f"{label} ({branch})")
    ax.set(xlabel=r"$j/j_0$", ylabel=r"mean $V$ [units of $1/(2t_0)$]", title=title)
    ax.legend(fontsize=7, ncol=2)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def iv_title(config, mode):
    """Title of iv.png from a config dump (run.json / sweep.json layout)."""
    return f"L = {config['wire']['length']:g} xi, delta = {config['model']['delta']:.4g}, {mode}"


def write_outputs(rows, out, config, meta):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(rows, out / "iv.csv")
    write_h5(rows, out / "iv.h5", config, meta)
    plot_iv(rows, out / "iv.png", iv_title(config.model_dump(), meta.get("mode", "")))
    from psc_fem.io.writer import write_json

    write_json(out / "sweep.json", {**meta, "config": config.model_dump(), "rows": rows})
    return [out / "iv.csv", out / "iv.h5", out / "iv.png", out / "sweep.json"]


def summary_lines(rows):
    lines = [f"{'branch':6s} {'j':>9s} {'state':16s} {'V_mean':>10s} {'period':>9s} {'n_psc':>5s} {'J-ratio':>8s}"]
    for r in rows:
        lines.append(
            f"{r['branch']:6s} {r['current']:9.5f} {r['state']:16s} {r['V_mean']:10.5g} {r['period']:9.4g} "
            f"{r['n_psc']:5d} {r['josephson_ratio']:8.5f}"
        )
    return lines


# ---- command line -----------------------------------------------------------
def add_arguments(p):
    p.add_argument("config", help="TOML config file")
    p.add_argument("--currents", required=True, metavar="START:STOP:STEP", help="currents j/j0 (STOP included)")
    p.add_argument("--down", action="store_true", help="continuation back down after the up branch (implies --mode continuation)")
    p.add_argument("--mode", choices=("independent", "continuation"), help="independent runs (default) or a continuation staircase")
    p.add_argument("--ranks-per-run", type=int, metavar="K", help="MPI ranks per run (default: 1; continuation: all)")
    p.add_argument("--schedule", choices=("dynamic", "static"), default="dynamic", help="load balancing over the groups (default dynamic)")
    p.add_argument("--periods", type=int, default=6, help="whole PSC periods a run needs before it stops (default 6)")
    p.add_argument("--no-early-stop", action="store_true", help="run every current to time.t_end")
    p.add_argument("--resume", action="store_true", help="independent mode: keep completed runs in DIR/runs, continue interrupted ones")
    p.add_argument("--out", help="output directory (default: <output.dir>_sweep)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help="override a config key")
    p.add_argument("--quiet", action="store_true", help="no progress output")


def main(args):
    from psc_fem.config import load_config

    config = load_config(args.config, args.set)
    currents = parse_currents(args.currents)
    mode = args.mode or ("continuation" if args.down else "independent")
    if args.down and mode != "continuation":
        raise _usage("--down needs --mode continuation (independent runs do not depend on the order)")
    if config.drive.ramp_to is not None:
        raise _usage("sweep sets drive.current for each run; remove drive.ramp_to / drive.ramp_time")
    if args.periods < 2:
        raise _usage("--periods must be at least 2")
    if args.resume and mode != "independent":
        raise _usage("--resume works with --mode independent (a continuation branch is one chain of states)")
    from psc_fem.cli.common import world as _comm

    world = _comm()
    k = args.ranks_per_run or (world.size if mode == "continuation" else 1)
    if k < 1 or world.size % k:
        raise _usage(f"--ranks-per-run {k} must divide the number of MPI ranks ({world.size})")
    if mode == "continuation" and world.size // k > 1 and world.rank == 0:
        print(f"psc-fem sweep: continuation runs on one group of {k} ranks; {world.size - k} ranks stay idle "
              f"(use --ranks-per-run {world.size})", file=sys.stderr)
    out = Path(args.out) if args.out else Path(f"{config.output.dir}_sweep")
    t0 = time.perf_counter()
    rows = run_sweep(config, currents, out, mode=mode, down=args.down, ranks_per_run=k, world=world,
                     periods=args.periods, schedule=args.schedule, progress=True, quiet=args.quiet,
                     early_stop=not args.no_early_stop, resume=args.resume)
    if world.rank != 0:
        return 0
    meta = {
        "command": ["psc-fem", "sweep", *sys.argv[2:]] if len(sys.argv) > 1 else [],
        "mode": mode, "down": bool(args.down), "currents": currents, "world_size": world.size,
        "ranks_per_run": k, "groups": world.size // k, "schedule": args.schedule, "periods": args.periods,
        "wall_time": time.perf_counter() - t0,
    }
    files = write_outputs(rows, out, config, meta)
    for line in summary_lines(rows):
        print(line)
    print(f"{len(rows)} runs on {world.size} rank(s) in {meta['groups']} group(s), wall {meta['wall_time']:.1f} s")
    for f in files:
        print(f"wrote {f}")
    failed = [r for r in rows if r["status"] != "completed"]
    return 1 if failed else 0
