"""Critical current J0 by bisection, validated against the GL stationary branch (issue 3).

The reference is computed here, independently of psc_fem: the stationary
GL equation between rigid banks, Psi'' + (1 - |Psi|^2) Psi = 0 with
Psi(+-L/2) = exp(+-i chi/2), solved with scipy's solve_bvp by continuation
in chi; its supercurrent j(chi) = Im(Psi* Psi') rises to a maximum and
falls: past the maximum there is no stationary state.  The time-dependent
equations only decide the stability of the branch, so J0 does not depend
on delta.
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers.configs import make_config
from mpi4py import MPI
from scipy.integrate import solve_bvp
from scipy.optimize import minimize_scalar

from psc_fem.analysis.stationary import DEPAIRING, stationary_branch_max
from psc_fem.cli import main as cli_main
from psc_fem.studies.critical import Bisection, critical_current

ROOT = Path(__file__).resolve().parents[2]


def gl_current(L, chi, guess):
    """Stationary GL between banks exp(-+i chi/2): (j, solution) or None."""
    c, s = np.cos(chi / 2), np.sin(chi / 2)
    rhs = lambda x, y: np.vstack([y[2], y[3], -(1 - y[0] ** 2 - y[1] ** 2) * y[0], -(1 - y[0] ** 2 - y[1] ** 2) * y[1]])  # noqa: E731
    bc = lambda a, b: np.array([a[0] - c, a[1] + s, b[0] - c, b[1] - s])  # noqa: E731
    sol = solve_bvp(rhs, bc, guess[0], guess[1], tol=1e-9, max_nodes=50_000)
    if not sol.success:
        return None
    js = sol.y[0] * sol.y[3] - sol.y[1] * sol.y[2]
    assert np.ptp(js) < 1e-6  # current conservation along the wire
    return float(js.mean()), (sol.x, sol.y)


def gl_jmax(L, dchi=0.02):
    """max_chi j(chi): continuation from chi = 0 (Psi = 1), refined by a bounded scalar search."""
    x = np.linspace(-L / 2, L / 2, 101)
    guess = (x, np.vstack([np.ones_like(x), np.zeros_like(x), 0 * x, 0 * x]))
    best, chi = (0.0, 0.0, guess), 0.0
    while True:
        chi += dchi
        got = gl_current(L, chi, guess)
        if got is None or got[0] < best[0]:
            break
        guess = got[1]
        best = (got[0], chi, guess)
    _, chi0, g0 = best
    res = minimize_scalar(
        lambda c: -gl_current(L, c, g0)[0], bounds=(chi0 - dchi, chi0 + dchi), method="bounded", options={"xatol": 1e-7}
    )
    return -res.fun


@pytest.fixture(scope="module")
def jmax():
    return {1.1: gl_jmax(1.1), 3.0: gl_jmax(3.0)}


def test_gl_reference(jmax):
    """j_max(1.1) = 0.9804 (examples/fig1.toml); shorter wires carry more, long ones tend to 2/(3 sqrt 3)."""
    assert jmax[1.1] == pytest.approx(0.9804, abs=1e-4)
    assert DEPAIRING < jmax[3.0] < jmax[1.1]
    assert jmax[3.0] == pytest.approx(0.5001, abs=2e-4)
    # the package's own solver (used for cost estimates and --gl) agrees
    assert stationary_branch_max(1.1) == pytest.approx(jmax[1.1], abs=1e-6)


def test_bisection_finds_the_end_of_the_stationary_branch(tmp_path, jmax):
    """psc-fem critical on the Fig. 1 gapless wire: J0 within the tolerance of j_max(1.1)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    out = tmp_path / "crit"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "psc_fem.cli",
            "critical",
            str(ROOT / "examples" / "fig1_gapless.toml"),
            "--tolerance",
            "0.005",
            "--bracket",
            "0.9:1.1",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert lines[-1].startswith("J0 = ")
    assert sum(line.startswith("bracket [") for line in lines) >= 6  # printed as it narrows
    data = json.loads((out / "critical.json").read_text())
    assert {"J0", "bracket", "tolerance"} <= set(data)
    lo, hi = data["bracket"]
    assert hi - lo <= 0.005 and data["tolerance"] == 0.005
    assert float(lines[-1].split("=")[1]) == pytest.approx(data["J0"], rel=1e-5)
    assert abs(data["J0"] - jmax[1.1]) <= 0.005
    assert lo <= jmax[1.1] + 2e-4 and jmax[1.1] - 2e-4 <= hi  # the bracket holds the branch's end (to O(h^2))


