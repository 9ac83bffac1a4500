"""The domain-decomposition solver (psc_fem.solver.dd_solver) is an exact solver.

On 2 ranks, one Newton linear system of a wire in a slipping state is solved
by the Woodbury PC (the parallel default) and by MUMPS's LU: the answers
agree to round-off, and the residual A x - b is at round-off.  A block
Jacobi preconditioner without the Woodbury correction is visibly wrong,
which shows the cut couplings matter and the correction is what fixes them.
"""

import numpy as np
import pytest
from helpers.configs import make_config
from mpi4py import MPI

from psc_fem.solver.problem import WireProblem

pytestmark = pytest.mark.mpi


def slipping_state(problem):
    """A state with a PSC-like dip and a phase winding, so every block of the Jacobian is generic."""
    L = problem.config.wire.length
    theta = lambda x: 2.0 * np.pi * (x / L + 0.5) ** 2  # noqa: E731
    amp = lambda x: 1.0 - 0.9 * np.exp(-((x - 0.1) ** 2) / 0.5)  # noqa: E731
    w = problem.w.x.array
    parts = (
        (problem.W.sub(0).sub(0), lambda x: amp(x) * np.cos(theta(x))),
        (problem.W.sub(0).sub(1), lambda x: amp(x) * np.sin(theta(x))),
        (problem.W.sub(1), lambda x: 0.3 * x),
    )
    for sub, value in parts:
        V, dofs = sub.collapse()
        w[dofs] = value(V.tabulate_dof_coordinates()[:, 0])
    problem.w_n.x.array[:] = 0.98 * w
    problem.w_nm1.x.array[:] = 0.95 * w


def solve_with(options, delta):
    cfg = make_config(wire={"length": 12.0, "h": 0.05}, model={"delta": delta}, drive={"current": 0.7}, petsc=options)
    p = WireProblem(cfg, MPI.COMM_WORLD)
    slipping_state(p)
    p.set_step(0.05, (1.5, -2.0, 0.5))  # BDF2
    x = p.w.x.petsc_vec.copy()
    b = p.problem.b.copy()
    A = p.problem.A
    p._residual(None, x, b)
    p._jacobian(None, x, A, A)
    ksp = p.snes.getKSP()
    ksp.setOperators(A)
    sol = b.duplicate()
    ksp.solve(b, sol)
    r = b.duplicate()
    A.mult(sol, r)
    r.axpy(-1.0, b)
    out = (sol.getArray().copy(), r.norm() / b.norm())
    for obj in (x, b, sol, r):
        obj.destroy()
    return out


@pytest.mark.parametrize("delta", [0.0, 10 / 3])
def test_woodbury_is_exact(delta):
    assert MPI.COMM_WORLD.size == 2
    x_dd, res_dd = solve_with({}, delta)  # the parallel default
    x_lu, res_lu = solve_with({"pc_factor_mat_solver_type": "mumps"}, delta)
    x_bj, res_bj = solve_with({"pc_type": "bjacobi", "sub_pc_type": "lu"}, delta)
    scale = np.max(np.abs(x_lu))
    print(
        f"residuals: woodbury {res_dd:.1e}, mumps {res_lu:.1e}, block jacobi {res_bj:.1e}; max|x_dd - x_lu| / max|x| = {np.max(np.abs(x_dd - x_lu)) / scale:.1e}"
    )
    assert res_lu < 1e-12 and res_dd < 1e-12, (res_lu, res_dd)
    assert np.max(np.abs(x_dd - x_lu)) < 1e-10 * scale
    assert res_bj > 1e-6  # without the cut couplings the solve is not exact
