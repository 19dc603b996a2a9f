"""``sitlog log …``: record an event as a report comes in (one subcommand per kind), and ``log --file``.

Registered on the root when a ``log`` command is first asked for (``common.COMMAND_MODULES``); the
group builds only the subcommand being run.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from sitlog.cli.common import (
    ActorTypeOpt,
    AtOpt,
    ClaimedByOpt,
    ClaimedOpt,
    CorroboratesOpt,
    GradeOpt,
    IdOpt,
    JsonOpt,
    NewActorOpt,
    NewAdmin1Opt,
    NewLatOpt,
    NewLonOpt,
    NewPlaceOpt,
    NoteOpt,
    OperatorOpt,
    PlaceArg,
    SourceOpt,
    TagOpt,
    app,
    make_app,
    session,
)
from sitlog.ops.session import operator_name

log_app = make_app("Record an event as a report comes in.")
app.add_typer(log_app, name="log")


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


# ``log --file`` (batch entry) is the ``log`` group's own callback.
from sitlog.cli import batch  # noqa: E402,F401
