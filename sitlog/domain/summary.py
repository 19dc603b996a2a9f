"""The summary report as a pure function: events in, per-period tallies out. No SQL, no rich, no clock.

An event counts in a period's figures only when its whole window lies inside the period; a window
that merely overlaps the period is reported apart, under ``windowed`` (see ``summary``). Claims are
listed beside the assessed totals, never added into them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from typing import Any

from sitlog.domain.model import ControlStatus, Event, Kind, Quantity, Range
from sitlog.domain.report import control_key, is_imprecise, when_json

QUANTITY_FIELDS = ("killed", "injured", "captured")
_TOTAL_KEYS = (("killed", "killed"), ("injured", "injured"), ("captured", "captured"),
               ("displaced_people", "people"), ("displaced_families", "families"))  # fmt: skip


@dataclass(frozen=True)
class ControlChange:
    """A control event that changed a place's state: from the holder before to the holder after."""

    place: str
    place_id: int
    before: str | None
    after: str
    status: ControlStatus
    part: str | None
    event_id: str
    claimed: bool
    claimed_by: str | None

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
    persons: list[dict[str, Any]] = field(default_factory=list)
    places: set[str] = field(default_factory=set)
    claims: list[dict[str, Any]] = field(default_factory=list)
    imprecise: list[dict[str, Any]] = field(default_factory=list)
    windowed_ids: list[str] = field(default_factory=list)
    windowed_totals: dict[str, Range] = field(default_factory=dict)

    def total(self, name: str) -> dict[str, Any]:
        """An assessed ``{low, best, high, without_best}`` total (zero when nothing was reported)."""
        return self.totals.get(name, Range()).to_json()

    def windowed_json(self) -> dict[str, Any]:
        """What windows overlapping the period (not inside it) hold: never part of the figures above."""
        totals = self.windowed_totals
        return {"events": len(self.windowed_ids), "event_ids": list(self.windowed_ids),
                **{key: totals.get(name, Range()).to_json() for key, name in _TOTAL_KEYS}}  # fmt: skip

    def add_windowed(self, event: Event) -> None:
        """Count an event whose window overlaps the period without lying inside it (claims add no figures)."""
        self.windowed_ids.append(event.id)
        if event.claimed:
            return
        for name in (*QUANTITY_FIELDS, "people", "families"):
            q = getattr(event, name)
            if q is not None:
                self.windowed_totals[name] = self.windowed_totals.get(name, Range()).add(q)

    def to_json(self) -> dict[str, Any]:
        """The per-day (or total) part of the summary shape."""
        gains: dict[str, list[str]] = {}
        losses: dict[str, list[str]] = {}
        for change in self.changes:
            if change.claimed or change.before == change.after:
                continue
            gains.setdefault(change.after, []).append(change.place)
            if change.before is not None:
                losses.setdefault(change.before, []).append(change.place)
        return {
            "events": self.events,
            "by_kind": dict(self.by_kind),
            "control_changes": [c.to_json() for c in self.changes],
            "killed": self.total("killed"),
            "injured": self.total("injured"),
            "captured": self.total("captured"),
            "displaced_people": self.total("people"),
            "displaced_families": self.total("families"),
            "persons": list(self.persons),
            "places": sorted(self.places, key=str.casefold),
            "claims": list(self.claims),
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
        if event.person:
            fate = [name for name in QUANTITY_FIELDS if getattr(event, name)]
            self.persons.append({"name": event.person, "role": event.role, "place": event.place,
                                 "side": event.side, "fate": fate, "event_id": event.id,
                                 "claimed": event.claimed})  # fmt: skip
        figures = {name: getattr(event, name) for name in (*QUANTITY_FIELDS, "people", "families")}
        if event.claimed:
            claim: dict[str, Any] = {"event_id": event.id, "party": event.claimed_by, "kind": event.kind.value,
                                     "place": event.place}  # fmt: skip
            if event.kind is Kind.CONTROL:
                claim.update(holder=event.holder, status=event.status.value if event.status else None)
            if event.side:
                claim["side"] = event.side
            claim.update({name: q.to_json() for name, q in figures.items() if isinstance(q, Quantity)})
            self.claims.append(claim)
            return
        for name, q in figures.items():
            if q is not None:
                self.totals[name] = self.totals.get(name, Range()).add(q)


def summary(
    events: Sequence[Event],
    periods: Sequence[tuple[date, date]],
    before: dict[int, tuple[str | None, ControlStatus, str | None]],
    tz: tzinfo,
) -> dict[str, Any]:
    """One entry per period (inclusive first and last report-zone days, in order) plus a total.

    ``events`` are those whose days overlap the periods, in store order; ``before`` is each place's
    control state (holder, status, part) before the first day, so a control event is a change only
    when it differs from what held before it.

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
    for event in events:
        if event.retracted:
            continue
        first, last = event.when.local_days(tz)
        if last < range_first or first > range_last:
            continue
        change = None
        if event.kind is Kind.CONTROL and event.holder is not None and first >= range_first:
            previous = state.get(event.place_id)
            key = control_key(event)
            if previous != key:
                change = ControlChange(event.place, event.place_id, previous[0] if previous else None,
                                       event.holder, key[1], event.part, event.id, event.claimed,
                                       event.claimed_by)  # fmt: skip
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
