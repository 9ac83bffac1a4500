"""Finite-gap TDGL for a wire (1D) or a film (2D/3D): residuals of (A.1) and (A.3).

Unknowns (docs/design.md section 3): u = [u1, u2] = [Re Psi, Im Psi] and the
scalar potential phi, all in one mixed Lagrange space.  The time derivative
u_t is passed in as a UFL expression (the BDF formula of psc_fem.solver.integrator), so
the same residual serves every scheme and Newton sees all of it.

(A.1) is written in COMSOL's general form (B.1),

    d_a u_t + div Gamma = f,     Gamma = -grad u            (B.1), (B.2)

with f of (B.3) and d_a of (B.4).  phi obeys (A.3), D phi' = js - j, which is
the 1D current balance j = js + jn + jint (A.2); we impose it weakly as
int (D phi' - (js - j)) w' dx = 0, whose natural boundary condition is the
same balance at the ends.  The caller passes the measure ``dx``: UFL's
degree estimate for sqrt/ln/division is far too high, so the problem fixes
the quadrature degree (2k + 1 for degree-k elements).  One boundary row fixes phi's constant (see
psc_fem.solver.problem).  Current components follow docs/design.md:

    js   = Q (|Psi|^2 - 2 delta sqrt(eta/u) d|Psi|^2/dtau),  Q = Im(Psi* Psi')/|Psi|^2
    jn   = -phi'
    jint = -(D - 1) phi'

Q is singular where Psi = 0 (the PSC core) while Q |Psi|^2 is not; only the
interference term Q d|Psi|^2/dtau needs care.  We regularise 1/|Psi|^2 by
1/(|Psi|^2 + eps_q^2) in that term alone (tests show mean V converges as
eps_q -> 0).

Films (docs/films.md): the same forms with grad for ' and, with an applied
vector potential A, the covariant gradient (grad - iA) Psi of Eqs. (1)-(2);
(A.3) becomes div(D grad phi - js) = 0 with the current j entering through
the terminals (``injection``), insulating edges being its natural condition.

Non-uniform wires (docs/geometry.md): with a cross-section S(x), the
total current I = S (js + jn + jint) is conserved along the wire and (A.1)
has (1/S)(S Psi')' in place of Psi''.  Multiplying (A.1) by S makes
int S Psi'.v' the natural weak form of (S Psi')', and (A.3) becomes
S (D phi' - js) + j = 0, with j = [drive] current the current density
where S = 1.  ``S = None`` (the paper's uniform wire) leaves the forms
exactly as they are without S.  Normal-metal banks replace the 1 of
(1 - |Psi|^2) by -a there (``condensation``); the current balance (A.3) is
the same everywhere.
"""

from dataclasses import dataclass

import ufl

from .elliptic import interference_factor


@dataclass(frozen=True)
class ModelCoefficients:
    """Parameters of (A.1)-(A.3): numbers or ``fem.Constant`` objects.

    Constants let one compiled form serve a whole sweep (current, delta,
    eta, ...).  ``gapless`` (delta = 0) and ``elliptic`` change the form's
    structure: the gapless form drops the interference terms altogether.
    """

    delta: object
    eta: object
    u: object
    j: object
    elliptic: str = "exact"
    eps_q: object = 1e-3
    p: object = 0.0
    gapless: bool = False
    S: object = None  # cross-section S(x) (a Function), None: uniform wire
    condensation: object = None  # c(x) of (c - |Psi|^2): 1, -a in normal banks (a Function); None: 1
    coupling: object = None  # interference coefficient of js (below); None: 2 delta sqrt(eta/u) of (A.2)
    interference: bool = True  # False: D = 1 and no interference term in js (py-tdgl's model, gamma = delta)
    A: object = None  # applied vector potential (a UFL vector), None: A = 0


def interference_coupling(c):
    """Coefficient of the interference term of js: 2 delta sqrt(eta/u), (A.2) and (B.9).

    Eq. (2) non-dimensionalised with the paper's own t0 and Delta0 gives
    2 delta sqrt(u eta) instead, u times larger (docs/model.md,
    "Interference coefficient"); ``c.coupling`` carries that choice.
    """
    if c.coupling is not None:
        return c.coupling
    return 2.0 * c.delta * ufl.sqrt(c.eta / c.u)


def abs2(u):
    """|Psi|^2 = u1^2 + u2^2."""
    return ufl.dot(u, u)


def nu(u, c):
    """nu = u / sqrt(1 + delta^2 |Psi|^2) (A.1), (B.10)."""
    if c.gapless:
        return c.u
    return c.u / ufl.sqrt(1.0 + c.delta**2 * abs2(u))


def d_a(u, c):
    """Damping matrix of the general form, (B.4).

    nu [(1 + delta^2 u1^2)  delta^2 u1 u2; delta^2 u1 u2  (1 + delta^2 u2^2)]:
    the (delta^2/2) d|Psi|^2/dtau Psi term of (A.1) written as a matrix on u_t.
    """
    return nu(u, c) * (ufl.Identity(2) + c.delta**2 * ufl.outer(u, u))


