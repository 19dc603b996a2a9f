"""The house rules of docs/architecture.md, checked on the source.

Layers, highest first: ``cli`` → ``exchange``, ``ops``, ``web`` → ``store``, ``render`` → ``domain`` → ``errors``.
A module may import its own layer and any layer ranked below it, never one above it or a sibling
of equal rank (``store`` and ``render`` never meet; neither do ``ops``, ``exchange`` and ``web``). Each
library stays in the layer that owns it, no module imports itself back through a circle, and no
module grows past 500 lines. Imports inside functions and ``TYPE_CHECKING`` blocks count too: a lazy
upward import is still an upward tie.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sitlog"
MODULES = sorted(PACKAGE.rglob("*.py"))

RANK = {"errors": 0, "domain": 1, "store": 2, "render": 2, "ops": 3, "exchange": 3, "web": 3, "cli": 4, "entry": 5}
# library → the layers allowed to import it
OWNERS = {
    "rich": {"render"},
    "tabulate": {"render"},
    "matplotlib": {"render"},
    "sqlite3": {"store"},
    "sqlite_utils": {"store"},
    "typer": {"cli"},
    "datasette": {"web"},  # the optional extra sitlog[web]
    "uvicorn": {"web"},
    "click": set(),  # typer bundles its own click; importing click's exceptions does not work
}
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> str:
    """``sitlog.store.events`` → ``store``; the package root (only ``__version__``) ranks with errors."""
    parts = module.split(".")
    if len(parts) == 1:
        return "errors"
    if parts[1] == "__main__":
        return "entry"
    return parts[1]


@cache
def known_modules() -> frozenset[str]:
    return frozenset(module_name(p) for p in MODULES)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it; ``from pkg import mod`` counts as ``pkg.mod``."""
    found: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            submodules = {f"{base}.{a.name}" for a in node.names} & known_modules()
            found.update(submodules)
            if len(submodules) < len(node.names):  # some names are attributes of ``base`` itself
                found.add(base)
    return found


def own_imports(path: Path) -> set[str]:
    return {name for name in imports(path) if name == "sitlog" or name.startswith("sitlog.")}


def upward(module: str, imported: set[str]) -> list[str]:
    """The imports of ``module`` that reach a higher layer or a sibling of equal rank."""
    here = layer(module)
    return sorted(n for n in imported if layer(n) != here and RANK[layer(n)] >= RANK[here])


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_imports_run_one_way(path: Path) -> None:
    ties = upward(module_name(path), own_imports(path))
    assert not ties, f"{module_name(path)} ({layer(module_name(path))}) imports {', '.join(ties)}: upward ties"


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_libraries_stay_in_their_layer(path: Path) -> None:
    here = layer(module_name(path))
    for name in imports(path):
        top = name.split(".")[0]
        if top in OWNERS:
            assert here in OWNERS[top], f"{module_name(path)} imports {name}, which belongs in {OWNERS[top] or 'none'}"


def test_no_import_circles() -> None:
    graph = {module_name(p): {n for n in own_imports(p) if n in known_modules()} for p in MODULES}
    # A package imports its own ``__init__`` implicitly; only written imports are edges here.
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for nxt in sorted(graph[module]):
            if state.get(nxt) == 1:
                circle = path[path.index(nxt) :] + [nxt]
                pytest.fail("import circle: " + " → ".join(circle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_no_module_past_500_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module_name(path)} has {lines} lines; split it by what it does"


def test_every_module_sits_in_a_known_layer() -> None:
    assert {layer(module_name(p)) for p in MODULES} <= set(RANK)


def test_the_rules_catch_upward_and_sideways_imports() -> None:
    """The checks above are not vacuous: what they would report for imports this codebase must not have."""
    assert upward("sitlog.store.reports", {"sitlog.ops.recording", "sitlog.domain.model"}) == ["sitlog.ops.recording"]
    assert upward("sitlog.render.events", {"sitlog.store", "sitlog.errors"}) == ["sitlog.store"]
    assert upward("sitlog.ops.corrections", {"sitlog.exchange.base", "sitlog.cli.common"}) == [
        "sitlog.cli.common",
        "sitlog.exchange.base",
    ]
    assert upward("sitlog.cli.root", {"sitlog.ops.session", "sitlog.render", "sitlog.store"}) == []
    assert upward("sitlog.web.server", {"sitlog.ops.session", "sitlog.store.opening"}) == ["sitlog.ops.session"]
