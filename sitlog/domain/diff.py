"""What changed between two moments: control per place, contests begun and ended, figures added.

Pure: the status entries at both ends and the events between them come in; JSON-ready data goes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sitlog.domain.model import ControlStatus, Event
from sitlog.domain.report import StatusEntry
from sitlog.domain.summary import Tally

# How a place's control changed, from the biggest change to the smallest.
CAPTURED = "captured"  # another holder
CONTEST_BEGAN = "contested"  # held before, contested now
CONTEST_ENDED = "contest ended"  # contested before, held now
SPLIT = "split"  # partly held now
REUNITED = "split ended"  # partly held before, wholly held or contested now
STATUS = "status"  # another status, same holder (e.g. contested → partial)
AGAINST = "contesting parties"  # same holder and status; who contests it changed
FIRST = "first report"  # no control known before
GONE = "no longer known"  # its control event was retracted (or not yet recorded, with --known-at)


@dataclass(frozen=True)
class PlaceChange:
    """One place whose control differs between the two moments."""

    place: str
    place_id: int
    admin1: str | None
    change: str
    before: StatusEntry | None
    after: StatusEntry | None

    def to_json(self, tz: tzinfo) -> dict[str, Any]:
        return {
            "place": self.place,
            "place_id": self.place_id,
            "admin1": self.admin1,
            "change": self.change,
            "before": _state(self.before, tz),
            "after": _state(self.after, tz),
        }


def _state(entry: StatusEntry | None, tz: tzinfo) -> dict[str, Any] | None:
    if entry is None:
        return None
    data = entry.to_json(tz)
    keys = ("holder", "status", "part", "against", "since", "precision", "event_id", "claimed", "claimed_by")
    return {key: data[key] for key in keys}


def classify(before: StatusEntry | None, after: StatusEntry | None) -> str | None:
    """The kind of change from ``before`` to ``after`` (None: the same state).

    Only assessed control counts: a place known only from claims (no status) has no control to change.
    A contest may name no holder, so holder None beside ``contested`` is a contest, not a capture.
    """
    before = before if before is not None and before.status is not None else None
    after = after if after is not None and after.status is not None else None
    if before is None:
        return FIRST if after is not None else None
    if after is None:
        return GONE
    was, now = before.status, after.status
    if before.holder != after.holder:
        if after.holder is None and now is ControlStatus.CONTESTED:
            return CONTEST_BEGAN
        if before.holder is None and was is ControlStatus.CONTESTED:
            return CONTEST_ENDED
        return CAPTURED
    if was != now:
        if now is ControlStatus.CONTESTED and was is ControlStatus.HELD:
            return CONTEST_BEGAN
        if was is ControlStatus.CONTESTED and now is ControlStatus.HELD:
            return CONTEST_ENDED
        if now is ControlStatus.PARTIAL:
            return SPLIT
        if was is ControlStatus.PARTIAL:
            return REUNITED
        return STATUS
    if before.part != after.part:
        return SPLIT
    if set(before.against) != set(after.against):
        return AGAINST
    return None


def control_diff(before: Sequence[StatusEntry], after: Sequence[StatusEntry]) -> list[PlaceChange]:
    """Every place whose holder, status, part or contesting parties differ, in the order of ``after``."""
    old = {e.place_id: e for e in before}
    new = {e.place_id: e for e in after}
    order = [e.place_id for e in after] + [pid for pid in old if pid not in new]
    changes = []
    for place_id in order:
        was, now = old.get(place_id), new.get(place_id)
        change = classify(was, now)
        if change is not None:
            entry = now or was
            assert entry is not None
            changes.append(PlaceChange(entry.place, place_id, entry.admin1, change, was, now))
    return changes


def diff(
    before: Sequence[StatusEntry], after: Sequence[StatusEntry], events: Sequence[Event], tz: tzinfo
) -> dict[str, Any]:
    """The ``diff`` shape: control changes, contests begun and ended, and what the events between add up to."""
    changes = control_diff(before, after)
    tally = Tally()
    for event in events:
        if not event.retracted:
            tally.add(event, None, tz)
    figures = tally.to_json()
    began = [c.place for c in changes if c.change == CONTEST_BEGAN]
    ended = [c.place for c in changes if c.change == CONTEST_ENDED]
    return {
        "control": [c.to_json(tz) for c in changes],
        "contests": {"began": began, "ended": ended},
        "figures": {
            key: figures[key]
            for key in ("events", "by_kind", "killed", "injured", "captured", "displaced_people", "displaced_families")
        }
        | {"claims": len(figures["claims"])},
    }
