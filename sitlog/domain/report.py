"""Analyst reports as pure functions: events in, status / history out (summary: ``domain.summary``).

No SQL, no rich, no clock.

Control is derived from ``control`` events only. Events arrive in the store's order (time, then
recording order), so "later in the list wins" settles two control events at the same instant.
For status and history an event known only to a date window takes effect on the first day of its
window, in any report zone (a summary instead tells windows apart from days: ``domain.summary``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, NamedTuple

from sitlog.domain.gazetteer import same_name
from sitlog.domain.model import Actor, ControlStatus, Event, Kind, Place, Precision, When

# --- time helpers ----------------------------------------------------------------------------------


def when_json(when: When, tz: tzinfo) -> str:
    """A When as the JSON shapes carry it: a date for a window, RFC 3339 for an instant."""
    return when.to_json(tz)


def is_imprecise(when: When) -> bool:
    """Known only within a window longer than a day (a week, a month, a UCDP date span)."""
    return when.precision in (Precision.WEEK, Precision.MONTH, Precision.YEAR) or when.end is not None


def last_day(until: datetime, tz: tzinfo) -> date:
    """The last report-zone day an exclusive ``until`` instant still covers."""
    return (until - timedelta(microseconds=1)).astimezone(tz).date()


def when_in(when: When, since: datetime | None, until: datetime | None, tz: tzinfo) -> bool:
    """Whether ``when`` falls in [since, until): an instant by time, a window by its first day."""
    if when.day is None:
        return (since is None or when.instant >= since) and (until is None or when.instant < until)
    return (since is None or when.day >= since.astimezone(tz).date()) and (
        until is None or when.day <= last_day(until, tz)
    )


def known_by(when: When, cutoff: datetime, tz: tzinfo) -> bool:
    """Whether ``when`` is at or before ``cutoff``: a window counts once its first day has begun."""
    if when.day is None:
        return when.instant <= cutoff
    return when.day <= cutoff.astimezone(tz).date()


# --- control spans ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A stretch of one control state (holder, status, part) of a place, from one event to the next change."""

    holder: str
    status: ControlStatus
    part: str | None
    start: When
    end: When | None  # when the next state began; None while it lasts
    against: tuple[str, ...]
    event_ids: tuple[str, ...]
    claimed: bool  # True when every event behind the span is a party's claim


def control_key(event: Event) -> tuple[str | None, ControlStatus, str | None]:
    """What makes two control events the same state: a repeated report extends a span, it does not split it."""
    return (event.holder, event.status or ControlStatus.HELD, event.part)


def control_spans(events: Iterable[Event]) -> list[Span]:
    """The control timeline of one place from its events in store order (others kinds and retracted skipped)."""
    spans: list[Span] = []
    for event in events:
        if event.kind is not Kind.CONTROL or event.retracted or event.holder is None:
            continue
        if spans and control_key(event) == (spans[-1].holder, spans[-1].status, spans[-1].part):
            last = spans[-1]
            spans[-1] = Span(last.holder, last.status, last.part, last.start, None, event.against,
                             (*last.event_ids, event.id), last.claimed and event.claimed)  # fmt: skip
            continue
        if spans:
            last = spans[-1]
            spans[-1] = Span(last.holder, last.status, last.part, last.start, event.when, last.against,
                             last.event_ids, last.claimed)  # fmt: skip
        spans.append(Span(event.holder, event.status or ControlStatus.HELD, event.part, event.when, None,
                          event.against, (event.id,), event.claimed))  # fmt: skip
    return spans


# --- status ----------------------------------------------------------------------------------------


class StatusEntry(NamedTuple):
    """Who holds a place as of a moment, and the control event that says so.

    A named tuple rather than a dataclass: a status builds one per place, ten thousand at a time.
    """

    place: str
    place_id: int
    admin1: str | None
    holder: str
    status: ControlStatus
    part: str | None
    since: When  # when the event it rests on happened (``history`` shows the whole span)
    against: tuple[str, ...]
    event_id: str  # the latest control event known by then: the one the status rests on
    claimed: bool  # that event is a party's claim, not an assessment
    claimed_by: str | None = None

    def to_json(self, tz: tzinfo) -> dict[str, Any]:
        """The ``status`` entry shape of docs/json.md (inlined: it runs once per place)."""
        place, place_id, admin1, holder, status, part, since, against, event_id, claimed, claimed_by = self
        day = since.day
        return {
            "place": place,
            "holder": holder,
            "status": status.value,
            "part": part,
            "since": day.isoformat() if day is not None else since.instant.astimezone(tz).isoformat("T", "seconds"),
            "against": list(against),
            "event_id": event_id,
            "place_id": place_id,
            "admin1": admin1,
            "precision": since.precision.value,
            "claimed": claimed,
            "claimed_by": claimed_by,
        }


