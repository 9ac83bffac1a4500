"""PETSc options of the Newton solve: psc_fem's defaults merged with the user's [petsc] table."""

import numpy as np

DEFAULT_PETSC = {
    "snes_type": "newtonls",
    "snes_linesearch_type": "basic",
    "snes_rtol": 1e-9,
    "snes_atol": 1e-10,
    # Newton also stops once its update is below 1e-8 of the state: at large delta
    # (d_a ~ u delta |Psi|, B.4) the residual has a round-off floor of 1e-8 .. 1e-5, and
    # with 1e-12 a delta = 1e4 run died at tau = 0 (tests/system/test_large_delta.py).
    "snes_stol": 1e-8,
    "snes_max_it": 10,
    "ksp_type": "preonly",
    "pc_type": "lu",
}


# Films from this many unknowns on start with GMRES preconditioned by a field split: ILU(0) blocks on Psi
# (mass dominated at short steps) and PETSc's algebraic multigrid on phi (an elliptic equation); Newton
# then takes the LU's very iterations (the linear solves to 1e-10), 15-20 Krylov iterations each at dt ~
# 0.01, nearly independent of the mesh.  Per Newton iteration against the LU (benchmarks/
# bench_film_scaling.py, docs/films.md): 1.3x faster at 5e3 unknowns, 1.8x at 1.3e4, 4x at 1.2e5 with 42%
# less memory, 14x on a 3D box of 2.8e4; below ~4e3 the LU is 10-20% faster.  Its iterations grow with
# the step (the Psi block turns elliptic as dt / h^2 grows), so in 2D it gives way to the LU while that is
# cheaper (psc_fem.solver.linear_choice); `pc_type = "fieldsplit"` in [petsc] keeps it all run.
ITERATIVE_FROM = 10_000
# In 3D the LU's fill grows much faster: on a 4 x 2 x 1 xi box the split (with its multigrid Psi block, below)
# took 1.05 s against the LU's 1.35 s at 2.3e3 unknowns (settling; 3.2 against 4.4 s with vortices in B = 0.4),
# 2.2-2.4x less at 4.9e3 and 3.6-4.1x less at 1.2e4 (whole runs on one rank, 2026-12-05; docs/films.md).
ITERATIVE_FROM_3D = 2_000
FIELD_SPLIT = {
    "ksp_type": "gmres",
    "ksp_rtol": 1e-10,
    "ksp_atol": 1e-14,
    "ksp_max_it": 300,
    "pc_type": "fieldsplit",
    "pc_fieldsplit_type": "additive",
    "fieldsplit_psi_ksp_type": "preonly",
    "fieldsplit_psi_pc_type": "bjacobi",
    "fieldsplit_psi_sub_pc_type": "ilu",
    "fieldsplit_phi_ksp_type": "preonly",
    "fieldsplit_phi_pc_type": "gamg",
}
# In 3D, where the LU is out of reach, the Psi block is a multigrid with SOR on its levels: its Krylov
# iterations per Newton iteration grow less with the step than ILU(0)'s (a settling 4 x 2 x 1 xi box at
# 1.1e5 unknowns: 14 -> 40 against 15 -> 94, 156 s against 173 s for tau = 0..40; at 2.8e4 23.7 s against
# 22.9; benchmarks/bench_film_psi_block.py, docs/films.md "Solver").
PSI_MULTIGRID = {
    "fieldsplit_psi_pc_type": "gamg",
    "fieldsplit_psi_pc_gamg_agg_nsmooths": 0,
    "fieldsplit_psi_mg_levels_ksp_type": "richardson",
    "fieldsplit_psi_mg_levels_pc_type": "sor",
}
SOLVER_KEYS = ("ksp_type", "pc_type", "pc_factor")  # a user's [petsc] naming any of these chooses the solver


