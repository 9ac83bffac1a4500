# psc_fem: `make demo` and `make test` set everything up on a fresh machine.
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
DEMO    ?= runs/fig1
PYTEST  := $(BIN)/python -m pytest

# Threaded BLAS stalls with two MPI ranks on two cores.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MPLBACKEND := Agg

.PHONY: venv demo test test-fast lint test-serial test-mpi bench kernel clean

venv: $(STAMP)

# The venv is rebuilt only when missing or when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $$(scripts/find-python) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

demo: venv
	$(BIN)/psc-fem run examples/fig1.toml --out $(DEMO)
	$(BIN)/psc-fem spectrum $(DEMO)

test: lint test-serial test-mpi

# The inner loop: no slow tests, no MPI part, on 2 pytest-xdist workers (under 2 minutes on 2 cores).
test-fast: venv lint
	$(PYTEST) -q -m "not mpi and not slow" -n 2 tests

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The serial (non-MPI) tests on 2 pytest-xdist workers, a module per worker (its fixtures built once).
# A worker that dies ends the run with the test it was running named (xdist otherwise replaced it and,
# with loadscope, waited forever for the dead worker's module: seen twice on 2026-12-05).
test-serial: venv
	$(PYTEST) -q -m "not mpi" -n 2 --dist loadscope --max-worker-restart=0 tests

# The parallel part: -m mpi4py makes a failure on one rank abort all ranks.
test-mpi: venv
	$(BIN)/mpirun -n 2 $(BIN)/python -m mpi4py -m pytest -q -m mpi -p no:cacheprovider tests

# The venv as a Jupyter kernel named psc_fem (for examples/quickstart.ipynb in JupyterLab or VS Code).
kernel: venv
	$(BIN)/python -m ipykernel install --user --name psc_fem --display-name "psc_fem (.venv)"

# py-tdgl, the optional peer of the benchmarks, in its own venv (.venv-bench):
# it brings numba, meshpy, pint and IPython; --no-deps skips its jupyter and
# pytest requirements, which it does not import.
bench: venv
	@test -x .venv-bench/bin/python || $$(scripts/find-python) -m venv .venv-bench
	@test -f .venv-bench/.installed || { .venv-bench/bin/python -m pip install --quiet --upgrade pip && \
	  .venv-bench/bin/python -m pip install --quiet --no-deps tdgl==0.9.0 && \
	  .venv-bench/bin/python -m pip install --quiet cloudpickle h5py joblib matplotlib meshpy numba numpy pint scipy shapely tqdm ipython && \
	  touch .venv-bench/.installed; }
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) runs
