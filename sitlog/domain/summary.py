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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from typing import Any

from sitlog.domain.model import ControlStatus, Event, Kind, Quantity, Range
from sitlog.domain.report import control_key, in_report_order, is_imprecise, when_json

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

    def add_windowed(self, event: Event) -> None:
        """Count an event whose window overlaps the period without lying inside it (claims add no figures)."""
        self.windowed_ids.append(event.id)
        if event.claimed:
            return
        for name, attr in FIGURES.items():
            q = getattr(event, attr)
            if q is not None:
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
            "control_changes": [c.to_json() for c in self.changes],
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
        self.events += 1
        self.by_kind[event.kind.value] += 1
        self.places.add(event.place)
        if change is not None:
            self.changes.append(change)
        if is_imprecise(event.when):
            self.imprecise.append({"event_id": event.id, "kind": event.kind.value, "place": event.place,
                                   "precision": event.when.precision.value, "at": when_json(event.when, tz),
                                   "at_end": event.when.end.isoformat() if event.when.end else None})  # fmt: skip
        if event.kind is Kind.ADVANCE:
            self.advances.append({"actor": event.actors[0] if event.actors else None, "place": event.place,
                                  "relation": event.relation.value if event.relation else None,
                                  "distance_km": event.distance_km.to_json() if event.distance_km else None,
                                  "direction": event.direction, "event_id": event.id,
                                  "claimed": event.claimed})  # fmt: skip
        if event.person:
            fate = [name for name in QUANTITY_FIELDS if getattr(event, name)]
            self.persons.append({"name": event.person, "role": event.role, "place": event.place,
                                 "side": event.side, "fate": fate, "event_id": event.id,
                                 "claimed": event.claimed, "sources": len(event.all_sources)})  # fmt: skip
        figures = {name: getattr(event, attr) for name, attr in FIGURES.items()}
        if event.claimed:
            claim: dict[str, Any] = {"event_id": event.id, "party": event.claimed_by, "kind": event.kind.value,
                                     "place": event.place}  # fmt: skip
            if event.kind is Kind.CONTROL:
                claim.update(holder=event.holder, status=event.status.value if event.status else None)
            if event.side:
                claim["side"] = event.side
            claim.update({attr: figures[name].to_json() for name, attr in FIGURES.items()
                          if isinstance(figures[name], Quantity)})  # fmt: skip
            self.claims.append(claim)
            return
        for name, q in figures.items():
            if q is not None:
                self.totals[name] = self.totals.get(name, Range()).add(q)
                self.events_with[name] += 1


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
    if not periods:
        return {"days": [], "total": {"from": None, "until": None, "day_count": 0, **Tally().to_json()}}
    tallies = [Tally() for _ in periods]
    starts = [first for first, _ in periods]
    total = Tally()
    range_first, range_last = periods[0][0], periods[-1][1]
    state = dict(before)
    for event in in_report_order(events, tz):
        if event.retracted:
            continue
        first, last = event.when.local_days(tz)
        if last < range_first or first > range_last:
            continue
        change = None
        if event.kind is Kind.CONTROL and not event.claimed and first >= range_first:
            previous = state.get(event.place_id)
            key = control_key(event)
            if previous != key and not event.baseline:
                was = (previous[0] if previous else None) or event.from_actor
                change = ControlChange(event.place, event.place_id, was, event.holder, key[1], event.part, event.id)
            state[event.place_id] = key
        i = max(bisect.bisect_right(starts, first) - 1, 0)
        while i < len(periods) and periods[i][0] <= last:
            if periods[i][0] <= first and last <= periods[i][1]:
                tallies[i].add(event, change, tz)
            else:
                tallies[i].add_windowed(event)
            i += 1
        if range_first <= first and last <= range_last:
            total.add(event, change, tz)
        else:
            total.add_windowed(event)
    entries = [
        {"day": first.isoformat(), "until": last.isoformat(), **tally.to_json()}
        for (first, last), tally in zip(periods, tallies, strict=True)
    ]
    day_count = (range_last - range_first).days + 1
    return {"days": entries, "total": {"from": range_first.isoformat(), "until": range_last.isoformat(),
                                       "day_count": day_count, **total.to_json()}}  # fmt: skip


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
