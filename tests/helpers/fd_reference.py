"""Independent finite-difference reference solver for the 1D PSC problem.

Method of lines on a uniform grid, NumPy/SciPy only (no DOLFINx), written
straight from the paper's Appendix A so that it shares no formulation with the
FEM solver:

* Psi'' by second-order central differences at the interior nodes;
* Im(Psi* Psi') on the half-nodes x_{i+1/2} as Im(conj(Psi_i) Psi_{i+1}) / h
  (second-order, and invariant under a global phase: no phase unwrapping);
* phi from the antisymmetric integral (A.6) with the midpoint rule on each
  cell, so phi(x_{i+1}) - phi(x_i) = h g_{i+1/2} and phi(-L/2) = -phi(L/2);
* the end phases of the banks, (A.7)-(A.9), as two extra ODEs.

Given Psi, Eqs. (A.1)-(A.3) are linear in (dPsi/dtau, phi), and the system is
triangular: i phi Psi is orthogonal to Psi, so the component of (A.1) along
Psi does not contain phi and yields d|Psi|^2/dtau node by node,

    nu (1 + delta^2 |Psi|^2) d|Psi|^2/dtau = 2 Re(conj(Psi) R),
    R = Psi'' + (1 - |Psi|^2) Psi.

With d|Psi|^2/dtau known, js, g = (js - j)/D and phi (A.6) follow, and then
dPsi/dtau from (A.1) with the 2x2 matrix d_a / nu = I + delta^2 Psi Psi^T of
(B.4) inverted in closed form. The right-hand side is therefore explicit and
the problem is a plain ODE system for scipy.integrate.solve_ivp (BDF).
For delta = 0 it is exactly the gapless (A.4)-(A.5).

Accuracy: mean V converges at order 2 in h in the gapless case. With the
finite gap, the interference term Q d|Psi|^2/dtau, Q ~ 1/|Psi|^2, is not
resolved while the PSC core is narrower than h; the error then behaves like
h^2 log(1/h) (observed orders 1.6-1.75 for h = 1/16 ... 1/128; exactly 2
with that term switched off). That is a property of the equations, so a
finite-element discretisation should show the same.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp
from scipy.interpolate import CubicSpline
from scipy.special import ellipe, ellipk, zeta

U_EXACT = np.pi**4 / (14.0 * zeta(3))  # 5.7882..., docs/design.md section 2


def _u_value(u) -> float:
    if isinstance(u, str):
        if u != "exact":
            raise ValueError(f"u must be 'exact' or a number, got {u!r}")
        return float(U_EXACT)
    return float(u)


def k_minus_e_over_z(z, elliptic="exact"):
    """(K(z) - E(z)) / z with modulus z (parameter m = z^2), or the seed's Z(z).

    "exact": scipy's ellipk/ellipe; below z = 1e-3 the difference K - E loses
    digits to cancellation, so use the series pi/4 z + 3 pi/32 z^3 (next term
    O(z^5): relative error < 1e-12 there).
    "seed": Z(z) = ln(1 - z^2)/(2z) - ln(1 - z) of (B.11); its 0/0 at z = 0 is
    replaced by the series z/2 + z^2/2 below z = 1e-6.
    """
    z = np.asarray(z, dtype=float)
    small = z < (1e-3 if elliptic == "exact" else 1e-6)
    zs = np.where(small, 0.5, z)  # keep the unused branch finite
    if elliptic == "exact":
        m = zs * zs
        full = (ellipk(m) - ellipe(m)) / zs
        series = np.pi / 4 * z + 3 * np.pi / 32 * z**3
    elif elliptic == "seed":
        full = np.log1p(-zs * zs) / (2 * zs) - np.log1p(-zs)
        series = z / 2 + z * z / 2
    else:
        raise ValueError(f"elliptic must be 'exact' or 'seed', got {elliptic!r}")
    return np.where(small, series, full)


@dataclass
class FDResult:
    """Time series of a run (sampled on a uniform grid) and the final state."""

    t: np.ndarray
    V: np.ndarray  # phi(L/2) - phi(-L/2)
    psi_center: np.ndarray  # |Psi(0, t)|
    theta_minus: np.ndarray
    theta_plus: np.ndarray
    x: np.ndarray  # grid nodes
    psi: np.ndarray  # complex Psi(x, t_end) at all nodes
    params: dict = field(default_factory=dict)
    runtime: float = 0.0  # wall-clock seconds of the time integration
    nfev: int = 0


class FDModel:
    """Right-hand side of the semi-discrete system; vectorised over columns.

    State y = [Re Psi_1..N-1, Im Psi_1..N-1, theta_-, theta_+]; every method
    accepts y of shape (n,) or (n, k), so solve_ivp can build the (dense)
    finite-difference Jacobian with a single call (vectorized=True).
    """

    def __init__(self, length, n_cells, current, delta, eta, u, elliptic, eps_q, interference=True):
        self.N = n_cells
        self.h = length / n_cells
        self.j = current
        self.delta = delta
        self.u = u
        self.elliptic = elliptic
        self.eps2 = eps_q**2
        # js = Im(Psi* Psi') (1 - c1 d|Psi|^2/dtau / |Psi|^2), (A.2)
        self.c1 = 2.0 * delta * np.sqrt(eta / u) if interference else 0.0
        # D = 1 + c2 |Psi| (K - E)/z, (A.2)-(A.3); interference = False: D = 1, c1 = 0 (py-tdgl's model)
        self.c2 = 2.0 / np.pi * np.sqrt(eta * u) if interference else 0.0

    def D(self, a):
        """Normal-current coefficient D(|Psi|) of (A.3)."""
        if self.delta == 0.0:
            return np.ones_like(a)  # gapless limit: (K - E)/z -> 0
        d2 = self.delta**2
        z = self.delta * a / np.sqrt(1.0 + d2 * a * a)
        return 1.0 + self.c2 * a * k_minus_e_over_z(z, self.elliptic)

    def fields(self, y):
        """Psi (all nodes), R = Psi'' + (1 - |Psi|^2) Psi and nu (interior
        nodes), phi (all nodes) for the state(s) y."""
        n = self.N - 1
        psi_int = y[:n] + 1j * y[n : 2 * n]
        ends = np.exp(1j * y[2 * n :])  # Dirichlet data (A.8)-(A.9)
        psi = np.concatenate([ends[:1], psi_int, ends[1:]])
        h, d2 = self.h, self.delta**2

        a2 = (psi * psi.conj()).real  # |Psi|^2 at all nodes
        lap = (psi[2:] - 2.0 * psi[1:-1] + psi[:-2]) / (h * h)
        R = lap + (1.0 - a2[1:-1]) * psi_int
        nu = self.u / np.sqrt(1.0 + d2 * a2[1:-1])
        # Component of (A.1) along Psi: phi drops out (see module docstring).
        s = np.zeros_like(a2)
        s[1:-1] = 2.0 * (psi_int.conj() * R).real / (nu * (1.0 + d2 * a2[1:-1]))
        # |Psi| = 1 at the ends for all time, so s = 0 there exactly.

        # Half-node quantities for (A.3) and the midpoint rule of (A.6).
        qh = (psi[:-1].conj() * psi[1:]).imag / h  # Im(Psi* Psi')
        a2m = 0.5 * (a2[:-1] + a2[1:])
        sm = 0.5 * (s[:-1] + s[1:])
        # Regularised interference factor: 1/|Psi|^2 -> 1/(|Psi|^2 + eps_q^2).
        js = qh * (1.0 - self.c1 * sm / (a2m + self.eps2))
        g = (js - self.j) / self.D(np.sqrt(a2m))
        cum = np.concatenate([np.zeros_like(g[:1]), np.cumsum(h * g, axis=0)])
        phi = cum - 0.5 * cum[-1]  # antisymmetric gauge (A.6)
        return psi, R, nu, phi

    def rhs(self, t, y):
        psi, R, nu, phi = self.fields(y)
        psi_int = psi[1:-1]
        d2 = self.delta**2
        r = R / nu
        # (I + delta^2 Psi Psi^T)^{-1} r = r - delta^2 Re(Psi* r) Psi / (1 + delta^2 |Psi|^2);
        # the i phi Psi term is orthogonal to Psi, where the inverse is the identity.
        a2 = (psi_int * psi_int.conj()).real
        psit = r - d2 * (psi_int.conj() * r).real / (1.0 + d2 * a2) * psi_int
        psit = psit - 1j * phi[1:-1] * psi_int
        return np.concatenate([psit.real, psit.imag, -phi[:1], -phi[-1:]])  # (A.7)


def solve_fd(
    length,
    n_cells,
    current,
    delta=0.0,
    eta=0.1,
    u="exact",
    elliptic="exact",
    t_end=200.0,
    rtol=1e-8,
    atol=1e-10,
    eps_q=1e-3,
    max_step=np.inf,
    dt_out=0.01,
    method="BDF",
    interference=True,
) -> FDResult:
    """Integrate the wire from Psi = 1, theta_pm = 0 up to t_end.

    Returns V = phi(L/2) - phi(-L/2) (negative for j > 0, see periodic_stats)
    and |Psi(0,t)| sampled every dt_out, the end phases, and Psi at t_end.

    The semi-discrete system is stiff (eigenvalues ~ 4/(nu h^2)) and its
    Jacobian is dense (phi at every node depends on Psi everywhere through
    (A.6)); solve_ivp builds it by finite differences in one vectorised call.
    BDF was the fastest of Radau/BDF/LSODA/DOP853 on these problems; at
    rtol = 1e-8 its time error in mean V is ~1e-7 relative, far below the
    spatial error. Samples are taken every dt_out from the dense output;
    periodic_stats needs many samples per period.
    """
    if n_cells % 2:
        raise ValueError("n_cells must be even so that x = 0 is a node")
    uval = _u_value(u)
    model = FDModel(length, n_cells, current, delta, eta, uval, elliptic, eps_q, interference)
    n = n_cells - 1
    y0 = np.concatenate([np.ones(n), np.zeros(n), np.zeros(2)])
    t_eval = np.linspace(0.0, t_end, int(round(t_end / dt_out)) + 1)

    tic = time.perf_counter()
    sol = solve_ivp(
        model.rhs,
        (0.0, t_end),
        y0,
        method=method,
        t_eval=t_eval,
        rtol=rtol,
        atol=atol,
        max_step=max_step,
        vectorized=True,
    )
    runtime = time.perf_counter() - tic
    if not sol.success:
        raise RuntimeError(f"solve_ivp failed: {sol.message}")

    psi, _, _, phi = model.fields(sol.y)
    params = dict(
        length=length,
        n_cells=n_cells,
        current=current,
        delta=delta,
        eta=eta,
        u=uval,
        elliptic=elliptic,
        rtol=rtol,
        atol=atol,
        eps_q=eps_q,
        method=method,
    )
    return FDResult(
        t=sol.t,
        V=phi[-1] - phi[0],
        psi_center=np.abs(psi[n_cells // 2]),
        theta_minus=sol.y[-2],
        theta_plus=sol.y[-1],
        x=np.linspace(-length / 2, length / 2, n_cells + 1),
        psi=psi[:, -1],
        params=params,
        runtime=runtime,
        nfev=sol.nfev,
    )


@dataclass
class FDOrbit:
    """The periodic orbit of the FD model: Psi on the grid at the section, period, windings used."""

    x: np.ndarray
    psi: np.ndarray
    period: float
    mean_V: float  # 2 pi / period (the end-phase difference winds by 2 pi per period)
    windings: int
    residual: float
    runtime: float


def fd_orbit(
    length,
    n_cells,
    current,
    delta=0.0,
    eta=0.1,
    u="exact",
    elliptic="exact",
    psi0=None,
    rtol=1e-8,
    atol=1e-10,
    eps_q=1e-3,
    tol=1e-8,
    memory=10,
    max_windings=1000,
    t_cap=1e5,
    log=None,
) -> FDOrbit:
    """The settled periodic state as a fixed point of the map of one winding, by Anderson mixing.

    Written separately from psc_fem.solver.orbit (independent check): from
    y (interior Psi and the end phases), integrate with solve_ivp (BDF)
    until theta_+ - theta_- has grown by 2 pi (a terminal event, located
    on BDF's dense output), turn Psi by the constant phase that returns
    theta_- to its start, and mix: x_new = x + g - (dX + dG) gamma with
    gamma the least-squares fit of g = P(x) - x by the last ``memory``
    differences (cleared when the residual more than doubles).  ``psi0``:
    complex Psi at the grid nodes to start from (default Psi = 1); ``log(windings, residual,
    period)`` is called after each winding when given (long searches).
    """
    uval = _u_value(u)
    model = FDModel(length, n_cells, current, delta, eta, uval, elliptic, eps_q)
    n = n_cells - 1
    psi = np.ones(n_cells + 1, complex) if psi0 is None else np.asarray(psi0, complex)
    th = np.unwrap(np.angle(psi))
    y = np.concatenate([psi[1:-1].real, psi[1:-1].imag, [th[0], th[-1]]])

    def one_winding(y):
        target = y[-1] - y[-2] + 2.0 * np.pi

        def crossed(t, yy):
            return (yy[-1] - yy[-2]) - target

        crossed.terminal, crossed.direction = True, 1.0
        sol = solve_ivp(model.rhs, (0.0, t_cap), y, method="BDF", rtol=rtol, atol=atol, events=crossed, vectorized=True)
        if not sol.t_events[0].size:
            raise RuntimeError(f"no winding within t_cap = {t_cap}")
        ye = sol.y_events[0][0]
        turn = np.exp(-1j * (ye[-2] - y[-2]))
        p = (ye[:n] + 1j * ye[n : 2 * n]) * turn
        return np.concatenate([p.real, p.imag, y[-2:]]), float(sol.t_events[0][0])

    tic = time.perf_counter()
    xs, gs, last, windings = [], [], np.inf, 0
    while windings < max_windings:
        windings += 1
        py, period = one_winding(y)
        g = py - y
        res = float(np.max(np.abs(g[: 2 * n])))
        if log is not None:
            log(windings, res, period)
        if res <= tol:
            y = py
            break
        if res > 2.0 * last:
            xs, gs = [], []
        last = res
        xs.append(y.copy())
        gs.append(g.copy())
        del xs[: -(memory + 1)], gs[: -(memory + 1)]
        if len(xs) < 2:
            y = y + g
            continue
        dX = np.array([b - a for a, b in zip(xs, xs[1:])])
        dG = np.array([b - a for a, b in zip(gs, gs[1:])])
        gamma = np.linalg.lstsq(dG.T, g, rcond=None)[0]
        y = y + g - (dX + dG).T @ gamma
    psi = np.concatenate([np.exp(1j * y[-2:-1]), y[:n] + 1j * y[n : 2 * n], np.exp(1j * y[-1:])])
    return FDOrbit(
        x=np.linspace(-length / 2, length / 2, n_cells + 1),
        psi=psi,
        period=period,
        mean_V=2.0 * np.pi / period,
        windings=windings,
        residual=res,
        runtime=time.perf_counter() - tic,
    )


def minima_times(t, psi_center, threshold=0.5):
    """Times of the phase slips: local minima of |Psi(0,t)| below threshold.

    Each minimum is refined by the vertex of the parabola through the three
    samples around it, fitted to |Psi|^2 rather than |Psi|: where Psi(0,t)
    passes through zero, |Psi| has a V-shaped cusp that a parabola fits badly,
    while |Psi|^2 is smooth (locally quadratic) there.
    """
    t = np.asarray(t, dtype=float)
    f = np.asarray(psi_center, dtype=float) ** 2
    k = np.flatnonzero((f[1:-1] < f[:-2]) & (f[1:-1] <= f[2:]) & (f[1:-1] < threshold**2)) + 1
    t0, t1, t2 = t[k - 1], t[k], t[k + 1]
    f0, f1, f2 = f[k - 1], f[k], f[k + 1]
    # Vertex of the interpolating parabola (valid for non-uniform samples too).
    num = (t1 - t0) ** 2 * (f1 - f2) - (t1 - t2) ** 2 * (f1 - f0)
    den = (t1 - t0) * (f1 - f2) - (t1 - t2) * (f1 - f0)
    return t1 - 0.5 * num / den


def periodic_stats(t, V, psi_center, skip=1):
    """Period, mean voltage and Josephson ratio of a periodic phase-slip state.

    The period is the mean spacing of the refined minima of |Psi(0,t)| after
    dropping the first `skip` periods (transient). mean_V integrates V over
    the same whole number of periods with a cubic spline (4th order in the
    sample spacing), divided by their duration.

    Sign: with (A.3) and (A.6), V = phi(L/2) - phi(-L/2) is negative for
    j > 0 (a normal wire has phi' = -j). mean_V keeps that sign; the AC
    Josephson relation (docs/design.md section 2) is checked on its magnitude,
    josephson_ratio = period |mean_V| / 2 pi, which must be 1.
    """
    tm = minima_times(t, psi_center)[skip:]
    n_periods = len(tm) - 1
    if n_periods < 1:
        raise ValueError(f"need at least two phase slips after skip={skip}, found {len(tm)}")
    period = (tm[-1] - tm[0]) / n_periods
    if np.max(np.diff(t)) > period / 50:
        raise ValueError("time series too coarse: need at least 50 samples per period")
    spline = CubicSpline(t, V)
    mean_V = spline.integrate(tm[0], tm[-1]) / (tm[-1] - tm[0])
    return dict(
        period=float(period),
        mean_V=float(mean_V),
        josephson_ratio=float(period * abs(mean_V) / (2.0 * np.pi)),
        n_periods=int(n_periods),
    )


def stationary_current_phase(length, n_cells, chi):
    """Current-phase relation j(chi) of the stationary wire, continued in chi.

    Stationary states have dPsi/dtau = 0 and phi = 0, so for every delta they
    solve Psi'' + (1 - |Psi|^2) Psi = 0 with Psi(-+L/2) = exp(-+ i chi/2);
    the discrete supercurrent Im(conj(Psi_i) Psi_{i+1})/h is then the same on
    every cell (exact discrete current conservation of this scheme). Returns
    j at each chi (nan after the solver loses the branch).
    """
    n = n_cells - 1
    h = length / n_cells
    lap = (np.diag(np.full(n - 1, 1.0), -1) - 2 * np.eye(n) + np.diag(np.full(n - 1, 1.0), 1)) / h**2

    def residual(y, c):
        p = y[:n] + 1j * y[n:]
        r = lap @ p + (1 - np.abs(p) ** 2) * p
        r[0] += np.exp(-0.5j * c) / h**2
        r[-1] += np.exp(0.5j * c) / h**2
        return np.concatenate([r.real, r.imag])

    def jac(y, c):
        a, b = y[:n], y[n:]
        return np.block(
            [
                [lap + np.diag(1 - 3 * a * a - b * b), np.diag(-2 * a * b)],
                [np.diag(-2 * a * b), lap + np.diag(1 - a * a - 3 * b * b)],
            ]
        )

    y = np.concatenate([np.ones(n), np.zeros(n)])
    out = np.full(len(chi), np.nan)
    for k, c in enumerate(chi):
        # Newton from the previous point of the branch; losing the branch
        # (no convergence) ends the continuation.
        z = y.copy()
        for _ in range(25):
            dz = np.linalg.solve(jac(z, c), -residual(z, c))
            z += dz
            if np.max(np.abs(dz)) < 1e-12:
                break
        else:
            break
        y = z
        p = np.concatenate([[np.exp(-0.5j * c)], y[:n] + 1j * y[n:], [np.exp(0.5j * c)]])
        out[k] = np.mean((p[:-1].conj() * p[1:]).imag) / h
    return out


def critical_current(length, n_cells, dchi=0.01):
    """J0 = max_chi j(chi) of the stationary branch, refined by a parabola."""
    chi = np.arange(0.0, 2 * np.pi, dchi)
    j = stationary_current_phase(length, n_cells, chi)
    k = int(np.nanargmax(j))
    if k == 0 or k + 1 >= len(j) or np.isnan(j[k + 1]):
        raise RuntimeError("maximum of j(chi) not bracketed on the stationary branch")
    j0, j1, j2 = j[k - 1 : k + 2]
    return float(j1 + (j2 - j0) ** 2 / (8 * (2 * j1 - j0 - j2)))
