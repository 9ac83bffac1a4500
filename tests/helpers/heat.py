"""The slab check of the FEM heat model (psc_fem.cooling.heat), serial and on all ranks."""

import pytest

from psc_fem.cooling import heat
from psc_fem.cooling.chain import Chain
from psc_fem.meshes.cross_section import CrossSection

W, D, L = 100e-9, 20e-9, 4e-7  # filament width, thickness, length (m)
H_FS, H_FT = 535.0, 1626.0  # Kapitza h/T^3, W/(m^2 K^4) (Al|sapphire, Al|PMMA by the AMM)


def slab_vs_chain(k, P_J, P_c, q_load, comm, rtol):
    """Every layer as wide as the filament: a 1D stack, which `Chain` solves exactly."""
    cs = CrossSection(W, D, W, 5e-6, W, 200e-6)
    sol = heat.solve(cs, k, H_FS, H_FT, 1.0, P_J, P_c, L, q_load=q_load, comm=comm)
    chain = Chain(1.0, W * L, D, k["filament"], H_FS, H_FT, W * L, 200e-6, k["substrate"], W * L, 5e-6, k["top"])
    ref = chain.solve(P_J, P_c, q_load * W * L)
    s = sol.summary
    # nodal values of the stack: P1 is nodally exact for a 1D layer with constant k
    assert s["T_top_max"] == pytest.approx(ref["T_top"], rel=rtol)  # the loaded outer face is the hottest
    for key in ("T_substrate_top", "T_filament_bottom", "T_filament_top", "T_top_interface"):
        assert s[key] == pytest.approx(ref[key], rel=rtol), key
    # the filament's parabola between its nodes: O(h^2)
    assert s["T_filament_mean"] == pytest.approx(ref["T_filament_mean"], rel=1e-5)
    assert s["Q_kapitza_filament_top"] == pytest.approx(P_c - q_load * W * L, rel=1e-8)
    return s, ref
