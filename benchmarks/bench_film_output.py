"""The cost of one film frame against the number of frames already written (issue 16: flat over 1e4).

    python benchmarks/bench_film_output.py [--frames 10000] [--plain 2000] [--mesh 0.1]

Writes frames of a 4 x 1.6 xi strip (mesh 0.1: 3.4e3 nodes, the four
fields |Psi|, Re Psi, Im Psi, phi) through psc_fem's `FilmFields`, which
starts a new XDMF segment every SEGMENT_FRAMES frames, and, side by side
in the same process, through one DOLFINx XDMFFile for all frames ("plain":
it rewrites its XML at every frame, so its cost grows with the file) and
DOLFINx's VTXWriter (ADIOS2 BP4, for reference). Prints the mean ms per
frame over each fifth of the run: flat means a constant cost per frame.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from dolfinx import io  # noqa: E402
from mpi4py import MPI  # noqa: E402

import psc_fem  # noqa: E402,F401  (initialises the DOLFINx wheel first)
from psc_fem.film.config import validate_film  # noqa: E402
from psc_fem.film.problem import FilmProblem  # noqa: E402
from psc_fem.film.run import FilmFields  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, fmt, machine, table  # noqa: E402


def blocks(write, n):
    """ms per frame over each fifth of n frames."""
    out, t0 = [], time.perf_counter()
    for k in range(n):
        write(float(k))
        if (k + 1) % max(n // 5, 1) == 0:
            t1 = time.perf_counter()
            out.append(1e3 * (t1 - t0) / max(n // 5, 1))
            t0 = t1
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=10000, help="frames for the segmented and VTX writers")
    ap.add_argument("--plain", type=int, default=2000, help="frames for one XDMFFile (its cost grows)")
    ap.add_argument("--mesh", type=float, default=0.1)
    args = ap.parse_args(argv)
    cfg = validate_film(
        {
            "geometry": {"kind": "strip", "length": 4.0, "width": 1.6, "mesh_size": args.mesh},
            "model": {"delta": 10 / 3, "eta": 0.1},
            "drive": {"current": 0.5},
            "time": {"t_end": 1.0},
        }
    )
    problem = FilmProblem(cfg, MPI.COMM_SELF)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        segmented = FilmFields(problem, Path(tmp) / "fields.xdmf")
        rows.append(("FilmFields (segments of %d)" % FilmFields.SEGMENT_FRAMES, blocks(segmented.write, args.frames)))
        segmented.close()
        plain = FilmFields(problem, Path(tmp) / "plain.xdmf")
        plain.SEGMENT_FRAMES = args.plain + 1  # one file for all frames
        rows.append(("one XDMFFile", blocks(plain.write, args.plain)))
        plain.close()
        vtx = io.VTXWriter(MPI.COMM_SELF, str(Path(tmp) / "fields.bp"), list(segmented.functions.values()), "BP4")
        rows.append(("VTXWriter (BP4)", blocks(vtx.write, args.frames)))
        vtx.close()
    nodes = int(problem.nodes.owned.sum())
    record = {
        "bench": "film_output",
        "nodes": nodes,
        "frames": args.frames,
        "plain_frames": args.plain,
        "rows": [{"writer": w, "ms_per_frame_by_fifth": b, "growth": b[-1] / b[0]} for w, b in rows],
        "machine": machine(),
    }
    text = table(
        ["writer", "ms/frame, fifths 1..5", "last / first"],
        [[w, " ".join(fmt(x, ".3g") for x in b), fmt(b[-1] / b[0], ".2f")] for w, b in rows],
    )
    emit(record, f"{nodes} nodes, 4 fields per frame\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
