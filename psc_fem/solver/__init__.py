"""The time-dependent solver: weak-form problem, BDF stepping, time loop, recorder, field evaluation.

`simulate` (psc_fem.solver.simulation) runs one wire into a run directory.
"""
