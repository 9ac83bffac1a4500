"""The interference factor of Eq. (A.2): |Psi| (K(z) - E(z)) / z.

UFL has no elliptic integrals.  Two flavours (docs/design.md section 2):

* ``"exact"``: K - E from the arithmetic-geometric mean, unrolled for a
  fixed number of iterations (A&S 17.6).  Only +, *, / and sqrt, so UFL can
  differentiate it for Newton.  With the cancellation-free recurrence
  c_{n+1} = c_n^2 / (4 a_{n+1}) it is accurate to ~1e-10 or better for
  delta |Psi| up to 1e5, aluminium's range (tests compare with scipy).
* ``"seed"``: the COMSOL model's Z(z) = ln(1 - z^2)/(2z) - ln(1 - z) (B.11),
  which is ~35% low for small z (Z ~ z/2 against pi z/4).  Kept to
  reproduce the paper's runs side by side.

Both are written in s = |Psi|^2, where the modulus m = z^2 of (A.2) is
m = delta^2 s / (1 + delta^2 s) and |Psi| / z = sqrt(1 + delta^2 s) / delta:
no 0/0 at the PSC core, where |Psi| -> 0.  The functions take the math
namespace (``ufl`` or ``numpy``) so the same code is tested against scipy.
"""

import math

AGM_ITERATIONS = 7


def agm_k_minus_e(m_over, b0, sqrt, iterations=AGM_ITERATIONS):
    """K(m) - E(m) by the AGM, given c0^2 = m and b0 = sqrt(1 - m).

    K = pi / (2 a_N), E = K (1 - sum_n 2^(n-1) c_n^2) (A&S 17.6.3-17.6.4),
    so K - E = K sum_n 2^(n-1) c_n^2 without cancellation.
    """
    a, b = 1.0, b0
    c2 = m_over  # c_0^2
    total = 0.5 * c2
    for n in range(1, iterations + 1):
        a_next = 0.5 * (a + b)
        b = sqrt(a * b)
        c2 = (c2 / (4.0 * a_next)) ** 2  # c_n = c_{n-1}^2 / (4 a_n)
        a = a_next
        total = total + 2.0 ** (n - 1) * c2
    return math.pi / (2.0 * a) * total


def interference_factor(s, delta, kind, sqrt, ln):
    """|Psi| (K(z) - E(z)) / z of Eq. (A.2) (or |Psi| Z(z) for ``kind="seed"``).

    ``s`` is |Psi|^2, ``delta`` a positive number or UFL constant.  The gapless
    case delta = 0 has factor 0 and is handled by the caller.
    """
    g = 1.0 + delta**2 * s  # 1 + delta^2 |Psi|^2
    if kind == "exact":
        m = delta**2 * s / g
        return sqrt(g) / delta * agm_k_minus_e(m, 1.0 / sqrt(g), sqrt)
    if kind == "seed":
        # (B.11) with ln(1 - z^2) = -ln(g); sqrt(s + tiny) keeps d|Psi|/du
        # finite where Psi = 0 exactly.
        abs_psi = sqrt(s + 1e-300)
        z = delta * abs_psi / sqrt(g)
        return -sqrt(g) * ln(g) / (2.0 * delta) - abs_psi * ln(1.0 - z)
    raise ValueError(f"model.elliptic must be 'exact' or 'seed', got {kind!r}")
