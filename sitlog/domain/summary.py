"""The summary report as a pure function: events in, per-period tallies out. No SQL, no rich, no clock.

Counts follow docs/design.md: control changes come from assessed control events only (a baseline sets
the state but is never a change); a claim is listed in ``claims`` and never counted; a figure nobody
reported is unknown (``None``), not zero; an advance is listed and never changes control. A total is
``{low, best, high, without_best}`` (``domain.quantity.Range``). An event counts in a period's figures
only when its whole window lies inside the period; a window that merely overlaps the period is
reported apart, under ``windowed`` (see ``summary``).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone, tzinfo
from functools import cached_property
from typing import Any

from sitlog.domain.model import ControlStatus, Event, Kind, Quantity, Range
from sitlog.domain.report import in_report_order, is_imprecise, when_json

QUANTITY_FIELDS = ("killed", "injured", "captured")
# Summary figure name → the Event field it adds up.
FIGURES = {"killed": "killed", "injured": "injured", "captured": "captured", "displaced_people": "people",
           "displaced_families": "families"}  # fmt: skip
ControlState = tuple[str | None, ControlStatus, str | None]


@dataclass(frozen=True)
class ControlChange:
    """An assessed control event that changed a place's state: from the holder before to the holder after.

    ``before`` is the previous assessed holder, else the event's ``--from``; ``after`` is None when the
    place became contested with no holder.
    """

    place: str
    place_id: int
    before: str | None
    after: str | None
    status: ControlStatus
    part: str | None
    event_id: str
    claimed: bool = False  # always False since issue 11: claims are never changes (kept for the JSON shape)
    claimed_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A ``control_changes`` item of the summary shape."""
        return {"place": self.place, "from": self.before, "to": self.after, "status": self.status.value,
                "part": self.part, "event_id": self.event_id, "claimed": self.claimed,
                "claimed_by": self.claimed_by}  # fmt: skip

    @cached_property
    def json(self) -> dict[str, Any]:
        """``to_json`` made once: a change is listed in its day and in the total."""
        return self.to_json()


@dataclass(slots=True)
class Item:
    """What a summary reads of one event (``Item.of``): the store builds these straight from its rows, so a
    summary of a million events never holds a million ``Event`` objects.

    ``first``/``last``: the report-zone days it covers (``When.local_days``); ``at``/``at_end``: its window
    as JSON gives it (read only when ``imprecise``); ``figures``: killed, injured, captured, people,
    families; ``status``: as recorded (``None`` counts as held); ``sources``: how many reports back it.
    """

    id: str
    kind: str
    place: str
    place_id: int
    first: date
    last: date
    precision: str
    at: str
    at_end: str | None
    imprecise: bool
    claimed: bool
    claimed_by: str | None
    figures: tuple[Quantity | None, Quantity | None, Quantity | None, Quantity | None, Quantity | None]
    holder: str | None = None
    status: ControlStatus | None = None
    part: str | None = None
    baseline: bool = False
    from_actor: str | None = None
    actor: str | None = None  # an advance's actor (its first)
    relation: str | None = None
    distance: dict[str, Any] | None = None
    direction: str | None = None
    person: str | None = None
    role: str | None = None
    side: str | None = None
    sources: int = 1
    retracted: bool = False

    @staticmethod
    def of(event: Event, tz: tzinfo) -> Item:
        first, last = event.when.local_days(tz)
        when = event.when
        return Item(
            event.id, event.kind.value, event.place, event.place_id, first, last, when.precision.value,
            when_json(when, tz), when.end.isoformat() if when.end else None, is_imprecise(when), event.claimed,
            event.claimed_by, (event.killed, event.injured, event.captured, event.people, event.families),
            event.holder, event.status, event.part, event.baseline, event.from_actor,
            event.actors[0] if event.actors else None, event.relation.value if event.relation else None,
            event.distance_km.to_json() if event.distance_km else None, event.direction, event.person, event.role,
            event.side, len(event.all_sources), event.retracted,
        )  # fmt: skip

    def control_key(self) -> ControlState:
        """``domain.report.control_key``: what makes two control events the same state."""
        return (self.holder, self.status or ControlStatus.HELD, self.part)


