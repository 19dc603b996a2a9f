"""Analyst reports as pure functions: events in, status / history out (summary: ``domain.summary``).

No SQL, no rich, no clock.

Control is derived from *assessed* ``control`` events only (ISW/CTP "assessed control"); a party's
claim (``claimed``) is listed beside the assessment as a ``ClaimEntry`` and never becomes a holder,
a span or a change. Events are ordered by ``When.start(tz)`` — an instant, or local midnight of a
window's first day in the report zone — then by recording order, so "later in the list wins"
settles two control events at the same moment. For status and history an event known only to a
date window takes effect on the first day of its window: it is inside an interval when that day
overlaps the interval in the zone (a summary instead tells windows apart from days: ``domain.summary``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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


def in_report_order(events: Iterable[Event], tz: tzinfo) -> list[Event]:
    """Events by when they start in the report zone; the incoming (recording) order breaks ties."""
    return sorted(events, key=lambda e: e.when.start(tz))


def is_assessed_control(event: Event) -> bool:
    """A control event that counts for status, spans and changes: not retracted, not a party's claim."""
    return event.kind is Kind.CONTROL and not event.retracted and not event.claimed


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

    holder: str | None  # None: contested with no holder named
    status: ControlStatus
    part: str | None
    start: When
    end: When | None  # when the next state began; None while it lasts
    against: tuple[str, ...]
    event_ids: tuple[str, ...]
    claimed: bool = False  # always False since issue 11 (claims make no span); kept for the JSON shape


def control_key(event: Event) -> tuple[str | None, ControlStatus, str | None]:
    """What makes two control events the same state: a repeated report extends a span, it does not split it."""
    return (event.holder, event.status or ControlStatus.HELD, event.part)


def control_spans(events: Iterable[Event], tz: tzinfo) -> list[Span]:
    """The assessed control timeline of one place: [Span], ordered by ``When.start(tz)``.

    Other kinds, claims and retracted events are skipped; a baseline opens a span like any assessment.
    """
    spans: list[Span] = []
    for event in in_report_order((e for e in events if is_assessed_control(e)), tz):
        key = control_key(event)
        if spans and key == (spans[-1].holder, spans[-1].status, spans[-1].part):
            last = spans[-1]
            spans[-1] = Span(last.holder, last.status, last.part, last.start, None, event.against,
                             (*last.event_ids, event.id))  # fmt: skip
            continue
        if spans:
            last = spans[-1]
            spans[-1] = Span(last.holder, last.status, last.part, last.start, event.when, last.against,
                             last.event_ids)  # fmt: skip
        spans.append(Span(event.holder, key[1], event.part, event.when, None, event.against, (event.id,)))
    return spans


class ClaimEntry(NamedTuple):
    """A party's claim of control, shown beside the assessment (ISW/CTP "claimed control")."""

    holder: str | None
    status: ControlStatus
    part: str | None
    party: str | None  # whose claim (``--claimed-by``); None when not named
    at: When
    grade: str | None
    event_id: str

    @classmethod
    def of(cls, event: Event) -> ClaimEntry:
        return cls(event.holder, event.status or ControlStatus.HELD, event.part, event.claimed_by, event.when,
                   event.grade, event.id)  # fmt: skip

    def to_json(self, tz: tzinfo) -> dict[str, Any]:
        """A ``claims`` item: ``{holder, status, part, party, at, grade, event_id}``."""
        return {"holder": self.holder, "status": self.status.value, "part": self.part, "party": self.party,
                "at": when_json(self.at, tz), "grade": self.grade, "event_id": self.event_id}  # fmt: skip


def claims_since(events: Iterable[Event], since: When | None, cutoff: datetime | None, tz: tzinfo) -> list[ClaimEntry]:
    """Control claims (not retracted) starting at or after ``since`` (None: all) and known by ``cutoff``."""
    start = since.start(tz) if since is not None else None
    return [
        ClaimEntry.of(e)
        for e in in_report_order(events, tz)
        if e.kind is Kind.CONTROL and e.claimed and not e.retracted
        and (start is None or e.when.start(tz) >= start) and (cutoff is None or known_by(e.when, cutoff, tz))
    ]  # fmt: skip


# --- status ----------------------------------------------------------------------------------------


