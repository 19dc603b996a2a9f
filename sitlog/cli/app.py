"""The Typer app: parse arguments, read the clock once, call the layers below, hand results to render."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from sitlog import __version__
from sitlog.cli.common import (
    ActorFilterOpt,
    AtOpt,
    ClaimedByOpt,
    ClaimedOpt,
    CorroboratesOpt,
    FormatOpt,
    GradeOpt,
    IdOpt,
    JsonOpt,
    KindFilterOpt,
    KnownAtOpt,
    LimitOpt,
    MinSourcesOpt,
    NewPlaceOpt,
    NoteOpt,
    OperatorOpt,
    PlaceArg,
    PlaceFilterOpt,
    SinceOpt,
    SourceOpt,
    TagOpt,
    UntilOpt,
    app,
    make_app,
    output_format,
    session,
    show,
)
from sitlog.ops.session import operator_name

log_app = make_app("Record an event as a report comes in.")
places_app = make_app("The gazetteer of places: list, add, alias, import.")
actors_app = make_app("Armed groups, forces and populations: list, add, alias.")
app.add_typer(log_app, name="log")
app.add_typer(places_app, name="places")
app.add_typer(actors_app, name="actors")


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
) -> dict[str, Any]:
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
    result = record(sess.store(), request, sess.when(common["at"], warn_future=True), sess.now, sess.tz)
    event = with_handle(sess.store(), result.event)
    if result.corroborated:
        message(corroboration_receipt(event, result.notes))
    else:
        message(log_receipt(event, result.notes, result.created, sess.tz))
    for warning in result.warnings:
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
    as_json: JsonOpt = False,
) -> None:
    """A place taken, held, contested or partly held (assessed, or claimed with --claimed-by)."""
    common = _common(
        at, source, grade, claimed, claimed_by, note, tag, operator, event_id, new_place, as_json, corroborates
    )
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
    as_json: JsonOpt = False,
) -> None:
    """Fighting between two or more actors."""
    common = _common(
        at, source, grade, claimed, claimed_by, note, tag, operator, event_id, new_place, as_json, corroborates
    )
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
    as_json: JsonOpt = False,
) -> None:
    """People killed, injured or captured (vague figures kept as reported)."""
    common = _common(
        at, source, grade, claimed, claimed_by, note, tag, operator, event_id, new_place, as_json, corroborates
    )
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
    as_json: JsonOpt = False,
) -> None:
    """An air, drone, artillery or missile strike."""
    common = _common(
        at, source, grade, claimed, claimed_by, note, tag, operator, event_id, new_place, as_json, corroborates
    )
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
    as_json: JsonOpt = False,
) -> None:
    """People or families fleeing."""
    common = _common(
        at, source, grade, claimed, claimed_by, note, tag, operator, event_id, new_place, as_json, corroborates
    )
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
    as_json: JsonOpt = False,
) -> None:
    """Front-line movement: an actor advanced toward a place or stands near it. Never changes control."""
    from sitlog.errors import InvalidInput

    if (toward is None) == (near is None):
        raise InvalidInput("an advance needs exactly one of --toward PLACE or --near PLACE")
    common = _common(at, source, grade, claimed, claimed_by, note, tag, operator, event_id, new_place, as_json,
                     corroborates)  # fmt: skip
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
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List events in time order, filtered."""
    from sitlog.ops.recording import event_filter
    from sitlog.render.events import events_report
    from sitlog.render.output import Format, emit

    sess = session(ctx)
    store = sess.store()
    form = output_format(fmt, as_json)
    flt = event_filter(store, sess, place, actor, kind, since, until, limit, show_all, known_at, min_sources)
    events = list(store.events.select(flt))
    emit(events_report(events, sess.tz, with_json=form in (Format.JSON, Format.JSONL)), form)


# --- gazetteer -------------------------------------------------------------------------------------


