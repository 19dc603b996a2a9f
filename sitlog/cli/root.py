"""The root of the command line: its callback (``--db``, ``--tz``, ``--version``) and the whole app.

Every command lives in the module ``common.COMMAND_MODULES`` names and is built when first asked for:
``sitlog log control …`` imports and builds ``log control`` alone.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from sitlog import __version__
from sitlog.cli.common import app, reset_display


def _version(value: bool) -> None:
    if value:
        from sitlog.store import SCHEMA_VERSION, SQLITE_VERSION

        typer.echo(f"sitlog {__version__} (schema {SCHEMA_VERSION}, SQLite {SQLITE_VERSION})")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Optional[str],
        typer.Option("--db", envvar="SITLOG_DB", help="Database file or postgresql:// URL."),
    ] = None,
    tz: Annotated[Optional[str], typer.Option("--tz", envvar="SITLOG_TZ", help="Report time zone (IANA name).")] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show versions and exit.")
    ] = False,
) -> None:
    """sitlog — a situation log for conflict monitoring."""
    from sitlog.cli.config import apply_settings

    reset_display()
    ctx.obj = apply_settings(ctx, db, tz)


def whole_app() -> Any:
    """The root click command with every subcommand built and taught (docs, man page, tests walk it)."""
    import typer.main

    from sitlog.cli.helptext import teach

    def build(group: Any) -> None:  # the root and each sub-app build their commands when listed
        for name in group.list_commands(None) if hasattr(group, "list_commands") else ():
            build(group.commands[name])

    command = typer.main.get_command(app)
    build(command)
    teach(command)
    return command
