"""py-tdgl (PyPI `tdgl`, 0.9) set-up of the Fig. 1 wire as a quasi-1D strip.

Runs in the benchmark venv (.venv-bench/, `make bench` installs it), never in
the project's: py-tdgl brings numba, meshpy, pint and IPython.  Prints one
JSON line.  benchmarks/bench_peers.py drives it in a subprocess.

The model.  py-tdgl solves, in its own dimensionless units (docs:
"Background"; x in xi, t in tau_0, mu in V_0, J in its J-unit),

    u/sqrt(1 + gamma^2|psi|^2) (d/dt + i mu + gamma^2/2 d|psi|^2/dt) psi = (1 - |psi|^2) psi + lap psi
    lap mu = div Im(psi* grad psi),     J = Im(psi* grad psi) - grad mu,

which is (A.1) of the paper with (u, gamma, mu, t) = (u, delta, phi, tau)
and (A.3) with D(|Psi|) = 1 and without the interference current
-2 delta sqrt(eta/u) Q d|Psi|^2/dtau.  So:

* gamma = delta = 0 (gapless): the two codes solve the same equations;
* gamma = delta = 10/3: identical to psc_fem with eta -> 0 (then D -> 1 and
  the interference term vanishes: both carry a factor sqrt(eta)); the Fig. 1
  model itself (eta = 0.1) has no py-tdgl counterpart.

The banks.  py-tdgl's current terminals are normal-metal contacts (psi = 0,
n.grad mu = J_ext); it cannot hold |psi| = 1 with a free phase on a boundary
as psc_fem's banks (A.7)-(A.9) do (its `terminal_psi` pins psi and with it
the phase, which contradicts theta' = -mu at a bank at potential mu != 0).
The equivalent boundary is physical: the wire (length L, width w << xi)
opens at both ends into wide superconducting banks (width W, length Lb) that
carry the current at the small density j w / W, so |psi| ~ 1 and the phase
gradient is small there; the normal terminals sit at the far ends of the
banks, and the voltage is read between probe points at the two mouths of
the wire (x = -+L/2, y = 0).  As W grows the banks approach psc_fem's rigid
banks; at finite W the mean V differs, which is why each code's accuracy
is measured against its own refined solution.

Which V.  In psc_fem the banks are rigid: the normal current turns into
supercurrent exactly at x = -+L/2, and phi there is the condensate's
potential (theta' = -phi, A.7).  In the strip the conversion spills into
the banks (a charge-imbalance tail), so mu at the mouths is not yet the
condensate's potential and mu(-L/2) - mu(L/2) breaks the AC Josephson
relation (period * mean V / 2 pi ~ 0.8 on this strip).  Probes 2, 3 sit
Lb/2 inside the banks, where the current is supercurrent only and
d theta/dt = -mu: their mu difference is the voltage that obeys the
Josephson relation and the one compared with psc_fem's V (both are
reported: mean_V, mean_V_mouth).

Units.  The bias enters py-tdgl as a terminal current I in `current_units`;
the solver turns it into the dimensionless sheet current J_scale * I with
J_scale = 4 (current_units/length_units)/K0 (tdgl/solver/solver.py), and
the current density in the wire is J_scale * I / w.  We choose
I = j w / J_scale so that it equals psc_fem's j.  mu and t are used as they
are (the equations above have the same coefficients as (A.1)-(A.3)), so
V = mu(left) - mu(right) has psc_fem's sign (positive for j > 0), and the
AC Josephson ratio period * mean(V) / (2 pi) = 1 checks the mapping of mu
and t.

Time stepping.  py-tdgl's step is semi-implicit Euler (first order): the
covariant Laplacian is explicit, so dt is bounded by ~ u h^2 / 4 and by
dt_max; its adaptive rule scales dt by the change of |psi|^2 per step.  The
accuracy knobs are the mesh size h and dt_max.

    .venv-bench/bin/python benchmarks/pytdgl_strip.py --h 0.05 --dt-max 1e-3 --gamma 0 --t-end 60
"""

import argparse
import json
import logging
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

U_EXACT = np.pi**4 / (14 * 1.2020569031595942)  # psc_fem's u = "exact"


