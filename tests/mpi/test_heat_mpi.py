"""The FEM heat model of the Fig. 3 cross-section on all ranks (run by `make test-mpi`, mpirun -n 2)."""

import pytest
from helpers.heat import slab_vs_chain
from mpi4py import MPI

pytestmark = pytest.mark.mpi


def test_slab_on_all_ranks():
    k = {"substrate": (2.0, 0.0), "filament": (0.8, 0.0), "top": (0.05, 0.0)}
    slab_vs_chain(k, 7.5e-10, 2e-11, 0.0, MPI.COMM_WORLD, 1e-9)
