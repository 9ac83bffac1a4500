"""Wire geometries and mesh builders (installed as ``psc_fem.meshes``)."""

from .cross_section import CrossSection, cross_section_mesh
from .interval import wire_mesh

__all__ = ["CrossSection", "cross_section_mesh", "wire_mesh"]
