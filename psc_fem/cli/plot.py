"""psc-fem plot DIR: every figure a run or sweep directory supports.

Fig. 1 from the run's series, Fig. 2 from its spectrum.h5 (as written by
`psc-fem spectrum`; nothing is recomputed), the I-V curve of a sweep.
"""

import argparse
import json
from pathlib import Path

from psc_fem.cli.common import world
from psc_fem.errors import UsageError
from psc_fem.rundir import RunDirectory


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", help="a run directory (psc-fem run) or a sweep directory (psc-fem sweep)")
    p.add_argument("--pdf", action="store_true", help="also write fig1.pdf / fig2.pdf / iv.pdf")
    p.add_argument("--render", action="store_true", help="pyvista rendering of |Psi(x,t)|^2 (psi_spacetime.png)")
    p.add_argument(
        "--animate",
        action="store_true",
        help="an animation of the frames: psi.gif (wire), film.gif and the vortex tracks film_tracks.png (2D film)",
    )


def _fig2(rd: RunDirectory, sol, formats: tuple[str, ...]) -> list[str]:
    """Fig. 2 from spectrum.h5; recomputed (and said so) if it is stale or from an older psc_fem."""
    import h5py

    from psc_fem.phonons.spectrum import is_current
    from psc_fem.plotting.fig2 import plot_spectrum_file

    paths = [rd.figure("fig2", f".{ext}") for ext in formats]
    with h5py.File(rd.spectrum, "r") as f:
        complete = "dabs_psi_dt_center" in f
        a = dict(f.attrs)
    if complete and is_current(rd.spectrum, rd):
        return [str(p) for p in plot_spectrum_file(rd.spectrum, paths)]
    print(f"{rd.spectrum}: computed from an earlier run in this directory (or an older psc_fem); recomputing it")
    sol.spectrum(temperature=float(a["T"]), gamma=float(a["gamma"]), variant=str(a["variant"]), formats=formats)
    return [str(p) for p in paths]


def _plot_sweep(d, pdf):
    """iv.png (and iv.pdf) of a sweep directory, titled as `psc-fem sweep` does."""
    from psc_fem.plotting.iv import iv_title, plot_iv
    from psc_fem.studies.tables import read_csv

    rows = read_csv(d / "iv.csv")
    title = ""
    if (d / "sweep.json").is_file():
        meta = json.loads((d / "sweep.json").read_text())
        title = iv_title(meta["config"], meta.get("mode", ""))
    return [plot_iv(rows, d / f"iv.{ext}", title) for ext in (("png", "pdf") if pdf else ("png",))]


def main(args: argparse.Namespace) -> int:
    d = Path(args.dir)
    rd = RunDirectory(d)
    if not d.is_dir():
        raise UsageError(f"{d}: no such directory")
    if world().rank != 0:
        return 0
    made = []
    if rd.is_run():
        from psc_fem.solution import load_run

        sol = load_run(rd)
        name = "film" if sol.is_film else "fig1"
        for suffix in (".png", ".pdf") if args.pdf else (".png",):
            sol.plot_film(rd.figure(name, suffix)) if sol.is_film else sol.plot_fig1(rd.figure(name, suffix))
            made.append(rd.figure(name, suffix))
        if args.render:
            made.append(sol.plot_spacetime())
        if args.animate:
            made.append(sol.animate())
            if sol.is_film and sol.attrs.get("geometry.thickness") is None:
                sol.plot_tracks(rd.figure("film_tracks"))
                made.append(rd.figure("film_tracks"))
        if rd.has_spectrum():
            made.extend(_fig2(rd, sol, ("png", "pdf") if args.pdf else ("png",)))
    if (d / "iv.csv").is_file():
        made.extend(_plot_sweep(d, args.pdf))
    if not made:
        raise UsageError(f"{d}: nothing to plot (no {rd.SERIES} or iv.csv)")
    for path in made:
        print(f"figure: {path}")
    return 0
