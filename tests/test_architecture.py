"""The layering of ARCHITECTURE.md, enforced: each layer imports only the layers below.

``read`` < ``model`` < ``contract`` < (``check``, ``diff``, ``generate``) < ``report`` < ``cli``.
Leaf modules (``location``, ``errors``, ``resources``) may be imported by anyone.
Nothing imports ``cli``.  No module is longer than about 400 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import REPO

PACKAGE = REPO / "qmpcontract"
LEAVES = {"qmpcontract", "location", "errors", "resources", "text"}
ALLOWED: dict[str, set[str]] = {
    "read": set(),
    "model": {"read"},
    "contract": {"read", "model"},
    "check": {"read", "model"},  # the transcript checker never imports the contract loader
    "importers": {"read", "model", "contract"},
    "releases": {"read", "model", "contract", "importers"},
    "libvirt": {"read", "model"},
    "docsite": {"read", "model", "contract", "importers", "releases", "check", "diff", "libvirt"},
    "diff": {"model"},
    "generate": {"model", "check"},
    "review": {"read", "model", "diff", "libvirt"},
    "record": {"read", "model"},
    "report": {"model", "contract", "check", "diff", "review"},
    "pytest_plugin": {"read", "model", "contract", "importers", "releases", "check", "report"},
    "strategies": {"model", "contract", "check", "generate"},
    "fuzz": {"read", "model", "importers", "check", "generate", "record"},
    "cli": {
        "read",
        "model",
        "contract",
        "importers",
        "releases",
        "libvirt",
        "docsite",
        "check",
        "diff",
        "review",
        "generate",
        "record",
        "report",
        "strategies",
        "fuzz",
    },
    "__main__": {"cli"},
}
MAX_LINES = 420


def _layer(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py") if len(relative.parts) > 1 else path.stem


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "qmpcontract":
                found.add(parts[1] if len(parts) > 1 else "qmpcontract")
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(REPO)) for p in MODULES])
def test_layering(path: Path) -> None:
    layer = _layer(path)
    if layer in LEAVES or layer == "__init__":
        allowed: set[str] = set()
    else:
        assert layer in ALLOWED, f"new top-level module {layer}: add it to ARCHITECTURE.md"
        allowed = ALLOWED[layer]
    for imported in _imports(path) - LEAVES - {layer}:
        assert imported in allowed, f"{layer} must not import {imported}"


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(REPO)) for p in MODULES])
def test_module_size(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines: split it by job"


def test_leaf_modules_import_no_layer() -> None:
    for name in ("location", "errors", "resources", "text"):
        assert _imports(PACKAGE / f"{name}.py") <= LEAVES


def test_architecture_document_names_every_package() -> None:
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for path in PACKAGE.iterdir():
        if path.is_dir() and (path / "__init__.py").exists():
            assert f"qmpcontract/{path.name}/" in text, path.name


def _module_imports(path: Path) -> set[str]:
    """The qmpcontract modules *path* imports (``from pkg import mod`` counted as ``pkg.mod``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("qmpcontract."))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qmpcontract"):
            module = str(node.module)
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return found


def test_no_import_circle() -> None:
    names = {
        ".".join(("qmpcontract", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
            ".__init__"
        ): p
        for p in MODULES
    }
    graph = {
        name: {m for m in _module_imports(path) if m in names and m != name}
        for name, path in names.items()
    }
    # a package's __init__ re-exporting its modules is no circle of theirs
    graph = {n: {m for m in deps if not n.startswith(m + ".")} for n, deps in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for dep in sorted(graph[name]):
            if state.get(dep) == 1:
                raise AssertionError(
                    "import circle: " + " -> ".join([*stack[stack.index(dep) :], dep])
                )
            if dep not in state:
                visit(dep)
        stack.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_one_explainer_of_schema_errors() -> None:
    """Only ``model/schema_errors.py`` words a jsonschema error (which keyword failed)."""
    explainer = PACKAGE / "model" / "schema_errors.py"
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        reads = {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in ("validator_value", "schema_path")
        }
        if path != explainer:
            assert not reads, f"{path.relative_to(REPO)} explains a ValidationError itself"
    assert "validator_value" in explainer.read_text(encoding="utf-8")


def test_every_change_kind_is_emitted_by_a_literal() -> None:
    """Grepping a change kind's id finds the code that reports it (no f-string ids)."""
    from qmpcontract.diff.catalogue import CHANGES

    catalogue = PACKAGE / "diff" / "catalogue.py"
    literals: set[str] = set()
    for path in MODULES:
        if path == catalogue:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            if isinstance(node, ast.JoinedStr):
                text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
                assert not text.startswith("diff/"), f"{path.name}: a change kind built by f-string"
    missing = sorted(set(CHANGES) - literals)
    assert not missing, f"change kinds no module names literally: {missing}"
