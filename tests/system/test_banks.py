"""Normal-metal banks of finite length (docs/geometry.md, "Normal banks").

In the banks |x| > L/2 - l the condensation term 1 - |Psi|^2 of (A.1)
becomes -a - |Psi|^2; the ends are normal reservoirs (Psi = 0) and phi is
fixed at the centre, phi(0) = 0.  The reference is computed here,
independently of psc_fem: the stationary equations of the gapless model
(delta = 0: nu = u, D = 1; a stationary state has d|Psi|^2/dtau = 0),

    Psi'' + (c(x) - |Psi|^2) Psi - i u phi Psi = 0,   phi' = js - j,   js = Im(Psi* Psi'),

c = 1 in the superconductor and -a in the banks, with Psi(-L/2) = 0, on
the half wire [-L/2, 0] (a symmetric state: Psi(-x) = Psi*(x), so
Im Psi(0) = 0, Re Psi'(0) = 0, phi(0) = 0), as a two-piece scipy solve_bvp
joined at the bank's edge (Psi, Psi', phi continuous), continued in j.
"""

from pathlib import Path

import numpy as np
import pytest
from helpers import stationary
from helpers.configs import make_config
from mpi4py import MPI
from scipy.integrate import solve_bvp

from psc_fem.config import U_EXACT, ConfigError, validate

ROOT = Path(__file__).resolve().parents[2]

LS, BANK = 5.0, 1.0  # superconducting part and bank length of the reference wire


def normal_wire(h, a=10.0, length=BANK, ls=LS, **banks):
    return {"length": ls + 2 * length, "h": h, "banks": {"kind": "normal", "length": length, "suppression": a, **banks}}


# ---- the independent reference ---------------------------------------------------------
def bvp_states(a, currents, ls=LS, bank=BANK, nu=U_EXACT):
    """Stationary symmetric states at each current (continued from j = 0): [(x, u1, u2, phi, V)]."""
    pieces = (bank, 0.5 * ls)  # s in [0, 1] on each: x = -L/2 + bank s, then x = -ls/2 + ls/2 s
    coef = (-a, 1.0)

    def rhs(j):
        def f(s, y):
            out = []
            for k in range(2):
                u1, u2, p1, p2, phi = y[5 * k : 5 * k + 5]
                r = coef[k] - u1**2 - u2**2
                js = u1 * p2 - u2 * p1
                out += [p1, p2, -r * u1 - nu * phi * u2, -r * u2 + nu * phi * u1, js - j]
            return np.vstack(out) * np.repeat(pieces, 5)[:, None]

        return f

    def bc(ya, yb):
        return np.concatenate([ya[0:2], yb[0:5] - ya[5:10], [yb[6], yb[7], yb[9]]])

    s = np.linspace(0, 1, 101)
    y = np.zeros((10, s.size))
    y[0], y[5] = 0.1 * s, 0.1 + 0.7 * np.sin(0.5 * np.pi * s)  # a positive |Psi| vanishing at the reservoir
    out, j_now = [], 0.0
    for j in currents:
        for jj in np.linspace(j_now, j, max(2, int(np.ceil((j - j_now) / 0.02)) + 1))[1:]:
            sol = solve_bvp(rhs(jj), bc, s, y, tol=1e-9, max_nodes=200_000)
            assert sol.success, sol.message
            s, y = sol.x, sol.y
        j_now = j
        half = 0.5 * (ls + 2 * bank)
        x = np.concatenate([-half + bank * s, -0.5 * ls + 0.5 * ls * s[1:]])
        Y = np.hstack([y[0:5], y[5:10, 1:]])
        out.append((x, Y[0], Y[1], Y[4], 2 * Y[4][0], sol))  # V = phi(-L/2) - phi(L/2) = 2 phi(-L/2)
    return out


# ---- the FEM's stationary states ----------------------------------------------------------
def steady(p, j, start, dt=1e4, its=80):
    """Stationary state at current j by implicit Euler steps of size dt from ``start`` (None: no convergence).

    Psi's global phase is free with reservoir ends (only phi is pinned): the
    finite dt keeps Newton's matrix regular, and the steps stop when the
    state no longer changes.
    """
    p.j.value = j
    p.set_step(dt, (1.0, -1.0, 0.0), link=None)  # plain BDF: phi dt would turn the links by ~1e4
    cur = start.copy()
    for _ in range(its):
        p.w_n.x.array[:] = cur
        p.w.x.array[:] = cur
        ok, _, _ = p.solve()
        if not ok:
            return None
        change = np.max(np.abs(p.w.x.array - cur))
        cur = p.w.x.array.copy()
        if change < 1e-11:
            return cur
    return None


