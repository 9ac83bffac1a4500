"""FEM heat model of the Fig. 3 cross-section against the exact lumped stack."""

import numpy as np
import pytest
import ufl
from dolfinx import fem
from helpers.heat import H_FS, H_FT, D, L, W, slab_vs_chain
from mpi4py import MPI

from psc_fem.cooling import heat
from psc_fem.meshes.cross_section import (
    COLD_FINGER,
    FILAMENT,
    IF_FILAMENT_SUBSTRATE,
    IF_FILAMENT_TOP,
    SUBSTRATE,
    TOP,
    TOP_SURFACE,
    CrossSection,
    cross_section_mesh,
)


def test_slab_constant_conductivities_matches_lumped_exactly():
    k = {"substrate": (2.0, 0.0), "filament": (0.8, 0.0), "top": (0.05, 0.0)}
    s, ref = slab_vs_chain(k, 7.5e-10, 2e-11, 0.0, MPI.COMM_SELF, 1e-9)
    assert ref["T_top"] > 1.5  # Joule heat through the Kapitza bottleneck: a real test of the T^4 law


def test_slab_power_law_conductivities_with_pump_and_load():
    """k = a T^n in every layer, a pumped flux and a load on the top plate's outer face."""
    k = {"substrate": (1.0, 3.0), "filament": (0.8, 1.0), "top": (0.03, 1.9)}
    s, ref = slab_vs_chain(k, 1e-13, 2.5e-12, 2.0, MPI.COMM_SELF, 1e-8)
    assert s["T_top_min"] < 1.0  # the pump wins here: the top plate is colder than the cold finger


def test_energy_conservation_and_tags_in_the_2d_cross_section():
    cs = CrossSection(W, D, 4e-6, 3e-6, 6e-6, 30e-6)
    msh, ct, ft, h_min = cross_section_mesh(cs, comm=MPI.COMM_SELF)
    dx = ufl.Measure("dx", domain=msh, subdomain_data=ct)
    ds = ufl.Measure("ds", domain=msh, subdomain_data=ft)
    dS = ufl.Measure("dS", domain=msh, subdomain_data=ft)
    one = fem.Constant(msh, 1.0)

    def integral(form):
        return fem.assemble_scalar(fem.form(form))

    assert integral(one * dx(FILAMENT)) == pytest.approx(W * D, rel=1e-12)
    assert integral(one * dx(SUBSTRATE)) == pytest.approx(6e-6 * 30e-6, rel=1e-12)
    assert integral(one * dx(TOP)) == pytest.approx(4e-6 * 3e-6, rel=1e-12)
    assert integral(one * ds(COLD_FINGER)) == pytest.approx(6e-6, rel=1e-12)
    assert integral(one * ds(TOP_SURFACE)) == pytest.approx(4e-6, rel=1e-12)
    assert integral(one * dS(IF_FILAMENT_SUBSTRATE)) == pytest.approx(W, rel=1e-12)
    assert integral(one * dS(IF_FILAMENT_TOP)) == pytest.approx(W, rel=1e-12)
    assert D / 8 < h_min <= D / 4 * (1 + 1e-12)

    k = {"substrate": (1.0, 3.0), "filament": (0.8, 1.0), "top": (0.02, 1.8)}
    P_J, P_c, q = 2e-11, 3e-12, 0.5
    s = heat.solve(cs, k, H_FS, H_FT, 1.0, P_J, P_c, L, q_load=q, comm=MPI.COMM_SELF).summary
    assert abs(s["energy_residual"]) < 1e-10  # filament: Joule = Kapitza out through both faces
    assert s["Q_kapitza_filament_top"] == pytest.approx(P_c - q * 4e-6 * L, rel=1e-9)  # top plate balance
    # the top plate is warmest where the load enters and coldest over the filament
    assert s["T_top_max"] > s["T_top_min"]


def test_xdmf_output(tmp_path):
    import h5py

    cs = CrossSection(W, D, 2e-6, 1e-6, 2e-6, 10e-6)
    k = {"substrate": (1.0, 3.0), "filament": (0.8, 1.0), "top": (0.02, 1.8)}
    sol = heat.solve(cs, k, H_FS, H_FT, 1.0, 1e-11, 0.0, L, comm=MPI.COMM_SELF, out_dir=tmp_path)
    text = (tmp_path / "heat.xdmf").read_text()
    with h5py.File(tmp_path / "heat.h5") as f:
        for name in ("substrate", "filament", "top"):
            assert f'Grid Name="{name}"' in text and f"T_{name}" in text
            xy = f[f"Mesh/{name}/geometry"][()]
            values = f[f"Function/T_{name}/0"][()].ravel()
            assert values.size == xy.shape[0]
            np.testing.assert_allclose(np.sort(values), np.sort(sol.temperatures[name].x.array), rtol=1e-14)
        assert f["Mesh/substrate/geometry"][()][:, 1].min() == pytest.approx(-10e-6)
