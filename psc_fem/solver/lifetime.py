"""How a problem's PETSc objects and options end with it.

A problem registers callbacks with its SNES (residual, Jacobian).  petsc4py keeps them where Python's
garbage collector cannot see, so a bound method there made a cycle that was never collected: every
problem of a process (mesh, matrices, factors) stayed in memory to its end, one per point of a film's
I-V sweep.  `weak_method` breaks that cycle.  A problem's PETSc options live under a prefix of its own
(`own_prefix`) for as long as the problem does (`keep_options`), then leave PETSc's database (`forget`).
"""

import itertools
import weakref

_PROBLEMS = itertools.count()


def own_prefix(base: str) -> str:
    """An options prefix of its own for each problem (``base`` + a serial number): one problem's options
    cannot reach another's (a film's snes_lag_jacobian once reached the next wire's Newton)."""
    return f"{base}{next(_PROBLEMS)}_"


def keep_options(owner, prefix, options):
    """Put ``options`` in PETSc's global database under ``prefix`` for as long as ``owner`` lives, then
    `forget` them.  (Given to dolfinx's NonlinearProblem instead, they would be removed right after its
    setFromOptions.)

    PETSc reads some options only when a solver is set up, not at setFromOptions: the sub-solvers of a
    block Jacobi (``sub_pc_type``, ``fieldsplit_psi_sub_pc_type``), a multigrid's levels
    (``fieldsplit_phi_mg_levels_pc_type``), MUMPS's controls (``mat_mumps_icntl_14``).  Removed right
    after the problem's construction, a user's such options were ignored without a word.
    """
    from petsc4py import PETSc

    opts = PETSc.Options()
    for key, value in options.items():
        opts[f"{prefix}{key}"] = value
    weakref.finalize(owner, forget, prefix, list(options))


def forget(prefix, options):
    """Remove ``options`` (set under ``prefix``) from PETSc's global options database.

    dolfinx's problems set them there and `del opts[key]` under a pushed
    prefix leaves them (petsc4py 3.25): a film's snes_lag_jacobian then
    reached the next wire's Newton in the same process (a sweep, the tests).
    """
    from petsc4py import PETSc

    opts = PETSc.Options()
    for key in options:
        if opts.hasName(f"{prefix}{key}"):
            opts.delValue(f"{prefix}{key}")


def weak_method(method):
    """A callable for PETSc that calls ``method`` without keeping its object alive."""
    ref = weakref.WeakMethod(method)

    def call(*args):
        return ref()(*args)

    return call