@dataclass
class Plain:
    """Events counted together: no lists to fill (assessed, one day, no person, not control nor advance) —
    what a day's events of that sort add up to, as the store's aggregate queries give it."""

    events: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    totals: dict[str, Range] = field(default_factory=dict)
    events_with: dict[str, int] = field(default_factory=dict)
    places: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Lines:
    """An item's entries in a period's lists, built once and shared by every tally counting it."""

    imprecise: dict[str, Any] | None
    advance: dict[str, Any] | None
    person: dict[str, Any] | None
    claim: dict[str, Any] | None


_NO_FIGURES = (None, None, None, None, None)


def _figures(item: Item) -> list[tuple[str, Quantity]]:
    """The item's figures as ``(summary figure, quantity)`` pairs, the unknown ones left out."""
    if item.figures == _NO_FIGURES:
        return []
    return [(name, q) for name, q in zip(FIGURES, item.figures, strict=True) if q is not None]


def _lines(item: Item) -> _Lines | None:
    """The item's list entries, or None when it has none (most items)."""
    if not (item.imprecise or item.claimed or item.person or item.kind == "advance"):
        return None
    imprecise: dict[str, Any] | None = None
    advance: dict[str, Any] | None = None
    person: dict[str, Any] | None = None
    claim: dict[str, Any] | None = None
    if item.imprecise:
        imprecise = {"event_id": item.id, "kind": item.kind, "place": item.place, "precision": item.precision,
                     "at": item.at, "at_end": item.at_end}  # fmt: skip
    if item.kind == "advance":
        advance = {"actor": item.actor, "place": item.place, "relation": item.relation, "distance_km": item.distance,
                   "direction": item.direction, "event_id": item.id, "claimed": item.claimed}  # fmt: skip
    if item.person:
        fate = [name for name, q in zip(QUANTITY_FIELDS, item.figures, strict=False) if q]
        person = {"name": item.person, "role": item.role, "place": item.place, "side": item.side, "fate": fate,
                  "event_id": item.id, "claimed": item.claimed, "sources": item.sources}  # fmt: skip
    if item.claimed:
        claim = {"event_id": item.id, "party": item.claimed_by, "kind": item.kind, "place": item.place}
        if item.kind == "control":
            claim.update(holder=item.holder, status=item.status.value if item.status else None)
        if item.side:
            claim["side"] = item.side
        claim.update({attr: q.to_json() for attr, q in zip(FIGURES.values(), item.figures, strict=True) if q})
    return _Lines(imprecise, advance, person, claim)


