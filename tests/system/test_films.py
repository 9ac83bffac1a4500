"""Films, stage 1 (docs/films.md): a 2D strip without field, with banks or normal terminals.

The narrow strip between banks is the wire in 2D: a strip of width 0.1 xi
(4 crossed triangles across) carries the same y-independent solution, so
its settled mean V and period must equal the wire's on the same h (issue:
within 1%; measured 1.2e-4).  Normal terminals in the normal state obey
Ohm's law exactly: Psi = 0, D = 1, phi' = -j, so V = j d between probes a
distance d apart.
"""

import csv
import json

import h5py
import numpy as np
import pytest
from helpers.configs import run
from helpers.films import film_config, run_film

from psc_fem.errors import ConfigError


@pytest.fixture(scope="module")
def strip(tmp_path_factory):
    return run_film(tmp_path_factory.mktemp("strip"))


def test_a_narrow_strip_between_banks_is_the_wire(strip, tmp_path):
    """Fig. 1 wire (h = 0.05) and the 0.1 xi strip (mesh_size 0.05): measured mean V 0.526596 (wire) vs
    0.526532 (strip, comoving frame), period 11.9317 vs 11.9331."""
    wire = run(tmp_path, time={"t_end": 400.0, "until": "periodic"}).stats
    film = strip.stats
    assert film["state"] == wire["state"] == "periodic"
    assert film["mean_V"] == pytest.approx(wire["mean_V"], rel=1e-3)
    assert film["period"] == pytest.approx(wire["period"], rel=1e-3)
    assert abs(film["josephson_ratio"] - 1.0) < 1e-4  # the probes at the banks: period * V = 2 pi
    assert strip.run["analysis"]["mean_V"] == pytest.approx(film["mean_V"], rel=1e-12)


def test_the_film_keeps_the_mirror_symmetry_of_the_strip(strip):
    """phi(0, 0) = 0 is the antisymmetric gauge of a symmetric strip: the last frame's phi is odd in x
    and |Psi| even (crossed triangles: the mesh is mirror-symmetric), to solver tolerance."""
    with h5py.File(strip.rundir.fields_h5, "r") as f:
        xy = f["Mesh/mesh/geometry"][:]
        last = str(max(int(k) for k in f["Function/phi"]))
        phi = f[f"Function/phi/{last}"][:, 0]
        psi = f[f"Function/abs_psi/{last}"][:, 0]
    key = {(round(x, 9), round(y, 9)): i for i, (x, y) in enumerate(xy[:, :2])}
    mirror = np.array([key[(round(-x, 9) + 0.0, round(y, 9))] for x, y in xy[:, :2]])
    assert np.max(np.abs(phi + phi[mirror])) < 1e-3 * np.max(np.abs(phi))
    assert np.max(np.abs(psi - psi[mirror])) < 1e-3


def test_the_fields_file_is_the_run_read_back_by_meshio(strip):
    """fields.xdmf (DOLFINx's XDMF, ParaView's format) read by meshio: the mesh's triangles and, at each
    frame, phi(left probe) - phi(right probe) equal to V of the series at that time (dense output)."""
    meshio = pytest.importorskip("meshio")
    with meshio.xdmf.TimeSeriesReader(str(strip.rundir.fields_xdmf)) as reader:
        points, cells = reader.read_points_cells()
        assert cells[0].type == "triangle" and points.shape[0] > 0
        left = np.argmin(np.hypot(points[:, 0] + 0.55, points[:, 1]))
        right = np.argmin(np.hypot(points[:, 0] - 0.55, points[:, 1]))
        checked = 0
        for k in range(0, reader.num_steps, 7):
            t, data, _ = reader.read_data(k)  # meshio keeps the last collection of the file: phi
            if t < 1.0:
                continue
            v_frame = data["phi"][left] - data["phi"][right]
            assert v_frame == pytest.approx(np.interp(t, strip.series["t"], strip.series["V"]), abs=2e-2)
            checked += 1
    assert checked > 10


