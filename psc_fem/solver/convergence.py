"""Newton's convergence test above delta = 1e4: judged on the update of Psi, not of phi (docs/model.md).

At large delta the interference current's d|Psi|^2/dtau turns the
round-off of Psi (eps) into an error of ~2 delta sqrt(eta/u) eps / dt in
phi.  In a phase slip at delta = 1e5 the steps fall to ~1e-9 and phi's
Newton updates stall at ~1e-3 of phi, above any fixed snes_stol, while
Psi's are at round-off; PETSc's test on the whole update then never
passes and the step falls to dt_min.  That noise lasts a few 1e-9 tau and
moves mean V by nothing measurable.  So above LARGE_DELTA the step test
(snes_stol) looks at Psi's update alone; the residual tests are PETSc's.
Below it PETSc's own test runs (nothing changes there).
"""

import numpy as np
from mpi4py import MPI
from petsc4py import PETSc

LARGE_DELTA = 1e4
REASON = PETSc.SNES.ConvergedReason


class PsiUpdateTest:
    """SNES convergence test: |f| < atol, |f| <= rtol |f0|, or |d Psi| <= stol |Psi| (owned ``psi_dofs``)."""

    def __init__(self, psi_dofs, comm):
        self.psi, self.comm = psi_dofs, comm
        self.f0 = 0.0

    def __call__(self, snes, it, norms):
        _, _, fnorm = norms
        rtol, atol, stol, _ = snes.getTolerances()
        if not np.isfinite(fnorm):
            return REASON.DIVERGED_FUNCTION_NANORINF
        if it == 0:
            self.f0 = fnorm
        if fnorm < atol:
            return REASON.CONVERGED_FNORM_ABS
        if it == 0:
            return REASON.ITERATING
        if fnorm <= rtol * self.f0:
            return REASON.CONVERGED_FNORM_RELATIVE
        dx = snes.getSolutionUpdate().getArray(readonly=True)[self.psi]
        x = snes.getSolution().getArray(readonly=True)[self.psi]
        sums = np.array([dx @ dx, x @ x])
        self.comm.Allreduce(MPI.IN_PLACE, sums, op=MPI.SUM)
        if sums[0] <= stol * stol * sums[1]:
            return REASON.CONVERGED_SNORM_RELATIVE
        return REASON.ITERATING  # SNES itself stops at snes_max_it (DIVERGED_MAX_IT)
