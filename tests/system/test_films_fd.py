"""A quasi-1D strip between normal terminals against an independent finite-difference solver (docs/films.md).

Terminals that span the strip's end edges carry a y-independent state: the
1D wire with Psi = 0 at its ends, which tests/helpers/fd_normal_ends.py
solves from the equations (interference off, py-tdgl's model) with NumPy
alone: its steady states by Newton, and the critical current as the fold
of the steady branch, with no time stepping.  psc_fem's film must converge
to the same V and switch at the same current, and its steady V must not
depend on the time tolerance (the comoving frame, forms/covariant.py).
"""

import pytest
from helpers.fd_normal_ends import NormalEnds, critical_current, steady_state

from psc_fem.film.config import validate_film
from psc_fem.solver.simulation import simulate

LENGTH, DELTA = 4.0, 10 / 3  # the 4 x 0.5 strip of the py-tdgl comparison, here 0.2 wide (y-independent)


def strip(tmp_path, h, current, t_end=1000.0, degree=1, **time):
    geometry = {"kind": "strip", "length": LENGTH, "width": 0.2, "mesh_size": h, "ends": "normal", "degree": degree}
    cfg = validate_film(
        {
            "geometry": geometry,
            "model": {"delta": DELTA, "eta": 0.1, "interference": False},
            "drive": {"current": current},
            "time": {"t_end": t_end, "until": "periodic", **time},
            "output": {"fields": False},
        }
    )
    name = f"p{degree}_h{h}_j{current}_" + "_".join(f"{k}{v}" for k, v in time.items())
    return simulate(cfg, tmp_path / name, progress=False, echo=False).stats


def fd_voltage(n_cells, current):
    y = steady_state(LENGTH, n_cells, current, DELTA)
    return NormalEnds(LENGTH, n_cells, current, DELTA).voltage(y)


def richardson(coarse, fine):
    return fine + (fine - coarse) / 3.0  # second order, h halved


def test_the_steady_voltage_converges_to_the_fd_solvers(tmp_path):
    """j = 0.2: FD 0.2315737 (h = 0.1), 0.2316942 (0.05), limit 0.2317344 (0.2317345 with h = 0.025 too);
    psc_fem 0.231851, 0.231764, limit 0.231735: 3e-6 apart, where the two meshes differ by 5e-4."""
    fd = richardson(fd_voltage(40, 0.2), fd_voltage(80, 0.2))
    coarse, fine = (strip(tmp_path, h, 0.2) for h in (0.1, 0.05))
    assert coarse["state"] == fine["state"] == "steady"
    assert abs(coarse["mean_V"] - fine["mean_V"]) > 1e-4 * fine["mean_V"]  # the comparison can see the meshes
    assert richardson(coarse["mean_V"], fine["mean_V"]) == pytest.approx(fd, rel=2e-5)


def test_quadratic_elements_converge_to_the_fd_solvers_voltage_at_third_order_or_faster(tmp_path):
    """geometry.degree = 2: the exact V (FD Richardson from 160 and 320 cells: 0.2317344533, 2e-10 from the
    limit with 640 and 1280 too) is met to -2.2e-5 on mesh 0.4 and -1.4e-7 on mesh 0.2 (P1: +5.5e-4 on 0.1),
    a ratio of 158 for h halved; 6.8e-8 on 0.1 is the settle rule's floor, not the mesh's."""
    exact = richardson(fd_voltage(160, 0.2), fd_voltage(320, 0.2))
    coarse, fine = (strip(tmp_path, h, 0.2, degree=2) for h in (0.4, 0.2))
    assert coarse["state"] == fine["state"] == "steady"
    errors = [abs(run["mean_V"] / exact - 1.0) for run in (coarse, fine)]
    assert errors[1] < 5e-7 and errors[0] > 8.0 * errors[1], errors  # order >= 3 (P1's: 2)


def test_the_strip_switches_at_the_fd_solvers_critical_current(tmp_path):
    """The fold of the FD steady branch on h = 0.1: 0.2909416 (limit 0.29107); psc_fem's strip on the same h
    stays superconducting 0.2% below it (settled) and turns normal 0.2% above (V = j d after ~1700 tau)."""
    j_c, _ = critical_current(LENGTH, 40, DELTA)
    assert j_c == pytest.approx(0.2909416, abs=1e-6)
    below, above = strip(tmp_path, 0.1, 0.998 * j_c, t_end=5000.0), strip(tmp_path, 0.1, 1.002 * j_c, t_end=5000.0)
    assert below["state"] == "steady" and below["mean_V"] < 0.75 * 0.998 * j_c * 2.0  # superconducting core
    assert above["mean_V"] == pytest.approx(1.002 * j_c * 2.0, rel=1e-6)  # normal: V = j d, d = 2


def test_a_steady_voltage_does_not_depend_on_the_time_tolerance(tmp_path):
    """The comoving frame differences a steadily turning Psi exactly: V at rtol 1e-4 and 1e-6 agree to
    round-off of the settle rule.  The transport frame's BDF2 at rtol 1e-4 is 4e-4 low (why comoving is
    a film's default; measured 0.2317619 against 0.2318612 on the 0.5 wide strip)."""
    loose, tight = (strip(tmp_path, 0.1, 0.2, rtol=r, atol=r / 10) for r in (1e-4, 1e-6))
    assert loose["mean_V"] == pytest.approx(tight["mean_V"], rel=1e-6)
    transport = strip(tmp_path, 0.1, 0.2, frame="transport")
    assert transport["mean_V"] < (1 - 2e-4) * tight["mean_V"]
