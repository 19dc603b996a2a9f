"""The command line: the Typer app and its commands. Nothing below this package knows about Typer."""

from sitlog.cli.app import main
from sitlog.cli.common import app

__all__ = ["app", "main"]
