"""One wire's problem kept across the runs of a sweep or a critical-current search.

Sweeps and bisections run many short runs of the same wire that differ only
in the drive (and the time span and output).  Building the `WireProblem`
and its `FieldEvaluator` again each time costs the forms' loading from the
cache, the sub-space collapses and the phi balance's linear problem
(~0.1 s a run, a sixth of a Fig. 1 sweep point).  A `ProblemCache` keeps
the last pair and hands it to the next run with the same wire, model,
scheme, [petsc] options and communicator, reset to the state a new one
starts in (Psi = 1, no history), so the run's numbers are the same to the
last bit (tests/system/test_sweep_runs.py).  Runs with [phonons] feedback
(which carry p(x) between steps) always build their own.
"""

from psc_fem import feedback


class ProblemCache:
    """The last (WireProblem, FieldEvaluator) of a communicator, for runs that may share it."""

    def __init__(self):
        self.reused = 0  # runs that took a kept problem
        self.clear()

    @staticmethod
    def _signature(config, comm):
        if feedback.active(config):
            return None
        shared = config.model_dump(include={"wire", "model", "petsc"})
        return (id(comm), comm.size, repr(shared), config.time.scheme)

    def take(self, config, comm):
        """(problem, evaluator) reset for a run of ``config``, or None when it needs new ones."""
        signature = self._signature(config, comm)
        if signature is None or signature != self._signature_kept:
            return None
        self.problem.reset(config)
        self.reused += 1
        return self.problem, self.evaluator

    def keep(self, config, comm, problem, evaluator):
        signature = self._signature(config, comm)
        if signature is not None:
            self._signature_kept, self.problem, self.evaluator = signature, problem, evaluator

    def clear(self):
        """Drop what is kept (then gc.collect() on every rank destroys its PETSc objects together)."""
        self._signature_kept = self.problem = self.evaluator = None
