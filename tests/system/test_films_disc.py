"""A closed film (ends = "none"): a disc of radius 3 xi in a perpendicular field (docs/films.md).

Against an independent calculation (tests/helpers/disc.py, a radial
finite-volume grid): from the normal state, Psi grows at (1 - E_L)/u in
the angular momentum L of the lowest level E_L of -(grad - iA)^2 with the
insulating edge, and that L is the vorticity of the state that nucleates,
a giant vortex or L single vortices (Saint-James 1965; Schweigert and
Peeters 1998).  Measured (B = 1.5, L = 4, E_4 = 0.75579): E from the
growth rate 0.77386 / 0.75978 / 0.75696 at mesh 0.2 / 0.1 / 0.05 xi
(128-gon), errors 0.018 / 0.0040 / 0.0012.  The nucleated state is the
equilibrium one: started with L + 1 vortices the disc expels one and
ends in it, started with L - 1 it stays there with a higher free energy
(-1/2 int |Psi|^4 at a stationary state).
"""

import numpy as np
import pytest
from helpers.disc import disc_level, nucleating_vorticity
from mpi4py import MPI

from psc_fem.film.config import validate_film
from psc_fem.film.frames import frame_times, psi_of, read_frame
from psc_fem.film.run import simulate_film
from psc_fem.film.vortices import cell_windings, symmetric_gauge
from psc_fem.meshes import shapes

R = 3.0
U = 5.7882  # u = pi^4 / (14 zeta(3)), the model's default ("exact")


def disc_run(tmp_path, name, B, psi0, t_end, mesh_size=0.2, segments=128, every=5.0):
    vertices, _ = shapes.disc(R, segments)
    cfg = validate_film(
        {
            "geometry": {"kind": "polygon", "vertices": vertices, "mesh_size": mesh_size, "ends": "none"},
            "field": {"B": B},
            "model": {"delta": 0.0, "eta": 0.1},
            "drive": {"current": 0.0},
            "time": {"t_end": t_end, "until": "t_end"},
            "output": {"every": every},
        }
    )
    sol = simulate_film(cfg, tmp_path / name, MPI.COMM_SELF, False, False, initial_psi=psi0)
    return sol.rundir.fields_h5


def mode(L, amplitude):
    return lambda p: amplitude * ((p[:, 0] + 1j * p[:, 1]) / R) ** L


def growth_level(fields_h5):
    """E = 1 - u * (growth rate of max |Psi|) over the last frames (the lowest radial mode dominates)."""
    ts = frame_times(fields_h5)
    peak = [np.abs(psi_of(read_frame(fields_h5, k)[3])).max() for k in range(len(ts))]
    rates = np.diff(np.log(peak)) / np.diff(ts)
    assert np.ptp(rates[-3:]) < 3e-3 * abs(rates[-1])  # a clean exponential: linear regime, one mode
    return 1.0 - U * rates[-1]


def test_psi_grows_at_the_rate_of_the_lowest_landau_level_of_the_disc(tmp_path):
    exact = disc_level(R, 1.5, 4)
    errors = [abs(growth_level(disc_run(tmp_path, f"g{h}", 1.5, mode(4, 1e-4), 40.0, h)) - exact) for h in (0.2, 0.1)]
    assert errors[1] < 6e-3 * exact  # 0.53% at mesh 0.1
    assert errors[0] / errors[1] > 3.0  # second order (4.5 measured)


def test_a_mis_scaled_field_or_time_fails_the_growth_rate(tmp_path):
    """The same check at L = 2 (E_2 = 1.0825 at B = 1.5: Psi decays): the sign of the rate as well."""
    exact = disc_level(R, 1.5, 2)
    level = growth_level(disc_run(tmp_path, "l2", 1.5, mode(2, 1e-4), 40.0, 0.2))
    assert exact > 1.0 and abs(level - exact) < 0.03 * exact


def windings(fields_h5, B):
    points, cells, _, values = read_frame(fields_h5)
    return cell_windings(points, cells, psi_of(values), symmetric_gauge(B))


@pytest.mark.parametrize("B, t_end", [(1.0, 200.0), (1.5, 260.0)])
def test_the_disc_nucleates_the_vorticity_of_the_radial_problem(tmp_path, B, t_end):
    """From small Psi with every L = 0..8 the fastest-growing L wins: L vortices, no antivortices."""
    L, level = nucleating_vorticity(R, B)
    assert level < 1.0 and L == {1.0: 2, 1.5: 4}[B]
    psi0 = lambda p: sum(mode(k, 0.01)(p) for k in range(9))  # noqa: E731
    fields = disc_run(tmp_path, f"n{B}", B, psi0, t_end, every=20.0)
    w = windings(fields, B)
    assert w.sum() == L and (w > 0).sum() == L and (w < 0).sum() == 0
    peaks = [np.abs(psi_of(read_frame(fields, k)[3])).max() for k in (-2, -1)]
    assert abs(peaks[1] - peaks[0]) < 1e-3 * peaks[1] and peaks[1] > 0.3  # settled, superconducting


def free_energy(fields_h5):
    """-1/2 int |Psi|^4 (the GL free energy of a stationary state, relative to the normal state), lumped P1."""
    points, cells, _, values = read_frame(fields_h5)
    p = points[cells, :2]
    (ax, ay), (bx, by) = (p[:, 1] - p[:, 0]).T, (p[:, 2] - p[:, 0]).T
    area = 0.5 * np.abs(ax * by - ay * bx)
    psi4 = np.abs(psi_of(values)) ** 4
    return -0.5 * np.sum(area * psi4[cells].mean(axis=1))


def test_the_nucleated_vorticity_is_the_equilibrium_one(tmp_path):
    """B = 1.5: from a pure L = 3 state Psi settles with 3 vortices (metastable), from L = 5 one vortex
    leaves and it settles in the L = 4 state; L = 4 has the lowest free energy (measured: -0.2150 for
    L = 3, -0.51541 for L = 4 from both starts, equal to 1e-10)."""
    energies = {}
    for start, t_end in ((3, 500.0), (4, 500.0), (5, 800.0)):
        fields = disc_run(tmp_path, f"e{start}", 1.5, mode(start, 0.05), t_end, every=20.0)
        peaks = [np.abs(psi_of(read_frame(fields, k)[3])).max() for k in (-2, -1)]
        assert abs(peaks[1] - peaks[0]) < 1e-5 * peaks[1]  # stationary
        energies[start] = (windings(fields, 1.5).sum(), free_energy(fields))
    assert [energies[s][0] for s in (3, 4, 5)] == [3, 4, 4]
    assert abs(energies[5][1] - energies[4][1]) < 1e-6 * abs(energies[4][1])  # the same state
    assert energies[4][1] < energies[3][1] - 0.1
