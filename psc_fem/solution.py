"""A run's results: the one object `simulate` returns and `load_run` reads back (cf. py-tdgl's Solution).

Everything comes from the run directory through `psc_fem.rundir.RunDirectory`:

    sol.series   per-step arrays (t, dt, V, psi_center, psi_min, end phases, ...)
    sol.frames   per-frame arrays on the node grid (t, x, abs_psi, phi, js, jn, jint, ...)
    sol.attrs    parameters as "section.key"; sol.run: run.json (status, steps, wall time)
    sol.stats    settled window, period, mean V, AC Josephson ratio (psc_fem.analysis)

Step times (``series["t"]``) and frame times (``frames["t"]``) differ: steps
are adaptive, frames uniform (``[output] every``).  Plot methods import
psc_fem.plotting only when called.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from psc_fem.analysis.periods import SETTLE_PERIODS, SETTLE_RTOL, periodic_stats
from psc_fem.io.atomic import save_figure
from psc_fem.rundir import RunDirectory, as_rundir


@dataclass(repr=False)
class Solution:
    """Series, frames and parameters of one run directory; physics and figures as methods.

    ``config`` and ``final_state`` are set when the Solution comes from
    `simulate` (the latter continues a run: ``simulate(cfg,
    initial_state=sol.final_state)``); `load_run` leaves them None.
    """

    path: Path
    series: dict[str, np.ndarray]
    attrs: dict[str, Any]
    run: dict[str, Any]
    config: Any = None
    final_state: dict[str, Any] | None = field(default=None)

    @classmethod
    def load(cls, path: str | Path | RunDirectory, comm=None) -> Solution:
        """Read a run directory (series, attributes, run.json); frames are read on first use."""
        rd = as_rundir(path)
        rd.require_run()
        series = rd.read_series(comm)
        attrs = rd.read_attrs() if comm is None or comm.rank == 0 else None
        run = rd.read_run_info() if comm is None or comm.rank == 0 else None
        if comm is not None and comm.size > 1:
            attrs, run = comm.bcast((attrs, run), root=0)
        return cls(rd.path, series, attrs, run)

    @property
    def rundir(self) -> RunDirectory:
        return RunDirectory(self.path)

    @cached_property
    def frames(self) -> dict[str, np.ndarray]:
        """Frames: t (nf), x (nx) and (nf, nx) arrays of every output field ({} without frames)."""
        return self.rundir.read_frames()

    @cached_property
    def stats(self) -> dict[str, Any]:
        """State, settled window, period, mean V and the AC Josephson ratio (psc_fem.analysis.periodic_stats).

        The settle parameters and the bank kind are the run's own (its
        attributes), so this equals what the run printed.
        """
        a, s = self.attrs, self.series
        if s["t"].size == 0:
            return {"state": "failed"}
        banks = a.get("wire.banks")
        normal = (bool(banks) and json.loads(banks).get("kind") == "normal") or a.get("geometry.ends") == "normal"
        return periodic_stats(
            s["t"],
            s["V"],
            s["theta_plus"] - s["theta_minus"],
            s["psi_min"],
            periods=int(a.get("time.settle_periods", SETTLE_PERIODS)),
            rtol=float(a.get("time.settle_rtol", SETTLE_RTOL)),
            josephson=not normal,
        )

    @property
    def status(self) -> str | None:
        return self.run.get("status")

    def __repr__(self) -> str:
        s = self.stats
        n_frames = "?" if "frames" not in self.__dict__ else self.frames.get("t", np.empty(0)).size
        v = s.get("mean_V")
        vtext = f", mean V {v:.6g}" if v is not None else ""
        return (
            f"Solution({str(self.path)!r}, status={self.status!r}, {self.series['t'].size} steps, "
            f"frames={n_frames}, state={s.get('state')!r}{vtext})"
        )

    # ---- fields at a time ----------------------------------------------------------

    def at(self, t: float) -> dict[str, np.ndarray]:
        """Every frame field at time ``t`` on the node grid, linear in time between the two nearest frames.

        Returns {"x": nodes, "t": t, field: values} for abs_psi, re_psi,
        im_psi, phi, dabs_psi_dt, js, jn, jint (whatever the run wrote).  At a
        frame time it is that frame exactly.  ``t`` must lie within the frames.
        """
        f = self.frames
        times = f.get("t")
        if times is None or times.size == 0:
            raise ValueError(f"{self.path}: the run has no frames (output.every)")
        if not times[0] <= t <= times[-1]:
            raise ValueError(f"t = {t} is outside the frames, [{times[0]:.6g}, {times[-1]:.6g}]")
        k = int(np.clip(np.searchsorted(times, t, side="right") - 1, 0, times.size - 1))
        if k == times.size - 1 or times[k] == t:
            w, k1 = 0.0, k
        else:
            k1 = k + 1
            w = (t - times[k]) / (times[k1] - times[k])
        out = {"x": f["x"], "t": float(t)}
        for name, values in f.items():
            if name not in ("t", "x"):
                out[name] = (1 - w) * values[k] + w * values[k1]
        return out

    # ---- figures and post-processing (imported when used) -----------------------

    def plot_fig1(self, path: str | Path | None = None):
        """The paper's Fig. 1 (six panels): a matplotlib Figure, also saved to ``path`` if given (PNG/PDF by suffix)."""
        from psc_fem.plotting.fig1 import fig1

        fig = fig1(self)
        if path is not None:
            save_figure(fig, path, dpi=120)
        return fig

    @property
    def is_film(self) -> bool:
        """A film's run (docs/films.md): its fields are in fields.xdmf, not in ``frames``."""
        return "geometry.kind" in self.attrs

    def plot_film(self, path: str | Path | None = None):
        """A film's |Psi|^2 at the last frame with its vortices, and V(t): a matplotlib Figure, saved to ``path``."""
        from psc_fem.plotting.film import film_figure

        fig = film_figure(self)
        if path is not None:
            save_figure(fig, path, dpi=120)
        return fig

    def plot_frame(self, t: float, path: str | Path | None = None):
        """|Psi|, phi and the current parts at time ``t`` (`at`): a matplotlib Figure, saved to ``path`` if given."""
        from psc_fem.plotting.fig1 import frame_figure

        fig = frame_figure(self, t)
        if path is not None:
            save_figure(fig, path, dpi=120)
        return fig

    def animate(self, path: str | Path | None = None, field: str = "abs_psi", fps: int = 20, stride: int = 1) -> Path:
        """An animation: of a frame field along the wire (default DIR/psi.gif), or of a film's |Psi|^2 with
        its vortices (DIR/film.gif); GIF, or MP4 (needs ffmpeg)."""
        if self.is_film:
            from psc_fem.plotting.film_movie import animate_film

            return animate_film(self, path or self.rundir.figure("film", ".gif"), fps=fps, stride=stride)
        from psc_fem.plotting.fig1 import animate

        return animate(self, path or self.rundir.figure("psi", ".gif"), field=field, fps=fps, stride=stride)

    def plot_tracks(self, path: str | Path | None = None, stride: int = 1):
        """A 2D film's vortex and antivortex positions over all frames (matplotlib Figure; saved to ``path``)."""
        from psc_fem.plotting.film_movie import tracks_figure

        fig = tracks_figure(self, stride)
        if path is not None:
            save_figure(fig, path, dpi=120)
        return fig

    def plot_spacetime(self, path: str | Path | None = None) -> Path:
        """|Psi(x, tau)|^2 as a 3D surface over (x, tau), rendered off-screen with pyvista; returns the PNG's path."""
        from psc_fem.plotting.fig1 import spacetime_render

        return spacetime_render(self, path or self.rundir.figure("psi_spacetime"))

    def spectrum(self, formats: tuple[str, ...] = ("png",), **kwargs) -> dict[str, Any]:
        """Phonon spectra of this run (psc_fem.phonons.spectrum.run_spectrum): spectrum.h5 and fig2.<format>.

        ``kwargs`` go to run_spectrum (temperature, gamma, variant, out_dir,
        ...).  The summary's ``figure_file`` is the first figure written.
        """
        from psc_fem.phonons.spectrum import run_spectrum
        from psc_fem.plotting.fig2 import plot_spectrum_file

        summary = run_spectrum(self.path, **kwargs)
        h5 = Path(summary["spectrum_file"])
        figures = plot_spectrum_file(h5, [h5.with_name(f"fig2.{ext}") for ext in formats]) if formats else []
        return {**summary, "figure_file": str(figures[0]) if figures else None}


def load_run(path: str | Path | RunDirectory, comm=None) -> Solution:
    """Load a run directory written by `simulate` / `psc-fem run`."""
    return Solution.load(path, comm)
