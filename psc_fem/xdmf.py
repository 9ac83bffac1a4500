"""XDMF time series of a 1D wire, written by rank 0 from gathered, x-sorted data.

DOLFINx's XDMFFile costs ~3 ms per field per frame (a collective HDF5
write each time), more than a time step.  On a 1D wire the mesh is just the
sorted vertices and cells (i, i+1), so rank 0 writes the same XDMF 3
layout directly: fields.h5 holds /Mesh/geometry, /Mesh/topology and
/Function/<name>/<frame>; fields.xdmf is a temporal collection whose grids
share the mesh.  Point fields are Center="Node", cell averages
Center="Cell".  The owner calls flush() every block of frames; the XML is
rewritten atomically after the data, so a killed run leaves readable files
up to the last flush.
"""

import os
from pathlib import Path

import h5py
import numpy as np


class XdmfSeries:
    def __init__(self, path, x_nodes):
        self.xml_path = Path(path)
        self.h5_path = self.xml_path.with_suffix(".h5")
        self.h5 = h5py.File(self.h5_path, "w")
        nx = x_nodes.size
        self.h5.create_dataset("Mesh/geometry", data=np.column_stack([x_nodes, np.zeros(nx)]))
        self.h5.create_dataset("Mesh/topology", data=np.column_stack([np.arange(nx - 1), np.arange(1, nx)]).astype(np.int64))
        self.nx, self.nc = nx, nx - 1
        self.frames = []  # (t, {name: center})
        self.pending = []  # (k, name, values) not yet in the .h5

    def write(self, t, point, cell):
        """Queue one frame; it reaches the files at the next flush()."""
        k = len(self.frames)
        for name, values in (*point.items(), *cell.items()):
            self.pending.append((k, name, np.asarray(values, dtype=float)))
        self.frames.append((t, {**{n: "Node" for n in point}, **{n: "Cell" for n in cell}}))

    def flush(self):
        """Write queued frames, then the XML that lists exactly the frames on disk."""
        for k, name, values in self.pending:
            self.h5.create_dataset(f"Function/{name}/{k}", data=values)
        self.pending = []
        self.h5.flush()
        h5 = self.h5_path.name
        grids = []
        for k, (t, centers) in enumerate(self.frames):
            attrs = "".join(
                f'<Attribute Name="{n}" AttributeType="Scalar" Center="{c}">'
                f'<DataItem Dimensions="{self.nx if c == "Node" else self.nc}" Format="HDF">{h5}:/Function/{n}/{k}</DataItem>'
                "</Attribute>\n"
                for n, c in centers.items()
            )
            grids.append(
                f'<Grid Name="frame_{k}" GridType="Uniform"><Time Value="{t!r}" />'
                f'<Topology TopologyType="Polyline" NumberOfElements="{self.nc}" NodesPerElement="2">'
                f'<DataItem Dimensions="{self.nc} 2" NumberType="Int" Precision="8" Format="HDF">{h5}:/Mesh/topology</DataItem></Topology>'
                f'<Geometry GeometryType="XY"><DataItem Dimensions="{self.nx} 2" Format="HDF">{h5}:/Mesh/geometry</DataItem></Geometry>\n'
                f"{attrs}</Grid>\n"
            )
        xml = (
            '<?xml version="1.0"?>\n<Xdmf Version="3.0" xmlns:xi="http://www.w3.org/2001/XInclude">\n<Domain>\n'
            '<Grid Name="wire" GridType="Collection" CollectionType="Temporal">\n' + "".join(grids) + "</Grid>\n</Domain>\n</Xdmf>\n"
        )
        tmp = self.xml_path.with_suffix(".xdmf.tmp")
        tmp.write_text(xml)
        os.replace(tmp, self.xml_path)

    def close(self):
        self.flush()
        self.h5.close()