def covariant_grad(u, A=None):
    """(grad - iA) Psi for u = [Re Psi, Im Psi]: rows grad u1 + A u2 and grad u2 - A u1 (A = None: grad u)."""
    if A is None:
        return ufl.grad(u)
    return ufl.grad(u) + ufl.outer(ufl.as_vector((u[1], -u[0])), A)


def Gamma(u, A=None):
    """Flux of the general form, (B.2): Gamma = -grad u (1D: -u'), covariant with A."""
    return -covariant_grad(u, A)


def f(u, phi, c):
    """Source of the general form, (B.3), with the phonon term p of (A.1).

    f = (1 - |Psi|^2 + p) u + nu phi [u2, -u1]  (the -i nu phi Psi of A.1).
    In normal-metal banks (docs/geometry.md) the condensation term
    1 - |Psi|^2 is -a - |Psi|^2: ``c.condensation`` is that piecewise 1 / -a.
    """
    one = 1.0 if c.condensation is None else c.condensation
    return (one - abs2(u) + c.p) * u + nu(u, c) * phi * ufl.as_vector((u[1], -u[0]))


def psi_residual(u, u_t, phi, v, c, dx=ufl.dx):
    """Weak form of (B.1): int (d_a u_t - f) . v - Gamma . v' dx.

    With a cross-section, int S [(d_a u_t - f) . v - Gamma . v'] dx: (B.1)
    times S, whose flux term S u'.v' is (S u')' weakly.
    """
    # Re[(grad - iA) Psi . conj((grad - iA) v)] is the weak form of -(grad - iA)^2 Psi
    integrand = (
        ufl.dot(d_a(u, c) * u_t, v) - ufl.dot(f(u, phi, c), v) - ufl.inner(Gamma(u, c.A), covariant_grad(v, c.A))
    )
    if c.S is not None:
        integrand = c.S * integrand
    return integrand * dx


def D(u, c):
    """Normal plus interference conductance of (A.2)/(A.3).

    D = 1 + (2/pi) sqrt(eta u) |Psi| (K(z) - E(z))/z, z = delta|Psi|/sqrt(1+delta^2|Psi|^2);
    D = 1 in the gapless limit (A.5).
    """
    if c.gapless or not c.interference:
        return 1.0
    factor = interference_factor(abs2(u), c.delta, c.elliptic, ufl.sqrt, ufl.ln)
    return 1.0 + (2.0 / ufl.pi) * ufl.sqrt(c.eta * c.u) * factor


def current_parts(u, u_t, phi, c):
    """(js, jn, jint) of (A.2) as UFL vectors (one component in 1D); js + jn + jint = j (j/S with a cross-section)."""
    im_psi_dpsi = u[0] * ufl.grad(u[1]) - u[1] * ufl.grad(u[0])  # Im(Psi* grad Psi) = Q |Psi|^2
    if c.A is not None:
        im_psi_dpsi = im_psi_dpsi - abs2(u) * c.A  # Im(Psi* (grad - iA) Psi)
    js = im_psi_dpsi
    if not c.gapless and c.interference:
        ds_dt = 2.0 * ufl.dot(u, u_t)  # d|Psi|^2/dtau
        js = js - interference_coupling(c) * im_psi_dpsi * ds_dt / (abs2(u) + c.eps_q**2)
    if phi is None:  # only js wanted (it does not involve phi)
        return js, None, None
    dphi = ufl.grad(phi)
    jn = -dphi
    jint = -(D(u, c) - 1.0) * dphi
    return js, jn, jint


def phi_residual(u, u_t, phi, w, c, dx=ufl.dx, injection=None):
    """Weak current balance, (A.3): int (D phi' - (js - j)) w' dx.

    Tested with every w' (the derivatives of the Lagrange space), it gives
    int_e D phi' = int_e (js - j) on every element: the integral operator of
    (A.6)/(B.5), one element at a time.  With a cross-section, the balance
    of the total current: int (S (D phi' - js) + j) w' dx.

    Films (a mesh in 2D or 3D): int (D grad phi - js) . grad w dx +
    ``injection``, the terminals' int (n . J) w ds with J = js - D grad phi
    the total current (j in at one terminal and out at the other;
    insulating edges n . J = 0; a closed film has none).
    """
    js, _, _ = current_parts(u, u_t, phi, c)
    if ufl.grad(phi).ufl_shape[0] > 1:
        balance = ufl.inner(D(u, c) * ufl.grad(phi) - js, ufl.grad(w)) * dx
        return balance if injection is None else balance + injection
    if c.S is not None:
        return (c.S * (D(u, c) * phi.dx(0) - js[0]) + c.j) * w.dx(0) * dx
    return (D(u, c) * phi.dx(0) - (js[0] - c.j)) * w.dx(0) * dx