def test_normal_terminals_in_the_normal_state_obey_ohms_law(tmp_path):
    """j = 3, far above depairing: Psi decays to 0 and V between probes 0.8 apart is j d = 2.4 exactly."""
    sol = run_film(
        tmp_path,
        geometry={"ends": "normal", "length": 2.0, "width": 0.5, "mesh_size": 0.1},
        drive={"current": 3.0},
        time={"t_end": 60.0, "until": "t_end"},
        output={"probes": [[-0.4, 0.1], [0.4, -0.1]], "fields": False},
    )
    assert np.max(sol.series["psi_center"][-10:]) < 1e-8
    assert 0.0 < sol.series["psi_min"][0] and sol.series["psi_min"][-1] < 1e-8  # the film's, not the terminals' 0
    assert sol.series["V"][-1] == pytest.approx(3.0 * 0.8, rel=1e-8)


@pytest.mark.parametrize(
    "sections, says",
    [
        ({"geometry": {"kind": "polygon"}}, 'geometry.length does not apply to kind = "polygon"'),
        ({"field": {"B": 20.0}}, "field.B"),
        ({"output": {"probes": [[-2.0, 0.0], [0.5, 0.0]]}}, "output.probes[0] = [-2, 0] lies outside"),
        ({"geometry": {"width": 2.0}}, "geometry.width (2) must not exceed geometry.length (1.1)"),
        ({"time": {"until": "orbit"}, "geometry": {"ends": "none"}, "drive": {"current": 0.0}}, "no current"),
    ],
)
def test_what_films_do_not_have_is_refused_by_name(sections, says):
    with pytest.raises(ConfigError, match=None) as err:
        film_config(**sections)
    assert says in str(err.value)


def test_the_film_example_runs_from_the_command_line(tmp_path):
    """examples/strip.toml as docs/films.md runs it: exit 0, the wire's summary, run.json's analysis."""
    from test_cli import ROOT, psc_fem

    res = psc_fem("run", ROOT / "examples" / "strip.toml", "--out", tmp_path / "s", "--quiet")
    assert res.returncode == 0, res.stderr
    assert "settled" in res.stdout and "AC Josephson ratio" in res.stdout
    info = json.loads((tmp_path / "s" / "run.json").read_text())
    assert info["status"] == "completed" and info["analysis"]["mean_V"] == pytest.approx(0.52654, rel=1e-3)
    assert info["parameters"]["geometry"]["ends"] == "banks"
    for name in ("series.h5", "fields.xdmf", "fields.h5", "film.png"):
        assert (tmp_path / "s" / name).is_file()
    (tmp_path / "s" / "film.png").unlink()
    res = psc_fem("plot", tmp_path / "s", "--pdf")  # the film's figure again, from the run directory
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "s" / "film.png").is_file() and (tmp_path / "s" / "film.pdf").is_file()


@pytest.mark.parametrize(
    "args, says",
    [
        (["--set", "geometry.kind=polygon"], 'geometry.length does not apply to kind = "polygon"'),
        (["--set", "geometry.mesh_size=0"], "geometry.mesh_size"),
        (["--from", "."], "--from"),
    ],
)
def test_bad_film_input_exits_2_and_writes_nothing(tmp_path, args, says):
    from test_cli import ROOT, psc_fem

    res = psc_fem("run", ROOT / "examples" / "strip.toml", "--out", tmp_path / "s", *args)
    assert res.returncode == 2, res.stderr
    assert says in res.stderr
    assert not (tmp_path / "s").exists()


def test_a_steady_resistive_state_is_called_steady_and_ends_the_run(tmp_path):
    """Normal terminals below the slip regime: no slips, but a constant V across the suppressed order
    next to the terminals (0.188409 here).  until = "periodic" stops on it ("settled: steady") and the
    summary says "steady" with that V, not "not periodic"."""
    sol = run_film(
        tmp_path,
        geometry={"length": 4.0, "width": 0.5, "mesh_size": 0.1, "ends": "normal"},
        drive={"current": 0.2},
        output={"fields": False, "probes": None},
    )
    assert sol.run["stopped"]["reason"] == "settled: steady" and sol.series["t"][-1] < 400.0
    assert sol.stats["state"] == "steady" and sol.stats["n_slips"] == 0
    assert sol.stats["mean_V"] == pytest.approx(sol.series["V"][-1], rel=1e-12) and sol.stats["mean_V"] > 0.1


