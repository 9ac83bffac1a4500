"""Start-up of `psc-fem run` (issue 17): whole-process times and where they go.

Whole processes, interleaved (a, b, c, ... repeated) since these machines
are noisy, each with a warm form cache and compiled bytecode:

* ``python``: the interpreter alone;
* ``dolfinx stack``: ``import dolfinx_solver, dolfinx.fem.petsc`` (MPI,
  PETSc, DOLFINx, UFL, FFCx: the floor of any DOLFINx program);
* ``psc-fem --version``;
* ``run, no fields`` / ``run``: ``psc-fem run examples/fig1.toml`` with
  t_end = 0.01 (6 steps), without and with field output.

Then one ``python -X importtime`` run, its import time summed by top-level
package, and the rest of the run (set-up, 6 steps, files) as the
difference.  Prints one JSON record (``BENCH_JSON ...``) and two tables.

    python benchmarks/bench_startup.py [--repeats 5]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from _common import ROOT, emit, fmt, fmt_spread, machine, spread, table

PY = sys.executable
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
ENV.pop("PYTHONDONTWRITEBYTECODE", None)  # measure what a user's install does: cached bytecode
RUN = ["-m", "psc_fem.cli", "run", str(ROOT / "examples" / "fig1.toml"), "--quiet", "--overwrite"]
RUN += ["--set", "time.t_end=0.01"]


def cases(tmp):
    return {
        "python": [PY, "-c", "pass"],
        "dolfinx stack": [PY, "-c", "import dolfinx_solver, dolfinx.fem.petsc"],
        "psc-fem --version": [PY, "-m", "psc_fem.cli", "--version"],
        "run, no fields": [PY, *RUN, "--out", str(tmp / "a"), "--set", "output.fields=false"],
        "run": [PY, *RUN, "--out", str(tmp / "b")],
    }


def wall(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, env=ENV, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - t0


GROUPS = {
    "dolfinx_solver": "dolfinx_solver + mpi4py (MPI init, the wheel's checks)",
    "mpi4py": "dolfinx_solver + mpi4py (MPI init, the wheel's checks)",
    "petsc4py": "petsc4py",
    "dolfinx": "dolfinx, basix, ufl, ffcx, cffi",
    "basix": "dolfinx, basix, ufl, ffcx, cffi",
    "ufl": "dolfinx, basix, ufl, ffcx, cffi",
    "ffcx": "dolfinx, basix, ufl, ffcx, cffi",
    "cffi": "dolfinx, basix, ufl, ffcx, cffi",
    "numpy": "numpy",
    "h5py": "h5py",
    "pydantic": "pydantic (config)",
    "pydantic_core": "pydantic (config)",
    "psc_fem": "psc_fem's own modules",
}


def import_breakdown(tmp):
    """Self time of every imported module (-X importtime), summed by package group, in seconds."""
    cmd = [PY, "-X", "importtime", *RUN, "--out", str(tmp / "c"), "--set", "output.fields=false"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=ENV, cwd=ROOT, check=True, capture_output=True, text=True)
    total = time.perf_counter() - t0
    groups = defaultdict(float)
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if m:
            top = m.group(2).split(".")[0]
            groups[GROUPS.get(top, "other (stdlib, scipy, ...)")] += int(m.group(1)) * 1e-6
    return total, dict(groups)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    # Bytecode for psc_fem itself (an editable install has none until first import writes it).
    subprocess.run([PY, "-m", "compileall", "-q", "psc_fem", "forms", "meshes"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        todo = cases(tmp)
        for cmd in todo.values():  # warm: form cache, page cache
            wall(cmd)
        times = {k: [] for k in todo}
        for _ in range(args.repeats):
            for name, cmd in todo.items():
                times[name].append(wall(cmd))
        total, groups = import_breakdown(tmp)
    stats = {k: spread(v) for k, v in times.items()}
    imports = sum(groups.values())
    record = {
        "bench": "startup",
        "machine": machine(),
        "whole_process_s": stats,
        "importtime_run_s": total,
        "imports_s": groups,
        "imports_total_s": imports,
    }
    text = "whole process, median [min-max] of %d interleaved repeats\n" % args.repeats
    text += table(["case", "wall [s]"], [[k, fmt_spread(s)] for k, s in stats.items()])
    rows = sorted(groups.items(), key=lambda kv: -kv[1])
    rows.append(("all imports", imports))
    rows.append(("the rest: interpreter, set-up, 6 steps, files", total - imports))
    text += "\n\none `run, no fields` under -X importtime (%.2f s), import self time by package\n" % total
    text += table(["part", "time [s]"], [[k, fmt(v, ".3f")] for k, v in rows])
    emit(record, text)


if __name__ == "__main__":
    main()
