"""Wire geometries and mesh builders (installed as ``psc_fem.meshes``)."""

from .interval import wire_mesh

__all__ = ["wire_mesh"]
