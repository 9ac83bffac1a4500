"""Shared helpers of the benchmarks: machine facts, repeat statistics, tables."""

import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_PY = ROOT / ".venv-bench" / "bin" / "python"  # py-tdgl's venv (make bench)


def machine():
    """Facts that make a timing comparable: cores, load when it was taken, versions."""
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cores": os.cpu_count(),
        "load_avg_1_5_15": load,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "threads": os.environ.get("OMP_NUM_THREADS"),
    }


def spread(values):
    """min / median / max of repeated measurements (None-safe)."""
    values = [v for v in values if v is not None]
    if not values:
        return {"min": None, "median": None, "max": None, "n": 0}
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}


def fmt(x, spec=".3g"):
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    return format(x, spec)


def fmt_spread(s, spec=".3g"):
    if not s or s.get("median") is None:
        return "-"
    if s["n"] == 1:
        return fmt(s["median"], spec)
    return f"{fmt(s['median'], spec)} [{fmt(s['min'], spec)}-{fmt(s['max'], spec)}]"


def table(headers, rows):
    """Plain-text table, columns sized to fit."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    width = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for k, r in enumerate(cells):
        lines.append("  ".join(c.rjust(width[i]) if i else c.ljust(width[i]) for i, c in enumerate(r)))
        if k == 0:
            lines.append("  ".join("-" * w for w in width))
    return "\n".join(lines)


def emit(record, text):
    """One JSON record (one line, prefixed for run_all.py) and then the table."""
    print("BENCH_JSON " + json.dumps(record, default=float), flush=True)
    print(text, flush=True)


def run_json(cmd, env=None, timeout=None):
    """Run a command that prints JSON lines; returns the parsed lines (stdout)."""
    full_env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    full_env.update(env or {})
    proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=timeout, cwd=ROOT)
    out = []
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("BENCH_JSON "):
            line = line[len("BENCH_JSON ") :]
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    if proc.returncode != 0 and not out:
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed with exit code {proc.returncode}")
    return out
