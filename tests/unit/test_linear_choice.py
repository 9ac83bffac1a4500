"""A film's linear solver chosen by measured cost (psc_fem.solver.linear_choice), on a fake clock.

The split's cost per Newton iteration grows with the step (its Krylov iterations: 15 at dt ~ 0.005 to
230 at dt ~ 1, docs/films.md); the LU's does not.  The choice must follow the cheaper one: the split at
short steps, the LU at long ones, back to the split when the steps shrink (a slip), and stay with the
split when the LU is dearer everywhere (a 3D film).
"""

from types import SimpleNamespace

import pytest
from mpi4py import MPI

from psc_fem.solver import linear_choice
from psc_fem.solver.linear_choice import LU, SPLIT, LinearSolverChoice


class FakeKSP:
    def __init__(self, name):
        self.name, self.ops = name, None

    def getOptionsPrefix(self):
        return "psc_0_"

    def getOperators(self):
        return ("A", "P")

    def setOperators(self, *ops):
        self.ops = ops


class FakeSNES:
    def __init__(self):
        self.ksp = FakeKSP(SPLIT)

    def getKSP(self):
        return self.ksp

    def setKSP(self, ksp):
        self.ksp = ksp


@pytest.fixture
def clock(monkeypatch):
    now = SimpleNamespace(t=0.0)
    monkeypatch.setattr(linear_choice.time, "perf_counter", lambda: now.t)
    monkeypatch.setattr(linear_choice, "_lu_ksp", lambda comm, prefix: FakeKSP(LU))
    return now


def run(choice, clock, steps, split_cost, lu_cost, newton_its=3):
    """Solve ``steps`` (dt values) with the given costs per Newton iteration (functions of dt);
    returns the solver used at each step."""
    used = []
    for dt in steps:
        used.append(choice.snes.getKSP().name)
        choice.start()
        clock.t += newton_its * (split_cost(dt) if used[-1] == SPLIT else lu_cost(dt))
        choice.observe(dt, newton_its, True)
    return used


def split_cost(dt):
    return 0.01 * (1.0 + 15.0 * dt**0.5)  # Krylov iterations ~ sqrt(dt / h^2)


def test_the_split_at_short_steps_the_lu_at_long_ones_and_back_after_a_slip(clock):
    choice = LinearSolverChoice(FakeSNES(), MPI.COMM_SELF)
    lu = lambda dt: 0.05  # noqa: E731  (the split's cost at dt ~ 0.07)
    growing = [0.001 * 1.3**k for k in range(35)]  # 1e-3 .. 7.5
    used = run(choice, clock, growing, split_cost, lu)
    assert used[:8] == [SPLIT] * 8 and used[-10:] == [LU] * 10
    first_lu = used.index(LU)
    assert 0.02 < growing[first_lu] < 0.1, growing[first_lu]  # where the split had doubled its cost
    # a slip: short steps again, where the split was measured cheaper than the LU
    used = run(choice, clock, [0.002] * 5, split_cost, lu)
    assert used[1:] == [SPLIT] * 4 and choice.snes.getKSP().ops == ("A", "P")
    assert choice.summary()["switches"] >= 2 and choice.summary()["newton_its_lu"] > 0


def test_the_split_is_kept_where_the_lu_is_dearer_and_retried_only_when_it_costs_more(clock):
    choice = LinearSolverChoice(FakeSNES(), MPI.COMM_SELF)
    dear = lambda dt: 1.0  # noqa: E731  (a 3D box: its LU 14x the split)
    used = run(choice, clock, [0.001 * 1.3**k for k in range(35)], split_cost, dear)
    assert used.count(LU) == 1  # one trial, then the split again
    assert choice.summary()["lu_ms_per_newton"] == pytest.approx(1e3)


def test_the_split_comes_back_when_the_steps_outgrow_its_measurements(clock):
    """A settling 3D box (4 x 2 x 1 xi, mesh 0.1): its steps doubled from one to the next, so after the
    LU's trial no split cost lay within DT_BAND of the step, and the LU (6x the split) stayed all run:
    149 s against the split's 22 s.  The split is timed again at the new steps instead."""
    choice = LinearSolverChoice(FakeSNES(), MPI.COMM_SELF)
    dear = lambda dt: 1.0  # noqa: E731
    used = run(choice, clock, [0.001 * 2**k for k in range(12)], split_cost, dear)
    assert used.count(LU) == 1 and used[-1] == SPLIT


def test_a_newton_failure_under_the_split_tries_the_lu(clock):
    choice = LinearSolverChoice(FakeSNES(), MPI.COMM_SELF)
    run(choice, clock, [0.01] * 3, split_cost, lambda dt: 0.05)
    choice.start()
    clock.t += 3.0  # Krylov at its cap: the linear solve failed, Newton with it
    choice.observe(0.01, 2, False)
    assert choice.active == LU and choice.snes.getKSP().name == LU


def test_a_failed_first_lu_step_keeps_the_lu_until_it_is_timed(clock):
    """The trial's first step can fail in Newton (a slip needs a shorter step): no cost measured yet."""
    choice = LinearSolverChoice(FakeSNES(), MPI.COMM_SELF)
    run(choice, clock, [0.01] * 3, split_cost, lambda dt: 0.05)
    choice.start()
    choice.observe(0.01, 2, False)  # the split's step failed: the LU's trial
    choice.start()
    clock.t += 1.0
    choice.observe(0.01, 10, False)  # and the LU's first step too, at a step the split was timed at
    assert choice.active == LU and choice.lu_cost is None
    run(choice, clock, [0.0025], split_cost, lambda dt: 0.05)
    assert choice.lu_cost == pytest.approx(0.05)
