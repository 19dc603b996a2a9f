"""``sitlog serve``: the log published read-only in a browser through Datasette (issue 16)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sitlog.cli.common import app, session
from sitlog.errors import UsageError


@app.command("serve")
def serve_cmd(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="TCP port to listen on (0: any free one).")
    ] = 8001,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on: 127.0.0.1 (this machine only) unless you "
            "mean to publish it; put a reverse proxy in front for others (docs/team.md).",
        ),
    ] = "127.0.0.1",  # fmt: skip
    base_url: Annotated[
        str, typer.Option("--base-url", help="The path the view is mounted at behind a reverse proxy (/sitlog/).")
    ] = "/",
) -> None:
    """Publish the log read-only in a browser (Datasette): events, places, actors with facets; status as of
    a moment, a town's history, a day's summary; a map of who holds each place. Never writes.

    Needs the optional extra: pip install 'sitlog[web]'. The view shows the database as it was when it
    started; restart it to see newer events. Ctrl-C stops it."""
    from sitlog.render.output import message
    from sitlog.web.server import require_web, serve

    require_web()
    sess = session(ctx)
    if not isinstance(sess.db_path, Path):
        raise UsageError(
            f"sitlog serve publishes an SQLite file (Datasette reads SQLite only); for {sess.db_path}, serve a "
            "snapshot: `sitlog --db URL export | sitlog --db snapshot.db import -`, "
            "then `sitlog --db snapshot.db serve`"
        )
    sess.existing_store()  # a missing, damaged, older or newer database: the error any read command gives
    sess.close()
    serve(sess.db_path, host, port, base_url, notify=message)
