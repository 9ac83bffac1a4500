"""The package's layering rules (docs/design.md section 8), read from the source with `ast`."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "psc_fem"
SOURCES = sorted([*PACKAGE.rglob("*.py"), *(ROOT / "forms").glob("*.py"), *(ROOT / "meshes").glob("*.py")])
MAX_LINES = 400
LONG_REASON = "Longer than 400 lines because"  # the docstring phrase that allows a longer module


def rel(path):
    return path.relative_to(ROOT).as_posix()


def in_room(path, *rooms):
    r = rel(path)
    return any(r.startswith(f"psc_fem/{room}/") or r == f"psc_fem/{room}.py" for room in rooms)


def imported_modules(tree, top_level_only=False):
    """Names of the modules imported by a file (``top_level_only``: not inside a function or class)."""
    nodes = []
    if top_level_only:
        stack = list(tree.body)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            nodes.append(node)
            stack.extend(ast.iter_child_nodes(node))
    else:
        nodes = list(ast.walk(tree))
    names = []
    for node in nodes:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def parse(path):
    return ast.parse(path.read_text(), filename=str(path))


def docstring_nodes(tree):
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def test_the_rules_see_every_room():
    rooms = {rel(p).split("/")[1] for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE}
    assert {"solver", "io", "analysis", "phonons", "cooling", "studies", "plotting", "cli"} <= rooms
    assert any(rel(p).startswith("forms/") for p in SOURCES) and any(rel(p).startswith("meshes/") for p in SOURCES)
    assert len(SOURCES) > 60


@pytest.mark.parametrize("path", SOURCES, ids=rel)
def test_only_the_cli_imports_the_cli(path):
    if in_room(path, "cli"):
        return
    bad = [m for m in imported_modules(parse(path)) if m == "psc_fem.cli" or m.startswith("psc_fem.cli.")]
    assert not bad, f"{rel(path)} imports {bad}: library modules never import the command line"


@pytest.mark.parametrize("path", SOURCES, ids=rel)
def test_no_matplotlib_at_module_level_outside_plotting(path):
    if in_room(path, "plotting", "cli"):
        return
    bad = [m for m in imported_modules(parse(path), top_level_only=True) if m.split(".")[0] == "matplotlib"]
    assert not bad, f"{rel(path)} imports {bad} at module level"


@pytest.mark.parametrize("path", SOURCES, ids=rel)
def test_library_modules_do_not_import_plotting(path):
    """Only the CLI, plotting itself and Solution's plot methods (inside the method) draw."""
    if in_room(path, "plotting", "cli"):
        return
    tree = parse(path)
    top = [m for m in imported_modules(tree, top_level_only=True) if m.startswith("psc_fem.plotting")]
    assert not top, f"{rel(path)} imports {top} at module level"
    if not in_room(path, "solution"):
        anywhere = [m for m in imported_modules(tree) if m.startswith("psc_fem.plotting")]
        assert not anywhere, f"{rel(path)} imports {anywhere}"


@pytest.mark.parametrize("path", SOURCES, ids=rel)
def test_no_forced_matplotlib_backend(path):
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "use":
            owner = node.func.value
            assert not (isinstance(owner, ast.Name) and owner.id == "matplotlib"), f"{rel(path)} calls matplotlib.use"


@pytest.mark.parametrize("path", SOURCES, ids=rel)
def test_run_directory_file_names_live_in_rundir(path):
    """ "series.h5" and "run.json" are spelled in code only by psc_fem/rundir.py (docstrings may name them)."""
    if rel(path) == "psc_fem/rundir.py":
        return
    tree = parse(path)
    docs = docstring_nodes(tree)
    found = [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docs
        and ("series.h5" in node.value or "run.json" in node.value)
    ]
    assert not found, f"{rel(path)} spells a run-directory file name: {found}"


@pytest.mark.parametrize("path", SOURCES, ids=rel)
def test_modules_are_short_or_say_why(path):
    n = len(path.read_text().splitlines())
    if n <= MAX_LINES:
        return
    doc = ast.get_docstring(parse(path)) or ""
    assert LONG_REASON in doc, f"{rel(path)} has {n} lines (> {MAX_LINES}) and no '{LONG_REASON} ...' in its docstring"


def test_rule_checker_catches_violations(tmp_path):
    """The checks above are not vacuous: they flag a module written to break them."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        '"""Mentions series.h5 in a docstring: allowed."""\nimport matplotlib.pyplot as plt\n'
        "from psc_fem.cli import main\n\n\ndef f():\n    from psc_fem.plotting import fig1\n"
        '    return "run.json"\n'
    )
    tree = parse(bad)
    assert "psc_fem.cli" in imported_modules(tree)
    assert "matplotlib.pyplot" in imported_modules(tree, top_level_only=True)
    assert "psc_fem.plotting" not in imported_modules(tree, top_level_only=True)
    assert "psc_fem.plotting" in imported_modules(tree)
    docs = docstring_nodes(tree)
    spelled = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs and ".json" in n.value
    ]
    assert spelled == ["run.json"]