def test_a_film_sweep_runs_each_current(tmp_path):
    """psc-fem sweep on the strip (independent runs): the I-V rows of the strip at j = 1.2 and 1.5 (the
    second is the run above: 0.52654), each periodic with Josephson ratio 1."""
    from test_cli import ROOT, psc_fem

    strip = ROOT / "examples" / "strip.toml"
    res = psc_fem("sweep", strip, "--currents", "1.2,1.5", "--out", tmp_path / "sw")
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(open(tmp_path / "sw" / "iv.csv")))
    assert [r["state"] for r in rows] == ["one PSC", "one PSC"]
    assert float(rows[1]["V_mean"]) == pytest.approx(0.52654, rel=1e-3)
    assert float(rows[0]["V_mean"]) < float(rows[1]["V_mean"])
    assert all(abs(float(r["josephson_ratio"]) - 1) < 1e-4 for r in rows)
    assert (tmp_path / "sw" / "iv.png").is_file()


def test_the_critical_current_of_a_narrow_strip_between_banks_is_the_wires(tmp_path):
    """psc-fem critical on the 0.1 xi strip between banks: the bracket holds the GL stationary-branch
    maximum of the L = 1.1 wire with rigid banks (solve_bvp, independent of the film and of delta)."""
    from test_cli import ROOT, psc_fem

    from psc_fem.analysis.stationary import stationary_branch_max

    out = tmp_path / "k"
    res = psc_fem(
        "critical", ROOT / "examples" / "strip.toml", "--out", out, "--tolerance", "0.01", "--bracket", "0.95:1.0"
    )
    assert res.returncode == 0, res.stderr
    result = json.loads((out / "critical.json").read_text())
    lo, hi = result["bracket"]
    assert hi - lo <= 0.01 and lo < stationary_branch_max(1.1) < hi  # 0.98044 in [0.975, 0.98125]
    assert all(p["flag"] == "" for p in result["probes"])


def test_the_critical_current_of_a_film_between_normal_terminals(tmp_path):
    """Normal terminals: below J0 the probe ends steady (V constant, not 0), above it slips; every probe
    is decided so, none by trend (measured J0 = 0.2898 +- 0.004 on this strip at tolerance 0.008)."""
    from test_cli import psc_fem

    cfg = tmp_path / "strip.toml"
    cfg.write_text(
        '[geometry]\nkind = "strip"\nlength = 4.0\nwidth = 0.5\nmesh_size = 0.1\n'
        "[model]\ndelta = 3.3333333333333335\neta = 0.1\ninterference = false\n[drive]\ncurrent = 0.2\n"
        "[time]\nt_end = 300.0\n[output]\nfields = false\n"
    )
    res = psc_fem("critical", cfg, "--out", tmp_path / "k", "--tolerance", "0.05", "--bracket", "0.2:0.45")
    assert res.returncode == 0, res.stderr
    result = json.loads((tmp_path / "k" / "critical.json").read_text())
    probes = {p["current"]: p for p in result["probes"]}
    lo, hi = result["bracket"]
    assert probes[lo]["verdict"] == "stationary" and probes[lo]["reason"].startswith("V steady to")
    assert probes[hi]["verdict"] == "slipping" and all(p["flag"] == "" for p in probes.values())
    assert 0.25 < lo < hi < 0.33
    res = psc_fem("critical", cfg, "--out", tmp_path / "g", "--lengths", "2,4")
    assert res.returncode == 2 and "--lengths, --deltas and --gl are for wires" in res.stderr


