"""The generated references (docs/reference/cli.md, config.md) are what the code generates: they cannot go stale."""

import pytest
from helpers.configs import ROOT

from psc_fem.cli import reference
from psc_fem.config import Config


@pytest.mark.parametrize("name", sorted(reference.REFERENCES))
def test_committed_reference_matches_the_code(name):
    committed = (ROOT / "docs" / "reference" / name).read_text()
    assert committed == reference.REFERENCES[name](), (
        f"docs/reference/{name} is stale: run `python -m psc_fem.cli.reference`"
    )


def test_cli_reference_lists_every_command_and_option():
    text = reference.cli_reference()
    for command in ("run", "plot", "spectrum", "info", "sweep", "critical", "cool"):
        assert f"## psc-fem {command}\n" in text
    for option in ("--overwrite", "--resume", "--until", "--variant", "--currents", "--ranks-per-run", "--version"):
        assert option in text


def test_config_reference_lists_every_key_with_its_range():
    text = reference.config_reference()
    for section in Config.model_fields:
        assert f"## [{section}]" in text
    assert "| `time.t_end` | float | required | > 0, <= 1e+09 |" in text
    assert "| `output.checkpoint_wall` |" in text and "| `model.interference_coefficient` |" in text
