"""The numbers quoted in docs/phonons.md: python -m psc_fem.phonons.report

Sign changes of the Fig. 2(b) curves N0 eta1 omega^3 for each variant of
Eq. (13), the share of their negative segment, and the approach of the
consistent variant's sign change to 2|Psi| as gamma -> 0.
"""

import numpy as np
from scipy.optimize import brentq

from .flux import phonon_weight, trapezoid_weights
from .spectral import VARIANTS, eta1
from .units import temperature_in_delta0


def sign_changes(psi, T, gamma, variant, omega_max, n=1200):
    """Frequencies where eta1 (hence N0 eta1 omega^3) changes sign, to 1e-8."""
    omega = np.linspace(omega_max / n, omega_max, n)
    values = eta1(omega, psi, T, gamma, variant)
    f = lambda w: eta1(w, psi, T, gamma, variant)[0]
    return [brentq(f, omega[i], omega[i + 1], xtol=1e-8) for i in np.flatnonzero(np.diff(np.sign(values)) != 0)]


def negative_share(psi, T, gamma, variant, omega_max, n=4001):
    """int of the negative part over int of the positive part of N0 eta1 omega^3."""
    omega = np.linspace(0.0, omega_max, n)
    s = eta1(omega, psi, T, gamma, variant) * phonon_weight(omega, T)
    w = trapezoid_weights(omega)
    return float(np.minimum(s, 0) @ w / (np.maximum(s, 0) @ w))


def main(t_over_tc=0.9, gamma=0.3, psi_values=(0.2, 0.5, 0.8, 1.0)):
    T = temperature_in_delta0(t_over_tc)
    top = 20 * T
    print(f"T = {t_over_tc} Tc = {T:.6f} Delta0, gamma = {gamma} Delta0\n")
    print("| variant | \\|Psi\\| | sign changes of eta1 (Delta0) | negative/positive |")
    print("|---|---|---|---|")
    for variant in VARIANTS:
        for psi in psi_values:
            roots = ", ".join(f"{r:.4f}" for r in sign_changes(psi, T, gamma, variant, top)) or "none"
            share = negative_share(psi, T, gamma, variant, top)
            print(f"| {variant} | {psi:g} | {roots} | {share:.2e} |")
    print("\nconsistent: sign change omega* vs gamma (2|Psi| - omega*)\n")
    print("| gamma | " + " | ".join(f"\\|Psi\\| = {p:g}" for p in psi_values) + " |")
    print("|---" * (len(psi_values) + 1) + "|")
    for g in (0.3, 0.1, 0.03, 0.01):
        cells = []
        for psi in psi_values:
            roots = sign_changes(psi, T, g, "consistent", 2 * psi + 1.0, n=400)
            cells.append(", ".join(f"{r:.4f} ({2 * psi - r:.4f})" for r in roots) or "none")
        print(f"| {g:g} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