def test_a_continuation_sweep_of_a_film_with_normal_terminals(tmp_path):
    """The 4 x 0.5 strip of the py-tdgl comparison (normal terminals, interference off): at j = 0.2 the
    steady resistive state (V = 0.2318612, the documented value; once quoted at 0.2303 as a "normal
    domain" because min |Psi| counted the terminals' proximity layer), at 0.3 the film turns normal
    (V = j d = 0.6 between probes d = 2 apart), and the down branch starts from that state."""
    from test_cli import psc_fem

    cfg = tmp_path / "strip.toml"
    cfg.write_text(
        '[geometry]\nkind = "strip"\nlength = 4.0\nwidth = 0.5\nmesh_size = 0.1\n'
        "[model]\ndelta = 3.3333333333333335\neta = 0.1\ninterference = false\n[drive]\ncurrent = 0.2\n"
        '[time]\nt_end = 1000.0\nuntil = "periodic"\n[output]\nevery = 5.0\nfields = false\n'
    )
    res = psc_fem("sweep", cfg, "--currents", "0.2,0.3", "--mode", "continuation", "--down", "--out", tmp_path / "c")
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(open(tmp_path / "c" / "iv.csv")))
    assert [(r["branch"], r["state"]) for r in rows[:2]] == [("up", "steady"), ("up", "normal domain")]
    assert float(rows[0]["V_mean"]) == pytest.approx(0.2318612, abs=2e-6)
    assert float(rows[1]["V_mean"]) == pytest.approx(0.6, rel=1e-5)
    from psc_fem.solution import Solution

    top, down = (Solution.load(r["run_dir"]).series for r in rows[1:])
    assert down["psi_min"][0] < 1e-3 and top["psi_min"][-1] < 1e-3  # continued from the normal state


def test_a_film_starts_from_another_runs_checkpoint(tmp_path):
    """--from DIR: the state of DIR's checkpoint, node by node (its first frame is DIR's last); on another
    mesh of the same film interpolated (at the nodes the meshes share, DIR's values exactly); a film of
    another extent is refused by name (exit 2), nothing written."""
    from test_cli import ROOT, psc_fem

    from psc_fem.film.frames import psi_of, read_frame

    strip = ROOT / "examples" / "strip.toml"
    short = ["--set", "time.until=t_end", "--set", "time.t_end=20"]
    assert psc_fem("run", strip, "--out", tmp_path / "a", "--quiet", *short).returncode == 0
    res = psc_fem("run", strip, "--out", tmp_path / "b", "--from", tmp_path / "a", "--quiet", *short)
    assert res.returncode == 0, res.stderr
    last, first = read_frame(tmp_path / "a" / "fields.h5", -1), read_frame(tmp_path / "b" / "fields.h5", 0)
    assert last[2] == 20.0 and first[2] == 0.0
    np.testing.assert_allclose(psi_of(first[3]), psi_of(last[3]), atol=1e-14)
    res = psc_fem("run", strip, "--out", tmp_path / "c", "--from", tmp_path / "a", "--quiet", *short,
                  "--set", "geometry.mesh_size=0.025")  # fmt: skip
    assert res.returncode == 0, res.stderr
    fine = read_frame(tmp_path / "c" / "fields.h5", 0)
    coarse = {(round(x, 9), round(y, 9)): v for (x, y, *_), v in zip(last[0], psi_of(last[3]))}
    shared = [(k, coarse[(round(x, 9), round(y, 9))]) for k, (x, y, *_) in enumerate(fine[0])
              if (round(x, 9), round(y, 9)) in coarse]  # fmt: skip
    assert len(shared) == len(coarse) < len(fine[0])  # every coarse node is a fine one
    np.testing.assert_allclose([psi_of(fine[3])[k] for k, _ in shared], [v for _, v in shared], atol=1e-12)
    res = psc_fem("run", strip, "--out", tmp_path / "d", "--from", tmp_path / "a", "--set", "geometry.length=1.2")
    assert res.returncode == 2 and "its film spans" in res.stderr, res.stderr
    assert not (tmp_path / "d").exists()
