"""psc-fem against a plain NumPy/SciPy script, whole processes at equal accuracy (issue 17).

    python benchmarks/bench_whole_process.py [--repeats 5] [--levels 1e-4,1e-5]

The case of issue 17: the gapless 10 xi wire, 200 elements, j = 0.58903,
tau = 0..40.  The peer is benchmarks/scipy_wire.py (method of lines,
exact elimination, SciPy's variable-order BDF).  Accuracy: int V dtau =
theta_+ - theta_- at tau = 40 against each code's own time-converged
value on the same grid (psc_fem: BDF5 at rtol = 1e-10; the script: rtol =
1e-10); the two codes' converged values differ by their spatial
discretisations (8e-5 relative), which is not what is compared.  For each
accuracy level each code's cheapest rung of its rtol ladder (psc_fem: every
time.scheme) is chosen in-process, then both run as whole processes
(`psc-fem run ... --quiet`, `python benchmarks/scipy_wire.py`), imports
and start-up included, interleaved --repeats times; psc-fem without output
(no fields, one frame at the end, as the script keeps only its end state)
and, as a second row, with the default output (a frame every 0.25, XDMF,
fig1.png).
Prints one JSON record (BENCH_JSON line) and a table.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from _common import ROOT, emit, fmt, machine, table  # noqa: E402
from bench_schemes import RTOLS, SCHEMES, run  # noqa: E402
from helpers.fd_reference import solve_fd  # noqa: E402

PY = sys.executable
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
ENV.pop("PYTHONDONTWRITEBYTECODE", None)  # what a user's install does: cached bytecode
CASE = ["--set", "wire.length=10.0", "--set", "model.delta=0.0", "--set", "drive.current=0.58903"]
CASE += ["--set", "time.t_end=40.0", "--set", 'time.until="t_end"', "--set", "time.dt_initial=1e-5"]


def fd_theta(rtol):
    r = solve_fd(10.0, 200, 0.58903, t_end=40.0, rtol=rtol, atol=rtol / 100, dt_out=40.0)
    return float(r.theta_plus[-1] - r.theta_minus[-1])


def wall(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, env=ENV, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--levels", default="1e-4,1e-5")
    args = ap.parse_args(argv)
    levels = [float(x) for x in args.levels.split(",")]
    subprocess.run([PY, "-m", "compileall", "-q", "psc_fem", "forms", "meshes"], cwd=ROOT, check=True)
    fd_ref = fd_theta(1e-10)
    fd_ladder = [(r, abs(fd_theta(r) - fd_ref) / abs(fd_ref)) for r in (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        fem_ref = run("issue17", "bdf5", 1e-10, tmp)["theta"]
        fem_ladder = []
        for scheme in SCHEMES:
            for rtol in RTOLS:
                r = run("issue17", scheme, rtol, tmp)
                fem_ladder.append({**r, "error": abs(r["theta"] - fem_ref) / abs(fem_ref)})
        for level in levels:
            ok = [r for r in fem_ladder if r["error"] <= level]
            fem = min(ok, key=lambda r: r["wall_s"])
            fd_rtol, fd_err = next((r, e) for r, e in fd_ladder if e <= level)
            fem_cmd = [PY, "-m", "psc_fem.cli", "run", str(ROOT / "examples" / "fig1.toml"), "--quiet"]
            fem_cmd += [*CASE, "--set", f'time.scheme="{fem["scheme"]}"', "--set", f"time.rtol={fem['rtol']}"]
            fem_cmd += ["--set", f"time.atol={fem['rtol'] / 10}", "--overwrite"]
            cmds = {
                "psc-fem, no fields": [
                    *fem_cmd,
                    "--out",
                    str(tmp / "a"),
                    "--set",
                    "output.fields=false",
                    "--set",
                    "output.every=40.0",
                ],
                "psc-fem, fields + fig1.png": [*fem_cmd, "--out", str(tmp / "b"), "--set", "output.every=0.25"],
                "scipy_wire.py": [PY, str(HERE / "scipy_wire.py"), "--rtol", str(fd_rtol)],
            }
            for cmd in cmds.values():
                wall(cmd)  # warm
            times = {k: [] for k in cmds}
            for _ in range(args.repeats):
                for k, cmd in cmds.items():
                    times[k].append(wall(cmd))
            med = {k: statistics.median(v) for k, v in times.items()}
            rows.append(
                {
                    "level": level,
                    "psc_fem": {"scheme": fem["scheme"], "rtol": fem["rtol"], "error": fem["error"]},
                    "scipy": {"rtol": fd_rtol, "error": fd_err},
                    "wall_s": times,
                    "median_s": med,
                    "ratio_no_fields": med["scipy_wire.py"] / med["psc-fem, no fields"],
                    "ratio_with_output": med["scipy_wire.py"] / med["psc-fem, fields + fig1.png"],
                }
            )
    record = {"benchmark": "whole-process-vs-scipy", "machine": machine(), "rows": rows}
    lines = []
    for r in rows:
        f, s = r["psc_fem"], r["scipy"]
        lines.append([fmt(r["level"]), "psc-fem, no fields", f"{f['scheme']} rtol {f['rtol']:g}",
                      fmt(f["error"], ".2e"), fmt(r["median_s"]["psc-fem, no fields"], ".3f"),
                      fmt(r["ratio_no_fields"], ".2f")])  # fmt: skip
        lines.append(["", "psc-fem, fields + fig1.png", "", "", fmt(r["median_s"]["psc-fem, fields + fig1.png"], ".3f"),
                      fmt(r["ratio_with_output"], ".2f")])  # fmt: skip
        lines.append(["", "scipy_wire.py", f"rtol {s['rtol']:g}", fmt(s["error"], ".2e"),
                      fmt(r["median_s"]["scipy_wire.py"], ".3f"), "1"])  # fmt: skip
    text = table(["rel. error <=", "process", "setting", "error", "wall s (median)", "script / this"], lines)
    emit(record, text)


if __name__ == "__main__":
    main()
