"""Turning what an operator typed into a stored event: parse, resolve names, validate, write once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, TypeVar

from sitlog.domain.model import (
    ActorType,
    ControlStatus,
    Distance,
    Event,
    Kind,
    Means,
    Place,
    Quantity,
    Relation,
    SourceRef,
    When,
    check_coordinates,
    new_event_id,
    parse_client_id,
    parse_enum,
    parse_grade,
    validate_event,
)
from sitlog.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from sitlog.domain.gazetteer import Match
    from sitlog.store import Store

SIDE_WORDS = ("civilians", "unknown")
T = TypeVar("T")


@dataclass
class LogRequest:
    """One ``sitlog log KIND`` invocation, as typed."""

    kind: str
    place: str
    fields: dict[str, Any]
    at: str | None = None
    source: str | None = None
    grade: str | None = None
    claimed: bool = False
    claimed_by: str | None = None
    note: str | None = None
    tags: list[str] = field(default_factory=list)
    operator: str = ""
    event_id: str | None = None
    new_place: bool = False
    as_json: bool = False
    corroborates: str | None = None  # an event id (or prefix): add this report to it instead of a new event
    new_place_admin1: str | None = None  # for the place --new-place creates
    new_place_lat: float | None = None
    new_place_lon: float | None = None
    new_actor: bool = False  # create every unknown actor named
    actor_type: str | None = None  # their type (default other)


@dataclass
class LogResult:
    """The stored event, how its names were resolved, and whether it was new (False: a same-content retry).

    ``warnings`` are for the operator's eyes (a likely duplicate, a ``--from`` an earlier event
    contradicts); ``corroborated`` says the report was added to an existing event as a source.
    """

    event: Event
    notes: list[str]
    created: bool
    warnings: list[str] = field(default_factory=list)
    corroborated: bool = False


def _quantity(value: str | None, option: str) -> Quantity | None:
    if value is None:
        return None
    try:
        return Quantity.parse(value)
    except InvalidInput as exc:
        raise InvalidInput(f"{option}: {exc.message}") from None


def _resolved(notes: list[str], typed: str, match: Match[Any], name: str, canonical: str) -> None:
    """Tell the operator how a name was read, whenever it was not typed exactly as stored."""
    if match.how != "name":
        notes.append(f"{typed!r} → {canonical} ({match.how})")
    elif typed.strip() != name:
        notes.append(f"{typed!r} → {canonical}")


def resolve_or_create_place(
    store: Store,
    text: str,
    create: bool,
    now: datetime,
    notes: list[str],
    admin1: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> Place:
    """The place ``text`` names; with ``create``, a new place when nothing matches (never on ambiguity),
    in ``admin1`` (else the ``NAME, ADMIN`` qualifier) at ``lat``/``lon`` when given."""
    from sitlog.domain.gazetteer import split_qualified

    try:
        match = store.places.resolve(text)
    except InvalidInput as exc:
        if not create or "ambiguous" in exc.message or " in " in exc.message and "no place" in exc.message:
            raise
        name, qualifier = split_qualified(text)
        check_coordinates(lat, lon)
        place = store.places.add(
            name, admin1=admin1 or qualifier, lat=lat, lon=lon, source="operator (--new-place)", now=now
        )
        notes.append(f"new place {place.label()}")
        return place
    _resolved(notes, text, match, match.item.name, match.item.label())
    return match.item


def _actor(
    store: Store, text: str, notes: list[str], create: ActorType | None = None, now: datetime | None = None
) -> str:
    try:
        match = store.actors.resolve(text)
    except InvalidInput as exc:
        if create is None or now is None or not exc.message.startswith("unknown actor"):
            raise
        actor = store.actors.add(text.strip(), type=create, now=now)
        notes.append(f"new actor {actor.name} ({actor.type.value})")
        return actor.name
    _resolved(notes, text, match, match.item.name, match.item.name)
    return match.item.name


class NameErrors:
    """Collects the name errors of one command, so it reports all its unresolved names at once."""

    def __init__(self) -> None:
        self.errors: list[InvalidInput | NotFound] = []

    def attempt(self, fn: Callable[[], T]) -> T | None:
        try:
            return fn()
        except (InvalidInput, NotFound) as exc:
            self.errors.append(exc)
            return None

    def check(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            kind = InvalidInput if any(isinstance(e, InvalidInput) for e in self.errors) else NotFound
            raise kind("; ".join(e.message for e in self.errors))


def build_event(store: Store, req: LogRequest, when: When, now: datetime, notes: list[str]) -> Event:
    """Resolve every name in ``req`` and return the event it describes (not yet stored)."""
    kind = parse_enum(Kind, req.kind, "kind")
    f = req.fields
    grade = parse_grade(req.grade) if req.grade is not None else None
    quantities = {
        name: _quantity(f.get(name), f"--{name}") for name in ("killed", "injured", "captured", "people", "families")
    }
    status = parse_enum(ControlStatus, f.get("status") or "held", "--status") if kind is Kind.CONTROL else None
    means = parse_enum(Means, f["means"], "--means") if f.get("means") else None
    relation = parse_enum(Relation, f["relation"], "relation") if f.get("relation") else None
    distance = Distance.parse(f["distance"]) if f.get("distance") is not None else None
    _check_required(kind, f, quantities, status)
    new_type = parse_enum(ActorType, req.actor_type or "other", "--actor-type") if req.new_actor else None
    errors = NameErrors()
    found = errors.attempt(
        lambda: resolve_or_create_place(
            store, req.place, req.new_place, now, notes, req.new_place_admin1, req.new_place_lat, req.new_place_lon
        )
    )

    def actor(text: str) -> str:
        return errors.attempt(lambda: _actor(store, text, notes, new_type, now)) or ""

    actors: tuple[str, ...] = ()
    against: tuple[str, ...] = ()
    side = None
    to_place: Place | None = None
    from_actor = actor(f["from"]) if kind is Kind.CONTROL and f.get("from") else None
    if kind in (Kind.CONTROL, Kind.STRIKE, Kind.ADVANCE):
        actors = (actor(f["by"]),) if f.get("by") else ()
        against = tuple(dict.fromkeys(actor(a) for a in f.get("against") or []))
    elif kind is Kind.CLASH:
        actors = tuple(dict.fromkeys(actor(a) for a in f["actors"]))
    elif kind is Kind.CASUALTIES and f.get("side"):
        if f["side"].strip().lower() in SIDE_WORDS:
            side = f["side"].strip().lower()
        else:
            side = actor(f["side"])
            actors = (side,)
    elif kind is Kind.DISPLACEMENT and f.get("to"):
        to_place = errors.attempt(lambda: resolve_or_create_place(store, f["to"], req.new_place, now, notes))
    errors.check()
    place = found
    assert place is not None
    event = Event(
        id=parse_client_id(req.event_id) if req.event_id else new_event_id(now),
        kind=kind,
        place_id=place.id,
        place=place.name,
        when=when,
        actors=actors,
        status=status,
        part=_text(f.get("part")),
        against=against,
        outcome=_text(f.get("outcome")),
        killed=quantities["killed"],
        injured=quantities["injured"],
        captured=quantities["captured"],
        side=side,
        person=_text(f.get("person")),
        role=_text(f.get("role")),
        means=means,
        people=quantities["people"],
        families=quantities["families"],
        to=to_place.name if to_place else None,
        to_place_id=to_place.id if to_place else None,
        source=_text(req.source),
        grade=grade,
        claimed=req.claimed or bool(req.claimed_by),
        claimed_by=_text(req.claimed_by),
        note=req.note if req.note else None,
        tags=tuple(dict.fromkeys(t.strip() for t in req.tags if t.strip())),
        operator=req.operator,
        recorded_at=now,
        baseline=bool(f.get("baseline")) and kind is Kind.CONTROL,
        from_actor=from_actor,
        relation=relation,
        distance_km=distance,
        direction=_text(f.get("direction")),
    )
    if event.part and event.status is ControlStatus.HELD:
        event = event.with_changes(status=ControlStatus.PARTIAL)
    validate_event(event)
    return event


def _text(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _check_required(
    kind: Kind, f: dict[str, Any], quantities: dict[str, Quantity | None], status: ControlStatus | None
) -> None:
    """The options a kind cannot do without, checked before any name is looked up."""
    if kind is Kind.CONTROL and status is ControlStatus.CONTESTED:
        if len({*([f["by"]] if f.get("by") else []), *(a.strip().casefold() for a in f.get("against") or [])}) < 2:
            raise InvalidInput("contested needs two parties: give --against ACTOR twice, or --by and --against")
    elif kind in (Kind.CONTROL, Kind.STRIKE, Kind.ADVANCE) and not f.get("by"):
        what = {Kind.CONTROL: "holds the place", Kind.STRIKE: "struck", Kind.ADVANCE: "advanced"}[kind]
        raise InvalidInput(f"a{'n' if kind is Kind.ADVANCE else ''} {kind.value} event needs --by ACTOR (who {what})")
    if kind is Kind.CONTROL and f.get("baseline") and f.get("from"):
        raise InvalidInput("a --baseline records who held the place as of then; it takes no --from")
    if kind is Kind.CLASH and len({a.strip().casefold() for a in f.get("actors") or []}) < 2:
        raise InvalidInput("a clash needs at least two different --actor ACTOR")
    if kind is Kind.CASUALTIES and not any(quantities[k] for k in ("killed", "injured", "captured")):
        raise InvalidInput("casualties need at least one of --killed, --injured, --captured")
    if kind is Kind.DISPLACEMENT and not (quantities["people"] or quantities["families"]):
        raise InvalidInput("displacement needs --people Q or --families Q")


def record(store: Store, req: LogRequest, when: When, now: datetime, tz: tzinfo = timezone.utc) -> LogResult:
    """Store one logged event in one transaction; a retry with the same ``--id`` and content is a no-op.

    With ``req.corroborates`` the report is added as a source to that event instead (see ``corroborate``).
    Raises InvalidInput (exit 3) for bad input, an id reused for other content, or a bad ``--corroborates``.
    """
    notes: list[str] = []
    with store.transaction():
        target = _corroborated(store, req.corroborates, req.operator) if req.corroborates else None
        event = build_event(store, req, when, now, notes)
        if target is not None:
            revised = corroboration(target, event, req.operator, now)
            added = _add_source(store, revised, now, f"log {event.kind.value} --corroborates")
            return LogResult(added, notes, False, corroborated=True)
        existing = store.events.find(event.id)
        if existing is not None:
            # Without --at the time defaults to "now", which a retry minutes later cannot repeat.
            retry = event if req.at is not None else event.with_changes(when=existing.when)
            if existing.content() == retry.with_changes(place=existing.place).content():
                return LogResult(existing, notes, False)
            raise InvalidInput(f"event id {event.id} is already used for different content (use `sitlog amend`)")
        warnings = _warnings(store, event, tz)
        changeset = new_event_id(now)
        store.begin_changeset(changeset, req.operator, f"log {event.kind.value}", now, event.id)
        store.events.insert_revision(event, changeset)
    return LogResult(event, notes, True, warnings)


def _warnings(store: Store, event: Event, tz: tzinfo) -> list[str]:
    """What the operator should look at: likely duplicates, and a ``--from`` an earlier event contradicts."""
    from sitlog.store import reports as store_reports

    found = []
    for other in store_reports.likely_duplicates(store, event, tz):
        found.append(f"warning: likely duplicate of {other.id} ({other.kind.value} at {other.place}, "
                     f"{other.when.to_json(tz)}); to add this source to it use --corroborates {other.id}")  # fmt: skip
    if event.from_actor is not None:
        before = event.when.start(tz) - timedelta(seconds=1)
        for entry in store_reports.status(store, before, tz, place_ids=[event.place_id]):
            if entry.status is not None and entry.holder != event.from_actor:
                found.append(f"warning: --from {event.from_actor}, but {entry.event_id} says "
                             f"{entry.holder or 'nobody'} held it before; reports use that event")  # fmt: skip
    return found


def _corroborated(store: Store, event_id: str, operator: str) -> Event:
    """The standing event a corroboration adds to: an id, prefix, handle or ``last`` (exit 3: unknown,
    ambiguous or retracted)."""
    from sitlog.ops.handles import resolve_event_ref

    try:
        target = store.events.get(resolve_event_ref(store, event_id, operator))
    except NotFound as exc:
        raise InvalidInput(exc.message) from None
    if target.retracted:
        raise InvalidInput(
            f"event {target.id} is retracted ({target.reason or 'no reason given'}); "
            "bring it back with `sitlog amend --unretract` before corroborating it"
        )
    return target


def corroboration(target: Event, event: Event, operator: str, now: datetime) -> Event:
    """``target`` with ``event``'s report as one more source (same kind only; exit 3 otherwise)."""
    if target.kind is not event.kind:
        raise InvalidInput(f"event {target.id} is a {target.kind.value} event, not {event.kind.value}")
    return _with_source(target, SourceRef(event.source, event.grade, operator, now), now)


