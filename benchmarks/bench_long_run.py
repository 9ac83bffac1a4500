"""Long run: 10^5+ steps of the Fig. 1 wire with memory sampled over time.

Runs ``psc-fem run examples/fig1.toml`` as a subprocess (serial, field
output on, frames every 0.1 as in Fig. 1) and samples, every ``--sample``
seconds, the process's resident memory (VmRSS) and the progress recorded in
checkpoint.h5 (simulated time, steps on disk).  Prints one JSON record (the
whole RSS curve) and a table, and checks at the end that the files open and
hold every step and frame.

Memory must be flat: the per-step series lives in series.h5 (the recorder
keeps nothing per step), frames go to disk in blocks, and no file is held
open.  The record gives the RSS growth over the second half of the run
(MB per 10^5 steps, least squares) and the step rate in the first and the
last quarter (a slowdown would show output costs growing with the files).

    python benchmarks/bench_long_run.py [--t-end 10000] [--every 0.1] [--sample 5] [--out DIR]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PSC_FEM = Path(sys.executable).with_name("psc-fem")


def rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def progress(run_dir):
    """(t, steps on disk) from checkpoint.h5 (replaced atomically, so always readable)."""
    try:
        with h5py.File(run_dir / "checkpoint.h5", "r") as f:
            return float(f.attrs["t"]), int(f.attrs["n_steps"])
    except (OSError, KeyError):
        return 0.0, 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--t-end", type=float, default=10000.0, help="simulated time (Fig. 1 wire: ~10 steps per unit)")
    ap.add_argument("--every", type=float, default=0.1, help="frame spacing (output.every)")
    ap.add_argument("--sample", type=float, default=5.0, help="seconds between RSS samples")
    ap.add_argument("--out", help="run directory (default: a temporary one, removed afterwards)")
    args = ap.parse_args()

    tmp = None if args.out else tempfile.TemporaryDirectory()
    run_dir = Path(args.out or tmp.name) / "long"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    cmd = [
        str(PSC_FEM),
        "run",
        str(ROOT / "examples" / "fig1.toml"),
        "--out",
        str(run_dir),
        "--quiet",
        "--set",
        f"time.t_end={args.t_end}",
        "--set",
        f"output.every={args.every}",
    ]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples = []
    while proc.poll() is None:
        time.sleep(args.sample)
        mem = rss_mb(proc.pid)
        if mem is None:
            break
        t, steps = progress(run_dir)
        samples.append(
            {"wall": round(time.perf_counter() - t0, 2), "rss_mb": round(mem, 2), "t": round(t, 3), "steps": steps}
        )
        print(
            f"{samples[-1]['wall']:8.1f} s  RSS {mem:7.1f} MB  tau {t:9.1f}  steps {steps:7d}",
            file=sys.stderr,
            flush=True,
        )
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        print(out, err, file=sys.stderr)
        raise SystemExit(f"run failed with exit code {proc.returncode}")

    info = json.loads((run_dir / "run.json").read_text())
    with h5py.File(run_dir / "series.h5", "r") as f:
        n_steps, n_frames = f["t"].shape[0], f["frames/t"].shape[0]
    import meshio

    with meshio.xdmf.TimeSeriesReader(run_dir / "fields.xdmf") as reader:
        reader.read_points_cells()
        xdmf_frames = reader.num_steps
        reader.read_data(xdmf_frames - 1)
    sizes = {
        name: (run_dir / name).stat().st_size / 1e6
        for name in ("series.h5", "fields.h5", "fields.xdmf", "checkpoint.h5")
    }

    # the running phase only: after t_end the CLI reads the series back and plots fig1.png
    s = [x for x in samples if 0 < x["steps"] and x["t"] < args.t_end * (1 - 1e-9)]
    steps = np.array([x["steps"] for x in s], float)
    rss = np.array([x["rss_mb"] for x in s])
    walls = np.array([x["wall"] for x in s])
    half = steps >= 0.5 * steps[-1]
    slope = float(np.polyfit(steps[half], rss[half], 1)[0] * 1e5) if half.sum() >= 3 else float("nan")
    q = len(s) // 4
    rate = lambda a, b: float((steps[b] - steps[a]) / (walls[b] - walls[a]))  # noqa: E731
    record = {
        "benchmark": "long_run",
        "t_end": args.t_end,
        "every": args.every,
        "steps": n_steps,
        "frames": n_frames,
        "xdmf_frames": xdmf_frames,
        "status": info["status"],
        "wall_s": round(wall, 1),
        "rss_first_mb": float(rss[0]),
        "rss_max_mb": float(rss.max()),
        "rss_last_mb": float(rss[-1]),
        "rss_growth_mb_per_1e5_steps_second_half": round(slope, 3),
        "rss_median_by_quarter_mb": [
            float(np.median(rss[(steps > a * steps[-1]) & (steps <= (a + 0.25) * steps[-1])]))
            for a in (0.0, 0.25, 0.5, 0.75)
        ],
        "steps_per_s_first_quarter": round(rate(0, q), 1) if q >= 1 else None,
        "steps_per_s_last_quarter": round(rate(len(s) - 1 - q, len(s) - 1), 1) if q >= 1 else None,
        "file_sizes_mb": {k: round(v, 2) for k, v in sizes.items()},
        "samples": samples,
    }
    print(json.dumps(record, indent=1))
    print(f"\n{'wall [s]':>9s} {'steps':>8s} {'tau':>9s} {'RSS [MB]':>9s}")
    for x in samples[:: max(1, len(samples) // 20)] + samples[-1:]:
        print(f"{x['wall']:9.1f} {x['steps']:8d} {x['t']:9.1f} {x['rss_mb']:9.1f}")
    print(
        f"\n{n_steps} steps, {n_frames} frames in {wall:.0f} s; RSS {rss[0]:.1f} -> {rss[-1]:.1f} MB "
        f"(max {rss.max():.1f}); growth over the second half {slope:.2f} MB per 1e5 steps; "
        f"median by quarter {record['rss_median_by_quarter_mb']} MB"
    )
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
