"""Shared test helpers (importable as ``helpers``: pyproject.toml puts tests/ on the path).

* ``helpers.configs``: the Fig. 1 wire (FIG1), ``make_config`` and a quiet ``run``;
* ``helpers.runs``: checks on run directories (``assert_same_run``,
  ``assert_frames_readable``) and the short Fig. 1 config of the kill and
  signal tests (``fig1_toml``, ``ENV``);
* ``helpers.heat``: the slab check of the heat model, serial and on all ranks;
* ``helpers.fd_reference``: the independent finite-difference solver;
* ``helpers.stationary``: the FEM's discrete stationary states (continuation to the fold).
"""