def _with_source(head: Event, source: SourceRef, now: datetime) -> Event:
    """The next revision of ``head``, with one more source (not stored)."""
    return head.with_changes(
        sources=(*head.all_sources, source),
        revision=head.revision + 1,
        operator=source.operator or "",
        recorded_at=now,
        reason=f"corroborated by {source.source or 'another report'}",
    )


def _add_source(store: Store, event: Event, now: datetime, command: str = "corroborate") -> Event:
    """Store ``event`` (a ``_with_source`` revision) in its own change set (inside the caller's transaction).

    ``command`` is ``log KIND`` for ``log … --corroborates``, so that ``last`` names the event.
    """
    from sitlog.store.revisions import next_revision

    event = event.with_changes(revision=next_revision(store, event.id))
    changeset = new_event_id(now)
    store.begin_changeset(changeset, event.operator, command, now, f"{event.id} r{event.revision}")
    store.events.insert_revision(event, changeset)
    return event


def corroborate(
    store: Store, event_id: str, source: str | None, grade: str | None, operator: str, now: datetime
) -> Event:
    """Add a report (source, Admiralty grade) to an existing event as a new revision; one change set.

    Returns the event as it now stands. Raises InvalidInput (exit 3) for an unknown, ambiguous or
    retracted event, an empty source or a bad grade.
    """
    text = _text(source)
    if text is None:
        raise InvalidInput("--source cannot be empty: say which report corroborates the event")
    checked = parse_grade(grade) if grade is not None else None
    with store.transaction():
        target = _corroborated(store, event_id, operator)
        return _add_source(store, _with_source(target, SourceRef(text, checked, operator, now), now), now)