def test_j0_does_not_depend_on_delta(tmp_path, jmax):
    """The finite-gap wire (delta = 10/3, examples/fig1.toml) loses its stationary state at the same j_max(1.1)."""
    from psc_fem.config import load_config

    cfg = load_config(ROOT / "examples" / "fig1.toml")
    assert cfg.model.delta == pytest.approx(10 / 3)
    res = critical_current(cfg, tmp_path, tolerance=0.005, bracket=[0.9, 1.1], comm=MPI.COMM_SELF)
    assert abs(res["J0"] - jmax[1.1]) <= 0.005
    lo, hi = res["bracket"]
    assert lo <= jmax[1.1] + 2e-4 and jmax[1.1] - 2e-4 <= hi


def test_bisection_second_length(tmp_path, jmax):
    """L = 3 xi (gapless, h = 0.1): J0 = j_max(3) = 0.5001 within the tolerance."""
    cfg = make_config(wire={"length": 3.0, "h": 0.1}, model={"delta": 0.0})
    res = critical_current(cfg, tmp_path, tolerance=0.005, bracket=[0.45, 0.55], comm=MPI.COMM_SELF)
    assert abs(res["J0"] - jmax[3.0]) <= 0.005
    lo, hi = res["bracket"]
    assert lo <= jmax[3.0] + 5e-4 <= hi + 1e-3


def test_multisection_logic():
    """The bracket logic on a known step (no simulation): any number of points per round."""
    j0 = 0.73
    for n in (1, 3):
        calls = []

        def run_round(points):
            calls.append(len(points))
            return [
                {"current": j, "verdict": "slipping" if j > j0 else "stationary", "reason": "", "flag": ""}
                for j in points
            ]

        b = Bisection(1e-3, run_round)
        assert abs(b.run(n) - j0) <= 5e-4
        assert b.bracket[0] <= j0 <= b.bracket[1] and b.bracket[1] - b.bracket[0] <= 1e-3
        assert all(c <= max(n, 1) for c in calls)
    with pytest.raises(ValueError):  # a bracket that does not bracket is refused
        Bisection(1e-3, run_round, bracket=[0.8, 0.9]).run(1)


@pytest.mark.parametrize(
    "extra",
    [
        ["--tolerance", "0"],
        ["--bracket", "1.1:0.9"],
        ["--bracket", "x"],
        ["--lengths", "1,-2"],
        ["--deltas", "a"],
        ["--ranks-per-run", "2"],
        ["--set", "model.delta=-1"],
    ],
)
def test_critical_bad_input_exits_2_and_writes_nothing(tmp_path, extra, capsys):
    out = tmp_path / "out"
    assert cli_main(["critical", str(ROOT / "examples" / "fig1.toml"), "--out", str(out), *extra]) == 2
    assert not out.exists()
    assert "psc-fem: error:" in capsys.readouterr().err


@pytest.mark.slow
def test_j0_decreases_with_length_towards_depairing(tmp_path):
    """Gapless J0(L) from the grid command: 3 > 8 > 20 xi, and J0(20) within 0.005 of 2/(3 sqrt 3).

    (The GL branch maximum: 0.5001, 0.3987, 0.3859; J0(1.1) is tested above.)
    """
    out = tmp_path / "grid"
    rc = cli_main(
        [
            "critical",
            str(ROOT / "examples" / "fig1_gapless.toml"),
            "--lengths",
            "3,8,20",
            "--tolerance",
            "0.005",
            "--set",
            "wire.h=0.2",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert rc == 0
    rows = json.loads((out / "critical_grid.json").read_text())["rows"]
    j0 = {r["length"]: r["J0"] for r in rows}
    assert j0[3.0] > j0[8.0] > j0[20.0] > DEPAIRING - 0.005
    assert abs(j0[20.0] - DEPAIRING) < 0.005
    assert (out / "critical_grid.csv").is_file() and (out / "critical_grid.png").is_file()
    assert all(math.isfinite(r["J0"]) for r in rows)
