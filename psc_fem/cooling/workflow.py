"""`cool`: the whole cooling analysis of a run (docs/cooling.md), from config to cool.json.

Simulates the run if it is missing, evaluates the balance (psc_fem.cooling.balance)
with its Monte Carlo bands, judges it (psc_fem.cooling.verdict) and writes
cool.json; the caller may draw the figure (``draw``, as the command line does).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from psc_fem.cooling.balance import JSON_NAME, _clean, _critical_angles, _stats, evaluate, monte_carlo, resolve
from psc_fem.cooling.config import CoolConfig
from psc_fem.cooling.run_data import read_run
from psc_fem.cooling.verdict import report, verdict, warnings_for
from psc_fem.errors import UsageError
from psc_fem.rundir import RunDirectory


@dataclass
class Outcome:
    """One cooling analysis (rank 0): the cool.json content and what its figure needs."""

    result: dict  # cool.json without its "files" entry
    nominal: dict  # the nominal balance, with the curves of the figure
    bands: dict | None  # 16/50/84 % Monte Carlo bands of the curves (None without samples)
    stats: dict | None  # Monte Carlo statistics of SCALARS
    cfg: CoolConfig
    title: str  # stack and verdict: the figure's title
    out: Path  # the output directory


def _simulate_missing_run(cfg: CoolConfig, run_dir: Path, comm) -> None:
    """cooling.simulate: run the simulation into cooling.run when that holds no run yet."""
    c = cfg.cooling
    if c.simulate is None:
        raise UsageError(f"cooling.run: {run_dir} is not a run directory and cooling.simulate is not set")
    if not Path(c.simulate).is_file():
        raise UsageError(f"cooling.simulate: config file not found: {c.simulate}")
    from psc_fem.config import load_config as load_run_config
    from psc_fem.solver.simulation import simulate

    run_cfg = load_run_config(c.simulate, c.simulate_set)  # validated before anything is written
    simulate(run_cfg, run_dir, comm=comm, progress=False, echo=False, overwrite=True)  # no run there yet


def analyse(
    cfg: CoolConfig, out_dir: str | Path | None = None, samples: int | None = None, heat: bool | None = None, comm=None
) -> Outcome | None:
    """The whole analysis, nothing written but the run (cooling.simulate), its spectrum and heat/.

    ``samples``: Monte Carlo samples (default cooling.samples); ``heat``: the
    FEM cross-section (default heat.enabled).  Returns the Outcome on rank 0,
    None on the other ranks.
    """
    from mpi4py import MPI

    comm = comm or MPI.COMM_WORLD
    c = cfg.cooling
    mats = resolve(cfg)
    run_dir = Path(c.run)
    if not RunDirectory(run_dir).is_run():
        _simulate_missing_run(cfg, run_dir, comm)
    out = Path(out_dir) if out_dir is not None else run_dir
    run = None
    if comm.rank == 0:
        run = read_run(run_dir, c.variant, spectrum_dir=out)  # validates before writing anything
        out.mkdir(parents=True, exist_ok=True)
    run = comm.bcast(run, root=0)
    nom = evaluate(run, mats, cfg)[0]
    t_hi = 1.25 * max(c.T_bath, nom["T_cold_full_N"] if math.isfinite(nom["T_cold_full_N"]) else c.T_bath)
    grid = (
        np.linspace(max(c.T_floor, 0.02 * c.T_bath), c.T_bath, 60),
        np.linspace(max(c.T_floor, 0.02 * c.T_bath), t_hi, 40),
    )
    nom = evaluate(run, mats, cfg, curves=grid)[0]
    n_samples = c.samples if samples is None else samples
    mc, bands = (
        monte_carlo(run, mats, cfg, n_samples, c.seed, grid) if n_samples > 0 and comm.rank == 0 else (None, None)
    )
    fem = None
    if cfg.heat.enabled if heat is None else heat:
        from psc_fem.cooling.heat import solve_cross_section

        fem = solve_cross_section(cfg, mats, nom, out / "heat", comm=comm)
    if comm.rank != 0:
        return None
    warn = warnings_for(nom, mats, cfg, run)
    line, reasons = verdict(nom, mc, cfg)
    title = f"{mats['filament'].key} filament, top {mats['top'].key}, substrate {mats['substrate'].key}, {line}"
    stats = {k: _stats(v) for k, v in mc.items()} if mc is not None else None
    result = {
        "verdict": line,
        "reasons": reasons,
        "warnings": warn,
        "config": cfg.model_dump(),
        "stack": {r: m.key for r, m in mats.items()},
        "materials": {
            r: {
                "kind": m.kind,
                "name": m.name,
                "k_model": m.k_model,
                "k_range": list(m.k_range),
                "rows": [dict(zip(("property", "value", "unit", "rel", "source"), row)) for row in m.rows()],
            }
            for r, m in mats.items()
        },
        "run": run.__dict__ | {"josephson_ratio": run.josephson},
        "source": RunDirectory(run_dir).identity(),  # which content of the run directory this judges
        "nominal": _clean(nom),
        "critical_angles_deg": _critical_angles(mats),
        "monte_carlo": stats,
        "heat_fem": fem,
    }
    return Outcome(result, nom, bands, stats, cfg, title, out)


def write_outputs(
    outcome: Outcome, figure: str | Path | None = None, echo: Callable[[str], object] | None = print
) -> dict:
    """Write cool.json (naming ``figure``, if one was drawn) and echo the report; returns the result."""
    from psc_fem.io.atomic import write_json

    result, json_path = outcome.result, outcome.out / JSON_NAME
    result["files"] = {"json": str(json_path)} | ({"figure": str(figure)} if figure is not None else {})
    write_json(json_path, _clean(result))
    if echo:
        echo(report(result, outcome.stats))
    return result


def cool(
    cfg: CoolConfig,
    out_dir: str | Path | None = None,
    samples: int | None = None,
    heat: bool | None = None,
    comm=None,
    echo: Callable[[str], object] | None = print,
    draw: Callable[[Outcome], Path] | None = None,
) -> dict | None:
    """Run the whole analysis and write cool.json; returns its dict (rank 0; None elsewhere).

    The library draws nothing: ``draw(outcome) -> path`` is called before
    cool.json is written, which then names the figure.  The command line
    passes `psc_fem.plotting.cooling.draw_outcome` (cool.png); without
    ``draw`` there is no figure and cool.json's "files" has no "figure".
    """
    outcome = analyse(cfg, out_dir, samples, heat, comm)
    if outcome is None:
        return None
    figure = draw(outcome) if draw is not None else None
    return write_outputs(outcome, figure, echo)