def whole_period_mean(t, V, skip=1):
    """Period and mean V over whole PSC periods, from the voltage spikes.

    Each phase slip makes one spike of V(t); the period is the mean spacing
    of the spikes after dropping `skip` of them (transient), the mean is the
    time integral of V between the first and the last kept spike over their
    distance.  The same rule serves psc_fem's and py-tdgl's V(t).
    """
    from scipy.signal import find_peaks

    t, V = np.asarray(t, float), np.asarray(V, float)
    # Resample on a uniform grid (py-tdgl's steps vary) for the peak finder.
    tu = np.linspace(t[0], t[-1], max(2000, int((t[-1] - t[0]) / 0.01)))
    Vu = np.interp(tu, t, V)
    span = float(np.max(Vu) - np.min(Vu[len(Vu) // 4 :]))
    peaks, _ = find_peaks(Vu, prominence=0.3 * span)
    tp = tu[peaks][skip:]
    if len(tp) < 3:
        return {"period": None, "mean_V": None, "n_periods": max(len(tp) - 1, 0), "josephson_ratio": None}
    # refine each spike time by a parabola through the samples around it
    refined = []
    for tk in tp:
        k = int(np.searchsorted(t, tk))
        k = min(max(k, 1), len(t) - 2)
        k = k - 1 + int(np.argmax(V[k - 1 : k + 2]))
        k = min(max(k, 1), len(t) - 2)
        t0, t1, t2 = t[k - 1 : k + 2]
        f0, f1, f2 = V[k - 1 : k + 2]
        den = (t1 - t0) * (f1 - f2) - (t1 - t2) * (f1 - f0)
        num = (t1 - t0) ** 2 * (f1 - f2) - (t1 - t2) ** 2 * (f1 - f0)
        refined.append(t1 - 0.5 * num / den if den != 0 else t1)
    tp = np.array(refined)
    n = len(tp) - 1
    period = (tp[-1] - tp[0]) / n
    sel = (t >= tp[0]) & (t <= tp[-1])
    tt = np.concatenate([[tp[0]], t[sel], [tp[-1]]])
    vv = np.concatenate([[np.interp(tp[0], t, V)], V[sel], [np.interp(tp[-1], t, V)]])
    mean_V = float(np.trapezoid(vv, tt) / (tp[-1] - tp[0]))
    return {
        "period": float(period),
        "mean_V": mean_V,
        "n_periods": int(n),
        "josephson_ratio": float(period * mean_V / (2 * np.pi)),
    }


def outline(L, w, W, Lb, h, h_bank):
    """Film boundary (counter-clockwise): wire edges every h, bank edges coarser."""

    def seg(a, b, size):
        n = max(1, int(np.ceil(np.hypot(*(np.subtract(b, a))) / size)))
        return [tuple(np.add(a, np.multiply(np.subtract(b, a), k / n))) for k in range(n)]

    x0, x1 = L / 2, L / 2 + Lb
    corners = [  # (point, mesh size of the edge that starts there)
        ((-x0, -w / 2), h),
        ((x0, -w / 2), h),
        ((x0, -W / 2), h_bank),
        ((x1, -W / 2), h_bank),
        ((x1, W / 2), h_bank),
        ((x0, W / 2), h),
        ((x0, w / 2), h),
        ((-x0, w / 2), h),
        ((-x0, W / 2), h_bank),
        ((-x1, W / 2), h_bank),
        ((-x1, -W / 2), h_bank),
        ((-x0, -W / 2), h),
    ]
    pts = []
    for k, (a, size) in enumerate(corners):
        b = corners[(k + 1) % len(corners)][0]
        # refine bank edges next to the mouth: size grows away from the wire
        n_fine = seg(a, b, size)
        pts += n_fine
    return np.array(pts)


def build_device(L, w, W, Lb, h, u, gamma, h_bank=None, grade=0.3):
    """Wire + banks + normal terminals, meshed finely (h) in and near the wire and
    coarser (up to h_bank) in the banks: py-tdgl's cost is per mesh site."""
    import tdgl

    h_bank = h_bank or max(4 * h, 0.2)
    layer = tdgl.Layer(coherence_length=1.0, london_lambda=2.0, thickness=0.1, u=u, gamma=gamma)
    film = tdgl.Polygon("film", points=outline(L, w, W, Lb, h, h))
    x_end = L / 2 + Lb
    source = tdgl.Polygon(
        "source", points=[(-x_end - h, -W), (-x_end + h / 2, -W), (-x_end + h / 2, W), (-x_end - h, W)]
    )
    drain = tdgl.Polygon("drain", points=[(x_end - h / 2, -W), (x_end + h, -W), (x_end + h, W), (x_end - h / 2, W)])
    device = tdgl.Device(
        "psc_wire",
        layer=layer,
        film=film,
        terminals=[source, drain],
        # probes 0, 1 at the mouths of the wire; 2, 3 in the banks, Lb/2 away
        probe_points=[(-L / 2, 0.0), (L / 2, 0.0), (-L / 2 - Lb / 2, 0.0), (L / 2 + Lb / 2, 0.0)],
        length_units="um",
    )

    def size(x, y):
        dx = max(abs(x) - L / 2, 0.0)
        return min(h_bank, h + grade * np.hypot(dx, max(abs(y) - w / 2, 0.0)) if dx > 0 else h)

    def refine(vertices, area):
        c = np.mean(np.asarray(vertices), axis=0)
        s = size(c[0], c[1])
        return bool(area > 0.5 * s * s)  # triangles with edges ~ s have area ~ 0.43 s^2

    device.make_mesh(max_edge_length=-1, refinement_func=refine)
    return device


def current_scale(device, current_units="uA"):
    """J_scale of tdgl/solver/solver.py: dimensionless sheet current per unit of I."""
    ureg = device.ureg
    length_units = ureg(device.length_units)
    J_scale = 4 * ((ureg(current_units) / length_units) / device.K0).to_base_units()
    return float(J_scale.magnitude)


def solve_biased(device, current, t_end, dt_init, dt_max, save_every=20000, field=0.0):
    """(solution, wall seconds) of py-tdgl with ``current`` (uA) in at "source" and out at "drain".

    ``field``: a uniform perpendicular field in mT (applied_vector_potential; 0: none).
    """
    import tdgl

    options = tdgl.SolverOptions(
        solve_time=t_end,
        dt_init=dt_init,
        dt_max=dt_max,
        save_every=save_every,
        progress_interval=10**9,
        current_units="uA",
        field_units="mT",
    )
    start = time.perf_counter()
    currents = {"source": current, "drain": -current}
    solution = tdgl.solve(device, options, applied_vector_potential=field, terminal_currents=currents)
    return solution, time.perf_counter() - start


def run(args):
    import tdgl

    logging.getLogger("tdgl").setLevel(logging.WARNING)
    u = U_EXACT if args.u == "exact" else float(args.u)
    t_mesh = time.perf_counter()
    device = build_device(args.length, args.width, args.bank_width, args.bank_length, args.h, u, args.gamma)
    t_mesh = time.perf_counter() - t_mesh
    I = args.current * args.width / current_scale(device)
    solution, wall = solve_biased(device, I, args.t_end, args.dt_init, args.dt_max, args.save_every)
    dyn = solution.dynamics
    t, dt = np.asarray(dyn.time), np.asarray(dyn.dt)
    V_mouth, V = np.asarray(dyn.voltage(0, 1)), np.asarray(dyn.voltage(2, 3))
    stats = whole_period_mean(t, V, skip=args.skip)
    mouth = whole_period_mean(t, V_mouth, skip=args.skip)
    stats["mean_V_mouth"] = mouth["mean_V"]
    stats["josephson_ratio_mouth"] = mouth["josephson_ratio"]
    if args.dump:
        np.savez(args.dump, t=t, V=V, V_mouth=V_mouth, dt=dt, theta=np.asarray(dyn.theta))
    sites = len(device.mesh.sites)
    wire_sites = int(np.sum(np.abs(device.mesh.sites[:, 0]) < args.length / 2))
    return {
        "code": "py-tdgl",
        "version": tdgl.__version__,
        "length": args.length,
        "width": args.width,
        "bank_width": args.bank_width,
        "bank_length": args.bank_length,
        "h": args.h,
        "dt_max": args.dt_max,
        "dt_init": args.dt_init,
        "gamma": args.gamma,
        "u": u,
        "current": args.current,
        "t_end": args.t_end,
        "sites": sites,
        "wire_sites": wire_sites,
        "unknowns": 3 * sites,
        "steps": int(len(t)),
        "dt_median": float(np.median(dt)),
        "wall": wall,
        "wall_mesh": t_mesh,
        "wall_per_tau": wall / args.t_end,
        "terminal_current_uA": I,
        **stats,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--length", type=float, default=1.1)
    ap.add_argument("--width", type=float, default=0.2, help="strip width w (xi), < 1 for quasi-1D")
    ap.add_argument("--bank-width", type=float, default=3.0)
    ap.add_argument("--bank-length", type=float, default=3.0)
    ap.add_argument("--h", type=float, default=0.05, help="max edge length of the mesh (xi)")
    ap.add_argument("--current", type=float, default=1.5, help="j/j0 in the wire")
    ap.add_argument("--gamma", type=float, default=0.0)
    ap.add_argument("--u", default="exact")
    ap.add_argument("--t-end", type=float, default=60.0)
    ap.add_argument("--dt-max", type=float, default=1e-3)
    ap.add_argument("--dt-init", type=float, default=1e-6)
    ap.add_argument("--save-every", type=int, default=20000)
    ap.add_argument("--skip", type=int, default=1)
    ap.add_argument("--dump", help="save t, V, dt, theta of the probes to this .npz")
    args = ap.parse_args(argv)
    print(json.dumps(run(args)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
