"""A film's frames read back from its fields files (DOLFINx's XDMF data): the mesh and |Psi|, Re Psi, Im Psi, phi.

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


def _index(fields_h5):
    """[(t, segment path, dataset key)] of all frames, in time order (module doc)."""
    path = Path(fields_h5)
    segments = RunDirectory(path.parent).field_segments() if path.name == "fields.h5" else [path]
    frames = []
    for segment in segments:
        with h5py.File(segment, "r") as f:
            keys = sorted(f["Function/abs_psi"], key=float) if "Function/abs_psi" in f else []
        if keys:
            start = float(keys[0])
            frames = [fr for fr in frames if fr[0] < start] + [(float(k), segment, k) for k in keys]
    return frames


def frame_times(fields_h5):
    """The frame times (sorted) of a film's fields.h5 and its later segments."""
    return np.array([t for t, _, _ in _index(fields_h5)])


def read_frame(fields_h5, index=-1):
    """(points, cells, t, {name: node values}) of frame ``index`` (in time order; -1: the newest)."""
    t, segment, key = _index(fields_h5)[index]
    with h5py.File(segment, "r") as f:
        points, cells = f["Mesh/mesh/geometry"][:], f["Mesh/mesh/topology"][:]
        values = {name: f[f"Function/{name}/{key}"][:, 0] for name in f["Function"]}
    return points, cells, t, values


def psi_of(values):
    """Psi = Re Psi + i Im Psi of a frame's values."""
    return values["re_psi"] + 1j * values["im_psi"]
