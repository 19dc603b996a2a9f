"""The command line: the Typer app and its commands. Nothing below this package knows about Typer.

``main`` first lets :mod:`sitlog.cli.quick` answer what needs no Typer (``--version`` and shell
completion); everything else goes to the Typer app, which builds only the command being run.
"""

from __future__ import annotations

import sys
from typing import Any


def main() -> None:
    """The console-script entry point."""
    from sitlog.cli.quick import answer

    if answer(sys.argv[1:]):
        return
    _typer_app()()


def _typer_app() -> Any:
    from sitlog.cli import root  # noqa: F401  # registers the root callback; commands come when asked for
    from sitlog.cli.common import app

    return app


def __getattr__(name: str) -> Any:
    if name == "app":  # ``from sitlog.cli import app`` (tests, docs generators) gets the whole Typer app
        return _typer_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["app", "main"]
