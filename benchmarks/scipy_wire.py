"""The wire by a plain NumPy/SciPy script: the peer of benchmarks/bench_whole_process.py (issue 17).

    python benchmarks/scipy_wire.py [--length 10] [--cells 200] [--current 0.58903] [--delta 0]
                                    [--t-end 40] [--rtol 1e-6]

Method of lines from tests/helpers/fd_reference.py (antisymmetric gauge,
d|Psi|^2/dtau eliminated exactly, docs/model.md), integrated by SciPy's
variable-order BDF (orders 1-5) with its finite-difference Jacobian.  This
is what a physicist would write in an afternoon; the benchmark times it as
a whole process, imports included, as it does `psc-fem run`.  Prints one
JSON line: theta_+ - theta_- at t_end (int V dtau, the accuracy measure),
steps, wall time of the integration.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the tests' helpers package
from helpers.fd_reference import solve_fd  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--length", type=float, default=10.0)
    ap.add_argument("--cells", type=int, default=200)
    ap.add_argument("--current", type=float, default=0.58903)
    ap.add_argument("--delta", type=float, default=0.0)
    ap.add_argument("--eta", type=float, default=0.1)
    ap.add_argument("--t-end", type=float, default=40.0)
    ap.add_argument("--rtol", type=float, default=1e-6)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    r = solve_fd(
        args.length,
        args.cells,
        args.current,
        delta=args.delta,
        eta=args.eta,
        t_end=args.t_end,
        rtol=args.rtol,
        atol=args.rtol / 100,
        dt_out=args.t_end,  # only the end state: no dense output to sample
    )
    print(
        json.dumps(
            {
                "phase_difference": float(r.theta_plus[-1] - r.theta_minus[-1]),
                "nfev": r.nfev,
                "integration_s": time.perf_counter() - t0,
                "rtol": args.rtol,
                "cells": args.cells,
            }
        )
    )


if __name__ == "__main__":
    main()
