"""``sitlog events``: list events, filtered, streamed from SQL as they are read (issue 14)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Optional, TypeVar

import typer

from sitlog.cli.common import (
    ActorFilterOpt,
    ClaimFilterOpt,
    ColorOpt,
    ExactOpt,
    FormatOpt,
    GradeFilterOpt,
    JsonOpt,
    KindFilterOpt,
    KnownAtOpt,
    LimitOpt,
    MinGradeOpt,
    MinSourcesOpt,
    NewestOpt,
    NoPagerOpt,
    OperatorFilterOpt,
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
    WidthOpt,
    app,
    display,
    event_query,
    output_format,
    session,
)

T = TypeVar("T")


# --- listing ---------------------------------------------------------------------------------------


@app.command("events")
def events_cmd(
    ctx: typer.Context,
    place: PlaceFilterOpt = None,
    actor: ActorFilterOpt = None,
    kind: KindFilterOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    limit: LimitOpt = None,
    show_all: Annotated[bool, typer.Option("--all", help="Include retracted events.")] = False,
    known_at: KnownAtOpt = None,
    min_sources: MinSourcesOpt = None,
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
    near: Annotated[Optional[str], typer.Option("--near", help="Only events near this place (see --within).")] = None,
    within: Annotated[
        Optional[float], typer.Option("--within", help="With --near: the distance in km (default 10).")
    ] = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    width: WidthOpt = None,
    color: ColorOpt = None,
    pager: NoPagerOpt = True,
) -> None:
    """List events, oldest first (-n N: the newest N, newest first), filtered.

    --limit N keeps the first N of the order shown: the oldest N, or with --reverse the newest N.
    Rows stream as they are read: past 1,000 rows a table keeps the column widths of its first 1,000
    (a wider cell later is never cut; csv, tsv, json and jsonl are unchanged).
    """
    from sitlog.ops.filters import event_filter
    from sitlog.render.events import EVENT_COLUMNS, EVENT_CSV_COLUMNS, describe
    from sitlog.render.output import Format
    from sitlog.render.stream import Listing, emit_json, emit_listing
    from sitlog.store.listing import event_cells, event_json

    sess = session(ctx)
    store = sess.existing_store()
    form = output_format(fmt, as_json)
    query, limit, flip = event_query(
        tag, source, grade, min_grade, operator, claimed, recorded_since, recorded_until, sort, reverse, newest, limit
    )
    flt = event_filter(
        store, sess, place, actor, kind, since, until, limit, show_all, known_at,
        min_sources=min_sources, overlapping=overlapping, more=query, exact=exact, near=near, within_km=within,
    )  # fmt: skip
    # Streamed from SQL to stdout as they are read: a million events start at once (issue 14).
    if form in (Format.JSON, Format.JSONL):
        texts = event_json(store, flt, sess.tz)
        emit_json([_reversed(texts)] if flip else texts, form)
        return
    machine = form in (Format.CSV, Format.TSV)
    rows = event_cells(store, flt, sess.tz, describe, machine)
    columns = EVENT_CSV_COLUMNS if machine else EVENT_COLUMNS
    listing = Listing(columns, [_reversed(rows)] if flip else rows, struck=None if machine else 6)
    emit_listing(listing, form, display=display())


def _reversed(batches: Iterable[Sequence[T]]) -> list[T]:
    """All the items of ``batches``, last first (``-n N --reverse``: at most N)."""
    items = [item for chunk in batches for item in chunk]
    items.reverse()
    return items
