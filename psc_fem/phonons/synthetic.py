"""A synthetic series.h5 with a periodic PSC-like |Psi(x, t)| (tests, benchmarks).

|Psi(x, t)| = 1 - (1 - m(t)) exp(-x^2 / (2 w^2)), with m(t) periodic and
dipping close to zero once per period, so the phonon post-processing can be
checked without the solver. d|Psi|/dtau is the exact derivative.
"""

import h5py
import numpy as np

PERIOD = 10.0


def center_modulus(t, period=PERIOD):
    """m(t) = |Psi(0, t)| and dm/dt: asymmetric, minimum ~0.03 once per period."""
    th = 2 * np.pi * np.asarray(t, float) / period
    m = 0.5 - 0.42 * np.cos(th) + 0.1 * np.sin(th) - 0.05 * np.sin(2 * th)
    dm = (0.42 * np.sin(th) + 0.1 * np.cos(th) - 0.1 * np.cos(2 * th)) * 2 * np.pi / period
    return m, dm


def write_series(
    path, n_x=201, n_frames=2001, n_periods=4.3, length=20.0, width=2.0, eta=0.1, delta=1 / 0.3, period=PERIOD
):
    """Write series.h5 in the solver's layout (frames/... and root time series)."""
    t = np.linspace(0.0, n_periods * period, n_frames)
    x = np.linspace(-length / 2, length / 2, n_x)
    m, dm = center_modulus(t, period)
    shape = np.exp(-(x**2) / (2 * width**2))
    abs_psi = 1.0 - (1.0 - m)[:, None] * shape
    dpsi = dm[:, None] * shape
    t_fine = np.linspace(t[0], t[-1], 4 * n_frames)
    with h5py.File(path, "w") as f:
        f.attrs.update(
            {
                "model.eta": eta,
                "model.delta": delta,
                "wire.length": length,
                "drive.current": 1.5,
                "output.every": t[1] - t[0],
            }
        )
        fr = f.create_group("frames")
        fr["t"], fr["x"], fr["abs_psi"], fr["dabs_psi_dt"] = t, x, abs_psi, dpsi
        f["t"], f["psi_center"] = t_fine, center_modulus(t_fine, period)[0]
        f["V"] = np.full_like(t_fine, 2 * np.pi / period)
    return path
