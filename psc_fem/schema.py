"""The strict schema every config shares: base section, error messages, TOML and --set parsing.

`psc_fem.config` (the run) and `psc_fem.cooling.config` (the cooling
balance) build their sections on `Section` and report bad input through
`validate_model`, so both reject unknown keys, wrong types and out-of-range
values the same way: one line per problem, naming the key ("unknown key
'x' (did you mean 'y'?); allowed: ...").
"""

import difflib
import json
import tomllib
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from psc_fem.errors import ConfigError


class Section(BaseModel):
    """A config section: frozen, unknown keys rejected, no type coercion.

    strict: no bool -> float, no "1.0" -> 1.0, no 4.0 -> 4 for an integer key
    (a TOML integer is still accepted for a float key).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RunSection(Section):
    """A whole run's config: a wire's (psc_fem.config.Config) or a film's (psc_fem.film.config.FilmConfig)."""

    @model_validator(mode="after")
    def _petsc_allowed(self):
        """[petsc] passes psc_fem.petsc_policy (a config is data: no files written, no code imported)."""
        from psc_fem.petsc_policy import check

        problems = check(getattr(self, "petsc", {}))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def replace(self, **sections: dict[str, Any]):
        """A copy with some sections' keys changed: replace(drive={"current": 1.2})."""
        data = self.model_dump()
        for section, values in sections.items():
            data[section] = {**data[section], **values}
        return type(self).model_validate(data)

    def flat(self) -> dict[str, Any]:
        """{"section.key": value} for HDF5 attributes and run.json (lists as JSON; tables stay dicts)."""
        flat = {f"{s}.{k}": v for s, values in self.model_dump().items() for k, v in values.items() if v is not None}
        return {k: json.dumps(v) if isinstance(v, list) else v for k, v in flat.items()}


def suggest(key: str, allowed: list[str]) -> str:
    """' (did you mean 'k'?)' for the closest allowed key, or ''."""
    close = difflib.get_close_matches(key, allowed, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def table_model(model: type[BaseModel] | None, key: str) -> type[BaseModel] | None:
    """The model of the sub-table ``key`` of ``model`` (through ``X | None``), or None."""
    field = getattr(model, "model_fields", {}).get(key)
    if field is None:
        return None
    for t in (field.annotation, *typing.get_args(field.annotation)):
        if isinstance(t, type) and issubclass(t, BaseModel):
            return t
    return None


def describe(error: dict, root: type[BaseModel], lowercase: bool = True) -> str:
    """One pydantic error as a line naming the key (``root``: the whole config's model).

    ``lowercase``: lower-case pydantic's message (the run config); the
    cooling config keeps it as is, its validators name keys such as T_bath.
    """
    loc = [str(p) for p in error["loc"] if not str(p).startswith(("function-after", "literal", "union"))]
    name = ".".join(p for p in loc if not p.startswith(("float", "int", "str", "bool", "constrained")))
    kind, msg = error["type"], error["msg"]
    if kind == "missing":
        if len(loc) == 1:
            return f"missing section [{name}]"
        return f"{name}: missing (required key of [{loc[0]}])"
    if kind == "extra_forbidden":
        model = root
        for part in loc[:-1]:  # down to the (sub-)table holding the key
            model = table_model(model, part)
        allowed = list(getattr(model, "model_fields", {}).keys())
        return f"unknown key '{name}'{suggest(loc[-1], allowed)}; allowed: {', '.join(allowed)}"
    if kind == "value_error":  # a validator's own sentence: it names its keys, keep its case
        return str(error.get("ctx", {}).get("error", msg))
    value = error.get("input")
    got = "" if isinstance(value, dict) else f" (got {value!r})"
    return f"{name or 'config'}: {msg.lower() if lowercase else msg}{got}"


def validate_model(
    root: type[BaseModel], data: Any, what: str = "config", error: type[Exception] = ConfigError, lowercase: bool = True
) -> BaseModel:
    """dict -> ``root`` instance, or ``error`` listing every bad key ("invalid {what}: ...")."""
    if not isinstance(data, dict):
        raise error(f"{what} must be a table of sections")
    try:
        return root.model_validate(data)
    except ValidationError as exc:
        lines = sorted({describe(e, root, lowercase) for e in exc.errors()})
        raise error(f"invalid {what}:\n  " + "\n  ".join(lines)) from None


def read_toml(path: str | Path, error: type[Exception] = ConfigError) -> dict:
    """The tables of a TOML file, or ``error`` if it is missing or not valid TOML."""
    path = Path(path)
    if path.is_dir():
        raise error(f"{path} is a directory, not a config file")
    if not path.is_file():
        raise error(f"config file not found: {path}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the config ({exc.strerror})") from None


def parse_assignment(text: str) -> tuple[str, str, Any]:
    """'section.key=value' -> (section, key, value), value parsed as TOML."""
    if "=" not in text or "." not in text.split("=", 1)[0]:
        raise ConfigError(f"--set expects section.key=value, got {text!r}")
    lhs, rhs = text.split("=", 1)
    section, key = lhs.strip().split(".", 1)
    try:
        value = tomllib.loads(f"v = {rhs.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = rhs.strip()  # bare words: scheme=bdf2, u=exact
    return section, key, value


def assign(data: dict, section: str, key: str, value: Any, error: type[Exception] = ConfigError) -> None:
    """data[section][key] = value, through sub-tables for a dotted key (wire.cross_section.depth)."""
    table = data.setdefault(section, {})
    if not isinstance(table, dict):
        raise error(f"section '{section}' must be a table")
    *inner, leaf = key.split(".")
    for name in inner:
        table = table.setdefault(name, {})
        if not isinstance(table, dict):
            raise error(f"{section}.{name} must be a table")
    table[leaf] = value


def inputs_relative_to(data, base: Path) -> None:
    """Files a config file reads are found next to it: [wire.cross_section] and [geometry] path as [cooling] run
    (unless the working directory has the file, as before); --set paths and what a run writes
    ([output] dir) stay relative to the working directory (docs/config.md, "Paths")."""
    for section in ((data.get("wire") or {}).get("cross_section"), data.get("geometry")):
        if not isinstance(section, dict) or not isinstance(section.get("path"), str):
            continue
        given = Path(section["path"]).expanduser()
        # only where the working directory has no such file: a config that worked before reads the same file
        if not given.is_absolute() and not given.exists() and (base / given).exists():
            section["path"] = str(base / given)
