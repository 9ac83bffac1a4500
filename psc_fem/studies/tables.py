"""The tables of sweeps and critical-current searches: CSV, HDF5 and JSON writers and the iv.csv reader.

    iv.csv / iv.h5 / sweep.json    one row per run of `psc-fem sweep` (COLUMNS)
    critical.json                  one bisection (`psc_fem.studies.critical.critical_current`)
    critical_grid.csv / .json      one row per (length, delta) of a grid (GRID_COLUMNS)

The figures drawn from these tables are plotting/iv.py and plotting/critical.py.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from psc_fem.analysis.stationary import DEPAIRING

# the columns that come from the analysis of one point (psc_fem.analysis.psc_count.iv_point)
POINT_COLUMNS = (
    "V_mean",
    "period",
    "n_psc",
    "state",
    "josephson_ratio",
    "slips_per_period",
    "period_spread",
    "n_periods",
    "n_slips",
    "psc_positions",
)
COLUMNS = (
    "branch",
    "current",
    *POINT_COLUMNS,
    "t_run",
    "steps",
    "wall_time",
    "status",
    "stopped",
    "group",
    "run_dir",
)
GRID_COLUMNS = ("length", "delta", "J0", "lo", "hi", "probes", "flagged", "gl_branch_max", "wall_time", "group")

_INTS = {"n_psc", "n_periods", "n_slips", "steps", "group"}
_FLOATS = {"current", "V_mean", "period", "josephson_ratio", "slips_per_period", "period_spread", "t_run", "wall_time"}


def _write_json(path, data):
    from psc_fem.io.atomic import write_json  # h5py comes with it: not at import time

    write_json(path, data)
    return path


# ---- I-V sweeps ---------------------------------------------------------------
def _csv_value(key, value):
    if key == "psc_positions":
        return ";".join(f"{x:.3f}" for x in value)
    if isinstance(value, float):
        return f"{value:.10g}"
    return value


def _write_text(path, text):
    from psc_fem.io.atomic import write_text  # tmp + rename: a kill never leaves a half-written table

    write_text(path, text)


def write_csv(rows: list[dict[str, Any]], path: str | Path) -> str | Path:
    """iv.csv: the COLUMNS of every row (floats to 10 digits, PSC positions ';'-separated)."""
    fh = io.StringIO(newline="")
    w = csv.writer(fh)
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([_csv_value(c, r[c]) for c in COLUMNS])
    _write_text(path, fh.getvalue())
    return path


def read_csv(path: str | Path) -> list[dict[str, Any]]:
    """iv.csv -> list of rows with numbers parsed (for scripts and tests)."""
    rows = []
    with open(path, newline="") as fh:
        for r in csv.DictReader(fh):
            for k in _INTS:
                r[k] = int(r[k])
            for k in _FLOATS:
                r[k] = float(r[k])
            r["psc_positions"] = [float(x) for x in r["psc_positions"].split(";") if x]
            rows.append(r)
    return rows


def write_h5(rows: list[dict[str, Any]], path: str | Path, config, meta: dict[str, Any]) -> str | Path:
    """iv.h5: group iv with one dataset per column; the config and the sweep's ``meta`` as attributes."""
    import h5py

    from psc_fem.io.atomic import atomic_h5

    with atomic_h5(path, create=True) as f:
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


def write_sweep_json(path: str | Path, rows: list[dict[str, Any]], config, meta: dict[str, Any]) -> str | Path:
    """sweep.json: the sweep's ``meta``, its config and its rows."""
    return _write_json(path, {**meta, "config": config.model_dump(), "rows": rows})


# ---- critical current ---------------------------------------------------------
def write_critical_json(path: str | Path, result: dict[str, Any]) -> str | Path:
    """critical.json: one bisection's result (J0, bracket, probes, ...)."""
    return _write_json(path, result)


def write_grid_csv(rows: list[dict[str, Any]], path: str | Path) -> str | Path:
    """critical_grid.csv: the GRID_COLUMNS of every grid point."""
    fh = io.StringIO(newline="")
    w = csv.writer(fh)
    w.writerow(GRID_COLUMNS)
    for r in rows:
        w.writerow([f"{r[c]:.10g}" if isinstance(r[c], float) else r[c] for c in GRID_COLUMNS])
    _write_text(path, fh.getvalue())
    return path


def write_grid_json(rows: list[dict[str, Any]], path: str | Path, tolerance: float) -> str | Path:
    """critical_grid.json: the tolerance, the depairing current and the grid's rows."""
    return _write_json(path, {"tolerance": tolerance, "depairing": DEPAIRING, "rows": rows})
