"""py-tdgl (PyPI `tdgl` 0.9) on psc_fem's films: a strip, a constriction or vortex flow, normal-metal terminals.

Runs in the benchmark venv (.venv-bench, `make bench`); prints one JSON line;
benchmarks/bench_film_pytdgl.py (--case strip, the default) and
benchmarks/bench_film_dynamic.py (constriction, vortex) drive it.  The same
problem as a psc_fem film with `[geometry] ends = "normal"`, `[model]
interference = false`: py-tdgl's model is (A.1)-(A.3) with D = 1 and no
interference current, with its gamma = psc_fem's delta, u = u, mu = phi,
t = tau (the mapping of benchmarks/pytdgl_strip.py's docstring).  Its
terminals hold psi = 0 and inject a uniform current density, as psc_fem's
normal terminals do; the current density is j = J_scale I / W
(`current_scale`).  V is mu(probe 1) - mu(probe 2), psc_fem's sign.

Cases.  strip: L x W.  constriction: psc_fem.meshes.shapes.constriction
(L, W, neck width, neck length), its very vertices (meshes/shapes.py is
loaded by path).  vortex: the strip L x W in a perpendicular field B.  The
terminals are thin boxes over the two end edges.

Field.  psc_fem's B is in Hc2 with lengths in xi (A = B (-y, x)/2, curl A
= B).  With coherence_length = 1 and length_units = "um", py-tdgl's field
unit is its device.Bc2 = Phi0 / (2 pi xi^2) (= 0.3291 mT), the same Hc2: the
solver scales a vector potential given in field_units * length_units by
A_scale = field_units * length_units / (Bc2 xi) (tdgl/solver/solver.py),
so `applied_vector_potential = B * Bc2 / mT` with field_units = "mT" is a
float that becomes tdgl.sources.ConstantField(B Bc2, "mT", "um"), i.e.
A = B (-y, x)/2 about the film's centre (em.uniform_Bz_vector_potential),
psc_fem's gauge for a film centred at 0.

Probes.  py-tdgl records mu at the mesh site closest to a probe point;
psc_fem interpolates phi linearly in the cell that holds the point.  An
offset of h/2 in a field ~ j near the terminals would move V by ~ j h/2
(1% here), so the probes given to py-tdgl are the three sites of the
triangle holding each point and V is their barycentric combination: the
same P1 interpolation as psc_fem's (in every case since 2026-12-05: the
strip's closest sites had moved its V by -1.1% to +1.1% with the mesh).

Dynamic states (constriction, vortex): the mean V is taken after
--t-settle.  With phase slips (V spikes, one per slip) the period is the
mean spacing of the spikes and mean V the integral of V over whole periods
(pytdgl_strip.whole_period_mean); the result also has the time average
of V after t-settle (``V_mean``, the vortex case's V: its vortices do not
cross at one fixed period) and over the second half of that (``V_half``).
"""

import argparse
import importlib.util
import json
import logging
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from pytdgl_strip import U_EXACT, current_scale, solve_biased, whole_period_mean  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def outline(args):
    """The film's vertices (xi): psc_fem's own shapes (meshes/shapes.py has no imports but math)."""
    spec = importlib.util.spec_from_file_location("psc_shapes", os.path.join(ROOT, "meshes", "shapes.py"))
    shapes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shapes)
    if args.case == "constriction":
        vertices, _ = shapes.constriction(args.length, args.width, args.neck_width, args.neck_length)
    else:
        vertices, _ = shapes.rectangle(args.length, args.width)
    return np.array(vertices, float)


