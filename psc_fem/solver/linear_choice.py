"""A film's linear solver chosen while it runs: the field split while it is the cheaper, the LU once not.

The split's Krylov iterations grow with the step (its Psi block, mass-dominated while dt << h^2, turns
elliptic as dt / h^2 grows: 15 per Newton iteration at dt ~ 0.005, 230 at dt ~ 1 on a 4 x 0.5 strip at
mesh 0.025), while the LU's cost does not depend on the step.  Which is cheaper depends on the film
(narrow strips factor cheaply, 3D boxes do not) and on the phase of the run (slips take short steps,
steady states long ones), so it is measured: seconds per Newton iteration of each, by step size
(docs/films.md, "Solver").
"""

import math
import time
from collections import deque

from mpi4py import MPI
from petsc4py import PETSc

from psc_fem.solver.petsc_options import film_lu

SPLIT, LU = "split", "LU"
TRIAL_GROWTH = 2.0  # the split's cost per Newton iteration this many times its cheapest: time the LU
SWITCH_BACK = 1.25  # back to the split once it was this much cheaper at a step as long (hysteresis)
DT_BAND = 1.5  # split costs "at this step" are those measured at steps within this factor
MEMORY = 40  # split costs remembered (the latest)


class LinearSolverChoice:
    """Swaps ``snes``'s KSP between its own (the field split) and an LU one on the same operators."""

    def __init__(self, snes, comm):
        self.snes, self.comm = snes, comm
        self.ksp = {SPLIT: snes.getKSP(), LU: None}
        self.active = SPLIT
        self.split_costs = deque(maxlen=MEMORY)  # (dt, seconds per Newton iteration), latest last
        self.cheapest_split = math.inf
        self.lu_cost = None  # seconds per Newton iteration, latest measured
        self.newton_its = {SPLIT: 0, LU: 0}
        self.switches = 0
        self._t0 = None

    def start(self):
        self._t0 = time.perf_counter()

    def observe(self, dt, newton_its, converged):
        """After a Newton solve of step ``dt``: its cost, and the solver for the next one (the same on all
        ranks: the slowest rank's time decides)."""
        seconds = self.comm.allreduce(time.perf_counter() - self._t0, op=MPI.MAX)
        self.newton_its[self.active] += newton_its
        cost = seconds / max(newton_its, 1)
        if self.active == SPLIT:
            if converged:
                self.split_costs.append((dt, cost))
                self.cheapest_split = min(self.cheapest_split, cost)
            if self.lu_cost is None:
                if not converged or cost > TRIAL_GROWTH * self.cheapest_split:
                    self._use(LU)  # a trial: its first solves give its cost
            elif not converged or cost > self.lu_cost:
                self._use(LU)
        else:
            if converged:
                self.lu_cost = cost
            if self.lu_cost is None:  # the trial's step failed (Newton, not the exact LU): try it again
                return
            if self._split_cost_at(dt) * SWITCH_BACK < self.lu_cost:
                self._use(SPLIT)

    def _split_cost_at(self, dt) -> float:
        """The split's cost per Newton iteration at steps ``dt``: the median of those measured within
        DT_BAND; else, as it grows with the step, at least that at the nearest shorter step (0 with none
        shorter: unknown, so the split is timed again).  Without that bound a 3D box whose steps doubled
        from one to the next kept its trial's LU, 6x the split, all run (no split cost within the band)."""
        here = sorted(c for d, c in self.split_costs if 1 / DT_BAND <= d / dt <= DT_BAND)
        if here:
            return here[len(here) // 2]
        shorter = [(d, c) for d, c in self.split_costs if d < dt]
        return max(shorter)[1] if shorter else 0.0

    def _use(self, name):
        if self.ksp[name] is None:
            self.ksp[LU] = _lu_ksp(self.comm, self.ksp[SPLIT].getOptionsPrefix())
        self.ksp[name].setOperators(*self.ksp[self.active].getOperators())
        self.snes.setKSP(self.ksp[name])
        self.active = name
        self.switches += 1

    def summary(self) -> dict:
        """run.json's record: Newton iterations under each solver, switches, the last costs measured."""
        last_split = self.split_costs[-1][1] if self.split_costs else None
        return {
            "newton_its_split": self.newton_its[SPLIT],
            "newton_its_lu": self.newton_its[LU],
            "switches": self.switches,
            "split_ms_per_newton": None if last_split is None else 1e3 * last_split,
            "lu_ms_per_newton": None if self.lu_cost is None else 1e3 * self.lu_cost,
        }


def _lu_ksp(comm, prefix=None):
    """The LU a small film would take (psc_fem.solver.petsc_options.film_lu) on its own KSP.  ``prefix``:
    the problem's options prefix, so that the factorisation reads the user's [petsc] controls of its
    package (``mat_mumps_icntl_14``, ...); its KSP and PC types are set here, not read from options."""
    lu = film_lu(comm.size)
    ksp = PETSc.KSP().create(comm)
    if prefix:
        ksp.setOptionsPrefix(prefix)
    ksp.setType("preonly")
    pc = ksp.getPC()
    pc.setType("lu")
    pc.setFactorSolverType(lu["pc_factor_mat_solver_type"])
    if "pc_factor_mat_ordering_type" in lu:
        pc.setFactorOrdering(lu["pc_factor_mat_ordering_type"])
    return ksp