def status_from_events(place: Place, events: Sequence[Event], cutoff: datetime, tz: tzinfo) -> StatusEntry | None:
    """The status of one place as of ``cutoff`` from its events in store order (None: no control known yet)."""
    latest = None
    for event in events:
        if event.kind is Kind.CONTROL and not event.retracted and event.holder and known_by(event.when, cutoff, tz):
            latest = event
    if latest is None or latest.holder is None:
        return None
    return StatusEntry(place.name, place.id, place.admin1, latest.holder, latest.status or ControlStatus.HELD,
                       latest.part, latest.when, latest.against, latest.id, latest.claimed,
                       latest.claimed_by)  # fmt: skip


def actor_family(name: str, actors: Iterable[Actor]) -> set[str]:
    """An actor and every unit under it (``HTS`` → HTS, Northern Storm Brigade, …)."""
    children: dict[str, list[str]] = {}
    for actor in actors:
        if actor.parent:
            children.setdefault(actor.parent, []).append(actor.name)
    family, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in family:
            family.add(current)
            todo.extend(children.get(current, []))
    return family


def filter_status(
    entries: Iterable[StatusEntry], family: set[str] | None = None, admin1: str | None = None
) -> list[StatusEntry]:
    """Entries where the actor (or a unit under it) holds or contests the place, in the governorate; by name."""
    kept = list(entries)
    if family is not None:
        kept = [e for e in kept if e.holder in family or family.intersection(e.against)]
    if admin1 is not None:
        wanted = {a for a in {e.admin1 for e in kept} if a is not None and same_name(a, admin1)}
        kept = [e for e in kept if e.admin1 in wanted]
    return sorted(kept, key=lambda e: (e.place.casefold(), e.admin1 or "", e.place_id))


# --- history ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownSpan:
    """A span as a history shows it: cut to the window asked for, with its length."""

    span: Span
    start: When
    end: When | None
    seconds: float
    clipped_start: bool
    clipped_end: bool

    def to_json(self, tz: tzinfo) -> dict[str, Any]:
        """A ``control`` item of the history shape."""
        return {
            "holder": self.span.holder,
            "status": self.span.status.value,
            "part": self.span.part,
            "from": when_json(self.start, tz),
            "until": when_json(self.end, tz) if self.end else None,
            "against": list(self.span.against),
            "claimed": self.span.claimed,
            "event_ids": list(self.span.event_ids),
            "duration_days": round(self.seconds / 86400, 2),
            "from_precision": self.start.precision.value,
            "clipped": self.clipped_start or self.clipped_end,
        }


def _before(when: When, instant: datetime, tz: tzinfo) -> bool:
    """``when`` starts before ``instant``; a window only when its day is before the instant's day."""
    if when.day is None:
        return when.instant < instant
    return when.day < instant.astimezone(tz).date()


def _after(when: When, until: datetime, tz: tzinfo) -> bool:
    """``when`` is at or after an exclusive ``until``; a window only when its day is past until's last day."""
    if when.day is None:
        return when.instant >= until
    return when.day > last_day(until, tz)


def clip_spans(
    spans: Sequence[Span], since: datetime | None, until: datetime | None, now: datetime, tz: tzinfo
) -> list[ShownSpan]:
    """Cut spans to [since, until): facts before the window still say who held the place when it opens."""
    shown = []
    horizon = min(until, now) if until else now
    for span in spans:
        start, end = span.start, span.end
        if until is not None and _after(start, until, tz):
            continue
        if (
            since is not None
            and end is not None
            and (end.instant <= since if end.day is None else _before(end, since, tz))
        ):
            continue
        clipped_start = since is not None and _before(start, since, tz)
        if end is None:
            clipped_end = until is not None and until < now
        else:
            clipped_end = until is not None and _after(end, until, tz) and end.instant != until
        if clipped_start and since is not None:
            start = When.exact(since)
        if clipped_end and until is not None:
            end = When.exact(until)
        stop = end.instant if end else horizon
        shown.append(ShownSpan(span, start, end, max(0.0, (stop - start.instant).total_seconds()),
                               clipped_start, clipped_end))  # fmt: skip
    return shown


@dataclass
class History:
    """A place, its control timeline and every event there."""

    place: Place
    spans: list[ShownSpan]
    events: list[Event]

    def to_json(self, tz: tzinfo) -> dict[str, Any]:
        """The ``history`` shape of docs/json.md."""
        return {
            "place": self.place.to_json(),
            "control": [s.to_json(tz) for s in self.spans],
            "events": [e.to_json(tz) for e in self.events],
        }


def history(
    place: Place,
    events: Sequence[Event],
    since: datetime | None,
    until: datetime | None,
    now: datetime,
    tz: tzinfo,
    include_retracted: bool = False,
) -> History:
    """A place's history: spans from all its control events (cut to the window), the events in the window."""
    spans = control_spans(e for e in events if until is None or when_in(e.when, None, until, tz))
    shown = [e for e in events if when_in(e.when, since, until, tz) and (include_retracted or not e.retracted)]
    return History(place, clip_spans(spans, since, until, now, tz), shown)


@dataclass(frozen=True)
class CheckResult:
    """One integrity check and what it found (no problems: all is well)."""

    name: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "problems": list(self.problems)}
