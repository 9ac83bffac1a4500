"""`simulate_film(config)`: one film run into a run directory, with the wire's time loop, recorder and checkpoints.

The series (series.h5: t, V between the probes, |Psi| at the gauge node,
min |Psi|, theta_-+ with theta_+ - theta_- = int V dtau, ...), run.json and
checkpoint.h5 are the wire's, written by the same `RunWriter`, `Recorder`
and `Checkpointer` (psc_fem.solver.simulation); the checkpoint keys the
state by node coordinates (x, y), so it restores on any number of ranks.
The fields go to fields.xdmf through DOLFINx's own parallel XDMFFile
(|Psi|, Re Psi, Im Psi, phi and d|Psi|/dtau at the mesh's vertices, also of P2 states, one time step per
frame; ParaView opens it), written by every rank with no gather; every
200 frames, and at a resume, the next segment fields.1.xdmf, ... begins
(psc_fem.film.frames reads them as one).  With until = "orbit" the orbit is
found first (psc_fem.film.orbit: one phase slip between the probes).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from dolfinx import fem, io
from mpi4py import MPI

from psc_fem import signals
from psc_fem.film.problem import FilmProblem
from psc_fem.io.checkpoint import prepare_resume
from psc_fem.io.lock import RunLock
from psc_fem.io.writer import RunWriter
from psc_fem.rundir import RunDirectory
from psc_fem.solver.fields import nodal_maps


class FilmFields:
    """The frames of a film: the state at each frame time written to XDMF files by every rank.

    Plays the wire's `FieldEvaluator` for `Recorder` and `RunWriter`: no
    node-grid frames in series.h5 (only their times), ``point`` and
    ``cell`` are empty.  DOLFINx's XDMFFile rewrites its whole XML at every
    frame (4 ms per frame at the start of a file, 33 ms after 2000 frames
    on a 3e3-node mesh: benchmarks/bench_film_output.py), so a file is
    closed after `SEGMENT_FRAMES` frames and the next segment,
    fields.N.xdmf, begins: the cost per frame stays bounded however long
    the run, and every closed segment is complete on disk.
    """

    point: dict = {}
    cell: dict = {}
    x_nodes = np.empty(0)
    SEGMENT_FRAMES = 200

    def __init__(self, problem, path, write=True):
        self.p = problem
        V1 = fem.functionspace(problem.msh, ("Lagrange", 1))
        # d|Psi|/dtau: the phonon spectra's source; phi stays the last collection, the one meshio reads
        names = ("abs_psi", "re_psi", "im_psi", "dabs_psi_dt", "phi")
        self.functions = {k: fem.Function(V1, name=k) for k in names}
        self._maps = vertex_maps(problem.nodes, V1)  # the state's dofs at V1's dofs (the vertices)
        self.xdmf = None
        self.write_fields = write
        self.path = Path(path)
        self.in_file = 0  # frames in the open segment
        if write:
            self._open(self.path)

    def _open(self, path):
        self.xdmf = io.XDMFFile(self.p.comm, str(path), "w")
        self.xdmf.write_mesh(self.p.msh)
        self.in_file = 0

    def _next_path(self):
        """fields.xdmf -> fields.1.xdmf -> fields.2.xdmf ... (the same name on every rank)."""
        parts = self.path.name.split(".")
        n = int(parts[1]) + 1 if len(parts) == 3 else 1
        return self.path.with_name(f"fields.{n}.xdmf")

    def evaluate(self, state, rate, chi, dense=None):
        """Write the state at the frame time the recorder then passes to `add_frame` (solver's gauge)."""
        u1, u2, phi = (state[m] for m in self._maps)
        f = self.functions
        f["re_psi"].x.array[:], f["im_psi"].x.array[:], f["phi"].x.array[:] = u1, u2, phi
        f["abs_psi"].x.array[:] = np.hypot(u1, u2)
        # d|Psi|/dtau = Re(Psi* D_tau Psi)/|Psi| from the covariant rate of the dense output (gauge-invariant:
        # the i phi Psi part of D_tau drops out), node by node as the wire's FieldEvaluator
        f["dabs_psi_dt"].x.array[:] = (u1 * rate[self._maps[0]] + u2 * rate[self._maps[1]]) / np.sqrt(
            u1 * u1 + u2 * u2 + 1e-300
        )

    def write(self, t):
        if not self.write_fields:
            return
        if self.in_file >= self.SEGMENT_FRAMES:
            self.xdmf.close()
            self.path = self._next_path()
            self._open(self.path)
        for func in self.functions.values():
            self.xdmf.write_function(func, t)
        self.in_file += 1

    def gathered(self):
        return {}, {}

    def close(self):
        if self.xdmf is not None:
            self.xdmf.close()
            self.xdmf = None


def vertex_maps(nodes, V1):
    """The W dofs of u1, u2, phi at each V1 dof (a vertex): the state's own nodes for P1; for P2 its nodes
    at the vertices, matched by coordinates (the frames hold the P2 values there; the edges' are left out)."""
    maps = nodal_maps(nodes, V1)
    if maps is not None:
        return maps
    from scipy.spatial import cKDTree

    xyz = V1.tabulate_dof_coordinates()
    distance, at = cKDTree(nodes.xyz).query(xyz)
    if distance.size and distance.max() > 1e-9 * (1.0 + np.abs(xyz).max()):
        raise RuntimeError("a mesh vertex without a state node")
    return [dofs[at] for dofs in (nodes.u1, nodes.u2, nodes.phi)]


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
    resume=False,
    initial_state=None,
):
    """Run one film (`psc_fem.film.config.FilmConfig`) and return it as a `psc_fem.solution.Solution`.

    ``vector_potential``: A(x) as a UFL expression of the spatial coordinate
    instead of [field] B's (`FilmProblem`); ``initial_psi``: Psi at tau = 0
    as a function of node coordinates (an (n, 3) array -> complex array)
    instead of 1.  Both for the Python API (e.g. a gauge transformation).
    ``resume``: continue the run in out_dir from its checkpoint (as a wire's).
    ``initial_state``: start from another run's state, as
    {"by_x": ..., "theta": ...} (a checkpoint's, `read_start_state`: any
    number of ranks; on another mesh of the same film, interpolated) or {"array": ..., "theta": ...} (a `Solution.final_state`
    of this process and communicator: a continuation sweep).
    """
    from psc_fem.solver.simulation import FilmParts, _claim, _simulate, with_settler

    out_dir = Path(out_dir if out_dir is not None else config.output.dir)
    rd = RunDirectory(out_dir)
    wall0 = time.perf_counter()
    problem = FilmProblem(config, comm, vector_potential=vector_potential)  # bad probes: ConfigError, no output
    start = None if initial_state is None else _start_state(problem, initial_state)  # refused: nothing written
    _claim(rd, comm, overwrite=overwrite, resume=resume)
    ckpt = prepare_resume(out_dir, config, comm) if resume else None
    if resume and ckpt is None and comm.rank == 0 and echo:
        print(f"{out_dir}: no checkpoint to resume from; starting at tau = 0")
    if initial_psi is not None and ckpt is None:
        problem.set_initial_psi(initial_psi)
    with signals.graceful(), RunLock(out_dir, comm):
        path = rd.next_fields_xdmf() if ckpt is not None and comm.rank == 0 else rd.fields_xdmf
        path = comm.bcast(path, root=0) if comm.size > 1 else path
        fields = FilmFields(problem, path, write=config.output.fields)
        film = FilmParts(problem, fields, FilmWriter, wall0)
        return _simulate(config, out_dir, comm, progress, echo, start, with_settler(config, stop), ckpt, film=film)


def _start_state(problem, initial_state):
    """{"array", "theta"} on this problem's dofs from a node-keyed or a same-layout state (`simulate_film`)."""
    from psc_fem.errors import ResumeError
    from psc_fem.io.state_layout import StateLayout

    theta = tuple(initial_state.get("theta", (0.0, 0.0)))
    if "by_x" in initial_state:  # node by node on the same mesh, interpolated onto another (same extent)
        layout = StateLayout(problem)
        nodes = problem.comm.allreduce(int(problem.nodes.owned.sum()), op=MPI.SUM)
        if len(initial_state["by_x"]["u1"][0]) == nodes:
            try:
                return {"array": layout.scatter(initial_state["by_x"])[0], "theta": theta}
            except ResumeError:  # as many nodes, elsewhere: another mesh
                pass
        return {"array": layout.interpolate(initial_state["by_x"])[0], "theta": theta}
    array = np.asarray(initial_state["array"])
    if array.shape != problem.w.x.array.shape:
        raise ResumeError(f"initial state: {array.size} values, this film's state has {problem.w.x.array.size}")
    return {"array": array, "theta": theta}