@dataclass
class Tally:
    """What one day (or a whole range) adds up to."""

    events: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in Kind})
    changes: list[ControlChange] = field(default_factory=list)
    totals: dict[str, Range] = field(default_factory=dict)
    events_with: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))
    persons: list[dict[str, Any]] = field(default_factory=list)
    places: set[str] = field(default_factory=set)
    claims: list[dict[str, Any]] = field(default_factory=list)
    advances: list[dict[str, Any]] = field(default_factory=list)
    imprecise: list[dict[str, Any]] = field(default_factory=list)
    windowed_ids: list[str] = field(default_factory=list)
    windowed_totals: dict[str, Range] = field(default_factory=dict)
    windowed_with: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))

    def total(self, name: str) -> dict[str, Any] | None:
        """An assessed ``{low, best, high, without_best}`` total of a summary figure; None when no assessed
        event carried it."""
        found = self.totals.get(name)
        return found.to_json() if found is not None else None

    def windowed_json(self) -> dict[str, Any]:
        """What windows overlapping the period (not inside it) hold: never part of the figures above.

        A figure no such window carried is None, as in the figures above."""
        totals = self.windowed_totals
        return {"events": len(self.windowed_ids), "event_ids": list(self.windowed_ids),
                **{name: totals[name].to_json() if name in totals else None for name in FIGURES},
                "events_with": dict(self.windowed_with)}  # fmt: skip

    def add_windowed(self, event: Event | Item, figures: Sequence[tuple[str, Quantity]] | None = None) -> None:
        """Count an event whose window overlaps the period without lying inside it (claims add no figures).

        ``figures``: the event's ``(summary figure, quantity)`` pairs (``_figures``), when known already."""
        self.windowed_ids.append(event.id)
        if event.claimed:
            return
        if figures is None:
            figures = _figures(event if isinstance(event, Item) else Item.of(event, timezone.utc))
        for name, q in figures:
            self.windowed_totals[name] = self.windowed_totals.get(name, Range()).add(q)
            self.windowed_with[name] += 1

    def to_json(self) -> dict[str, Any]:
        """The per-day (or total) part of the summary shape."""
        gains: dict[str, list[str]] = {}
        losses: dict[str, list[str]] = {}
        for change in self.changes:
            if change.after is None or change.before == change.after:
                continue  # contested with no holder: nobody gained or lost it yet
            gains.setdefault(change.after, []).append(change.place)
            if change.before is not None:
                losses.setdefault(change.before, []).append(change.place)
        return {
            "events": self.events,
            "by_kind": dict(self.by_kind),
            "control_changes": [c.json for c in self.changes],
            **{name: self.total(name) for name in FIGURES},
            "events_with": dict(self.events_with),
            "persons": list(self.persons),
            "places": sorted(self.places, key=str.casefold),
            "claims": list(self.claims),
            "advances": list(self.advances),
            "gains": {a: sorted(p, key=str.casefold) for a, p in sorted(gains.items())},
            "losses": {a: sorted(p, key=str.casefold) for a, p in sorted(losses.items())},
            "imprecise": list(self.imprecise),
            "windowed": self.windowed_json(),
        }

    def add(self, event: Event, change: ControlChange | None, tz: tzinfo) -> None:
        """Count one event: a claim goes to ``claims`` with its figures, never into the totals."""
        item = Item.of(event, tz)
        self.count(item, change, _lines(item), _figures(item))

    def count(
        self, item: Item, change: ControlChange | None, lines: _Lines | None, figures: Sequence[tuple[str, Quantity]]
    ) -> None:
        """Count one item whose window lies in the period, with its list entries (``_lines``, None: none) and
        its figures (``_figures``)."""
        self.events += 1
        self.by_kind[item.kind] += 1
        self.places.add(item.place)
        if change is not None:
            self.changes.append(change)
        if lines is not None:
            if lines.imprecise is not None:
                self.imprecise.append(lines.imprecise)
            if lines.advance is not None:
                self.advances.append(lines.advance)
            if lines.person is not None:
                self.persons.append(lines.person)
            if lines.claim is not None:
                self.claims.append(lines.claim)
                return
        for name, q in figures:
            self.totals[name] = self.totals.get(name, Range()).add(q)
            self.events_with[name] += 1

    def merge(self, plain: Plain) -> None:
        """Count events added up together (``Plain``): the same as counting each of them."""
        self.events += plain.events
        for kind, n in plain.by_kind.items():
            self.by_kind[kind] += n
        self.places.update(plain.places)
        for name, total in plain.totals.items():
            self.totals[name] = self.totals.get(name, Range()).add(total)
        for name, n in plain.events_with.items():
            self.events_with[name] += n


def summary(
    events: Sequence[Event], periods: Sequence[tuple[date, date]], before: dict[int, ControlState], tz: tzinfo
) -> dict[str, Any]:
    """One entry per period (inclusive first and last report-zone days, in order) plus a total (docs/json.md).

    ``events`` are those whose days overlap the periods (any order: they are put in report order);
    ``before`` is each place's assessed control state (holder, status, part) before the first day, so
    an assessed control event is a change only when it differs from what held before it. A baseline
    updates that state and is never a change.

    An event counts in a period's figures (and the total's, for the whole range) only when its
    whole window lies inside it: an instant or a one-day event on its day, a UCDP window
    ``2024-11-25..2024-11-29`` in a period holding all five days. A window that only overlaps a
    period is counted once under that period's ``windowed``, never in its figures.
    """
    return summarize((Item.of(e, tz) for e in in_report_order(events, tz)), periods, before)


def summarize(
    items: Iterable[Item],
    periods: Sequence[tuple[date, date]],
    before: dict[int, ControlState],
    plain: Iterable[tuple[date, Plain]] = (),
) -> dict[str, Any]:
    """``summary`` of ``items`` in report order, plus events already added up by day (``plain``: days whose
    single-day, assessed events fill no list, see ``Plain``). The same answer as ``summary`` of them all."""
    days, total = stream_summary(items, periods, before, plain)
    entries = list(days)
    return {"days": entries, "total": total()}


