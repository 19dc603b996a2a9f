"""Data exchange: export and import (issue 5)."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Annotated, Optional, TextIO

import typer

from sitlog.cli.common import (
    ActorFilterOpt,
    ClaimFilterOpt,
    ExactOpt,
    GradeFilterOpt,
    KindFilterOpt,
    KnownAtOpt,
    LimitOpt,
    MinGradeOpt,
    NewestOpt,
    OperatorFilterOpt,
    OperatorOpt,
    OverlappingOpt,
    PlaceFilterOpt,
    RecordedSinceOpt,
    RecordedUntilOpt,
    ReverseOpt,
    SinceOpt,
    SortOpt,
    SourceFilterOpt,
    TagFilterOpt,
    UntilOpt,
    app,
    event_query,
    session,
)
from sitlog.ops.session import operator_name

ExportFormatOpt = Annotated[
    Optional[str],
    typer.Option(
        "--format", "-f", help="jsonl (lossless, default), json, csv, geojson or acled; else from -o's extension."
    ),
]


class HeldOutput(io.StringIO):
    """Standard output that holds back the first 64 KiB: an error found while an export starts (a query that
    fails, a bad filter value) leaves stdout empty rather than a CSV header or half a record; past that it
    streams, so a large export needs no more memory."""

    HOLD = 1 << 16

    def __init__(self, out: TextIO) -> None:
        super().__init__()
        self._target = out
        self._holding = True

    def write(self, text: str) -> int:
        if self._holding and self.tell() + len(text) > self.HOLD:
            self.release()
        return super().write(text) if self._holding else self._target.write(text)

    def release(self) -> None:
        """Write what was held and pass everything after it straight through."""
        if self._holding:
            self._holding = False
            self._target.write(self.getvalue())


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    fmt: ExportFormatOpt = None,
    place: PlaceFilterOpt = None,
    actor: ActorFilterOpt = None,
    kind: KindFilterOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    limit: LimitOpt = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Include retracted events (jsonl and json always do).")
    ] = False,
    known_at: KnownAtOpt = None,
    overlapping: OverlappingOpt = False,
    newest: NewestOpt = None,
    reverse: ReverseOpt = False,
    sort: SortOpt = None,
    tag: TagFilterOpt = None,
    source: SourceFilterOpt = None,
    grade: GradeFilterOpt = None,
    min_grade: MinGradeOpt = None,
    operator: OperatorFilterOpt = None,
    claimed: ClaimFilterOpt = None,
    recorded_since: RecordedSinceOpt = None,
    recorded_until: RecordedUntilOpt = None,
    exact: ExactOpt = False,
    hxl: Annotated[bool, typer.Option("--hxl", help="csv: add a row of HXL hashtags under the header.")] = False,
    acled_displacement: Annotated[
        bool,
        typer.Option("--acled-displacement", help="acled: write displacement events too (ACLED does not code them)."),
    ] = False,
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Write to this file (replaced whole) instead of stdout.")
    ] = None,
) -> None:
    """Export events for scripts, maps and ACLED users; jsonl carries every revision, place and actor."""
    from sitlog.exchange import ExportFormat, ExportRequest, export, export_format
    from sitlog.ops.filters import event_filter
    from sitlog.render.output import message

    sess = session(ctx)
    store = sess.existing_store()
    chosen = export_format(fmt, output)
    lossless = chosen in (ExportFormat.JSONL, ExportFormat.JSON)  # retractions are part of the history
    query, limit, _flip = event_query(
        tag, source, grade, min_grade, operator, claimed, recorded_since, recorded_until, sort, reverse, newest, limit
    )
    flt = event_filter(
        store,
        sess,
        place,
        actor,
        kind,
        since,
        until,
        limit,
        show_all or lossless,
        known_at,
        overlapping=overlapping,
        more=query,
        exact=exact,
    )
    request = ExportRequest(chosen, flt, sess.tz, sess.now, hxl, acled_displacement)
    if output is None:
        held = HeldOutput(sys.stdout)
        export(store, request, held, message)
        held.release()
        sys.stdout.flush()
        return
    from sitlog.errors import InvalidInput
    from sitlog.exchange.destination import replacing

    db = sess.db_path
    if isinstance(db, Path) and output.exists() and db.exists() and os.path.samefile(output, db):
        raise InvalidInput(f"cannot write {output}: it is the database itself")
    # A private temporary file beside the target, renamed over it: a failed export leaves the old file whole.
    try:
        with replacing(output) as out:
            count = export(store, request, out, message)
    except OSError as exc:
        raise InvalidInput(f"cannot write {output}: {exc.strerror or exc}") from None
    unit = "revisions" if chosen is ExportFormat.JSONL else "events"
    message(f"exported {count} {unit} to {output} ({chosen.value})")


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="A sitlog jsonl/csv export, an ACLED or UCDP GED CSV; - for stdin.")],
    fmt: Annotated[
        Optional[str], typer.Option("--format", "-f", help="jsonl, csv, acled or ucdp (default: from the header).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count everything; write nothing.")] = False,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Skip (and report) malformed rows instead of rejecting the file.")
    ] = False,
    operator: OperatorOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Also print the summary as JSON on stdout.")] = False,
) -> None:
    """Import a file in one transaction and one change set (`sitlog undo` reverts it); re-imports add nothing."""
    from sitlog.exchange import ImportRequest, import_format, import_stream, open_input
    from sitlog.render.output import dumps, message, progress

    sess = session(ctx)
    chosen = import_format(fmt)
    stream, label, size = open_input(file)
    request = ImportRequest(label, chosen, operator_name(operator), sess.now, sess.tz, dry_run, skip_bad)
    try:
        store = sess.store()
        with progress(size, f"importing {label}") as tick:
            result = import_stream(store, stream, request, tick, message)
    finally:
        if file != "-":
            stream.close()
    message(result.summary(label))
    if as_json:
        sys.stdout.write(dumps(result.to_json()) + "\n")
