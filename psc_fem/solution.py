"""A finished run directory, loaded for post-processing (cf. py-tdgl's Solution)."""

import json
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from psc_fem.analysis.periods import SETTLE_PERIODS, SETTLE_RTOL, periodic_stats


@dataclass
class Solution:
    """Series, frames and parameters of a run directory; physics as methods."""

    path: Path
    series: dict
    frames: dict
    attrs: dict
    run: dict

    @classmethod
    def load(cls, path):
        path = Path(path)
        if not (path / "series.h5").is_file():
            raise FileNotFoundError(f"{path} is not a psc_fem run directory (no series.h5)")
        with h5py.File(path / "series.h5", "r") as f:
            series = {k: f[k][:] for k in f if isinstance(f[k], h5py.Dataset)}
            frames = {k: f["frames"][k][:] for k in f["frames"]} if "frames" in f else {}
            attrs = {k: (v.item() if hasattr(v, "item") else v) for k, v in f.attrs.items()}
        run_json = path / "run.json"
        run = json.loads(run_json.read_text()) if run_json.is_file() else {}
        return cls(path, series, frames, attrs, run)

    def __getattr__(self, name):
        for store in ("series", "frames"):
            data = self.__dict__.get(store, {})
            if name in data:
                return data[name]
        raise AttributeError(name)

    def stats(self):
        """State, settled window, period, mean V and the AC Josephson ratio (psc_fem.analysis.periods.periodic_stats)."""
        import json as _json

        a, s = self.attrs, self.series
        banks = a.get("wire.banks")
        normal = bool(banks) and _json.loads(banks).get("kind") == "normal"
        return periodic_stats(s["t"], s["V"], s["theta_plus"] - s["theta_minus"], s["psi_min"],
                              periods=int(a.get("time.settle_periods", SETTLE_PERIODS)),
                              rtol=float(a.get("time.settle_rtol", SETTLE_RTOL)), josephson=not normal)

    def plot_fig1(self, path=None):
        """The paper's Fig. 1 (six panels) as PNG (or PDF by the suffix of ``path``)."""
        from psc_fem.plotting.fig1 import fig1

        return fig1(self, path or self.path / "fig1.png")

    def plot_spacetime(self, path=None):
        """|Psi(x, tau)|^2 as a 3D surface over (x, tau), rendered off-screen with pyvista."""
        from psc_fem.plotting.fig1 import spacetime_render

        return spacetime_render(self, path or self.path / "psi_spacetime.png")

    def spectrum(self, **kwargs):
        """Phonon spectra of this run (psc_fem.phonons.spectrum.run_spectrum): spectrum.h5, fig2.png."""
        from psc_fem.phonons.spectrum import run_spectrum

        return run_spectrum(self.path, **kwargs)


def load_run(path):
    """Load a run directory written by `simulate` / `psc-fem run`."""
    return Solution.load(path)
