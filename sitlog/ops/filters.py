"""The filters ``events`` and ``export`` share: options as typed → an ``EventFilter`` with names resolved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sitlog.domain.model import CREDIBILITY, RELIABILITY, Kind, parse_enum, parse_grade
from sitlog.errors import InvalidInput, NotFound
from sitlog.ops.recording import NameErrors

if TYPE_CHECKING:
    from sitlog.ops.session import Session
    from sitlog.store import EventFilter, Store


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
    *,
    min_sources: int | None = None,
    overlapping: bool = False,
    more: EventQuery | None = None,
    exact: bool = False,
    near: str | None = None,
    within_km: float | None = None,
) -> EventFilter:
    """The shared report filters, names resolved (an unknown place or actor is exit 4; every unknown
    name is reported at once). ``--actor`` rolls up (the actor's sub-units and the coalitions any of
    them belongs to) unless ``exact``; ``near`` keeps events within ``within_km`` km (default 10) of
    a place with coordinates (exit 3 without). ``overlapping``: a ``since`` bound also lets through
    windows that began earlier and end on or after it. ``more``: the listing options of ``EventQuery``.
    """
    from sitlog.domain.timeparse import since_instant, until_instant
    from sitlog.store import EventFilter

    more = more or EventQuery()
    errors = NameErrors()
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
        min_sources=min_sources,
        overlapping=overlapping,
        tags=tuple(t.strip() for t in more.tags if t.strip()),
        source=more.source.strip() if more.source and more.source.strip() else None,
        grade=_grade_pattern(more.grade) if more.grade else None,
        min_grade=parse_grade(more.min_grade) if more.min_grade else None,
        operator=more.operator.strip() if more.operator else None,
        claimed=more.claimed,
        recorded_since=since_instant(sess.when(more.recorded_since), sess.tz) if more.recorded_since else None,
        recorded_until=until_instant(sess.when(more.recorded_until), sess.tz) if more.recorded_until else None,
        sort=_sort_key(more.sort),
        descending=more.descending,
    )


@dataclass(frozen=True)
class EventQuery:
    """The listing options beyond place/actor/kind/time (issue 13): tags, source, grade, who, claims, order."""

    tags: tuple[str, ...] = ()
    source: str | None = None
    grade: str | None = None
    min_grade: str | None = None
    operator: str | None = None
    claimed: bool | None = None
    recorded_since: str | None = None
    recorded_until: str | None = None
    sort: str | None = None
    descending: bool = False


SORT_FIELDS = ("at", "recorded", "place", "kind", "grade", "id")


def _sort_key(text: str | None) -> str:
    key = (text or "at").strip().lower()
    key = "recorded" if key == "recorded_at" else key
    if key not in SORT_FIELDS:
        raise InvalidInput(f"--sort must be one of {', '.join(SORT_FIELDS)}, not {text!r}")
    return key


def _grade_pattern(text: str) -> str:
    """``--grade``: a whole grade (B2), a reliability (B) or a credibility (2)."""
    grade = text.strip().upper()
    if len(grade) == 1 and (grade in RELIABILITY or grade in CREDIBILITY):
        return grade
    return parse_grade(grade)
