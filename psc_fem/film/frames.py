"""A film's frames read back from fields.h5 (DOLFINx's XDMF data): the mesh and |Psi|, Re Psi, Im Psi, phi.

fields.xdmf keeps one time series per function (ParaView shows them all;
meshio's reader keeps only the last one), so Python reads the HDF5 file.
"""

import h5py
import numpy as np


def frame_times(fields_h5):
    """The frame times (sorted) in a film's fields.h5."""
    with h5py.File(fields_h5, "r") as f:
        return np.array(sorted(float(k) for k in f["Function/abs_psi"]))


def read_frame(fields_h5, index=-1):
    """(points, cells, t, {name: node values}) of frame ``index`` (in time order; -1: the newest)."""
    with h5py.File(fields_h5, "r") as f:
        points, cells = f["Mesh/mesh/geometry"][:], f["Mesh/mesh/topology"][:]
        key = sorted(f["Function/abs_psi"], key=float)[index]
        values = {name: f[f"Function/{name}/{key}"][:, 0] for name in f["Function"]}
    return points, cells, float(key), values


def psi_of(values):
    """Psi = Re Psi + i Im Psi of a frame's values."""
    return values["re_psi"] + 1j * values["im_psi"]