def stream_summary(
    items: Iterable[Item],
    periods: Sequence[tuple[date, date]],
    before: dict[int, ControlState],
    plain: Iterable[tuple[date, Plain]] = (),
) -> tuple[Iterator[dict[str, Any]], Callable[[], dict[str, Any]]]:
    """``summarize`` as it goes: the period entries, each handed out (and let go) as soon as the items have
    moved past it, then the total (call it once the entries are all out)."""
    if not periods:
        return iter(()), lambda: {"from": None, "until": None, "day_count": 0, **Tally().to_json()}
    tallies: list[Tally | None] = [Tally() for _ in periods]
    total = Tally()
    range_first, range_last = periods[0][0], periods[-1][1]

    def entries() -> Iterator[dict[str, Any]]:
        nonlocal plain
        starts = [first for first, _ in periods]
        for day, counted in plain:
            if range_first <= day <= range_last:
                tally = tallies[bisect.bisect_right(starts, day) - 1]
                assert tally is not None
                tally.merge(counted)
                total.merge(counted)
        plain = ()  # merged: let the day's sets of places go
        done = 0  # periods before this one are complete: items come in report order

        def entry(i: int) -> dict[str, Any]:
            tally, tallies[i] = tallies[i], None
            assert tally is not None
            return {"day": periods[i][0].isoformat(), "until": periods[i][1].isoformat(), **tally.to_json()}

        for item in _counted(items, tallies, total, starts, periods, before):
            while done < len(periods) and periods[done][1] < item:
                yield entry(done)
                done += 1
        while done < len(periods):
            yield entry(done)
            done += 1

    def overall() -> dict[str, Any]:
        day_count = (range_last - range_first).days + 1
        return {"from": range_first.isoformat(), "until": range_last.isoformat(), "day_count": day_count,
                **total.to_json()}  # fmt: skip

    return entries(), overall


def _counted(
    items: Iterable[Item],
    tallies: list[Tally | None],
    total: Tally,
    starts: list[date],
    periods: Sequence[tuple[date, date]],
    before: dict[int, ControlState],
) -> Iterator[date]:
    """Count each item in the periods it touches and the total; yield each item's first day as it is done."""
    range_first, range_last = periods[0][0], periods[-1][1]
    state = dict(before)
    for item in items:
        if item.retracted:
            continue
        first, last = item.first, item.last
        if last < range_first or first > range_last:
            continue
        change = None
        if item.kind == "control" and not item.claimed and first >= range_first:
            previous = state.get(item.place_id)
            key = item.control_key()
            if previous != key and not item.baseline:
                was = (previous[0] if previous else None) or item.from_actor
                change = ControlChange(item.place, item.place_id, was, item.holder, key[1], item.part, item.id)
            state[item.place_id] = key
        lines = _lines(item)
        figures = _figures(item)
        i = max(bisect.bisect_right(starts, first) - 1, 0)
        if first == last:  # one day: in its period, and in the total
            tally = tallies[i]
            assert tally is not None
            tally.count(item, change, lines, figures)
            total.count(item, change, lines, figures)
            yield first
            continue
        plain_window = item.claimed or not figures  # only its id goes in a period's windowed list
        while i < len(periods) and periods[i][0] <= last:
            tally = tallies[i]
            assert tally is not None
            if periods[i][0] <= first and last <= periods[i][1]:
                tally.count(item, change, lines, figures)
            elif plain_window:
                tally.windowed_ids.append(item.id)
            else:
                tally.add_windowed(item, figures)
            i += 1
        if range_first <= first and last <= range_last:
            total.count(item, change, lines, figures)
        else:
            total.add_windowed(item, figures)
        yield first


def periods(first: date, last: date, by: str = "day") -> list[tuple[date, date]]:
    """The periods of a summary from ``first`` to ``last``: days, ISO weeks (Monday to Sunday) or calendar
    months, the first and last clipped to the range. Raises ValueError for another ``by``."""
    if by == "day":
        return [(day, day) for day in day_range(first, last)]
    found: list[tuple[date, date]] = []
    start = first
    while start <= last:
        if by == "week":
            end = start + timedelta(days=6 - start.weekday())
        elif by == "month":
            end = date(start.year + start.month // 12, start.month % 12 + 1, 1) - timedelta(days=1)
        else:
            raise ValueError(f"unknown period {by!r}")
        found.append((start, min(end, last)))
        start = end + timedelta(days=1)
    return found


def day_range(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last`` inclusive."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
