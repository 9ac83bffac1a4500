"""The gauge-covariant BDF time derivative of Psi (docs/model.md, "Time discretisation").

(A.1)-(A.3) are invariant under phi -> phi + c(tau), Psi -> Psi exp(-i int c):
Psi and phi enter (A.1) only through the covariant derivative

    D_tau Psi = dPsi/dtau + i phi Psi.

A BDF formula applied to Psi itself is not invariant: in a gauge where Psi
turns at the rate phi, the difference quotient of a turning Psi has a
spurious radial part ~ phi^4 dt^3 and a phase lag ~ (phi dt)^2/3, and the
radial part is amplified by delta^2 nu in d_a (B.4) and in the interference
current.  Hence we difference Psi along its parallel transport: the old
values are first turned by the phase phi accumulates over the step,

    D_tau Psi(t_{n+1}) ~ (a0 Psi_{n+1} + a1 U_{n+1,n} Psi_n + a2 U_{n+1,n-1} Psi_{n-1}) / dt,
    U_{n+1,k} = exp(-i Theta_{n+1,k}),  Theta_{n+1,k} = int_{t_k}^{t_{n+1}} phi dtau,

with Theta over one step by the Adams-Moulton rule of the BDF order in phi
(the trapezoid rule for BDF1 and BDF2; the first step, whose phi(0) is not
known, by the backward rule; psc_fem.solver.bdf.link_nodes) and over several steps
as the sum of the one-step links.  A gauge shift by c(tau) turns every term by
the same discrete exp(-i chi_{n+1}) (chi the same quadrature of c), so the
discrete equations are gauge invariant exactly, and d|Psi|^2/dtau = 2 u.D_tau u
has no spurious part.  At a bank (|Psi| = 1) the tangential row
Im(Psi* D_tau Psi) = 0 of (A.7) then gives Psi_{n+1} = U_{n+1,n} Psi_n:
the end phase advances by exactly -int phi dtau, without lag.

The residual of forms/tdgl.py keeps the paper's form (B.1)-(B.4) with u_t;
we pass it u_t = D_tau u - phi i u, i.e. the covariant derivative with the
i phi Psi of (B.3) taken back out (d_a (i u) = nu i u, since u.(i u) = 0).
"""

import ufl


def times_i(v):
    """i Psi for v = [Re Psi, Im Psi]."""
    return ufl.as_vector((-v[1], v[0]))


def transport(v, theta):
    """exp(-i theta) Psi for v = [Re Psi, Im Psi]: Psi carried along a phase theta = int phi dtau."""
    c, s = ufl.cos(theta), ufl.sin(theta)
    return ufl.as_vector((c * v[0] + s * v[1], c * v[1] - s * v[0]))


def covariant_bdf(psi, phi, phi_olds, olds, weights, dt, link, links_before, covariant=1.0, imbalance=None):
    """(D_tau Psi, u_t) of the step to t_{n+1} (module doc).

    ``olds`` = (Psi_n, Psi_{n-1}, ...) and ``weights`` = (a0, a1, ...) of the
    BDF formula; ``link`` = (b0, b1, ...) and ``phi_olds`` = (phi_n,
    phi_{n-1}, ...): Theta_{n+1,n} = dt (b0 phi + b1 phi_n + b2 phi_{n-1} + ...);
    ``links_before`` = (Theta_{n,n-1}, Theta_{n-1,n-2}, ...), the links of
    the earlier steps.  ``covariant`` = 0 with b = 0 gives the plain BDF
    formula (stationary solves, psc_fem.solver.problem.WireProblem.set_step).

    ``imbalance`` = mu (the comoving frame, time.frame = "comoving"): Psi's
    phase rate relative to the transport over the last step, node by node,
    frozen over this one.  The old values are turned back by mu (t_{n+1} -
    t_k) as well (``links_before`` then hold Theta - mu dt of each step),
    so the BDF formula differences exp(-i mu tau) exp(i int phi) Psi, which
    a steadily turning Psi keeps constant, and D_tau Psi gets i mu Psi back:

        D_tau Psi ~ (a0 Psi_{n+1} + sum_k a_k U'_{n+1,k} Psi_k) / dt + i mu Psi_{n+1},
        U'_{n+1,k} = exp(-i (Theta_{n+1,k} - mu (t_{n+1} - t_k))).

    Exact for Psi turning at any constant rate: the static Psi and phi != 0
    of a steady state between normal terminals (the charge imbalance there,
    mu = phi) has no time error, where the transported form's is
    ~ phi (phi dt)^2.  mu is gauge invariant (it compares Psi_n with the
    transported Psi_{n-1}), so the discrete equations stay gauge invariant.
    """
    theta = link[0] * phi
    for b, phi_old in zip(link[1:], phi_olds):
        theta = theta + b * phi_old
    if imbalance is not None:
        theta = theta - imbalance
    theta = dt * theta
    d_tau = weights[0] * psi
    for k, (a, old) in enumerate(zip(weights[1:], olds)):
        if k:
            theta = theta + links_before[k - 1]
        d_tau = d_tau + a * transport(old, theta)
    d_tau = d_tau / dt
    if imbalance is not None:
        d_tau = d_tau + imbalance * times_i(psi)
    return d_tau, d_tau - covariant * phi * times_i(psi)