def cell_weights(mesh, point):
    """(three site indices, barycentric weights) of the triangle that holds ``point``."""
    p = mesh.sites[mesh.elements]  # (n, 3, 2)
    a, b, c = p[:, 0], p[:, 1], p[:, 2]
    det = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
    l1 = ((point[0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (point[1] - a[:, 1])) / det
    l2 = ((b[:, 0] - a[:, 0]) * (point[1] - a[:, 1]) - (point[0] - a[:, 0]) * (b[:, 1] - a[:, 1])) / det
    lam = np.stack([1 - l1 - l2, l1, l2], axis=1)
    k = int(np.argmax(lam.min(axis=1)))  # the triangle with the point inside (or nearest to it)
    return mesh.elements[k], lam[k]


def dynamic_stats(t, V, t_settle):
    """Period and mean V over whole periods after t_settle; V's mean after t_settle and over the last half of that."""
    keep = t >= t_settle
    out = whole_period_mean(t[keep], V[keep], skip=0) if keep.sum() > 10 else {"period": None, "mean_V": None}
    out.pop("josephson_ratio", None)  # V includes the terminals' voltage: no Josephson relation
    out["V_ptp"] = float(np.ptp(V[keep]))
    out["V_mean"] = float(np.trapezoid(V[keep], t[keep]) / (t[keep][-1] - t[keep][0]))
    half = t >= 0.5 * (t_settle + t[-1])
    out["V_half"] = float(np.trapezoid(V[half], t[half]) / (t[half][-1] - t[half][0]))
    if out.get("period"):  # the drift: whole-period means of the two halves of the settled part
        mid = 0.5 * (t_settle + t[-1])
        a, b = (keep & (t < mid)), (t >= mid)
        pa = whole_period_mean(t[a], V[a], skip=0)["period"] if a.sum() > 10 else None
        pb = whole_period_mean(t[b], V[b], skip=0)["period"] if b.sum() > 10 else None
        out["period_halves"] = [pa, pb]
    return out


def run(args):
    import tdgl

    logging.getLogger("tdgl").setLevel(logging.WARNING)
    L, W, h = args.length, args.width, args.h
    layer = tdgl.Layer(coherence_length=1.0, london_lambda=2.0, thickness=0.1, u=U_EXACT, gamma=args.gamma)
    film = tdgl.Polygon("film", points=outline(args))
    tw = h * args.terminal_width  # the terminals' boxes: their sites are py-tdgl's normal-metal contacts
    source = tdgl.Polygon("source", points=tdgl.geometry.box(tw, 1.2 * W, center=(-L / 2, 0)))
    drain = tdgl.Polygon("drain", points=tdgl.geometry.box(tw, 1.2 * W, center=(L / 2, 0)))
    if args.probes:
        x1, y1, x2, y2 = (float(v) for v in args.probes.split(","))
        probes = [(x1, y1), (x2, y2)]
    else:
        probes = [(-L / 2 + args.inset, 0.0), (L / 2 - args.inset, 0.0)]
    device = tdgl.Device(
        "film", layer=layer, film=film, terminals=[source, drain], probe_points=probes, length_units="um"
    )
    device.make_mesh(max_edge_length=h, smooth=10)
    # P1 interpolation at the probes (module doc); --closest-sites: py-tdgl's own probes (the strip's before)
    weights = None
    if not args.closest_sites:
        cells = [cell_weights(device.mesh, np.array(p)) for p in probes]
        device.probe_points = np.concatenate([device.mesh.sites[idx] for idx, _ in cells])
        weights = np.concatenate([w for _, w in cells])
    I = args.current * W / current_scale(device)
    field = args.field * float(device.Bc2.to("mT").magnitude)  # B in Hc2 -> mT (module doc)
    solution, wall = solve_biased(device, I, args.t_end, 1e-4, args.dt_max, field=field)
    dyn = solution.dynamics
    t = np.asarray(dyn.time)
    if weights is None:
        V = np.asarray(dyn.voltage(0, 1))
    else:
        mu = np.asarray(dyn.mu) * weights[:, None]
        V = mu[:3].sum(axis=0) - mu[3:].sum(axis=0)
    out = {
        "code": "py-tdgl",
        "version": tdgl.__version__,
        "case": args.case,
        "h": h,
        "sites": int(len(device.mesh.sites)),
        "steps": int(len(t)),
        "wall": wall,
        "t_end": float(t[-1]),
    }
    # phase slips between the probes: their phase difference winds by 2 pi per slip (steady: constant)
    theta = np.asarray(dyn.theta)
    winding = np.unwrap(theta[3 if weights is not None else 1] - theta[0])
    settled = t >= min(args.t_settle, 0.5 * t[-1])
    out["windings"] = float(abs(winding[settled][-1] - winding[settled][0]) / (2 * np.pi))
    if args.case == "strip":
        tail = t >= 0.8 * t[-1]
        out.update(V=float(np.mean(V[tail])), V_drift=float(np.ptp(V[tail])))
    else:
        out.update(field=args.field, current=args.current, t_settle=args.t_settle)
        out.update(dynamic_stats(t, V, args.t_settle))
        periodic = args.case == "constriction" and out.get("mean_V") is not None
        out["V"] = out["mean_V"] if periodic else out["V_mean"]
    if args.dump:
        np.savez(args.dump, t=t, V=V)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case", choices=["strip", "constriction", "vortex"], default="strip")
    ap.add_argument("--length", type=float, default=4.0)
    ap.add_argument("--width", type=float, default=0.5)
    ap.add_argument("--neck-width", type=float, default=0.4, help="constriction (xi)")
    ap.add_argument("--neck-length", type=float, default=0.5, help="constriction (xi)")
    ap.add_argument("--field", type=float, default=0.0, help="B in Hc2 (vortex)")
    ap.add_argument("--h", type=float, default=0.1)
    ap.add_argument("--terminal-width", type=float, default=1.0, help="the terminal boxes' width in units of --h")
    ap.add_argument("--current", type=float, default=0.2, help="current density j at the terminals")
    ap.add_argument("--gamma", type=float, default=10 / 3)
    ap.add_argument("--inset", type=float, default=1.0)
    ap.add_argument("--probes", help="x1,y1,x2,y2 (default: --inset inside each end on y = 0)")
    ap.add_argument("--t-end", type=float, default=300.0)
    ap.add_argument("--t-settle", type=float, default=100.0, help="dynamic cases: statistics after this time")
    ap.add_argument(
        "--dt-max",
        type=float,
        default=1e-2,
        help="py-tdgl's step cap; steady states need one below its explicit stability edge (~0.1 h^2)",
    )
    ap.add_argument("--dump", help="save t, V to this .npz")
    ap.add_argument("--closest-sites", action="store_true", help="V at the sites closest to the probes")
    print(json.dumps(run(ap.parse_args(argv))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
