"""The layering of STYLE.md, checked on the source: each library stays in the modules that own it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sitlog"
MODULES = sorted(PACKAGE.glob("*.py"))

# library → the modules allowed to import it (by file name pattern)
OWNERS = {
    "rich": ("render.py",),
    "tabulate": ("render.py",),
    "sqlite3": ("store",),
    "sqlite_utils": ("store",),
    "typer": ("cli",),
    "click": (),
}
# modules that must never reach the database or the terminal (pure layers)
PURE = {"report.py", "render.py", "model.py", "gazetteer.py", "timeparse.py", "errors.py"}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_libraries_stay_in_their_layer(path: Path) -> None:
    for name in imported(path):
        top = name.split(".")[0]
        if top in OWNERS:
            assert path.name.startswith(OWNERS[top]), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", [p for p in MODULES if p.name in PURE], ids=lambda p: p.name)
def test_pure_layers_never_touch_the_store_or_the_cli(path: Path) -> None:
    for name in imported(path):
        assert not name.startswith(("sitlog.store", "sitlog.cli", "sitlog.recording")), f"{path.name} imports {name}"