@places_app.command("list")
def places_list(
    ctx: typer.Context,
    query: Annotated[Optional[str], typer.Argument(help="Part of a name (any spelling).")] = None,
    admin1: Annotated[Optional[str], typer.Option("--admin1", help="Only places in this governorate.")] = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List known places."""
    from sitlog.render.events import places_report

    show(places_report(session(ctx).store().places.search(query, admin1)), fmt, as_json)


@places_app.command("add")
def places_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Canonical name.")],
    alias: Annotated[Optional[list[str]], typer.Option("--alias", help="Another spelling (repeatable).")] = None,
    admin1: Annotated[Optional[str], typer.Option("--admin1", help="Governorate.")] = None,
    admin2: Annotated[Optional[str], typer.Option("--admin2", help="District.")] = None,
    admin3: Annotated[Optional[str], typer.Option("--admin3", help="Sub-district.")] = None,
    pcode: Annotated[Optional[str], typer.Option("--pcode", help="OCHA P-code.")] = None,
    lat: Annotated[Optional[float], typer.Option("--lat", help="Latitude (WGS84).")] = None,
    lon: Annotated[Optional[float], typer.Option("--lon", help="Longitude (WGS84).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a place to the gazetteer."""
    from sitlog.domain.model import check_coordinates
    from sitlog.render.output import dumps, message

    check_coordinates(lat, lon)
    sess = session(ctx)
    store = sess.store()
    with store.transaction():
        place = store.places.add(name, alias or [], admin1, admin2, admin3, pcode, lat, lon, "operator", now=sess.now)
    message(f"added place {place.label()} (id {place.id})")
    if as_json:
        sys.stdout.write(dumps(place.to_json()) + "\n")


@places_app.command("alias")
def places_alias(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A known place.")],
    alias: Annotated[str, typer.Argument(help="The other spelling.")],
) -> None:
    """Add another spelling of a place."""
    from sitlog.render.output import message

    store = session(ctx).store()
    with store.transaction():
        place = store.places.add_alias(store.places.resolve(name).item, alias)
    message(f"{alias} now names {place.label()}")


@places_app.command("import")
def places_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV (name, aliases, admin1…, lat, lon) or JSONL of places.")],
) -> None:
    """Add many places at once (all or nothing)."""
    from sitlog.ops.recording import import_places
    from sitlog.render.output import message

    sess = session(ctx)
    added = import_places(sess.store(), file, sess.now)
    message(f"added {added} places from {file}")


@actors_app.command("list")
def actors_list(
    ctx: typer.Context,
    query: Annotated[Optional[str], typer.Argument(help="Part of a name.")] = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List known actors."""
    from sitlog.render.events import actors_report

    show(actors_report(session(ctx).store().actors.search(query)), fmt, as_json)


@actors_app.command("add")
def actors_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Canonical name.")],
    alias: Annotated[Optional[list[str]], typer.Option("--alias", help="Another name (repeatable).")] = None,
    actor_type: Annotated[
        str, typer.Option("--type", help="state, rebel, militia, external, civilians, other.")
    ] = "other",
    parent: Annotated[Optional[str], typer.Option("--parent", help="The actor this one belongs to.")] = None,
    side: Annotated[Optional[str], typer.Option("--side", help="Side or coalition.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add an actor."""
    from sitlog.domain.model import ActorType, parse_enum
    from sitlog.render.output import dumps, message

    kind = parse_enum(ActorType, actor_type, "--type")
    sess = session(ctx)
    store = sess.store()
    with store.transaction():
        parent_actor = store.actors.resolve(parent).item if parent else None
        actor = store.actors.add(name, alias or [], kind, parent_actor, side, now=sess.now)
    message(f"added actor {actor.name} ({actor.type.value})")
    if as_json:
        sys.stdout.write(dumps(actor.to_json()) + "\n")


@actors_app.command("alias")
def actors_alias(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A known actor.")],
    alias: Annotated[str, typer.Argument(help="The other name.")],
) -> None:
    """Add another name of an actor."""
    from sitlog.render.output import message

    store = session(ctx).store()
    with store.transaction():
        actor = store.actors.add_alias(store.actors.resolve(name).item, alias)
    message(f"{alias} now names {actor.name}")


# Command modules register themselves on ``app`` when imported.
from sitlog.cli import batch, config, corrections, exchange, reports, when  # noqa: E402,F401


def main() -> None:
    """The console-script entry point."""
    app()
