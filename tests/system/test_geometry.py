"""Non-uniform wires: a cross-section S(x) in (A.1) and the current balance (docs/geometry.md).

The reference is computed here, independently of psc_fem: the stationary
S-weighted GL equation between rigid banks,

    (S Psi')' + S (1 - |Psi|^2) Psi = 0,   Psi(+-L/2) = exp(+-i chi/2),

with scipy's solve_bvp (first-order form in Psi and S Psi', so S' is never
needed); its total current I = S Im(Psi* Psi') is constant along the wire,
and the maximum of I over chi is the critical current J0.  A stationary
TDGL state has phi = 0 (V = 0) and solves exactly this equation.

The discrete stationary states of the FEM (`stationary_fold`) come from the
package's own Newton problem at dt = 1e12, where the BDF terms vanish and
the right end's boundary ODE leaves phi(L/2) = 0: continuation in the
current up to the fold, where Newton stops converging.
"""

import math
from pathlib import Path

import h5py
import numpy as np
import pytest
from helpers import stationary
from helpers.configs import make_config
from mpi4py import MPI
from scipy.integrate import quad, solve_bvp
from scipy.optimize import minimize_scalar

from psc_fem.config import ConfigError, load_config, validate
from psc_fem.meshes.profiles import constriction, read_table, wire_profile
from psc_fem.solver.problem import WireProblem
from psc_fem.solver.simulation import simulate
from psc_fem.studies.critical import probe

ROOT = Path(__file__).resolve().parents[2]

# the constricted wire of the reference tests: L = 2, a dip to 0.6 at x = L/4
L2 = 2.0
NECK = {"shape": "constriction", "position": 0.5, "width": 1.0, "depth": 0.6}


def neck_S(x, x0=0.5, w=1.0, d=0.6):
    """The constriction written out again: 1 - (1 - d) cos^2(pi (x - x0)/w) on |x - x0| < w/2."""
    xi = (np.asarray(x, float) - x0) / w
    return 1.0 - (1.0 - d) * np.where(np.abs(xi) < 0.5, np.cos(np.pi * xi) ** 2, 0.0)


# ---- the independent reference: solve_bvp -------------------------------------
def bvp_state(L, S, chi, guess, tol=1e-10):
    """Stationary state at end-phase difference chi: (I, solution) or None."""
    c, s = math.cos(chi / 2), math.sin(chi / 2)

    def rhs(x, y):
        Sx, r = S(x), 1 - y[0] ** 2 - y[1] ** 2
        return np.vstack([y[2] / Sx, y[3] / Sx, -Sx * r * y[0], -Sx * r * y[1]])

    bc = lambda a, b: np.array([a[0] - c, a[1] + s, b[0] - c, b[1] - s])  # noqa: E731
    sol = solve_bvp(rhs, bc, guess[0], guess[1], tol=tol, max_nodes=100_000)
    if not sol.success:
        return None
    current = sol.y[0] * sol.y[3] - sol.y[1] * sol.y[2]  # S Im(Psi* Psi')
    assert np.ptp(current) < 1e-6  # the total current is conserved
    return float(current.mean()), sol


def bvp_branch(L, S, dchi=0.05):
    """The stationary branch by continuation in chi: [(chi, I, sol)] up to just past its maximum."""
    x = np.linspace(-L / 2, L / 2, 201)
    guess = (x, np.vstack([np.ones_like(x), 0 * x, 0 * x, 0 * x]))
    branch, chi = [], 0.0
    while True:
        chi += dchi
        got = bvp_state(L, S, chi, guess)
        if got is None:
            break
        branch.append((chi, got[0], got[1]))
        guess = (got[1].x, got[1].y)
        if len(branch) > 1 and got[0] < branch[-2][1]:
            return branch
    raise AssertionError("the stationary branch has no maximum")


def bvp_j0(L, S, branch=None):
    branch = branch or bvp_branch(L, S)
    k = int(np.argmax([b[1] for b in branch]))
    chi0, sol = branch[k][0], branch[k][2]
    res = minimize_scalar(
        lambda c: -bvp_state(L, S, c, (sol.x, sol.y))[0],
        bounds=(chi0 - 0.05, chi0 + 0.05),
        method="bounded",
        options={"xatol": 1e-8},
    )
    return -res.fun


