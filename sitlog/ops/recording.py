"""Turning what an operator typed into a stored event: parse, resolve names, validate, write once."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sitlog.domain.model import (
    ActorType,
    ControlStatus,
    Event,
    Kind,
    Means,
    Place,
    Quantity,
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
    from sitlog.ops.session import Session
    from sitlog.store import EventFilter, Store

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
    new_place_admin1: str | None = None  # for the place --new-place creates
    new_place_lat: float | None = None
    new_place_lon: float | None = None
    new_actor: bool = False  # create every unknown actor named
    actor_type: str | None = None  # their type (default other)


@dataclass
class LogResult:
    """The stored event, how its names were resolved, and whether it was new (False: a same-content retry)."""

    event: Event
    notes: list[str]
    created: bool


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


class _Errors:
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
    _check_required(kind, f, quantities)
    new_type = parse_enum(ActorType, req.actor_type or "other", "--actor-type") if req.new_actor else None
    errors = _Errors()
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
    if kind in (Kind.CONTROL, Kind.STRIKE):
        actors = (actor(f["by"]),)
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
    )
    if event.part and event.status is ControlStatus.HELD:
        event = event.with_changes(status=ControlStatus.PARTIAL)
    validate_event(event)
    return event


def _text(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _check_required(kind: Kind, f: dict[str, Any], quantities: dict[str, Quantity | None]) -> None:
    """The options a kind cannot do without, checked before any name is looked up."""
    if kind in (Kind.CONTROL, Kind.STRIKE) and not f.get("by"):
        what = "holds the place" if kind is Kind.CONTROL else "struck"
        raise InvalidInput(f"a {kind.value} event needs --by ACTOR (who {what})")
    if kind is Kind.CLASH and len({a.strip().casefold() for a in f.get("actors") or []}) < 2:
        raise InvalidInput("a clash needs at least two different --actor ACTOR")
    if kind is Kind.CASUALTIES and not any(quantities[k] for k in ("killed", "injured", "captured")):
        raise InvalidInput("casualties need at least one of --killed, --injured, --captured")
    if kind is Kind.DISPLACEMENT and not (quantities["people"] or quantities["families"]):
        raise InvalidInput("displacement needs --people Q or --families Q")


def record(store: Store, req: LogRequest, when: When, now: datetime) -> LogResult:
    """Store one logged event in one transaction; a retry with the same ``--id`` and content is a no-op."""
    notes: list[str] = []
    with store.transaction():
        event = build_event(store, req, when, now, notes)
        existing = store.events.find(event.id)
        if existing is not None:
            # Without --at the time defaults to "now", which a retry minutes later cannot repeat.
            retry = event if req.at is not None else event.with_changes(when=existing.when)
            if existing.content() == retry.with_changes(place=existing.place).content():
                return LogResult(existing, notes, False)
            raise InvalidInput(f"event id {event.id} is already used for different content (use `sitlog amend`)")
        changeset = new_event_id(now)
        store.begin_changeset(changeset, req.operator, f"log {event.kind.value}", now, event.id)
        store.events.insert_revision(event, changeset)
    return LogResult(event, notes, True)


def event_filter(
    store: Store,
    sess: Session,
    place: str | None,
    actor: str | None,
    kind: str | None,
    since: str | None,
    until: str | None,
    limit: int | None,
    include_retracted: bool = False,
    known_at: str | None = None,
    exact: bool = False,
    near: str | None = None,
    within_km: float | None = None,
) -> EventFilter:
    """The shared report filters, names resolved (an unknown place or actor is exit 4; every unknown
    name is reported at once). ``--actor`` rolls up (the actor's sub-units and the coalitions any of
    them belongs to) unless ``exact``; ``near`` keeps events within ``within_km`` km (default 10) of
    a place with coordinates (exit 3 without)."""
    from sitlog.domain.timeparse import since_instant, until_instant
    from sitlog.store import EventFilter

    errors = _Errors()
    where = errors.attempt(lambda: store.places.resolve(place, NotFound).item) if place else None
    who = errors.attempt(lambda: store.actors.resolve(actor, NotFound).item) if actor else None
    centre = errors.attempt(lambda: store.places.resolve(near, NotFound).item) if near else None
    errors.check()
    place_ids = None
    if centre is not None:
        km = 10.0 if within_km is None else within_km
        if km < 0:
            raise InvalidInput("--within must be a distance in km, 0 or more")
        place_ids = frozenset([centre.id, *(p.id for p, _d in store.places.near(centre, km))])
    elif within_km is not None:
        raise InvalidInput("--within needs --near PLACE")
    return EventFilter(
        place_id=where.id if where else None,
        actor_id=who.id if who and exact else None,
        actor_ids=store.actors.family_ids(who) if who and not exact else None,
        place_ids=place_ids,
        kind=parse_enum(Kind, kind, "--kind") if kind else None,
        since=since_instant(sess.when(since), sess.tz) if since else None,
        until=until_instant(sess.when(until), sess.tz) if until else None,
        limit=limit,
        include_retracted=include_retracted,
        known_at=sess.known_at(known_at),
        tz=sess.tz,
    )


_PLACE_KEYS = ("name", "aliases", "admin1", "admin2", "admin3", "pcode", "lat", "lon")


def import_places(store: Store, path: Path, now: datetime) -> int:
    """Add the places of a CSV (aliases ``;``-separated) or JSONL file in one transaction."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append((n, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise InvalidInput(f"{path} line {n}: not JSON ({exc.msg})") from None
    else:
        rows = [(n + 1, row) for n, row in enumerate(csv.DictReader(text.splitlines()), 1)]
    with store.transaction():
        for n, row in rows:
            try:
                _import_place(store, row, now)
            except InvalidInput as exc:
                raise InvalidInput(f"{path} line {n}: {exc.message}") from None
    return len(rows)


def _import_place(store: Store, row: dict[str, Any], now: datetime) -> None:
    if not isinstance(row, dict) or not str(row.get("name") or "").strip():
        raise InvalidInput("a place needs a name")
    aliases = row.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [a.strip() for a in aliases.split(";") if a.strip()]

    def number(key: str) -> float | None:
        value = row.get(key)
        if value in (None, ""):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"{key} {value!r} is not a number") from None

    lat, lon = number("lat"), number("lon")
    check_coordinates(lat, lon)
    unknown = set(row) - set(_PLACE_KEYS)
    if unknown:
        raise InvalidInput(f"unknown column(s): {', '.join(sorted(unknown))}")
    store.places.add(
        str(row["name"]),
        aliases,
        row.get("admin1") or None,
        row.get("admin2") or None,
        row.get("admin3") or None,
        row.get("pcode") or None,
        lat,
        lon,
        "import",
        now=now,
    )
