"""How values sit in the store's columns: quantities, distances, sources and sides as JSON text, window ends."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache

from sitlog.domain.model import (
    ControlStatus,
    Distance,
    Kind,
    Means,
    Precision,
    Quantity,
    Relation,
    Side,
    SourceRef,
    When,
    from_utc_key,
    utc_key,
)


def quantity_text(low: int, high: int | None, text: str, best: int | None = None) -> str:
    """A quantity as the store keeps it: JSON ``{low, high, text}``, plus ``best`` only when there is one.

    Leaving a missing ``best`` out keeps the text of every quantity stored before ``best`` existed,
    so re-importing such a file finds its rows unchanged.
    """
    if best is None:
        return json.dumps({"low": low, "high": high, "text": text}, ensure_ascii=False)
    return json.dumps({"low": low, "high": high, "text": text, "best": best}, ensure_ascii=False)


# ``--sort`` fields and their ORDER BY terms (each ends on the recording order, so a sort is total).


def quantity_column(value: Quantity | None) -> str | None:
    return quantity_text(value.low, value.high, value.text, value.best) if value else None


def sides_text(sides: Sequence[Side], actor_id: Callable[[str], int]) -> str | None:
    """Sides as the store keeps them: JSON ``[[actor id, [associated ids]], ...]``, or NULL when none."""
    if not sides:
        return None
    return json.dumps([[actor_id(s.actor), [actor_id(a) for a in s.associated]] for s in sides])


# window_last in SQL over a revision row aliased {r}: the migration's backfill and heads(known_at).
AT_LAST_SQL = (
    "CASE WHEN {r}.at_date IS NULL THEN NULL WHEN {r}.at_end IS NOT NULL THEN {r}.at_end "
    "WHEN {r}.precision = 'week' THEN date({r}.at_date, '+6 days') "
    "WHEN {r}.precision = 'month' THEN date({r}.at_date, 'start of month', '+1 month', '-1 day') "
    "WHEN {r}.precision = 'year' THEN date({r}.at_date, 'start of year', '+1 year', '-1 day') END"
)


def window_last(precision: str, at_date: str | None, at_end: str | None) -> str | None:
    """The ``events.at_last`` of a head: the last day of a window longer than one day, else NULL.

    Only such windows are looked up by overlap (``summary``, ``--overlapping``); instants and
    one-day events are found by their time or date.
    """
    if at_date is None or (precision == "day" and at_end is None):
        return None
    if at_end is not None:
        return at_end
    last = When.window(date.fromisoformat(at_date), PRECISIONS[precision]).last_day
    return last.isoformat() if last else None


def quantity_from_column(text: str | None) -> Quantity | None:
    return _quantity_from_json(text) if text else None


# Quantities and tag lists repeat across rows; decoding each distinct text once speeds long listings.
@lru_cache(maxsize=4096)
def _quantity_from_json(text: str) -> Quantity:
    return Quantity.from_json(json.loads(text))


def sources_text(sources: Sequence[SourceRef]) -> str:
    """The ``sources`` column: a JSON list of ``{source, grade, operator, recorded_at}`` (UTC keys)."""
    items = [s.to_json(utc_key(s.recorded_at) if s.recorded_at else None) for s in sources]
    return json.dumps(items, ensure_ascii=False)


@lru_cache(maxsize=4096)
def sources_from_text(text: str) -> tuple[SourceRef, ...]:
    """The inverse of ``sources_text``; ``[]`` (rows from before m004) is the empty tuple."""
    return tuple(
        SourceRef(
            d.get("source"),
            d.get("grade"),
            d.get("operator"),
            from_utc_key(d["recorded_at"]) if d.get("recorded_at") else None,
        )  # fmt: skip
        for d in json.loads(text)
    )


def distance_text(value: Distance | None) -> str | None:
    """The ``distance`` column: the distance's JSON, like the quantity columns."""
    return json.dumps(value.to_json(), ensure_ascii=False) if value else None


@lru_cache(maxsize=1024)
def distance_from_text(text: str) -> Distance:
    return Distance.from_json(json.loads(text))


@lru_cache(maxsize=4096)
def tags_from_text(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


# Stored text → enum member by dict: calling the enum costs ~1 µs, four times per event read.
PRECISIONS = {p.value: p for p in Precision}
KINDS = {k.value: k for k in Kind}
STATUSES = {s.value: s for s in ControlStatus}
MEANS = {m.value: m for m in Means}
RELATIONS = {r.value: r for r in Relation}