@pytest.fixture(scope="module")
def reference():
    """J0 of the constricted and of the uniform L = 2 wire, and the branch (for states at a given current)."""
    branch = bvp_branch(L2, neck_S)
    return {"J0": bvp_j0(L2, neck_S, branch), "J0_uniform": bvp_j0(L2, np.ones_like), "branch": branch}


def bvp_at_current(L, S, current, branch):
    """The stable stationary state carrying ``current``: (chi, sol), chi found on the branch's rising part."""
    rising = [b for b in branch if b[1] < current]
    lo, hi = rising[-1][0], branch[len(rising)][0]
    guess = rising[-1][2]
    for _ in range(40):  # bisection in chi: I(chi) rises on the stable branch
        mid = 0.5 * (lo + hi)
        I, sol = bvp_state(L, S, mid, (guess.x, guess.y))
        lo, hi = (mid, hi) if I < current else (lo, mid)
    return 0.5 * (lo + hi), bvp_state(L, S, 0.5 * (lo + hi), (guess.x, guess.y))[1]


# ---- the FEM's discrete stationary states ---------------------------------------
stationary_fold = stationary.fold  # Newton at dt = 1e12 from j = 0 up (tests/helpers/stationary.py)


# ---- configuration ----------------------------------------------------------------
def wire(**cross_section):
    return {"length": L2, "h": 0.05, "cross_section": cross_section}


