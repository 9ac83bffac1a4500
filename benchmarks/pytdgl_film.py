"""py-tdgl (PyPI `tdgl` 0.9) on psc_fem's film: a strip with normal-metal terminals at both ends.

Runs in the benchmark venv (.venv-bench, `make bench`); prints one JSON line;
benchmarks/bench_film_pytdgl.py drives it.  The same problem as a psc_fem
film with `[geometry] ends = "normal"`, `[model] interference = false`:
py-tdgl's model is (A.1)-(A.3) with D = 1 and no interference current,
with its gamma = psc_fem's delta, u = u, mu = phi, t = tau (the mapping of
benchmarks/pytdgl_strip.py's docstring).  Its terminals hold psi = 0 and
inject a uniform current density, as psc_fem's normal terminals do; the
current density is j = J_scale I / W (`current_scale`).  V is mu(probe 1)
- mu(probe 2), psc_fem's sign.
"""

import argparse
import json
import logging
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from pytdgl_strip import U_EXACT, current_scale, solve_biased  # noqa: E402


def run(args):
    import tdgl

    logging.getLogger("tdgl").setLevel(logging.WARNING)
    L, W, h = args.length, args.width, args.h
    layer = tdgl.Layer(coherence_length=1.0, london_lambda=2.0, thickness=0.1, u=U_EXACT, gamma=args.gamma)
    film = tdgl.Polygon("film", points=tdgl.geometry.box(L, W))
    source = tdgl.Polygon("source", points=tdgl.geometry.box(h, 1.2 * W, center=(-L / 2, 0)))
    drain = tdgl.Polygon("drain", points=tdgl.geometry.box(h, 1.2 * W, center=(L / 2, 0)))
    probes = [(-L / 2 + args.inset, 0.0), (L / 2 - args.inset, 0.0)]
    device = tdgl.Device(
        "strip", layer=layer, film=film, terminals=[source, drain], probe_points=probes, length_units="um"
    )
    device.make_mesh(max_edge_length=h, smooth=10)
    I = args.current * W / current_scale(device)
    solution, wall = solve_biased(device, I, args.t_end, 1e-4, args.dt_max)
    dyn = solution.dynamics
    t, V = np.asarray(dyn.time), np.asarray(dyn.voltage(0, 1))
    tail = t >= 0.8 * t[-1]
    return {
        "code": "py-tdgl",
        "version": tdgl.__version__,
        "h": h,
        "sites": int(len(device.mesh.sites)),
        "steps": int(len(t)),
        "wall": wall,
        "t_end": float(t[-1]),
        "V": float(np.mean(V[tail])),
        "V_drift": float(np.ptp(V[tail])),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--length", type=float, default=4.0)
    ap.add_argument("--width", type=float, default=0.5)
    ap.add_argument("--h", type=float, default=0.1)
    ap.add_argument("--current", type=float, default=0.2)
    ap.add_argument("--gamma", type=float, default=10 / 3)
    ap.add_argument("--inset", type=float, default=1.0)
    ap.add_argument("--t-end", type=float, default=300.0)
    ap.add_argument("--dt-max", type=float, default=1e-2)
    print(json.dumps(run(ap.parse_args(argv))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
