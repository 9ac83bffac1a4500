"""The cooling balance on a real Fig. 1 run: the diode of Eq. (12) and `psc-fem cool`."""

import json
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from psc_fem import cli
from psc_fem.cooling.config import load_config
from psc_fem.cooling.run_data import read_run
from psc_fem.cooling.workflow import cool
from psc_fem.phonons.periods import window_integrals

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, fig1_run):
    """A real Fig. 1 run until settled, frames every 0.05 t0 (the period identity's quadrature
    error: 2.9e-3 of the gross flux with frames every 0.5): a copy of the shared run (tests/conftest.py)."""
    out = tmp_path_factory.mktemp("cool") / "run"
    shutil.copytree(fig1_run, out)
    return out


def test_eq12_net_heat_into_any_passive_plate_vanishes(run_dir):
    """Whatever fraction f(omega) of the Eq. (12) flux a plate exchanges (a passive, linear
    interface, frequency dependent or not), its net heat over a PSC period is zero: the spectrum
    integrates to zero at every omega. So no passive diode pumps heat with Eq. (12)."""
    read_run(run_dir)  # computes spectrum.h5 if absent
    with h5py.File(run_dir / "spectrum.h5") as f:
        t, omega, wire, bounds = f["t"][()], f["omega"][()], f["wire"][()], f["period_bounds"][()]
    fractions = [np.ones_like(omega), (omega < 0.6).astype(float), np.exp(-omega), 0.3 + 0.5 * np.tanh(omega - 1)]
    halves = np.column_stack([bounds[:, 0], bounds.mean(axis=1)])
    for f in fractions:
        signed = np.trapezoid(wire * f, omega, axis=1)
        gross = window_integrals(t, np.trapezoid(np.abs(wire) * f, omega, axis=1), bounds)
        net = window_integrals(t, signed, bounds)
        assert np.all(np.abs(net) < 3e-3 * gross)
        # over half a period the parts do not cancel: the test can fail
        assert np.all(np.abs(window_integrals(t, signed, halves)) > 0.1 * gross)


# ---------------------------------------------------------------- command line


def test_cool_a_run_directory(run_dir, tmp_path, capsys):
    out = tmp_path / "cool"
    assert cli.main(["cool", str(run_dir), "--out", str(out), "--samples", "12", "--no-heat"]) == 0
    text = capsys.readouterr().out
    assert "VERDICT: no net cooling" in text and "kappa = P_c/P_PSC = 0" in text
    res = json.loads((out / "cool.json").read_text())
    n = res["nominal"]
    assert n["p"] == 0.0 and n["kappa"] == 0.0 and 0 < n["kappa_ideal"] < 1
    assert n["josephson_V_period_over_phi0"] == pytest.approx(res["run"]["josephson_ratio"], rel=1e-12)
    assert res["run"]["E_plus"] == pytest.approx(-res["run"]["E_minus"], rel=1e-2)  # E+ = |E-| (Eq. 12)
    assert res["monte_carlo"]["P_psc"]["n"] == 12
    assert res["materials"]["filament"]["rows"][0]["source"]
    assert (out / "cool.png").stat().st_size > 10_000


def test_cool_config_form_with_fem(run_dir, tmp_path):
    cfg = tmp_path / "stack.toml"
    cfg.write_text(f"""
[cooling]
run = "{run_dir}"
top = "SiO2"
substrate = "Si"
samples = 0

[heat]
top_thickness = 2e-6
top_width = 2e-6
substrate_thickness = 50e-6
substrate_width = 2e-6

[materials.Al]
rho_n = 5e-8
""")
    out = tmp_path / "out"
    assert cli.main(["cool", str(cfg), "--out", str(out)]) == 0
    res = json.loads((out / "cool.json").read_text())
    rows = {r["property"]: r for r in res["materials"]["filament"]["rows"]}
    assert rows["rho_n"]["value"] == 5e-8 and rows["rho_n"]["source"] == "config override"
    fem = res["heat_fem"]
    assert (out / "heat" / "heat.xdmf").is_file()
    assert abs(fem["energy_residual"]) < 1e-9
    # the isolated top plate sits at the filament's temperature; FEM and the lumped model agree
    # to the substrate's spreading resistance (2D vs the lumped slab)
    assert fem["T_top_mean"] == pytest.approx(res["nominal"]["T_cold_full_N"], rel=0.05)
    assert fem["T_top_mean"] > res["config"]["cooling"]["T_bath"]


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("cool_*.toml")), ids=lambda p: p.stem)
def test_examples(run_dir, tmp_path, example):
    """The shipped stacks validate and run (on the short run; no Monte Carlo, no FEM)."""
    cfg = load_config(example, overrides=[f'cooling.run="{run_dir}"', "cooling.samples=0", "heat.enabled=false"])
    res = cool(cfg, out_dir=tmp_path, echo=None)
    assert res["verdict"].startswith("no net cooling")
    assert res["nominal"]["T_cold_full_N"] > cfg.cooling.T_bath


def test_config_runs_the_simulation_when_the_run_is_missing(tmp_path):
    run_cfg = tmp_path / "short.toml"
    run_cfg.write_text((ROOT / "examples" / "fig1.toml").read_text())
    cfg = tmp_path / "cool.toml"
    cfg.write_text("""
[cooling]
run = "fresh"
simulate = "short.toml"
simulate_set = ["time.t_end=300", "time.until=periodic", "output.every=0.5"]
samples = 0
[heat]
enabled = false
""")
    assert cli.main(["cool", str(cfg), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "fresh" / "series.h5").is_file()
    res = json.loads((tmp_path / "out" / "cool.json").read_text())
    assert res["run"]["path"] == str(tmp_path / "fresh") and res["run"]["period"] > 0


BAD = [
    (["--set", "cooling.T_bath=-1"], "cooling.T_bath"),
    (["--set", "cooling.T_target=2.0"], "T_target"),
    (["--set", "cooling.nonsense=1"], "nonsense"),
    (["--set", 'cooling.filament="Unobtainium"'], "cooling.filament"),
    (["--set", 'cooling.filament="sapphire"'], "cooling.filament"),
    (["--set", "materials.Al.density=-5"], "materials.Al.density"),
    (["--set", "materials.Al=3"], "materials.<material>.<property>"),
    (["--set", "materials.Al.colour=3"], "colour"),
    (["--set", "heat.top_width=1e-9"], "top_width"),
    (["--set", 'cooling.diode="magic"'], "cooling.diode"),
    (["--samples", "-3"], "samples"),
]


@pytest.mark.parametrize("args,key", BAD)
def test_bad_input_exits_2_and_writes_nothing(run_dir, tmp_path, capsys, args, key):
    out = tmp_path / "never"
    assert cli.main(["cool", str(run_dir), "--out", str(out), "--no-heat", *args]) == 2
    err = capsys.readouterr().err
    assert key in err, err
    assert not out.exists()


def test_not_a_run_directory(tmp_path, capsys):
    assert cli.main(["cool", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "not a run directory" in capsys.readouterr().err
    assert cli.main(["cool", str(tmp_path / "missing.toml")]) == 2
    # a run without a periodic PSC state (below the critical current): nothing to cool with
    (tmp_path / "series.h5").touch()
    (tmp_path / "run.json").write_text(json.dumps({"analysis": {"state": "stationary"}}))
    assert cli.main(["cool", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "no periodic PSC state" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
