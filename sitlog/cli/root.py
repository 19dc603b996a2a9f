"""The Typer app: parse arguments, read the clock once, call the layers below, hand results to render."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer

from sitlog import __version__
from sitlog.cli.common import (
    ActorFilterOpt,
    ActorTypeOpt,
    AtOpt,
    ClaimedByOpt,
    ClaimedOpt,
    ClaimFilterOpt,
    ColorOpt,
    CorroboratesOpt,
    ExactOpt,
    FormatOpt,
    GradeFilterOpt,
    GradeOpt,
    IdOpt,
    JsonOpt,
    KindFilterOpt,
    KnownAtOpt,
    LimitOpt,
    MinGradeOpt,
    MinSourcesOpt,
    NewActorOpt,
    NewAdmin1Opt,
    NewestOpt,
    NewLatOpt,
    NewLonOpt,
    NewPlaceOpt,
    NoPagerOpt,
    NoteOpt,
    OperatorFilterOpt,
    OperatorOpt,
    OverlappingOpt,
    PlaceArg,
    PlaceFilterOpt,
    RecordedSinceOpt,
    RecordedUntilOpt,
    ReverseOpt,
    SinceOpt,
    SortOpt,
    SourceFilterOpt,
    SourceOpt,
    TagFilterOpt,
    TagOpt,
    UntilOpt,
    WidthOpt,
    app,
    display,
    event_query,
    make_app,
    output_format,
    reset_display,
    session,
)
from sitlog.ops.session import operator_name

T = TypeVar("T")
log_app = make_app("Record an event as a report comes in.")
app.add_typer(log_app, name="log")


def _version(value: bool) -> None:
    if value:
        from sitlog.store import SCHEMA_VERSION, SQLITE_VERSION

        typer.echo(f"sitlog {__version__} (schema {SCHEMA_VERSION}, SQLite {SQLITE_VERSION})")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[Optional[Path], typer.Option("--db", envvar="SITLOG_DB", help="Database file.")] = None,
    tz: Annotated[Optional[str], typer.Option("--tz", envvar="SITLOG_TZ", help="Report time zone (IANA name).")] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show versions and exit.")
    ] = False,
) -> None:
    """sitlog — a situation log for conflict monitoring."""
    from sitlog.cli.config import apply_settings

    reset_display()
    ctx.obj = apply_settings(ctx, db, tz)


# --- recording -------------------------------------------------------------------------------------


def _common(
    at: str | None,
    source: str | None,
    grade: str | None,
    claimed: bool,
    claimed_by: str | None,
    note: str | None,
    tag: list[str] | None,
    operator: str | None,
    event_id: str | None,
    new_place: bool,
    as_json: bool,
    corroborates: str | None = None,
    new: tuple[str | None, float | None, float | None, bool, str | None] = (None, None, None, False, None),
) -> dict[str, Any]:
    """The options every ``log`` command shares; ``new``: --admin1, --lat, --lon, --new-actor, --actor-type."""
    admin1, lat, lon, new_actor, actor_type = new
    return dict(
        at=at,
        source=source,
        grade=grade,
        claimed=claimed,
        claimed_by=claimed_by,
        note=note,
        tags=tag or [],
        operator=operator_name(operator),
        event_id=event_id,
        new_place=new_place,
        as_json=as_json,
        corroborates=corroborates,
        new_place_admin1=admin1,
        new_place_lat=lat,
        new_place_lon=lon,
        new_actor=new_actor,
        actor_type=actor_type,
    )


def _log(ctx: typer.Context, kind: str, place: str, common: dict[str, Any], fields: dict[str, Any]) -> None:
    from sitlog.ops.handles import with_handle
    from sitlog.ops.recording import LogRequest, record
    from sitlog.render.events import corroboration_receipt, log_receipt
    from sitlog.render.output import dumps, message

    collector = ctx.meta.get("sitlog.batch")  # a line of `log --file` (sitlog/cli/batch.py): store later
    if collector is not None:
        collector.append((kind, place, common, fields))
        return
    sess = session(ctx)
    request = LogRequest(kind=kind, place=place, fields=fields, **common)
    store = sess.store()
    result = record(store, request, sess.when(common["at"], warn_future=True), sess.now, sess.tz)
    event = with_handle(store, result.event)
    if result.corroborated:
        message(corroboration_receipt(event, result.notes))
    else:
        message(log_receipt(event, result.notes, result.created, sess.tz))
    for warning in result.warnings:
        message(warning)
    if common.get("new_place_lat") is not None and any(n.startswith("new place") for n in result.notes):
        from sitlog.ops.gazetteer import coordinate_warnings

        for warning in coordinate_warnings(store.places.get(result.event.place_id)):
            message(warning)
    if common["as_json"]:
        sys.stdout.write(dumps(event.to_json(sess.tz)) + "\n")


@log_app.command("control")
def log_control(
    ctx: typer.Context,
    place: PlaceArg,
    by: Annotated[Optional[str], typer.Option("--by", help="Who holds the place (none when contested).")] = None,
    status: Annotated[str, typer.Option("--status", help="held, contested or partial.")] = "held",
    part: Annotated[Optional[str], typer.Option("--part", help="Part of the town, e.g. south.")] = None,
    against: Annotated[Optional[list[str]], typer.Option("--against", help="Who contests it (repeatable).")] = None,
    from_: Annotated[
        Optional[str], typer.Option("--from", help="Who held it before (when no earlier control event says).")
    ] = None,
    baseline: Annotated[
        bool, typer.Option("--baseline", help="Held as of then (e.g. a ceasefire line): never a change or battle.")
    ] = False,
    at: AtOpt = None,
    source: SourceOpt = None,
    grade: GradeOpt = None,
    claimed: ClaimedOpt = False,
    claimed_by: ClaimedByOpt = None,
    note: NoteOpt = None,
    tag: TagOpt = None,
    operator: OperatorOpt = None,
    event_id: IdOpt = None,
    new_place: NewPlaceOpt = False,
    corroborates: CorroboratesOpt = None,
    admin1: NewAdmin1Opt = None,
    lat: NewLatOpt = None,
    lon: NewLonOpt = None,
    new_actor: NewActorOpt = False,
    actor_type: ActorTypeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A place taken, held, contested or partly held (assessed, or claimed with --claimed-by)."""
    common = _common(at, source, grade, claimed, claimed_by, note, tag, operator, event_id, new_place, as_json,
                     corroborates, (admin1, lat, lon, new_actor, actor_type))  # fmt: skip
    fields = dict(by=by, status=status, part=part, against=against or [], baseline=baseline)
    _log(ctx, "control", place, common, {**fields, "from": from_})


