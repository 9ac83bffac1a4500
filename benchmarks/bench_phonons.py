"""Benchmark of the phonon post-processing (issue 4).

1. Build the eta1 table (T = 0.9 Tc, gamma = 0.3, consistent, default grid).
2. Post-process a synthetic run of the Fig. 1 size (201 nodes x 2001 frames)
   once the table is cached: the whole `run_spectrum` (read, spectra, E+/E-,
   spectrum.h5, fig2.png) and its numerical core alone.

Prints one JSON record, then a small table. Run with OMP_NUM_THREADS=1.
"""

import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from psc_fem.phonons import flux, periods, spectrum, synthetic, table
from psc_fem.phonons.units import temperature_in_delta0


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def main(n_x=201, n_frames=2001):
    T, gamma = temperature_in_delta0(0.9), 0.3
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["PSC_FEM_CACHE"] = str(tmp / "cache")
        tab, t_build = timed(table.load_table, T, gamma, "consistent")
        _, t_load = timed(table.load_table, T, gamma, "consistent")
        synthetic.write_series(tmp / "series.h5", n_x=n_x, n_frames=n_frames)
        summary, t_run = timed(spectrum.run_spectrum, tmp)

        s = spectrum.Series.read(tmp)
        model = flux.FluxModel(tab)
        wx = flux.trapezoid_weights(s.x)
        start = time.perf_counter()
        model.spectrum(s.abs_psi, s.dabs_psi_dt * wx)
        bounds = periods.full_periods(periods.find_minima(s.t_fine, s.psi_center), s.t[0], s.t[-1])
        model.period_energies(s.t, s.abs_psi, s.dabs_psi_dt, wx, bounds)
        t_core = time.perf_counter() - start

    record = {
        "benchmark": "phonons",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "threads": os.environ.get("OMP_NUM_THREADS"),
        "table_shape": list(tab.values.shape),
        "nodes": n_x,
        "frames": n_frames,
        "table_build_s": round(t_build, 3),
        "table_load_s": round(t_load, 4),
        "run_spectrum_s": round(t_run, 3),
        "core_s": round(t_core, 3),
        "E_plus": summary["E_plus"],
        "E_minus": summary["E_minus"],
        "identity_residual": summary["identity_residual"],
    }
    print(json.dumps(record))
    rows = [
        ("build eta1 table %dx%d" % tuple(tab.values.shape), t_build),
        ("load cached table", t_load),
        ("run_spectrum, %d nodes x %d frames" % (n_x, n_frames), t_run),
        ("  of which spectra + E+/E-", t_core),
    ]
    print(f"\n{'step':44s} {'seconds':>8s}")
    for name, sec in rows:
        print(f"{name:44s} {sec:8.3f}")
    return record


if __name__ == "__main__":
    main()