def petsc_options(user, comm, dim=1, unknowns=0):
    """Defaults merged with the user's [petsc] table (user wins); ``dim``: the mesh's dimension (1: a wire,
    its dofs along x); ``unknowns``: the global count (a film from `ITERATIVE_FROM` unknowns on, a 3D one
    from `ITERATIVE_FROM_3D`, is solved iteratively)."""
    opts = dict(DEFAULT_PETSC)
    banded = dim == 1
    iterative_from = ITERATIVE_FROM_3D if dim == 3 else ITERATIVE_FROM
    if not banded:
        # A film's LU is most of a Newton iteration (150 of 200 ms at 2e4 DOFs): the Jacobian, and with it
        # the factorisation, is rebuilt every third iteration, also across steps (1.6x less wall time on
        # that strip, the same steps and V to 1e-12: the residual tests still decide; docs/films.md).
        opts["snes_lag_jacobian"] = 3
        opts["snes_lag_jacobian_persists"] = True
    if user.get("pc_type") == "fieldsplit" or (not banded and unknowns >= iterative_from and not names_solver(user)):
        opts.update(FIELD_SPLIT)  # named by the user: the split's parts as ours (their keys win), kept all run
        if dim == 3:
            del opts["fieldsplit_psi_sub_pc_type"]
            opts.update(PSI_MULTIGRID)
    elif not banded:
        opts.update(film_lu(comm.size))
    elif comm.size == 1:
        # The wire's dofs are numbered along x (banded matrix): in that
        # order PETSc's LU has no fill at all (factor nnz = matrix nnz), while
        # its default nested dissection adds ~70% (1e5 DOFs;
        # docs/performance.md).
        opts["pc_factor_mat_solver_type"] = "petsc"
        opts["pc_factor_mat_ordering_type"] = "natural"
    else:
        # Each rank factors its own piece of the chain the same way; the few
        # couplings across cuts are solved exactly (psc_fem.solver.dd_solver).
        # MUMPS was 2.5x slower than PETSc's LU even on one rank.
        opts["pc_type"] = "python"
        opts["pc_python_type"] = "psc_fem.solver.dd_solver.WoodburyPC"
    if any(key.startswith("pc_factor") for key in user) and "pc_type" not in user:
        opts["pc_type"] = "lu"  # e.g. pc_factor_mat_solver_type = "mumps" on several ranks
    opts.update(user)
    # `true` in TOML: PETSc's viewers (ksp_converged_reason, snes_monitor, ...) take no value and refuse
    # "true"; its booleans read no value as true
    return {key: ("" if value is True else value) for key, value in opts.items()}


def names_solver(user) -> bool:
    """Whether the user's [petsc] table chooses the linear solver (`SOLVER_KEYS`), not only tunes it."""
    return any(key.startswith(SOLVER_KEYS) for key in user)


def film_lu(ranks) -> dict:
    """A film's LU (below `ITERATIVE_FROM` / `ITERATIVE_FROM_3D`, and the split's alternative in 2D,
    psc_fem.solver.linear_choice)."""
    if ranks == 1:
        # nested dissection (PETSc's LU) was 2.9x faster than the natural order on that strip, MUMPS 3.3x
        # slower (docs/films.md)
        return {"pc_factor_mat_solver_type": "petsc", "pc_factor_mat_ordering_type": "nd"}
    # MUMPS's distributed LU.  The wire's exact domain decomposition couples the ranks through every dof
    # on the cut, O(sqrt N) of them in 2D: 359 ms per Newton iteration on 2 ranks against MUMPS's 47
    # (1.3e4 unknowns; benchmarks/bench_film_scaling.py, docs/films.md).
    return {"pc_factor_mat_solver_type": "mumps"}


def swaps_to_lu(user, options, dim) -> bool:
    """Whether the field split may give way to the LU as the run goes (psc_fem.solver.linear_choice): chosen by
    psc_fem (not named in the user's [petsc]) on a 2D film.  Not in 3D, where the LU's fill grows much faster:
    on a 4 x 2 x 1 xi box between banks it cost 6x the split per Newton iteration at 2.8e4 unknowns and its
    one trial 127 s against the split's 1.6 s at 1.1e5 (2.6 GB, 62% of the run), and it was never the cheaper
    (docs/films.md, "Solver")."""
    return options.get("pc_type") == "fieldsplit" and not names_solver(user) and dim < 3


def name_field_splits(ksp, index_map, bs, nodes, phi_dofs):
    """With ``pc_type = "fieldsplit"``: the splits "psi" and "phi" of the owned dofs, their solvers
    configured from ``fieldsplit_psi_*`` / ``fieldsplit_phi_*`` (which stay in PETSc's database while the
    problem lives, psc_fem.solver.lifetime).  ``nodes``: `psc_fem.solver.dofs.NodeMaps`.  The "psi" split
    holds (Re Psi, Im Psi) node by node (block size 2), so that a multigrid there (``fieldsplit_psi_pc_type
    = "gamg"``) aggregates a node's two components together: 13-52 Krylov iterations per Newton iteration
    over a settling strip's steps against 15-100 without the pairs (docs/films.md, "Solver")."""
    from petsc4py import PETSc

    pc = ksp.getPC()
    if pc.getType() != "fieldsplit":
        return
    start = index_map.local_range[0] * bs
    u1, u2 = nodes.u1[nodes.owned], nodes.u2[nodes.owned]
    order = np.argsort(u1)  # the dofs' own order, node by node
    psi = np.stack([u1[order], u2[order]], axis=1).ravel().astype(np.int32) + start
    pairs = PETSc.IS().createGeneral(psi, index_map.comm)
    pairs.setBlockSize(2)
    pc.setFieldSplitIS(("psi", pairs))
    pc.setFieldSplitIS(("phi", PETSc.IS().createGeneral(np.sort(phi_dofs).astype(np.int32) + start, index_map.comm)))
    for sub in pc.getFieldSplitSubKSP():
        sub.setFromOptions()