def fold(cfg, dj_min=1e-5, **kw):
    """Continuation of the stationary state in j by `steady` (tests/helpers/stationary.py)."""
    return stationary.fold(cfg, steady, dj_min=dj_min, **kw)


# ---- configuration ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "banks, key",
    [
        ({"kind": "normal", "length": 1.0, "suppression": 0.0}, "wire.banks.suppression"),
        ({"kind": "normal", "length": 1.0, "suppression": -1.0}, "wire.banks.suppression"),
        ({"kind": "normal", "length": 1.0, "suppression": 2e4}, "wire.banks.suppression"),
        ({"kind": "normal", "length": 3.5}, "wire.banks.length"),
        ({"kind": "normal", "length": 4.0}, "wire.banks.length"),
        ({"kind": "normal", "length": 0.0}, "wire.banks.length"),
        ({"kind": "normal", "length": 1.0, "width": 0.5}, "wire.banks.width"),
        ({"kind": "superconducting", "length": 1.0, "width": 5.0, "suppression": 5.0}, "wire.banks.suppression"),
        ({"kind": "superconducting", "length": 1.0}, "wire.banks.width"),
        ({"kind": "metal", "length": 1.0}, "wire.banks.kind"),
    ],
)
def test_bad_banks_name_the_key(banks, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        validate({**make_config().model_dump(), "wire": {"length": 7.0, "banks": banks}})


def test_suppression_must_beat_the_phonon_term_and_dumps():
    with pytest.raises(ConfigError, match=r"wire\.banks\.suppression must exceed model\.p"):
        validate(
            {
                **make_config().model_dump(),
                "wire": normal_wire(0.1, a=0.5),
                "model": {"delta": 0.0, "eta": 0.1, "p": 0.5},
            }
        )
    cfg = make_config(wire={"length": 7.0, "banks": {"kind": "normal", "length": 1.0}})
    assert cfg.wire.banks.suppression_value == 10.0 and cfg.wire.banks.width_value == 1.0
    assert cfg.model_dump()["wire"]["banks"] == {"kind": "normal", "length": 1.0}
    sc = make_config(wire={"length": 3.0, "banks": {"length": 0.5, "width": 10.0}})
    assert sc.model_dump()["wire"]["banks"] == {"kind": "superconducting", "length": 0.5, "width": 10.0}  # as before


# ---- the stationary state against solve_bvp -------------------------------------------------
GAPLESS = {"delta": 0.0, "eta": 0.1}


def test_stationary_state_matches_solve_bvp():
    """j = 0.25 (below J0 = 0.304): |Psi(x)|, phi(x) and V of the FEM converge to the solve_bvp state at
    second order; |Psi| decays into the bank, and V exceeds the banks' ohmic 2 l j by the conversion
    voltage of the two NS interfaces (the normal current turns into supercurrent over a length ~ 1/sqrt(u |Psi|^2))."""
    j, a = 0.25, 10.0
    ((x_ref, u1, u2, phi_ref, V_ref, sol),) = bvp_states(a, [j])
    mod_ref = np.hypot(u1, u2)
    errors = []
    for h in (0.1, 0.05, 0.025):
        reached, p = fold(make_config(wire=normal_wire(h, a), model=GAPLESS), stop_at=j)
        assert reached == pytest.approx(j, abs=1e-12)
        x, mod, _, phi = stationary.node_values(p)
        left = x <= 0
        ref_m, ref_p = ref_at(sol, x[left])
        V = phi[0] - phi[-1]
        errors.append((np.max(np.abs(mod[left] - ref_m)), np.max(np.abs(phi[left] - ref_p)), abs(V - V_ref)))
        assert np.max(np.abs(mod[::-1] - mod)) < 1e-9 and np.max(np.abs(phi[::-1] + phi)) < 1e-9  # symmetric
    errors = np.array(errors)
    orders = np.log2(errors[:-1] / errors[1:])
    print("errors", errors, "orders", orders, "V_ref", V_ref, "2lj", 2 * BANK * j)
    assert np.all(orders > 1.8) and np.all(orders < 2.3), (errors, orders)
    assert errors[-1, 2] < 1e-4 * V_ref
    # the proximity tail: |Psi| decays into the bank at least as fast as exp(-sqrt(a) d) ...
    xb = x_ref[(x_ref < -2.6) & (x_ref > -3.3)]
    m = np.interp(xb, x_ref, mod_ref)
    rate = -np.polyfit(xb, np.log(m), 1)[0]
    print("decay rate", -rate, "sqrt(a)", np.sqrt(a))
    # ~ exp(-k d) with k ~ Re sqrt(a + i u phi) (the bank's potential), steeper towards the reservoir
    assert np.sqrt(a) < -rate < 1.2 * np.sqrt(a)
    assert V_ref > 2 * BANK * j


def test_the_time_stepped_steady_state_is_the_stationary_one(tmp_path):
    """j = 0.25, gapless, h = 0.1: a run from Psi = 1 to the steady state gives the stationary solver's V
    (above: solve_bvp's to second order) at any time tolerance; its frames balance j and carry the step V.

    The steady Psi stands still under phi != 0 (the NS edges' charge imbalance).  The comoving frame, the
    default with normal banks, steps that exactly: V within 5e-8 of the stationary V at rtol 1e-4 (150
    steps) and 1e-7.  The transport frame's error ~ phi (phi dt)^2 is a bias the step control cannot see:
    -1.7e-4 at rtol 1e-4 (350 steps), -2.2e-6 at 1e-7 (3100 steps)."""
    from psc_fem.solver.simulation import simulate

    j = 0.25
    reached, p = fold(make_config(wire=normal_wire(0.1), model=GAPLESS), stop_at=j)
    x, _, _, phi = stationary.node_values(p)
    V_stationary = phi[0] - phi[-1]

    def settled(name, **time):
        cfg = make_config(
            wire=normal_wire(0.1),
            model=GAPLESS,
            drive={"current": j},
            time={"t_end": 2000.0, "until": "periodic", **time},
            output={"fields": False, "every": 0.5},
        )
        r = simulate(cfg, tmp_path / name, comm=MPI.COMM_SELF, progress=False, echo=False)
        assert r.stats["state"] == "steady"
        return cfg, r

    cfg, loose = settled("loose")
    assert cfg.time.frame == "comoving"
    _, tight = settled("tight", rtol=1e-7, atol=1e-8)
    for r in (loose, tight):
        assert r.stats["mean_V"] == pytest.approx(V_stationary, rel=1e-7)
    import h5py

    with h5py.File(tmp_path / "loose" / "series.h5") as f:
        ft, fphi = f["frames/t"][:], f["frames/phi"][:]
        total = f["frames/js"][:] + f["frames/jn"][:] + f["frames/jint"][:]
    late = ft >= 0.9 * ft[-1]  # frames between the steps of the settled window
    np.testing.assert_allclose(fphi[late, 0] - fphi[late, -1], V_stationary, rtol=1e-6)
    np.testing.assert_allclose(total[1:], j, rtol=1e-9)
    _, transport = settled("transport", frame="transport")
    assert abs(transport.stats["mean_V"] / V_stationary - 1) > 1e-4


def ref_at(sol, x):
    """|Psi| and phi of the two-piece solution at x <= 0."""
    half = 0.5 * LS + BANK
    bank = x < -0.5 * LS
    s = np.where(bank, (x + half) / BANK, (x + 0.5 * LS) / (0.5 * LS))
    y = sol.sol(np.clip(s, 0, 1))
    y = np.where(bank, y[0:5], y[5:10])
    return np.hypot(y[0], y[1]), y[4]


# ---- J0: proximity suppression ----------------------------------------------------------------
def test_normal_banks_lower_j0_monotonically():
    """J0 of a 5 xi superconductor between normal banks (h = 0.1): below the rigid-bank wire's, falling as
    a grows (0.3162, 0.3043, 0.2928, 0.2875 for a = 1, 10, 100, 1000: Psi -> 0 at the NS edge) and
    rising with the bank length l to a plateau once l >> 1/sqrt(a) (l = 0.2, 0.5, 1, 2 at a = 10)."""
    rigid, _ = fold(make_config(wire={"length": LS, "h": 0.1}, model=GAPLESS), dj_min=1e-4)
    by_a = [
        fold(make_config(wire=normal_wire(0.1, a), model=GAPLESS), dj_min=1e-4)[0] for a in (1.0, 10.0, 100.0, 1000.0)
    ]
    by_l = [
        fold(make_config(wire=normal_wire(0.1 if l >= 0.5 else 0.05, 10.0, l), model=GAPLESS), dj_min=1e-4)[0]
        for l in (0.2, 0.5, 1.0, 2.0)
    ]
    print("rigid", rigid, "by a", by_a, "by l", by_l)
    assert max(by_a + by_l) < rigid - 0.05
    assert np.all(np.diff(by_a) < -2e-3), by_a
    gaps = np.diff(by_a)
    assert np.all(np.abs(gaps[1:] / gaps[:-1]) < 1), by_a  # converging to the a -> infinity limit
    assert by_l[1] - by_l[0] > 5e-3 and abs(by_l[3] - by_l[2]) < 5e-4, by_l  # (folds resolved to 1e-4)


# ---- a phase-slip centre between normal banks ------------------------------------------------
def slip_positions(path, edge):
    """x of min |Psi| over the superconductor |x| <= edge in the frame closest to each slip.

    A slip is a dip of min |Psi| below 0.05: between slips the NS edges hold it at ~0.15.
    """
    import h5py

    with h5py.File(Path(path) / "series.h5") as f:
        x, a = f["frames/x"][:], f["frames/abs_psi"][:]
    inside = np.abs(x) <= edge + 1e-12
    x, a = x[inside], a[:, inside]
    m = a.min(axis=1)
    low = np.concatenate([[False], m < 0.05, [False]]).astype(int)
    starts, ends = np.flatnonzero(np.diff(low) == 1), np.flatnonzero(np.diff(low) == -1)
    return [
        (float(m[i]), float(x[np.argmin(a[i])])) for i in (s + int(np.argmin(m[s:e])) for s, e in zip(starts, ends))
    ]


@pytest.mark.slow
def test_psc_between_normal_banks(tmp_path):
    """examples/normal_banks.toml, t_end 120: periodic slips, every one at the constriction x = 0 (the
    banks' |Psi| is excluded from psi_min); the banks and NS edges add a voltage: mean V > 2 pi / period + 2 l j."""
    from psc_fem.config import load_config
    from psc_fem.solver.simulation import simulate

    cfg = load_config(
        ROOT / "examples" / "normal_banks.toml",
        ["time.t_end=400", "time.until=periodic", "time.settle_rtol=3e-3", "output.fields=false"],
    )
    r = simulate(cfg, tmp_path, comm=MPI.COMM_SELF, progress=False, echo=False)
    slips = slip_positions(tmp_path, 0.5 * cfg.wire.length - cfg.wire.banks.length)
    assert len(slips) >= 5 and all(m < 0.1 and abs(xs) <= cfg.wire.h + 1e-12 for m, xs in slips), slips
    st = r.stats  # normal banks: slips are the dips of psi_min
    assert st["state"] == "periodic"
    j, l = cfg.drive.current, cfg.wire.banks.length
    v_ends = st["mean_V"] - 2 * np.pi / st["period"]
    print("period", st["period"], "mean V", st["mean_V"], "ends", v_ends, "2lj", 2 * l * j)
    assert v_ends > 2 * l * j
    # V holds the banks' voltage: the run reports no Josephson ratio, and an I-V point counts one slip per period
    assert np.isnan(r.stats["josephson_ratio"])
    from psc_fem.analysis.psc_count import iv_point

    point = iv_point(r.series, skip=3, josephson=False)
    assert point["state"] == "one PSC" and np.isnan(point["josephson_ratio"]) and point["slips_per_period"] == 1


def test_bank_edge_must_be_a_node():
    """L = 10, h = 0.3 (34 cells of 0.294): a 1-xi bank would end inside a cell."""
    from psc_fem.config import ConfigError, validate

    data = {
        "wire": {"length": 10.0, "h": 0.3, "banks": {"kind": "normal", "length": 1.0}},
        "model": {"delta": 0.0, "eta": 0.1},
        "drive": {"current": 0.3},
        "time": {"t_end": 1.0},
    }
    with pytest.raises(ConfigError, match=r"wire\.banks\.length = 1 must be a multiple of the cell size"):
        validate(data)
    data["wire"]["banks"]["length"] = 10.0 / 34 * 3  # three cells
    assert validate(data).wire.normal_banks