@pytest.mark.parametrize(
    "cs, key",
    [
        ({"shape": "constriction", "width": 1.0, "depth": 0.0}, "wire.cross_section.depth"),
        ({"shape": "constriction", "width": 1.0, "depth": 1.5}, "wire.cross_section.depth"),
        ({"shape": "constriction", "width": -1.0, "depth": 0.5}, "wire.cross_section.width"),
        ({"shape": "constriction", "depth": 0.5}, "wire.cross_section.width"),
        ({"shape": "constriction", "width": 1.0, "depth": 0.5, "position": 1.0}, "wire.cross_section.position"),
        ({"shape": "constriction", "width": 1.0, "depth": 0.5, "ratio": 2.0}, "wire.cross_section.ratio"),
        ({"shape": "taper"}, "wire.cross_section.ratio"),
        ({"shape": "taper", "ratio": 0.0}, "wire.cross_section.ratio"),
        ({"shape": "uniform", "scale": -1.0}, "wire.cross_section.scale"),
        ({"shape": "neck"}, "wire.cross_section.shape"),
        ({"shape": "uniform", "dept": 0.5}, "did you mean 'depth'"),
        ({"shape": "file", "path": "/nonexistent/profile.csv"}, "wire.cross_section.path"),
    ],
)
def test_bad_cross_section_names_the_key(cs, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        validate({**make_config().model_dump(), "wire": wire(**cs)})


@pytest.mark.parametrize(
    "table, message",
    [
        ("x,S\n-1,1\n0.5,1\n", "covers"),
        ("-1,1\n0,0\n1,1\n", "must be > 0"),
        ("-1,1\n1,1\n0,1\n", "increasing"),
        ("-1,1,3\n1,1,3\n", "two columns"),
    ],
)
def test_bad_profile_file(tmp_path, table, message):
    path = tmp_path / "s.csv"
    path.write_text(table)
    with pytest.raises(ConfigError, match=f"wire.cross_section.path.*{message}"):
        validate({**make_config().model_dump(), "wire": wire(shape="file", path=str(path))})


def test_banks_must_fit_and_set_reaches_sub_tables(tmp_path):
    with pytest.raises(ConfigError, match=r"wire\.banks\.length"):
        validate({**make_config().model_dump(), "wire": {"length": 2.0, "banks": {"length": 1.0, "width": 5.0}}})
    cfg = load_config(
        ROOT / "examples" / "constriction.toml",
        ["wire.cross_section.depth=0.5", "wire.banks.length=0.5", "wire.banks.width=3.0"],
    )
    assert cfg.wire.cross_section.depth == 0.5 and cfg.wire.banks.width == 3.0
    # a uniform wire dumps (run.json, resume, sweeps) exactly as before the geometry keys existed
    assert set(make_config().model_dump()["wire"]) == {"length", "elements", "h", "degree"}


def test_profiles_against_their_definitions(tmp_path):
    x = np.linspace(-1, 1, 2001)
    S = constriction(0.5, 1.0, 0.6)
    np.testing.assert_allclose(S(x), neck_S(x), atol=1e-15)
    assert S(0.5) == pytest.approx(0.6, abs=1e-15) and S(0.0) == 1.0 and S(1.0) == 1.0
    assert np.max(np.abs(np.diff(np.gradient(S(x), x)))) < 1e-2  # S' continuous (no kink at the edges)
    cfg = make_config(wire={"length": 2.0, "cross_section": {"shape": "taper", "ratio": 3.0, "scale": 2.0}})
    np.testing.assert_allclose(wire_profile(cfg.wire)([-1.0, 0.0, 1.0]), [2.0, 4.0, 6.0], rtol=1e-15)
    path = tmp_path / "s.csv"
    path.write_text("# x, S\nx,S\n-1.5,2\n0,1\n1.5,2\n")
    assert read_table(path)[0].tolist() == [-1.5, 0.0, 1.5]
    cfg = make_config(
        wire={
            "length": 2.0,
            "cross_section": {"shape": "file", "path": str(path)},
            "banks": {"length": 0.5, "width": 10.0},
        }
    )
    np.testing.assert_allclose(
        wire_profile(cfg.wire)([-1.0, -0.25, 0.0, 0.75]), [10 * 5 / 3, 7 / 6, 1.0, 10 * 1.5], rtol=1e-14
    )


def test_cross_section_sampled_at_quadrature_points():
    """int S dx on the mesh = L - (1 - d) w/2 (the bump's integral), to the quadrature's order."""
    from dolfinx import fem

    p = WireProblem(make_config(wire=wire(**NECK)), MPI.COMM_SELF)
    total = fem.assemble_scalar(fem.form(p.S * p.dx))
    exact = L2 - 0.4 * 1.0 / 2
    assert total == pytest.approx(exact, abs=1e-7)
    assert total == pytest.approx(quad(neck_S, -1, 1, points=[0.0, 1.0])[0], abs=1e-7)


# ---- uniform S reproduces the uniform wire ------------------------------------------
def frames(path):
    with h5py.File(Path(path) / "series.h5") as f:
        return {k: f[f"frames/{k}"][:] for k in ("t", "abs_psi", "phi", "js", "jn", "jint")}


def test_uniform_cross_section_reproduces_the_uniform_wire(tmp_path):
    """S = 1 (shape "uniform" and a constant file) gives the paper's wire; S = c with current c j too (scale invariance)."""
    table = tmp_path / "flat.csv"
    table.write_text("x,S\n-0.55,2.5\n0.55,2.5\n")
    base = dict(time={"t_end": 25.0}, output={"fields": False, "every": 0.5})
    ref = simulate(make_config(**base), tmp_path / "ref", comm=MPI.COMM_SELF, progress=False, echo=False)
    fr = frames(tmp_path / "ref")
    cases = {
        "uniform": ({"shape": "uniform"}, 1.5, 1e-10),  # S = 1 as a Function: round-off (step times 4e-12)
        "scaled": ({"shape": "uniform", "scale": 2.5}, 2.5 * 1.5, 1e-9),
        "file": ({"shape": "file", "path": str(table)}, 2.5 * 1.5, 1e-9),
    }
    for name, (cs, current, tol) in cases.items():
        cfg = make_config(wire={"length": 1.1, "h": 0.05, "cross_section": cs}, drive={"current": current}, **base)
        r = simulate(cfg, tmp_path / name, comm=MPI.COMM_SELF, progress=False, echo=False)
        assert r.series["t"].shape == ref.series["t"].shape, name  # the same adaptive steps
        np.testing.assert_allclose(r.series["t"], ref.series["t"], rtol=tol, atol=0, err_msg=name)
        np.testing.assert_allclose(
            r.series["V"], ref.series["V"], rtol=0, atol=tol * np.abs(ref.series["V"]).max(), err_msg=name
        )
        fs = frames(tmp_path / name)
        for k in ("abs_psi", "phi", "js", "jn", "jint"):
            np.testing.assert_allclose(
                fs[k], fr[k], rtol=0, atol=tol * max(1.0, np.abs(fr[k]).max()), err_msg=f"{name} {k}"
            )
        assert r.stats["mean_V"] == pytest.approx(ref.stats["mean_V"], rel=1e-6)


# ---- the constricted wire against solve_bvp -----------------------------------------
def test_stationary_state_matches_solve_bvp(reference):
    """Below J0 (j = 0.45): |Psi(x)| and the end-phase difference chi of the FEM's stationary state
    converge to the solve_bvp state at second order; phi = 0 there (V = 0)."""
    j = 0.45
    chi, sol = bvp_at_current(L2, neck_S, j, reference["branch"])
    errors = []
    for h in (0.1, 0.05, 0.025):
        reached, p = stationary_fold(make_config(wire={"length": L2, "h": h, "cross_section": NECK}), stop_at=j)
        assert reached == pytest.approx(j, abs=1e-12)
        x, mod, phase, _ = stationary.node_values(p)
        ref_mod = np.hypot(*sol.sol(x)[:2])
        phi = p.w.x.array[p._phi_dofs]
        errors.append((np.max(np.abs(mod - ref_mod)), abs(phase[-1] - phase[0] - chi), np.max(np.abs(phi))))
        assert abs(p.w.x.array[p.right.phi]) < 1e-10  # V = 0 below J0
    errors = np.array(errors)
    orders = np.log2(errors[:-1] / errors[1:])
    assert errors[-1, 0] < 2e-5 and errors[-1, 1] < 2e-4, errors
    # |Psi|, chi and phi (zero in the continuum, O(h^2) inside the discrete wire) at second order
    assert np.all(orders > 1.8) and np.all(orders < 2.3), (errors, orders)


def test_critical_current_converges_to_solve_bvp(tmp_path, reference):
    """J0 of the constricted wire: the FEM's stationary fold -> the solve_bvp maximum at order 2
    (0.54051, 0.54042, 0.54039 against 0.54039), below the uniform wire's 0.6221; the TDGL dynamics
    stays stationary 0.01 below it and slips 0.01 above it (psc_fem.studies.critical probes)."""
    J0 = reference["J0"]
    assert J0 < reference["J0_uniform"] - 0.05
    assert reference["J0_uniform"] == pytest.approx(0.62209, abs=1e-5)  # docs/model.md: 0.622 at L = 2
    errs = []
    for h in (0.1, 0.05, 0.025):
        jh, _ = stationary_fold(make_config(wire={"length": L2, "h": h, "cross_section": NECK}))
        errs.append(jh - J0)
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert all(e > 0 for e in errs) and errs[-1] < 2e-5, errs
    assert np.all(np.abs(orders - 2) < 0.2), (errs, orders)
    cfg = make_config(wire={"length": L2, "h": 0.05, "cross_section": NECK})
    below = probe(cfg, J0 - 0.01, tmp_path / "below", MPI.COMM_SELF, ramp_time=20.0, t_max=400.0)
    above = probe(cfg, J0 + 0.01, tmp_path / "above", MPI.COMM_SELF, ramp_time=20.0, t_max=400.0)
    assert (below["verdict"], below["flag"]) == ("stationary", "")
    assert (above["verdict"], above["flag"]) == ("slipping", "")


# ---- pinning -----------------------------------------------------------------------
def slip_positions(path):
    """x of min |Psi| in the frame closest to each slip (each dip of min_x |Psi| below 0.3)."""
    with h5py.File(Path(path) / "series.h5") as f:
        x, a = f["frames/x"][:], f["frames/abs_psi"][:]
    m = a.min(axis=1)
    low = np.concatenate([[False], m < 0.3, [False]]).astype(int)
    starts, ends = np.flatnonzero(np.diff(low) == 1), np.flatnonzero(np.diff(low) == -1)
    out = []
    for s, e in zip(starts, ends):
        i = s + int(np.argmin(m[s:e]))
        out.append((float(m[i]), float(x[np.argmin(a[i])])))
    return out


def test_off_centre_constriction_pins_the_psc(tmp_path):
    """examples/constriction.toml (L = 8, constriction at x = +L/4 = 2): J0 drops from 0.399 to 0.262,
    and at j = 0.36 every phase slip happens at x = 2, within a mesh size."""
    cfg = load_config(
        ROOT / "examples" / "constriction.toml", ["time.t_end=400", "time.until=periodic", "output.fields=false"]
    )
    h, x0 = cfg.wire.h, cfg.wire.cross_section.position
    j_uniform, _ = stationary_fold(cfg.replace(wire={"cross_section": None}), dj_min=1e-4)
    j_neck, _ = stationary_fold(cfg, dj_min=1e-4)
    assert j_uniform == pytest.approx(0.3987, abs=1e-3)  # the GL branch maximum at L = 8 (test_critical.py)
    assert j_neck < cfg.drive.current < j_uniform - 0.02
    r = simulate(cfg, tmp_path, comm=MPI.COMM_SELF, progress=False, echo=False)
    slips = slip_positions(tmp_path)
    assert len(slips) >= 3, slips
    assert all(m < 0.1 and abs(xs - x0) <= h + 1e-12 for m, xs in slips), slips
    assert r.stats["state"] == "periodic"  # settled: slips counted by the end-phase winding
    assert r.stats["josephson_ratio"] == pytest.approx(1.0, abs=1e-3)  # period * mean V = 2 pi holds for S(x) too


# ---- superconducting banks -------------------------------------------------------------
def test_wide_banks_act_as_rigid_ends():
    """Banks of length 0.5 at the ends of a 3 xi wire, `width` times wider: as width grows they pin
    |Psi| like the rigid banks of a 2 xi wire, J0 -> 0.6221 (the L = 2 maximum), the gap falling ~ 1/width."""
    gaps = []
    for width in (10.0, 100.0):
        cfg = make_config(wire={"length": 3.0, "h": 0.05, "banks": {"length": 0.5, "width": width}})
        jh, _ = stationary_fold(cfg)
        gaps.append(0.62209 - jh)
    uniform3, _ = stationary_fold(make_config(wire={"length": 3.0, "h": 0.05}))
    assert uniform3 < 0.6221 - 0.1  # without banks: the 3 xi wire's 0.500
    assert gaps[0] > gaps[1] > 0, gaps
    assert 5 < gaps[0] / gaps[1] < 15, gaps  # ~ 1/width


def test_frame_currents_balance_the_total_current():
    """Output cell fields are S-weighted densities: (js + jn + jint) <S>_e = j in every cell, at any state
    (here random Psi, dPsi/dtau), with <S>_e the cell mean of S."""
    from psc_fem.solver.fields import FieldEvaluator

    p = WireProblem(make_config(wire=wire(**NECK)), MPI.COMM_SELF)
    assert WireProblem(make_config(), MPI.COMM_SELF).S is None  # no cross-section: the paper's forms, no S
    ev = FieldEvaluator(p)
    rng = np.random.default_rng(3)
    state, rate = rng.uniform(-1, 1, p.w.x.array.size), rng.uniform(-1, 1, p.w.x.array.size)
    ev.evaluate(state, rate, 0.0)
    total = sum(ev.cell[k].x.array for k in ("js", "jn", "jint"))
    mid = ev.cell["js"].function_space.tabulate_dof_coordinates()[:, 0]  # cell midpoints, in the DG0 dof order
    h = L2 / p.config.wire.cells
    # <S>_e by the 2-point Gauss rule the forms use (degree 2k + 1 = 3): the balance holds to round-off
    gx, gw = np.polynomial.legendre.leggauss(2)
    mean_S = np.array([0.5 * np.dot(gw, neck_S(m + 0.5 * h * gx)) for m in mid])
    np.testing.assert_allclose(total * mean_S, p.j.value, rtol=1e-12)
    exact_mean = np.array([quad(neck_S, m - h / 2, m + h / 2)[0] / h for m in mid])
    np.testing.assert_allclose(mean_S, exact_mean, rtol=1e-6)  # ... and to 7e-7 with the exact cell means
    assert np.ptp(total) > 0.3  # the density itself follows 1/S


def test_a_profile_file_is_found_next_to_its_config(tmp_path, monkeypatch):
    """[wire.cross_section] path relative to the config file (as [cooling] run), run from elsewhere;
    a file the working directory has keeps being read from there (configs that worked read the same)."""
    from psc_fem.config import load_config

    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "s.csv").write_text("x,S\n-1,1\n0,0.5\n1,1\n")
    config = tmp_path / "cfg" / "wire.toml"
    config.write_text(
        '[wire]\nlength = 2.0\nh = 0.1\n[wire.cross_section]\nshape = "file"\npath = "s.csv"\n'
        "[model]\ndelta = 0.0\neta = 0.1\n[drive]\ncurrent = 1.0\n[time]\nt_end = 1.0\n"
    )
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config(config)
    assert Path(cfg.wire.cross_section.path) == tmp_path / "cfg" / "s.csv"
    (elsewhere / "s.csv").write_text("x,S\n-1,1\n0,0.9\n1,1\n")
    assert load_config(config).wire.cross_section.path == "s.csv"  # the working directory's, as before
