"""Cost of one Newton iteration against DOFs, and against its arithmetic (issue 17).

    python benchmarks/bench_newton.py [--dofs 1e2,1e3,1e4,1e5] [--delta 3.3333] [--repeats 5]

One rank.  For each size, a wire of h = 0.05 (P1: 3 DOFs per node) in a
state with a PSC-like dip (|Psi| = 1 - 0.9 exp(-x^2), a phase twist, the
BDF2 history equal to it), dt = 0.01:

* ``iteration``: `WireProblem.solve()` wall time / Newton iterations
  (everything SNES does: both callbacks, the LU, its line search and norms);
* ``residual``, ``jacobian``: psc_fem's SNES callbacks alone;
* ``lu``: the KSP solve after a new Jacobian (numeric LU factorisation,
  natural ordering, and the triangular solves);
* the arithmetic: ``kernels``, the C++ assembly of the residual and of
  the Jacobian into DOLFINx's own CSR matrix with the coefficients packed
  beforehand (no PETSc, no Python per cell), and ``banded LU``, LAPACK's
  dgbtrf + dgbtrs on the same matrix in band storage (scipy).

``iteration / (kernels + banded LU)`` is the ratio the issue asks to bring
within ~10.  Medians of --repeats timings of each part (each a loop long
enough for ~0.2 s).  Prints one JSON record (BENCH_JSON line) and a table.
"""

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from _common import ROOT, emit, fmt, machine, table  # noqa: E402
from dolfinx import fem  # noqa: E402
from dolfinx.cpp import fem as cpp_fem  # noqa: E402
from mpi4py import MPI  # noqa: E402
from scipy.linalg import lapack  # noqa: E402

import psc_fem  # noqa: E402,F401
from psc_fem.config import load_config  # noqa: E402
from psc_fem.solver.bdf import bdf_weights  # noqa: E402
from psc_fem.solver.problem import WireProblem  # noqa: E402


def per_call(fn, min_time=0.2, repeats=5):
    """Median seconds per call over ``repeats`` loops of n calls (n sized for ~min_time per loop)."""
    fn()
    n, t = 1, 0.0
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        t = time.perf_counter() - t0
        if t >= min_time / 4 or n >= 1 << 16:
            break
        n *= 4
    n = max(1, int(n * min_time / max(t, 1e-9)))
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        out.append((time.perf_counter() - t0) / n)
    return float(np.median(out))


def build(dofs, delta):
    cells = max(2, 2 * int(round(dofs / 6)))  # even: x = 0 is a vertex; P1: ~3 DOFs per vertex
    cfg = load_config(
        ROOT / "examples" / "fig1.toml",
        [f"wire.length={cells * 0.05}", "wire.h=0.05", f"model.delta={delta}", "output.fields=false"],
    )
    p = WireProblem(cfg, MPI.COMM_SELF)
    n = p.nodes
    x = n.x
    amp = 1.0 - 0.9 * np.exp(-(x**2))
    twist = 0.3 * np.tanh(x)
    a = p.w.x.array
    a[n.u1], a[n.u2], a[n.phi] = amp * np.cos(twist), amp * np.sin(twist), 0.1 * x
    for f in p.olds:
        f.x.array[:] = a
    dt = 0.01
    p.set_step(dt, bdf_weights(2, dt, past=[dt]), link=(0.5, 0.5), links_before=[0.0 * a])
    return p, a.copy()


def measure(dofs, delta, repeats):
    p, state = build(dofs, delta)
    snes, A, b = p.snes, p.problem.A, p.problem.b
    x = b.duplicate()
    x.array[:] = state[: x.getLocalSize()]

    def newton():
        p.w.x.array[:] = state
        p.solve()

    p.w.x.array[:] = state
    p.solve()
    its = max(1, snes.getIterationNumber())
    iteration = per_call(newton, repeats=repeats) / its

    residual = per_call(lambda: p._residual(snes, x, b), repeats=repeats)
    jacobian = per_call(lambda: p._jacobian(snes, x, A, A), repeats=repeats)
    ksp = snes.getKSP()
    dx = b.duplicate()

    def lu():
        A.assemble()  # a "new" matrix: the PC factors it again
        ksp.setOperators(A, A)
        ksp.solve(b, dx)

    lu_time = per_call(lu, repeats=repeats)

    # The arithmetic: kernels with packed coefficients, DOLFINx CSR (no PETSc); LAPACK band LU.
    F_cpp, J_cpp = p._F_cpp, p._J_cpp
    consts_F, coeffs_F = cpp_fem.pack_constants(F_cpp), cpp_fem.pack_coefficients(F_cpp)
    consts_J, coeffs_J = cpp_fem.pack_constants(J_cpp), cpp_fem.pack_coefficients(J_cpp)
    vec = np.zeros(state.size)
    csr = fem.assemble_matrix(p.problem.J)

    def kernels():
        vec[:] = 0.0
        cpp_fem.assemble_vector(vec, F_cpp, consts_F, coeffs_F)
        csr.data[:] = 0.0
        cpp_fem.assemble_matrix(csr._cpp_object, J_cpp, consts_J, coeffs_J, [])

    kernel_time = per_call(kernels, repeats=repeats)
    dense_rows = csr.to_scipy().tocoo()
    # band storage in the natural (x) order of the nodes
    order = np.empty(state.size, dtype=np.int64)
    n = p.nodes
    order[np.concatenate([np.column_stack([n.u1, n.u2, n.phi]).ravel()])] = np.arange(state.size)
    r, c = order[dense_rows.row], order[dense_rows.col]
    kl = ku = int(np.max(np.abs(r - c)))
    ab = np.zeros((2 * kl + ku + 1, state.size))
    np.add.at(ab, (kl + ku + r - c, c), dense_rows.data)
    ab[kl + ku] += np.where(ab[kl + ku] == 0.0, 1.0, 0.0)  # a zero pivot (the gauge row's): keep it regular
    rhs = np.ones(state.size)

    def band_lu():
        lub, piv, _ = lapack.dgbtrf(ab, kl, ku)
        lapack.dgbtrs(lub, kl, ku, rhs, piv)

    band_time = per_call(band_lu, repeats=repeats)
    arithmetic = kernel_time + band_time
    return {
        "dofs": int(state.size),
        "newton_its": its,
        "iteration_s": iteration,
        "residual_s": residual,
        "jacobian_s": jacobian,
        "lu_s": lu_time,
        "kernels_s": kernel_time,
        "band_lu_s": band_time,
        "bandwidth": kl,
        "ratio": iteration / arithmetic,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dofs", default="1e2,1e3,1e4,1e5")
    ap.add_argument("--delta", type=float, default=10 / 3)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    rows = [measure(int(float(d)), args.delta, args.repeats) for d in args.dofs.split(",")]
    record = {"benchmark": "newton-iteration", "machine": machine(), "delta": args.delta, "rows": rows}
    us = lambda s: fmt(s * 1e6, ".4g")  # noqa: E731
    text = table(
        ["DOFs", "iteration us", "residual us", "Jacobian us", "LU us", "kernels us", "band LU us", "ratio"],
        [
            [
                r["dofs"],
                us(r["iteration_s"]),
                us(r["residual_s"]),
                us(r["jacobian_s"]),
                us(r["lu_s"]),
                us(r["kernels_s"]),
                us(r["band_lu_s"]),
                fmt(r["ratio"], ".3g"),
            ]
            for r in rows
        ],
    )
    emit(record, text)


if __name__ == "__main__":
    main()