class StatusEntry(NamedTuple):
    """Who holds a place as of a moment (assessed), the control event that says so, and claims beside it.

    A named tuple rather than a dataclass: a status builds one per place, ten thousand at a time.
    A place known only from claims has ``holder``, ``status``, ``since`` and ``event_id`` None.
    """

    place: str
    place_id: int
    admin1: str | None
    holder: str | None  # None: contested with no holder, or only claims known
    status: ControlStatus | None
    part: str | None
    since: When | None  # when the event it rests on happened (``history`` shows the whole span)
    against: tuple[str, ...]
    event_id: str | None  # the latest assessed control event known by then: the one the status rests on
    claimed: bool = False  # always False: status rests on assessments (kept for the JSON shape)
    claimed_by: str | None = None
    claims: tuple[ClaimEntry, ...] = ()  # claimed control not older than the assessment

    def to_json(self, tz: tzinfo) -> dict[str, Any]:
        """The ``status`` entry shape of docs/json.md (inlined: it runs once per place)."""
        place, place_id, admin1, holder, status, part, since, against, event_id, claimed, claimed_by, claims = self
        if since is None:
            when = None
        elif since.day is not None:
            when = since.day.isoformat()
        else:
            when = since.instant.astimezone(tz).isoformat("T", "seconds")
        return {
            "place": place,
            "holder": holder,
            "status": status.value if status is not None else None,
            "part": part,
            "since": when,
            "against": list(against),
            "event_id": event_id,
            "place_id": place_id,
            "admin1": admin1,
            "precision": since.precision.value if since is not None else None,
            "claimed": claimed,
            "claimed_by": claimed_by,
            "claims": [c.to_json(tz) for c in claims],
        }

    def with_claims(self, claims: Sequence[ClaimEntry]) -> StatusEntry:
        return self._replace(claims=tuple(claims))


def status_from_events(place: Place, events: Sequence[Event], cutoff: datetime, tz: tzinfo) -> StatusEntry | None:
    """The status of one place as of ``cutoff`` from its events (None: nothing known yet).

    Answers from the latest assessed control event by ``When.start(tz)``; claims known by then and not
    older than it go beside it. Only claims: an entry with no holder and those claims.
    """
    latest = None
    for event in in_report_order(events, tz):
        if is_assessed_control(event) and known_by(event.when, cutoff, tz):
            latest = event
    claims = claims_since(events, latest.when if latest else None, cutoff, tz)
    if latest is None:
        if not claims:
            return None
        return StatusEntry(place.name, place.id, place.admin1, None, None, None, None, (), None, claims=tuple(claims))
    return StatusEntry(place.name, place.id, place.admin1, latest.holder, latest.status or ControlStatus.HELD,
                       latest.part, latest.when, latest.against, latest.id, claims=tuple(claims))  # fmt: skip


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
    """Entries where the actor (or a unit under it) holds or contests the place, in the governorate; by name.

    A place known only from claims matches on a claim's holder.
    """
    kept = list(entries)
    if family is not None:
        kept = [e for e in kept if e.holder in family or family.intersection(e.against)
                or e.event_id is None and any(c.holder in family for c in e.claims)]  # fmt: skip
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
    """``when`` starts before ``instant`` (a window at local midnight of its first day)."""
    return when.start(tz) < instant


def _after(when: When, until: datetime, tz: tzinfo) -> bool:
    """``when`` starts at or after an exclusive ``until`` (a window at local midnight of its first day)."""
    return when.start(tz) >= until


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
        if since is not None and end is not None and end.start(tz) <= since:
            continue
        clipped_start = since is not None and _before(start, since, tz)
        if end is None:
            clipped_end = until is not None and until < now
        else:
            clipped_end = until is not None and _after(end, until, tz) and end.start(tz) != until
        if clipped_start and since is not None:
            start = When.exact(since)
        if clipped_end and until is not None:
            end = When.exact(until)
        stop = end.start(tz) if end else horizon
        shown.append(ShownSpan(span, start, end, max(0.0, (stop - start.start(tz)).total_seconds()),
                               clipped_start, clipped_end))  # fmt: skip
    return shown


@dataclass
class History:
    """A place, its assessed control timeline, the claims beside it and every event there."""

    place: Place
    spans: list[ShownSpan]
    events: list[Event]
    claims: list[ClaimEntry] = field(default_factory=list)

    def to_json(self, tz: tzinfo) -> dict[str, Any]:
        """The ``history`` shape of docs/json.md."""
        return {
            "place": self.place.to_json(),
            "control": [s.to_json(tz) for s in self.spans],
            "events": [e.to_json(tz) for e in self.events],
            "claims": [c.to_json(tz) for c in self.claims],
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
    """A place's history: assessed spans from all its control events (cut to the window), the claims and
    events in the window, in report order (``When.start(tz)``)."""
    ordered = in_report_order(events, tz)
    spans = control_spans((e for e in ordered if until is None or when_in(e.when, None, until, tz)), tz)
    shown = [e for e in ordered if when_in(e.when, since, until, tz) and (include_retracted or not e.retracted)]
    claims = [ClaimEntry.of(e) for e in shown if e.kind is Kind.CONTROL and e.claimed and not e.retracted]
    return History(place, clip_spans(spans, since, until, now, tz), shown, claims)


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
