"""Tabulated eta1(|Psi|, omega) with interpolation and an on-disk cache.

eta1 (Eq. 13) is a double integral that depends on a run only through |Psi|
at fixed (T, gamma), so it is computed once on a uniform (psi, omega) grid
and interpolated: local cubic Lagrange in psi (and in omega for off-grid
queries), error O(h^4). Tables are cached as .npz files named by a hash of
(T, gamma, variant, grid, quadrature), under $PSC_FEM_CACHE or
~/.cache/psc_fem, and written atomically (temporary file + os.replace) so
concurrent runs never read a half-written table.
"""

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import quadrature
from .spectral import eta1

SCHEMA = 1  # bump when the integrals change so stale tables are not reused
PSI_MAX = 1.25
PSI_STEP = 0.0125
OMEGA_STEP = 0.05
OMEGA_MAX_IN_T = 20.0  # N0 omega^3 at 20 T is 1e-5 of its peak


def cache_dir() -> Path:
    return Path(os.environ.get("PSC_FEM_CACHE", Path.home() / ".cache" / "psc_fem")) / "eta1"


def default_grid(T, gamma, omega_max=None, n_omega=None, psi_max=PSI_MAX, n_psi=None):
    """Uniform grids; steps shrink with gamma because eta1 varies on that scale."""
    if omega_max is None:
        omega_max = OMEGA_MAX_IN_T * T
    if n_omega is None:
        n_omega = int(np.ceil(omega_max / min(OMEGA_STEP, gamma / 6.0))) + 1
    if n_psi is None:
        n_psi = int(np.ceil(psi_max / min(PSI_STEP, gamma / 16.0))) + 1
    if n_omega < 4 or n_psi < 4:
        raise ValueError("the cubic interpolation needs at least 4 grid points per axis")
    return np.linspace(0.0, psi_max, n_psi), np.linspace(0.0, omega_max, n_omega)


def _stencil(x, x0, step, n):
    """Indices (..., 4) and cubic Lagrange weights (..., 4) on a uniform grid."""
    s = (np.asarray(x, dtype=float) - x0) / step
    i = np.clip(np.floor(s).astype(int) - 1, 0, n - 4)
    u = s - i
    w = np.stack(
        [
            -(u - 1) * (u - 2) * (u - 3) / 6,
            u * (u - 2) * (u - 3) / 2,
            -u * (u - 1) * (u - 3) / 2,
            u * (u - 1) * (u - 2) / 6,
        ],
        axis=-1,
    )
    return i[..., None] + np.arange(4), w


@dataclass(frozen=True)
class Eta1Table:
    """eta1 on a uniform (psi, omega) grid; energies in Delta0."""

    T: float
    gamma: float
    variant: str
    psi: np.ndarray
    omega: np.ndarray
    values: np.ndarray  # (n_psi, n_omega)

    def psi_stencil(self, psi):
        psi = np.asarray(psi, dtype=float)
        lo, hi = self.psi[0], self.psi[-1]
        if psi.size and (psi.min() < lo - 1e-12 or psi.max() > hi + 1e-12):
            raise ValueError(
                f"|Psi| in [{psi.min():.4g}, {psi.max():.4g}] leaves the table "
                f"range [{lo:g}, {hi:g}]; build a table with a larger psi_max"
            )
        return _stencil(psi, lo, self.psi[1] - self.psi[0], len(self.psi))

    def rows(self, psi, values=None):
        """Interpolate in psi only: (..., n_omega) at the table's omega grid."""
        idx, w = self.psi_stencil(psi)
        v = self.values if values is None else values
        return np.einsum("...k,...kj->...j", w, v[idx])

    def __call__(self, psi, omega):
        """eta1 at arbitrary (psi, omega), broadcast together."""
        psi, omega = np.broadcast_arrays(np.asarray(psi, float), np.asarray(omega, float))
        if omega.size and (omega.min() < self.omega[0] - 1e-12 or omega.max() > self.omega[-1] + 1e-12):
            raise ValueError("omega leaves the table range")
        ip, wp = self.psi_stencil(psi)
        io, wo = _stencil(omega, self.omega[0], self.omega[1] - self.omega[0], len(self.omega))
        block = self.values[ip[..., :, None], io[..., None, :]]
        return np.einsum("...k,...l,...kl->...", wp, wo, block)


def build_table(T, gamma, variant, psi, omega) -> Eta1Table:
    """Integrate eta1 (Eq. 13, chosen variant) at every grid point."""
    values = np.stack([eta1(omega, p, T, gamma, variant) for p in psi])
    return Eta1Table(float(T), float(gamma), variant, np.asarray(psi), np.asarray(omega), values)


def table_key(T, gamma, variant, psi, omega) -> str:
    spec = {
        "schema": SCHEMA,
        "T": float(T),
        "gamma": float(gamma),
        "variant": variant,
        "psi": [float(psi[0]), float(psi[-1]), len(psi)],
        "omega": [float(omega[0]), float(omega[-1]), len(omega)],
        "quadrature": [
            quadrature.ORDER,
            quadrature.TAIL_IN_T,
            quadrature.N_UNIFORM_RECOMBINATION,
            quadrature.N_UNIFORM_SCATTERING,
        ],
    }
    blob = json.dumps(spec, sort_keys=True).encode()
    return f"eta1-{variant}-{hashlib.sha256(blob).hexdigest()[:16]}"


def load_table(
    T, gamma, variant="consistent", omega_max=None, n_omega=None, psi_max=PSI_MAX, n_psi=None, cache=None
) -> Eta1Table:
    """The cached table for (T, gamma, variant, grid), built and saved if missing.

    cache: directory (default `cache_dir()`), or False to skip the disk.
    """
    psi, omega = default_grid(T, gamma, omega_max, n_omega, psi_max, n_psi)
    return cached_table(T, gamma, variant, psi, omega, build_table, cache)


def cached_table(T, gamma, variant, psi, omega, build, cache=None) -> Eta1Table:
    """``build(T, gamma, variant, psi, omega)`` through the disk cache (see `load_table`).

    Any function of (|Psi|, omega) at fixed (T, gamma) can be cached this way
    under its own ``variant`` name (e.g. the kernels of psc_fem.feedback).
    """
    if cache is False:
        return build(T, gamma, variant, psi, omega)
    folder = Path(cache) if cache is not None else cache_dir()
    path = folder / (table_key(T, gamma, variant, psi, omega) + ".npz")
    if path.exists():
        with np.load(path) as data:
            stored = Eta1Table(
                float(data["T"]), float(data["gamma"]), str(data["variant"]), data["psi"], data["omega"], data["values"]
            )
        if (
            stored.T == T
            and stored.gamma == gamma
            and stored.variant == variant
            and np.array_equal(stored.psi, psi)
            and np.array_equal(stored.omega, omega)
        ):
            return stored
    table = build(T, gamma, variant, psi, omega)
    save_table(table, path)
    return table


def save_table(table: Eta1Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f,
                T=table.T,
                gamma=table.gamma,
                variant=table.variant,
                psi=table.psi,
                omega=table.omega,
                values=table.values,
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
