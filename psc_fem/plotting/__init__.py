"""Figures: read a run's data, draw with matplotlib (or pyvista), return the Figure or path.

Library modules never import this package at module level (docs/design.md).
"""