@log_app.command("clash")
def log_clash(
    ctx: typer.Context,
    place: PlaceArg,
    actor: Annotated[Optional[list[str]], typer.Option("--actor", help="A party (repeat: at least two).")] = None,
    outcome: Annotated[Optional[str], typer.Option("--outcome", help="How it ended, if known.")] = None,
    at: AtOpt = None,
    source: SourceOpt = None,
    grade: GradeOpt = None,
    claimed: ClaimedOpt = False,
    claimed_by: ClaimedByOpt = None,
    note: NoteOpt = None,
    tag: TagOpt = None,
    operator: OperatorOpt = None,
    event_id: IdOpt = None,
    new_place: NewPlaceOpt = False,
    corroborates: CorroboratesOpt = None,
    admin1: NewAdmin1Opt = None,
    lat: NewLatOpt = None,
    lon: NewLonOpt = None,
    new_actor: NewActorOpt = False,
    actor_type: ActorTypeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fighting between two or more actors."""
    common = _common(at, source, grade, claimed, claimed_by, note, tag, operator, event_id, new_place, as_json,
                     corroborates, (admin1, lat, lon, new_actor, actor_type))  # fmt: skip
    _log(ctx, "clash", place, common, dict(actors=actor or [], outcome=outcome))


@log_app.command("casualties")
def log_casualties(
    ctx: typer.Context,
    place: PlaceArg,
    killed: Annotated[Optional[str], typer.Option("--killed", help="Q: 7, 10-15, 40+, several, dozens…")] = None,
    injured: Annotated[Optional[str], typer.Option("--injured", help="Q, as for --killed.")] = None,
    captured: Annotated[Optional[str], typer.Option("--captured", help="Q, as for --killed.")] = None,
    side: Annotated[Optional[str], typer.Option("--side", help="ACTOR, civilians or unknown.")] = None,
    person: Annotated[Optional[str], typer.Option("--person", help="A named individual.")] = None,
    role: Annotated[Optional[str], typer.Option("--role", help="The person's role.")] = None,
    at: AtOpt = None,
    source: SourceOpt = None,
    grade: GradeOpt = None,
    claimed: ClaimedOpt = False,
    claimed_by: ClaimedByOpt = None,
    note: NoteOpt = None,
    tag: TagOpt = None,
    operator: OperatorOpt = None,
    event_id: IdOpt = None,
    new_place: NewPlaceOpt = False,
    corroborates: CorroboratesOpt = None,
    admin1: NewAdmin1Opt = None,
    lat: NewLatOpt = None,
    lon: NewLonOpt = None,
    new_actor: NewActorOpt = False,
    actor_type: ActorTypeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """People killed, injured or captured (vague figures kept as reported)."""
    common = _common(at, source, grade, claimed, claimed_by, note, tag, operator, event_id, new_place, as_json,
                     corroborates, (admin1, lat, lon, new_actor, actor_type))  # fmt: skip
    fields = dict(killed=killed, injured=injured, captured=captured, side=side, person=person, role=role)
    _log(ctx, "casualties", place, common, fields)


@log_app.command("strike")
def log_strike(
    ctx: typer.Context,
    place: PlaceArg,
    by: Annotated[Optional[str], typer.Option("--by", help="Who struck.")] = None,
    means: Annotated[Optional[str], typer.Option("--means", help="air, drone, artillery, missile, other.")] = None,
    at: AtOpt = None,
    source: SourceOpt = None,
    grade: GradeOpt = None,
    claimed: ClaimedOpt = False,
    claimed_by: ClaimedByOpt = None,
    note: NoteOpt = None,
    tag: TagOpt = None,
    operator: OperatorOpt = None,
    event_id: IdOpt = None,
    new_place: NewPlaceOpt = False,
    corroborates: CorroboratesOpt = None,
    admin1: NewAdmin1Opt = None,
    lat: NewLatOpt = None,
    lon: NewLonOpt = None,
    new_actor: NewActorOpt = False,
    actor_type: ActorTypeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """An air, drone, artillery or missile strike."""
    common = _common(at, source, grade, claimed, claimed_by, note, tag, operator, event_id, new_place, as_json,
                     corroborates, (admin1, lat, lon, new_actor, actor_type))  # fmt: skip
    _log(ctx, "strike", place, common, dict(by=by, means=means))


@log_app.command("displacement")
def log_displacement(
    ctx: typer.Context,
    place: PlaceArg,
    people: Annotated[Optional[str], typer.Option("--people", help="Q people displaced.")] = None,
    families: Annotated[Optional[str], typer.Option("--families", help="Q families displaced.")] = None,
    to: Annotated[Optional[str], typer.Option("--to", help="Where they went (a place).")] = None,
    at: AtOpt = None,
    source: SourceOpt = None,
    grade: GradeOpt = None,
    claimed: ClaimedOpt = False,
    claimed_by: ClaimedByOpt = None,
    note: NoteOpt = None,
    tag: TagOpt = None,
    operator: OperatorOpt = None,
    event_id: IdOpt = None,
    new_place: NewPlaceOpt = False,
    corroborates: CorroboratesOpt = None,
    admin1: NewAdmin1Opt = None,
    lat: NewLatOpt = None,
    lon: NewLonOpt = None,
    new_actor: NewActorOpt = False,
    actor_type: ActorTypeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """People or families fleeing."""
    common = _common(at, source, grade, claimed, claimed_by, note, tag, operator, event_id, new_place, as_json,
                     corroborates, (admin1, lat, lon, new_actor, actor_type))  # fmt: skip
    _log(ctx, "displacement", place, common, dict(people=people, families=families, to=to))


@log_app.command("advance")
def log_advance(
    ctx: typer.Context,
    toward: Annotated[Optional[str], typer.Option("--toward", help="The place advanced toward.")] = None,
    near: Annotated[Optional[str], typer.Option("--near", help="The place the force now stands near.")] = None,
    by: Annotated[Optional[str], typer.Option("--by", help="Who advanced.")] = None,
    distance: Annotated[
        Optional[str], typer.Option("--distance", help="km as reported: 10, 5-8, 'nearly 10', 'a few'.")
    ] = None,
    direction: Annotated[Optional[str], typer.Option("--direction", help="From where, e.g. west.")] = None,
    at: AtOpt = None,
    source: SourceOpt = None,
    grade: GradeOpt = None,
    claimed: ClaimedOpt = False,
    claimed_by: ClaimedByOpt = None,
    note: NoteOpt = None,
    tag: TagOpt = None,
    operator: OperatorOpt = None,
    event_id: IdOpt = None,
    new_place: NewPlaceOpt = False,
    corroborates: CorroboratesOpt = None,
    admin1: NewAdmin1Opt = None,
    lat: NewLatOpt = None,
    lon: NewLonOpt = None,
    new_actor: NewActorOpt = False,
    actor_type: ActorTypeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Front-line movement: an actor advanced toward a place or stands near it. Never changes control."""
    from sitlog.errors import InvalidInput

    if (toward is None) == (near is None):
        raise InvalidInput("an advance needs exactly one of --toward PLACE or --near PLACE")
    common = _common(at, source, grade, claimed, claimed_by, note, tag, operator, event_id, new_place, as_json,
                     corroborates, (admin1, lat, lon, new_actor, actor_type))  # fmt: skip
    fields = dict(by=by, relation="toward" if toward else "near", distance=distance, direction=direction)
    _log(ctx, "advance", toward or near or "", common, fields)


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


# ``log --file`` (batch entry) is the ``log`` group's own callback. The other command modules register
# themselves on ``app`` when the root first asks for one of their commands (common.COMMAND_MODULES).
from sitlog.cli import batch  # noqa: E402,F401


def whole_app() -> Any:
    """The root click command with every subcommand built and taught (docs, man page, tests walk it)."""
    import typer.main

    from sitlog.cli.helptext import teach

    command = typer.main.get_command(app)
    command.list_commands(None)  # type: ignore[attr-defined]  # SitlogRoot builds every command
    teach(command)
    return command
