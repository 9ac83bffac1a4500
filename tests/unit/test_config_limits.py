"""A config is data (issue 18): the [petsc] allow-list, resource limits before allocating, no empty output.dir."""

import pytest
from helpers.configs import ROOT

from psc_fem.config import MAX_CELLS, load_config
from psc_fem.errors import ConfigError
from psc_fem.petsc_policy import check

FIG1 = ROOT / "examples" / "fig1.toml"


@pytest.mark.parametrize(
    "overrides, named",
    [
        (['petsc.snes_view="ascii:/tmp/psc_fem_victim"'], "petsc.snes_view"),  # a viewer writing a file
        (['petsc.ksp_view_mat="binary:/tmp/psc_fem_victim"'], "petsc.ksp_view_mat"),
        (['petsc.pc_type="python"', 'petsc.pc_python_type="os.system"'], "petsc.pc_python_type"),  # code import
        (["petsc.options_left=true"], "petsc.options_left"),  # not an option of the Newton solve
        (['petsc.snes_type="bogus"'], "petsc.snes_type"),  # PETSc error 86 before
        # a sub-solver's Python preconditioner imports code as well (was let through)
        (['petsc.sub_pc_type="python"', 'petsc.sub_pc_python_type="os.system"'], "petsc.sub_pc_python_type"),
        (['petsc.fieldsplit_psi_pc_python_type="os.system"'], "petsc.fieldsplit_psi_pc_python_type"),
        (['petsc.fieldsplit_phi_pc_type="bogus"'], "petsc.fieldsplit_phi_pc_type"),
        # a composite preconditioner's parts are named sub_0_, sub_1_, ...: not on the list, so no Python part
        (['petsc.pc_type="composite"', 'petsc.sub_0_pc_python_type="os.system"'], "petsc.sub_0_pc_python_type"),
        (['petsc.mg_levels_pc_type="python"', 'petsc.mg_levels_pc_python_type="os"'], "petsc.mg_levels_pc_python_type"),
        (["wire.h=1e-9"], "wire.length / wire.h"),  # 1.1e9 cells, refused before allocating
        (["wire.length=1e9"], "wire.length / wire.h"),
        (["output.every=1e-9"], "output.every"),  # 1e11 frames
        (['output.dir=""'], "output.dir"),  # would be the working directory
        (['output.dir="  "'], "output.dir"),
        (['time.scheme="vbdf"', "time.adaptive=false"], "time.scheme"),  # no estimates: it would stay BDF1
    ],
)
def test_refused_with_the_key_named(overrides, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.").replace("/", "/")):
        load_config(FIG1, overrides)


def test_the_solver_options_users_need_pass():
    ok = {
        "snes_rtol": 1e-10,
        "snes_max_it": 20,
        "pc_factor_mat_solver_type": "mumps",
        "ksp_type": "gmres",
        "pc_type": "bjacobi",
        "sub_pc_type": "lu",
        "snes_monitor": "",
        "ksp_converged_reason": True,
        "pc_python_type": "psc_fem.solver.dd_solver.WoodburyPC",
        "fieldsplit_phi_pc_type": "gamg",  # a film's split tuned (docs/films.md, "Solver")
        "fieldsplit_psi_pc_gamg_agg_nsmooths": 0,
        # a multigrid's smoothers and coarse solver (refused until 2026-12-05)
        "fieldsplit_psi_mg_levels_pc_type": "sor",
        "fieldsplit_phi_mg_levels_ksp_type": "chebyshev",
        "fieldsplit_phi_mg_coarse_pc_type": "svd",
        "mg_levels_pc_type": "pbjacobi",
        "mg_coarse_pc_type": "redundant",
    }
    assert check(ok) == []
    assert check({"pc_type": "fieldsplit"}) == []  # and pinned
    load_config(FIG1, ["petsc.snes_rtol=1e-10", 'petsc.pc_factor_mat_solver_type="mumps"'])


@pytest.mark.parametrize(
    "overrides, named",
    [
        (['petsc.snes_view="ascii:/tmp/psc_fem_victim"'], "petsc.snes_view"),
        (['petsc.pc_type="python"', 'petsc.pc_python_type="os.system"'], "petsc.pc_python_type"),
        (["petsc.options_left=true"], "petsc.options_left"),
    ],
)
def test_a_films_petsc_table_passes_the_same_allow_list(overrides, named):
    """A film's config skipped the [petsc] check until 2026-12-05: a viewer could write any file and a
    pc_python_type import any code from a film's config."""
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_config(ROOT / "examples" / "strip.toml", overrides)
    load_config(ROOT / "examples" / "strip.toml", ['petsc.fieldsplit_phi_pc_type="gamg"'])


def test_cell_limit_is_the_elements_limit():
    load_config(FIG1, [f"wire.h={1.1 / (MAX_CELLS - 2):.12g}", "output.every=100"])  # just inside
    with pytest.raises(ConfigError, match="cells"):
        load_config(FIG1, [f"wire.h={1.1 / (MAX_CELLS + 10):.12g}"])
