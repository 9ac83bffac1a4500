"""psc_fem.film.Device: a film as a Python object (shapes, config, mesh, plot, simulate)."""

import pytest
from mpi4py import MPI

from psc_fem.errors import ConfigError
from psc_fem.film import Device


def test_a_constriction_device_is_the_examples_config():
    """Device.constriction(8, 2, 0.6, 1, mesh 0.2, refine 0.08) is examples/film_constriction.toml's film."""
    from helpers.configs import ROOT

    from psc_fem.config import load_config

    example = load_config(ROOT / "examples" / "film_constriction.toml")
    dev = Device.constriction(8.0, 2.0, neck_width=0.6, neck_length=1.0, mesh_size=0.2, refine=0.08)
    assert dev.config(drive={"current": 0.25}).geometry == example.geometry


def test_devices_build_meshes_and_refuse_bad_input_by_name():
    msh, tags = Device.ring(2.0, 0.8, mesh_size=0.3, segments=32).mesh(MPI.COMM_SELF)
    assert msh.topology.dim == 2 and tags.values.size == 0  # closed: no terminals
    msh, tags = Device.strip(2.0, 1.0, mesh_size=0.25, thickness=0.5).mesh(MPI.COMM_SELF)
    assert msh.topology.dim == 3 and set(tags.values) == {1, 2}
    with pytest.raises(ConfigError, match="drive.current must be 0"):
        Device.disc(2.0).config(drive={"current": 0.1})
    with pytest.raises(ValueError, match="ring: need 0 < inner < outer"):
        Device.ring(1.0, 2.0)
    assert Device.ring(2.0, 0.8, degree=2).config().geometry.degree == 2  # quadratic elements
    with pytest.raises(ConfigError, match="geometry.degree"):
        Device.strip(2.0, 1.0, degree=3).config()


def test_a_device_plots_its_outline_and_runs(tmp_path):
    dev = Device.cross(4.0, 1.0, mesh_size=0.25, probes=[[-1.5, 0.0], [1.5, 0.0]])
    ax = dev.plot()
    assert len(ax.lines) == 2  # the outline and the probes
    sol = dev.simulate(tmp_path / "x", comm=MPI.COMM_SELF, drive={"current": 0.3}, time={"t_end": 5.0})
    assert sol.run["status"] == "completed" and sol.series["V"][-1] > 0
