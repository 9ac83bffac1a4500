"""What a config's [petsc] table may say: a config is data, not a program (docs/reliability.md).

PETSc options can write files (viewers such as ``snes_view = "ascii:FILE"``)
and import code (``pc_type = "python"`` with any ``pc_python_type``).  A
config received from someone else must do neither, so `check` admits only
the solver families of the Newton solve (SNES, KSP, PC, the LU packages),
viewers and monitors that print to the terminal, and psc_fem's own Python
preconditioner.  Everything else is refused with the key named (exit 2).
"""

from typing import Any

PREFIXES = (
    *("snes_", "ksp_", "pc_", "sub_ksp_", "sub_pc_", "fieldsplit_", "mg_levels_", "mg_coarse_"),
    *("mat_mumps_", "mat_superlu_dist_"),
)
PYTHON_PCS = ("psc_fem.solver.dd_solver.WoodburyPC",)
# option-name pieces that make PETSc open a viewer (which may be a file)
VIEWERS = ("view", "monitor", "draw", "log", "converged_reason")
TERMINAL_VIEWERS = ("", "ascii", "stdout", "ascii::ascii_info", "ascii::ascii_info_detail", "::ascii_info")
ENUMS = {
    "snes_type": ("newtonls", "newtontr", "nrichardson", "ksponly", "vinewtonrsls", "vinewtonssls", "qn", "ngmres"),
    "snes_linesearch_type": ("basic", "bt", "l2", "cp", "nleqerr", "none"),
    "ksp_type": (
        *("preonly", "gmres", "fgmres", "bcgs", "bcgsl", "cg", "richardson", "lgmres", "tfqmr", "chebyshev"),
        *("minres", "gcr", "cgs", "bicg", "dgmres", "pgmres"),
    ),
    # PETSc's own preconditioners (a multigrid's smoothers and coarse solvers among them); "python" imports
    # code, so its pc_python_type is checked below
    "pc_type": (
        *("lu", "ilu", "icc", "none", "jacobi", "pbjacobi", "vpbjacobi", "bjacobi", "asm", "gasm", "python"),
        *("cholesky", "sor", "eisenstat", "kaczmarz", "gamg", "mg", "hypre", "fieldsplit", "svd", "redundant"),
        *("ksp", "composite"),
    ),
    "pc_factor_mat_solver_type": ("petsc", "mumps", "superlu", "superlu_dist", "umfpack", "klu"),
}


def check(options: dict[str, Any]) -> list[str]:
    """Reasons why [petsc] ``options`` are refused (empty: accepted)."""
    problems = []
    for key, value in options.items():
        name = f"petsc.{key}"
        if key.startswith("-") or not key.startswith(PREFIXES):
            problems.append(
                f"{name}: only options of the Newton solve are accepted ({', '.join(p + '*' for p in PREFIXES)})"
            )
            continue
        if any(piece in key for piece in VIEWERS):
            text = value if isinstance(value, str) else ""
            if text not in TERMINAL_VIEWERS:
                problems.append(f"{name} = {value!r}: viewers and monitors may only print to the terminal (no files)")
            continue
        # also a sub-solver's (sub_pc_type, fieldsplit_psi_pc_python_type, ...): one could import code too
        if _is(key, "pc_python_type") and value not in PYTHON_PCS:
            problems.append(f"{name} = {value!r}: only psc_fem's own preconditioners ({', '.join(PYTHON_PCS)})")
        enum = next((allowed for option, allowed in ENUMS.items() if _is(key, option)), None)
        if enum and value not in enum:
            problems.append(f"{name} = {value!r}: allowed {', '.join(enum)}")
    return problems


def _is(key: str, option: str) -> bool:
    """``key`` sets ``option`` of the solver or of one of its sub-solvers (a prefix such as ``sub_``)."""
    return key == option or key.endswith("_" + option)
