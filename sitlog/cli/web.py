"""``sitlog serve``: the log published read-only in a browser through Datasette (issue 16)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sitlog.cli.common import app, session

if TYPE_CHECKING:
    from sitlog.ops.session import Session


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
    started; restart it to see newer events. On PostgreSQL it serves an SQLite snapshot of the log taken
    at start (Datasette reads SQLite), in a private temporary folder removed at the end. Ctrl-C stops it."""
    from sitlog.render.output import message
    from sitlog.web.server import require_web, serve

    require_web()
    sess = session(ctx)
    if not isinstance(sess.db_path, Path):
        import tempfile

        with tempfile.TemporaryDirectory(prefix="sitlog-serve-") as folder:
            snapshot = _snapshot(sess, Path(folder))
            serve(snapshot, host, port, base_url, notify=message)
        return
    sess.existing_store()  # a missing, damaged, older or newer database: the error any read command gives
    sess.close()
    serve(sess.db_path, host, port, base_url, notify=message)


def _snapshot(sess: Session, folder: Path) -> Path:
    """An SQLite copy of the log ``sess`` names (every event, revision, place and actor, through the jsonl
    bundle ``export`` writes, from one snapshot) in ``folder``: what ``serve`` publishes for a server's log."""
    from datetime import timezone

    from sitlog.exchange import ExportFormat, ExportRequest, ImportFormat, ImportRequest, export, import_stream
    from sitlog.render.output import message
    from sitlog.store import EventFilter, open_store

    bundle, path = folder / "log.jsonl", folder / "snapshot.db"
    source = sess.existing_store()
    with bundle.open("w", encoding="utf-8", newline="\n") as out:
        count = export(source, ExportRequest(ExportFormat.JSONL, EventFilter(include_retracted=True), timezone.utc,
                                             sess.now), out, message)  # fmt: skip
    sess.close()
    copy = open_store(path)
    try:
        with bundle.open("rb") as stream:
            request = ImportRequest("the server's log", ImportFormat.JSONL, "serve", sess.now, sess.tz)
            import_stream(copy, stream, request, lambda n: None, message)
    finally:
        copy.close()
    bundle.unlink()
    message(f"serving a snapshot of {sess.db_path} ({count} revisions, as of now); restart to see newer events")
    return path
