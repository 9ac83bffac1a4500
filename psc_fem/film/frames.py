"""A film's frames read back from its fields files (DOLFINx's XDMF data): the mesh and |Psi|, Re Psi, Im Psi,
phi, d|Psi|/dtau; one frame (`read_frame`) or all of them as (frames, nodes) arrays (`read_series`, the
phonon spectra's input, with the nodes' weights `node_weights`).

fields.xdmf keeps one time series per function (ParaView shows them all;
meshio's reader keeps only the last one), so Python reads the HDF5 data.
A resumed film writes its frames to a new segment, fields.1.xdmf/.h5,
fields.2..., each with its own mesh (its ranks' node order): the frames
here are the segments' in time order, a later segment replacing an
earlier one's frames from its first frame on (those an interrupted run
wrote after its last checkpoint, and the resume wrote again).
"""

from pathlib import Path

import h5py
import numpy as np

from psc_fem.rundir import RunDirectory


def key_time(key: str) -> float:
    """The time of a frame's dataset key: DOLFINx writes t = 10.05 as "10_05" (float("10_05") would be 1005,
    Python reading the underscore as a digit separator)."""
    return float(key.replace("_", "."))


def frame_index(fields_h5):
    """[(t, segment path, dataset key)] of all frames, in time order (module doc): once for a loop over
    frames (`read_frame`'s ``frames``), which otherwise opens every segment again for each frame."""
    path = Path(fields_h5)
    segments = RunDirectory(path.parent).field_segments() if path.name == "fields.h5" else [path]
    frames = []
    for segment in segments:
        with h5py.File(segment, "r") as f:
            keys = sorted(f["Function/abs_psi"], key=key_time) if "Function/abs_psi" in f else []
        if keys:
            start = key_time(keys[0])
            frames = [fr for fr in frames if fr[0] < start] + [(key_time(k), segment, k) for k in keys]
    return frames


def frame_times(fields_h5):
    """The frame times (sorted) of a film's fields.h5 and its later segments."""
    return np.array([t for t, _, _ in frame_index(fields_h5)])


def read_frame(fields_h5, index=-1, frames=None):
    """(points, cells, t, {name: node values}) of frame ``index`` (in time order; -1: the newest);
    ``frames``: `frame_index(fields_h5)` if already at hand."""
    t, segment, key = (frames if frames is not None else frame_index(fields_h5))[index]
    with h5py.File(segment, "r") as f:
        points, cells = f["Mesh/mesh/geometry"][:], f["Mesh/mesh/topology"][:]
        values = {name: f[f"Function/{name}/{key}"][:, 0] for name in f["Function"]}
    return points, cells, t, values


def read_series(fields_h5, names):
    """(points, cells, t, {name: (frames, nodes) array}) of all frames, the nodes in the first segment's
    order: a later segment's nodes (another partition's order) are matched to them by coordinates."""
    from scipy.spatial import cKDTree

    index = frame_index(fields_h5)
    points = cells = tree = None
    columns = {name: [] for name in names}
    with_order = {}
    for _, segment, key in index:
        with h5py.File(segment, "r") as f:
            if points is None:
                points, cells = f["Mesh/mesh/geometry"][:], f["Mesh/mesh/topology"][:]
                tree = cKDTree(points)
            if segment not in with_order:
                distance, order = tree.query(f["Mesh/mesh/geometry"][:])
                same = distance.size == len(points) and np.unique(order).size == len(points)
                if not same or distance.max(initial=0.0) > 1e-9 * np.ptp(points, axis=0).max():
                    raise ValueError(f"{segment}: its mesh is not the first segment's")
                with_order[segment] = np.argsort(order)  # segment row of each reference node
            for name in names:
                columns[name].append(f[f"Function/{name}/{key}"][:, 0][with_order[segment]])
    t = np.array([t for t, _, _ in index])
    return points, cells, t, {name: np.array(v) for name, v in columns.items()}


def node_weights(points, cells):
    """int phi_i dA (dV) of each P1 node: a third of each adjacent triangle's area (a quarter of each
    tetrahedron's volume), so that sum_i w_i f_i is the integral of a linear-interpolated f."""
    corners = points[cells]  # (cells, vertices, gdim)
    edges = corners[:, 1:] - corners[:, :1]
    if cells.shape[1] == 3 and points.shape[1] == 2:  # triangles in the plane
        measure = 0.5 * np.abs(edges[:, 0, 0] * edges[:, 1, 1] - edges[:, 0, 1] * edges[:, 1, 0])
    elif cells.shape[1] == 3:  # triangles with 3D coordinates
        measure = 0.5 * np.linalg.norm(np.cross(edges[:, 0], edges[:, 1]), axis=1)
    else:  # tetrahedra
        measure = np.abs(np.linalg.det(edges[:, :, :3])) / 6.0
    weights = np.zeros(len(points))
    np.add.at(weights, cells.ravel(), np.repeat(measure / cells.shape[1], cells.shape[1]))
    return weights


def psi_of(values):
    """Psi = Re Psi + i Im Psi of a frame's values."""
    return values["re_psi"] + 1j * values["im_psi"]
