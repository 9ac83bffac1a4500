"""`simulate_film(config)`: one film run into a run directory, with the wire's time loop and recorder.

The series (series.h5: t, V between the probes, |Psi(0, 0)|, min |Psi|,
theta_-+ with theta_+ - theta_- = int V dtau, ...) and run.json are the
wire's, written by the same `RunWriter` and `Recorder`; the fields go to
fields.xdmf through DOLFINx's own parallel XDMFFile (|Psi|, Re Psi, Im Psi
and phi on the mesh's vertices, one time step per frame; ParaView opens
it), written by every rank with no gather.  Not yet for films: --resume
and checkpoints, --from, until = "orbit" (docs/films.md, "Stages").
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from dolfinx import fem, io
from mpi4py import MPI

from psc_fem import signals
from psc_fem.analysis.periods import format_summary
from psc_fem.errors import StepFailure
from psc_fem.film.problem import FilmProblem
from psc_fem.io.lock import RunLock
from psc_fem.io.writer import RunWriter
from psc_fem.rundir import RunDirectory
from psc_fem.solution import Solution
from psc_fem.solver.fields import nodal_maps
from psc_fem.solver.integrator import Integrator
from psc_fem.solver.progress import RunProgress
from psc_fem.solver.recorder import Recorder, StopRun


class FilmFields:
    """The frames of a film: the state at each frame time written to fields.xdmf by every rank.

    Plays the wire's `FieldEvaluator` for `Recorder` and `RunWriter`: no
    node-grid frames in series.h5 (only their times), ``point`` and
    ``cell`` are empty.
    """

    point: dict = {}
    cell: dict = {}
    x_nodes = np.empty(0)

    def __init__(self, problem, path, write=True):
        self.p = problem
        V1 = fem.functionspace(problem.msh, ("Lagrange", 1))
        self.functions = {k: fem.Function(V1, name=k) for k in ("abs_psi", "re_psi", "im_psi", "phi")}
        self._maps = nodal_maps(problem.nodes, V1)  # V1's dofs and the state's nodes: the same vertices (P1)
        self.xdmf = None
        if write:
            self.xdmf = io.XDMFFile(problem.comm, str(path), "w")
            self.xdmf.write_mesh(problem.msh)

    def evaluate(self, state, rate, chi, dense=None):
        """Write the state at the frame time the recorder then passes to `add_frame` (solver's gauge)."""
        u1, u2, phi = (state[m] for m in self._maps)
        f = self.functions
        f["re_psi"].x.array[:], f["im_psi"].x.array[:], f["phi"].x.array[:] = u1, u2, phi
        f["abs_psi"].x.array[:] = np.hypot(u1, u2)

    def write(self, t):
        if self.xdmf is not None:
            for func in self.functions.values():
                self.xdmf.write_function(func, t)

    def gathered(self):
        return {}, {}

    def close(self):
        if self.xdmf is not None:
            self.xdmf.close()


class FilmWriter(RunWriter):
    """`RunWriter` whose frames are the film's XDMF frames (series.h5 keeps their times)."""

    def add_frame(self, t):
        self.evaluator.write(t)
        super().add_frame(t)


def simulate_film(
    config,
    out_dir=None,
    comm=MPI.COMM_WORLD,
    progress=None,
    echo=True,
    stop=None,
    overwrite=False,
    vector_potential=None,
    initial_psi=None,
):
    """Run one film (`psc_fem.film.config.FilmConfig`) and return it as a `psc_fem.solution.Solution`.

    ``vector_potential``: A(x) as a UFL expression of the spatial coordinate
    instead of [field] B's (`FilmProblem`); ``initial_psi``: Psi at tau = 0
    as a function of node coordinates (an (n, 3) array -> complex array)
    instead of 1.  Both for the Python API (e.g. a gauge transformation).
    """
    from psc_fem.solver.simulation import _claim, run_record, steps_line, with_settler

    out_dir = Path(out_dir if out_dir is not None else config.output.dir)
    rd = RunDirectory(out_dir)
    wall0 = time.perf_counter()
    problem = FilmProblem(config, comm, vector_potential=vector_potential)  # bad probes: ConfigError, no output
    _claim(rd, comm, overwrite=overwrite, resume=False)
    stop = with_settler(config, stop)
    with signals.graceful(), RunLock(out_dir, comm):
        if initial_psi is not None:
            problem.set_initial_psi(initial_psi)
        fields = FilmFields(problem, rd.fields_xdmf, write=config.output.fields)
        writer = FilmWriter(out_dir, config, fields, comm, write_fields=False)
        integ = Integrator(problem, config.time, config.drive)
        bar = RunProgress.choose(progress, comm.rank)
        recorder = Recorder(problem, fields, writer, config.output.every, config.time.t_end, bar, stop=stop)
        status, error, stopped = "completed", None, None
        try:
            integ.run([recorder])
        except StepFailure as exc:
            status, error = "failed", str(exc)
        except StopRun as exc:
            stopped = {"reason": str(exc), "t": integ.t}
        recorder.close()
        fields.close()
        writer.flush()
        sol = Solution.load(out_dir, comm)
        run = run_record(integ.stats, problem, sol.stats, time.perf_counter() - wall0, error, stopped)
        writer.close(status, **run)
    if echo and comm.rank == 0:
        for line in format_summary(sol.stats):
            print(line)
        print(steps_line(run, out_dir))
    sol.config = config
    info = sol.rundir.read_run_info() if comm.rank == 0 else None
    sol.run = comm.bcast(info, root=0) if comm.size > 1 else info
    sol.final_state = {"array": problem.w.x.array.copy()}
    if error:
        raise StepFailure(error)
    return sol
