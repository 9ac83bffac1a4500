"""Acoustic mismatch model (AMM) of a solid-solid interface, Kapitza conductance
and the thermal-diode factor p of the Fig. 3 stack (Sec. 3.2).

Longer than 400 lines because the AMM is one calculation (modes, Snell's law,
the two transmission models, angular and spectral averages) whose parts are
only used together; splitting it would scatter one derivation over files.

Geometry: medium 1 at z < 0, medium 2 at z > 0, a plane wave of mode j incident
from 1 at angle theta1 to the normal. Snell's law conserves the slowness along
the interface, s = sin(theta1)/c_1j = sin(theta2)/c_2k, so a transmitted mode k
has a critical angle sin(theta_c) = c_1j/c_2k only when it is *faster*
(c_2k > c_1j): total internal reflection happens only on the way into the
faster medium, whatever the densities.

Two transmission models, both exact for what they describe:

* ``"full"``: welded isotropic solids (continuity of both displacement and
  traction components). P and SV couple and convert into each other (4 x 4
  system per angle); SH is decoupled with
  alpha = 4 mu1 q1 mu2 Re(q2) / |mu1 q1 + mu2 q2|^2, q the vertical slowness.
  Energy coefficients from the normal energy flux -Re(sigma_iz conj(v_i))/2,
  so evanescent waves carry nothing and R + T = 1 at every angle.
* ``"scalar"``: one mode per polarisation, no mode conversion (Little 1959;
  Swartz & Pohl 1989, Rev. Mod. Phys. 61, 605, Sec. III.A): the longitudinal
  mode as a fluid, alpha = 4 Z1 Z2 cos1 cos2 / (Z1 cos2 + Z2 cos1)^2 with
  Z = rho c_L, and the transverse modes as SH waves,
  alpha = 4 Z1 Z2 cos1 cos2 / (Z1 cos1 + Z2 cos2)^2 with Z = rho c_T.

Both reduce at normal incidence to 4 Z1 Z2 / (Z1 + Z2)^2 and are reciprocal:
the hemispherical averages Gamma_12 = int_0^1 alpha d(sin^2 theta1) satisfy
detailed balance Gamma_12 / c_1^2 = Gamma_21 / c_2^2 (per mode pair in the full
model), which is what makes the net heat flow vanish at equal temperatures.

The rule ``"impedance"`` (scalar longitudinal mode only) is the paper's reading
of Sec. 3.2: Snell's law with the acoustic impedances, sin(theta2) =
(Z1/Z2) sin(theta1), so that total internal reflection happens from high to
low rho*u. It is offered to show what the paper's argument gives; it is not
physics (it breaks detailed balance, see `detailed_balance_defect`).

Kapitza conductance per area (Debye phonons, hbar, k_B explicit, SI):

    h_12(T) = k_B^4 T^3 / (8 pi^2 hbar^3) * G_12 * I(Theta/T),
    G_12 = sum_j Gamma_1j / c_1j^2 (one L and two T polarisations),
    I(x_c) = int_0^x_c x^4 e^x / (e^x - 1)^2 dx -> 4 pi^4 / 15,

i.e. h = pi^2 k_B^4 G T^3 / (30 hbar^3) at T << Theta (the low-T T^3 law).
Detailed balance is G_12 = G_21: the conductance is the same both ways.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import constants as sc
from scipy import integrate

HBAR = sc.hbar
K_B = sc.k
HK_T3 = math.pi**2 * K_B**4 / (30.0 * HBAR**3)  # h_K = HK_T3 * G * T^3 at low T

MODELS = ("full", "scalar")
RULES = ("speed", "impedance")
_GL_NODES = 40  # Gauss-Legendre nodes per panel (panels between critical angles)


@dataclass(frozen=True)
class Acoustic:
    """An isotropic elastic medium: density (kg/m^3), sound speeds (m/s)."""

    rho: float
    c_l: float
    c_t: float
    name: str = ""

    def __post_init__(self):
        if not (self.rho > 0 and self.c_l > 0 and self.c_t > 0):
            raise ValueError(f"{self.name or 'medium'}: density and sound speeds must be positive")
        if not self.c_l > math.sqrt(4.0 / 3.0) * self.c_t:
            raise ValueError(f"{self.name or 'medium'}: c_l must exceed sqrt(4/3) c_t (positive bulk modulus)")

    @property
    def mu(self):
        return self.rho * self.c_t**2

    @property
    def lam(self):
        return self.rho * (self.c_l**2 - 2.0 * self.c_t**2)

    def speed(self, mode):
        return self.c_l if mode in ("L", "P") else self.c_t

    def impedance(self, mode="L"):
        return self.rho * self.speed(mode)


def _vertical_slowness(s, c):
    """q = sqrt(1/c^2 - s^2), real >= 0 or +i|q| (evanescent, decaying away from z = 0)."""
    a = 1.0 / c**2 - s**2
    return np.where(a >= 0.0, np.sqrt(np.abs(a)) + 0j, 1j * np.sqrt(np.abs(a)))


# --------------------------------------------------------------------------
# Transmission versus angle
# --------------------------------------------------------------------------


def _psv(s, m1, m2, incident):
    """Energy coefficients of a P or SV wave incident from m1 on a welded m1|m2.

    Returns (R_P, R_S, T_P, T_S), each shaped like s. Amplitudes from the
    4 x 4 system (u_x, u_z, sigma_xz, sigma_zz continuous at z = 0).
    """
    s = np.asarray(s, float)

    def wave(m, kind, sign):
        c = m.c_l if kind == "P" else m.c_t
        q = sign * _vertical_slowness(s, c)
        if kind == "P":
            dx, dz = c * s + 0j, c * q
        else:
            dx, dz = c * q, -c * s + 0j
        tx = m.mu * (s * dz + q * dx)
        tz = m.lam * (s * dx + q * dz) + 2.0 * m.mu * q * dz
        return np.stack([dx, dz, tx, tz], axis=-1)

    inc = wave(m1, incident, +1.0)
    cols = [wave(m1, "P", -1.0), wave(m1, "S", -1.0), -wave(m2, "P", +1.0), -wave(m2, "S", +1.0)]
    M = np.stack(cols, axis=-1)  # (..., 4 eq, 4 unknowns)
    X = np.linalg.solve(M, -inc[..., None])[..., 0]

    def flux(w, amp=1.0):
        return np.abs(amp) ** 2 * np.real(w[..., 2] * np.conj(w[..., 0]) + w[..., 3] * np.conj(w[..., 1]))

    f_inc = flux(inc)
    out = [np.abs(flux(cols[k], X[..., k])) / f_inc for k in range(4)]
    return tuple(out)


def _sh(s, m1, m2):
    q1 = _vertical_slowness(s, m1.c_t)
    q2 = _vertical_slowness(s, m2.c_t)
    y1, y2 = m1.mu * q1, m2.mu * q2
    return 4.0 * np.real(y1) * np.real(y2) / np.abs(y1 + y2) ** 2


def _scalar(sin1, m1, m2, mode, rule):
    """Scalar-mode AMM: fluid form for L, SH form for T (see module doc)."""
    z1, z2 = m1.impedance(mode), m2.impedance(mode)
    if rule == "speed":
        ratio = m2.speed(mode) / m1.speed(mode)
    elif rule == "impedance":
        if mode != "L":
            raise ValueError("the impedance (rho*u) rule is the paper's, for longitudinal phonons only")
        ratio = z1 / z2
    else:
        raise ValueError(f"unknown Snell rule {rule!r}; choose from {RULES}")
    cos1 = np.sqrt(np.clip(1.0 - sin1**2, 0.0, None)) + 0j
    a = 1.0 - (ratio * sin1) ** 2
    cos2 = np.where(a >= 0.0, np.sqrt(np.abs(a)) + 0j, 1j * np.sqrt(np.abs(a)))
    if mode == "L":
        den = z1 * cos2 + z2 * cos1
    else:
        den = z1 * cos1 + z2 * cos2
    return 4.0 * z1 * z2 * np.real(cos1) * np.real(cos2) / np.abs(den) ** 2


def transmission(theta, m1, m2, mode, model="full", rule="speed"):
    """Energy transmission alpha_{1->2}(theta) of a phonon of ``mode`` from m1.

    mode: "L" (longitudinal/P), "SV", "SH", or "T" (unpolarised transverse:
    the mean of SV and SH in the full model). Summed over transmitted modes.
    """
    theta = np.asarray(theta, float)
    sin1 = np.sin(theta)
    if model == "scalar" or rule != "speed":
        if model != "scalar":
            raise ValueError("the impedance rule exists only for the scalar model")
        return _scalar(sin1, m1, m2, "L" if mode == "L" else "T", rule)
    if model != "full":
        raise ValueError(f"unknown AMM model {model!r}; choose from {MODELS}")
    if mode == "T":
        return 0.5 * (transmission(theta, m1, m2, "SV") + transmission(theta, m1, m2, "SH"))
    s = sin1 / m1.speed(mode)
    if mode == "SH":
        return _sh(s, m1, m2)
    _, _, tp, ts = _psv(s, m1, m2, "P" if mode == "L" else "S")
    return tp + ts


def coefficients(theta, m1, m2, mode):
    """Full model, P or SV incidence: dict of energy coefficients R_P, R_S, T_P, T_S."""
    s = np.sin(np.asarray(theta, float)) / m1.speed(mode)
    rp, rs, tp, ts = _psv(s, m1, m2, "P" if mode == "L" else "S")
    return {"R_P": rp, "R_S": rs, "T_P": tp, "T_S": ts}


def critical_angles(m1, m2, mode, rule="speed"):
    """Critical angles (rad) for a ``mode`` phonon going from m1 into m2.

    Speed rule: one per faster mode of either medium (sin = c_1j / c_other).
    Impedance rule (paper): sin = Z2/Z1 if Z1 > Z2.
    """
    if rule == "impedance":
        z1, z2 = m1.impedance("L"), m2.impedance("L")
        return [math.asin(z2 / z1)] if z1 > z2 else []
    c = m1.speed(mode)
    others = {m1.c_l, m1.c_t, m2.c_l, m2.c_t}
    return sorted(math.asin(c / o) for o in others if o > c)


# --------------------------------------------------------------------------
# Hemispherical averages
# --------------------------------------------------------------------------


def _panels(breaks):
    """Quadrature in x = sin^2(theta) on [0, 1], panels between the breakpoints.

    A smoothstep map x = a + (b - a)(3t^2 - 2t^3) per panel turns the
    square-root kinks of alpha at critical angles (and at grazing incidence)
    into smooth functions of t, so Gauss-Legendre converges fast.
    """
    edges = np.unique(np.clip(np.concatenate([[0.0, 1.0], breaks]), 0.0, 1.0))
    t, w = np.polynomial.legendre.leggauss(_GL_NODES)
    t, w = 0.5 * (t + 1.0), 0.5 * w
    xs, ws = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        if b - a < 1e-15:
            continue
        xs.append(a + (b - a) * (3 * t**2 - 2 * t**3))
        ws.append(w * 6 * t * (1 - t) * (b - a))
    return np.concatenate(xs), np.concatenate(ws)


def hemispherical(m1, m2, mode, model="full", rule="speed"):
    """Gamma_{1->2} = int alpha(theta) 2 sin(theta) cos(theta) dtheta = int_0^1 alpha dx.

    The flux-weighted average over the hemisphere of incidence: the fraction
    of the energy flux of an isotropic ``mode`` population in m1 that crosses.
    """
    crit = critical_angles(m1, m2, mode if mode in ("L", "P") else "T", rule)
    x, w = _panels(np.sin(crit) ** 2)
    alpha = transmission(np.arcsin(np.sqrt(x)), m1, m2, mode, model, rule)
    return float(np.sum(w * alpha))


def hemispherical_pair(m1, m2, incident, outgoing):
    """Full model: Gamma for mode conversion, ``incident`` ("L" or "SV") in m1 -> ``outgoing`` ("P" or "S") in m2.

    Reciprocity per mode pair: Gamma_{1j->2k} / c_1j^2 = Gamma_{2k->1j} / c_2k^2.
    """
    crit = critical_angles(m1, m2, "L" if incident == "L" else "T")
    x, w = _panels(np.sin(crit) ** 2)
    key = {"P": "T_P", "S": "T_S"}[outgoing]
    return float(np.sum(w * coefficients(np.arcsin(np.sqrt(x)), m1, m2, incident)[key]))


@dataclass(frozen=True)
class Transmissions:
    """Hemispherical transmissions of one direction a -> b of an interface.

    gamma: {"L": Gamma_L, "T": Gamma_T (per transverse polarisation)};
    G = Gamma_L / c_L^2 + 2 Gamma_T / c_T^2 (s^2/m^2), the phase-space-weighted
    sum that sets the Kapitza conductance; mean: the flux-weighted mean
    transmission probability of a thermal phonon of a (weights c_j^-2).
    """

    source: Acoustic
    target: Acoustic
    model: str
    rule: str
    gamma: dict = field(default_factory=dict)

    @property
    def G(self):
        a = self.source
        return self.gamma["L"] / a.c_l**2 + 2.0 * self.gamma["T"] / a.c_t**2

    @property
    def mean(self):
        a = self.source
        weights = 1.0 / a.c_l**2 + 2.0 / a.c_t**2
        return self.G / weights

    def h(self, T, theta_cut=None):
        """Kapitza conductance per area h_K(T) (W m^-2 K^-1)."""
        return kapitza_conductance(self.G, T, theta_cut)


def transmissions(m1, m2, model="full", rule="speed"):
    """Transmissions of m1 -> m2 for L and (unpolarised) T phonons."""
    if rule == "impedance":
        # The paper's argument concerns longitudinal phonons; transverse ones
        # are given the same rule's numbers as L (a scalar reading).
        g = hemispherical(m1, m2, "L", "scalar", rule)
        return Transmissions(m1, m2, "scalar", rule, {"L": g, "T": g})
    return Transmissions(
        m1,
        m2,
        model,
        rule,
        {
            "L": hemispherical(m1, m2, "L", model),
            "T": hemispherical(m1, m2, "T", model),
        },
    )


def detailed_balance_defect(m1, m2, model="full", rule="speed"):
    """(G_12 - G_21) / max(G_12, G_21): zero for a reciprocal interface."""
    g12 = transmissions(m1, m2, model, rule).G
    g21 = transmissions(m2, m1, model, rule).G
    return (g12 - g21) / max(g12, g21)


def debye_integral(x_cut):
    """I(x_c) = int_0^x_c x^4 e^x / (e^x - 1)^2 dx; 4 pi^4/15 for x_c -> inf."""
    full = 4.0 * math.pi**4 / 15.0
    if x_cut is None or x_cut > 60.0:
        return full

    def f(x):
        if x < 1e-8:
            return x * x
        em = math.exp(-x)
        return x**4 * em / (1.0 - em) ** 2

    return integrate.quad(f, 0.0, x_cut, limit=200)[0]


def kapitza_conductance(G, T, theta_cut=None):
    """h_K = k_B^4 T^3 G I(Theta/T) / (8 pi^2 hbar^3); -> HK_T3 G T^3 at low T."""
    T = np.asarray(T, float)
    if theta_cut is None:
        return HK_T3 * G * T**3
    x = np.vectorize(lambda t: debye_integral(theta_cut / t))(T)
    return K_B**4 * T**3 * G * x / (8.0 * math.pi**2 * HBAR**3)


def radiation_limit(m):
    """G of perfect transmission out of m (the phonon radiation limit)."""
    return 1.0 / m.c_l**2 + 2.0 / m.c_t**2


# --------------------------------------------------------------------------
# The thermal diode of Fig. 3
# --------------------------------------------------------------------------

DIODES = ("amm", "directional", "impedance", "ideal")


@dataclass(frozen=True)
class Diode:
    """Escape and acceptance fractions of the filament between two plates.

    Fractions refer to the top plate; the substrate takes the rest.

    e_top:  energy fraction of the phonons leaving the filament (isotropic,
            thermal spectrum) that cross into the top plate:
            S_t G_ft / (S_t G_ft + S_s G_fs).
    a_top:  the same for the refilling of a phonon deficit of the filament,
            by detailed balance equal to e_top (the energy that flows in from
            a plate at the filament's temperature is S G_pf = S G_fp).
    p:      thermal-diode factor (docs/cooling.md): the net heat drawn from
            the top plate per period divided by |E-|, = a_top - e_top since
            E+ = |E-| (Eq. 12 over a period). AMM: p = 0 identically.
    p_directional: the paper's reading with the AMM's numbers: the refilling
            fraction taken from the transmission *probabilities* of phonons
            arriving from each plate (mean transmissions, no phase-space
            weights) instead of the energy currents, minus the same-way escape
            probability: Gt/(Gt+Gs) with G = mean transmission.
    p_impedance: as p_directional, with the paper's rho*u Snell rule.
    """

    e_top: float
    a_top: float
    p: float
    p_directional: float
    p_impedance: float
    ft: Transmissions
    tf: Transmissions
    fs: Transmissions
    sf: Transmissions
    area_top: float = 1.0
    area_sub: float = 1.0

    def factor(self, diode):
        """p for a diode model name or number."""
        if isinstance(diode, (int, float)):
            return float(diode)
        return {"amm": self.p, "directional": self.p_directional, "impedance": self.p_impedance, "ideal": 1.0}[diode]


def diode(filament, top, substrate, model="full", area_top=1.0, area_sub=1.0):
    """Diode factors of the filament between ``top`` and ``substrate`` (Fig. 3)."""
    ft, tf = transmissions(filament, top, model), transmissions(top, filament, model)
    fs, sf = transmissions(filament, substrate, model), transmissions(substrate, filament, model)
    e_top = area_top * ft.G / (area_top * ft.G + area_sub * fs.G)
    # refill: heat current from a plate into the filament at equal temperature
    a_top = area_top * tf.G / (area_top * tf.G + area_sub * sf.G)

    def directional(ft_, tf_, fs_, sf_):
        acc = area_top * tf_.mean / (area_top * tf_.mean + area_sub * sf_.mean)
        esc = area_top * ft_.mean / (area_top * ft_.mean + area_sub * fs_.mean)
        return acc - esc

    p_dir = directional(ft, tf, fs, sf)
    imp = [
        transmissions(a, b, "scalar", "impedance")
        for a, b in ((filament, top), (top, filament), (filament, substrate), (substrate, filament))
    ]
    p_imp = directional(*imp)
    return Diode(e_top, a_top, a_top - e_top, p_dir, p_imp, ft, tf, fs, sf, area_top, area_sub)
