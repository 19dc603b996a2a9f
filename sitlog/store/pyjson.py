"""The listing's and the export's texts made in Python, for a store whose SQL cannot call Python.

On SQLite, ``listing.event_json``, ``listing.event_cells``, ``export.revision_lines`` and
``export.event_documents`` build their text in SQL, with Python functions registered on the connection
(``eventjson``). A store that cannot register them (``Store.sql_calls_python`` false: PostgreSQL) takes
these instead: the same rows in the same order, in the same batches, with the same text — made the
way the SQL text is defined, from whole events (``Events.from_row``) through ``Event.to_json`` and
``json.dumps(..., ensure_ascii=False)``. They read only with the queries ``Events.select`` and
``export.export_revisions`` run, plus revisions by event id. tests/test_python_paths.py compares the two
paths byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone, tzinfo
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from sitlog.domain.model import Event, Kind, Precision, When, rfc3339, utc_key
from sitlog.store.events import EVENT_SELECT, EventFilter

if TYPE_CHECKING:
    from sitlog.store import Store

T = TypeVar("T")
UTC = timezone.utc
# Only ever read as a placeholder: the content of a row carries no time of its own.
NO_TIME = When(datetime(1970, 1, 1, tzinfo=UTC), Precision.EXACT)
# Event ids per ``IN (…)`` when revisions are read by event.
_IDS_PER_QUERY = 500


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter, none empty), as ``fetchmany(size)`` hands rows out."""
    it = iter(items)
    while chunk := list(islice(it, max(size, 0))):
        yield chunk


def _text(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def revision_record(event: Event) -> dict[str, Any]:
    """One stored revision: the SPEC event shape in UTC, plus the id of the ``to`` place (no handle)."""
    data = event.to_json(UTC)
    data.pop("handle", None)  # handles are local to a database: an import numbers events anew
    if event.to_place_id is not None:
        data["to_place_id"] = event.to_place_id
    return data


def revision_line(event: Event) -> bytes:
    """A revision's jsonl record (``{"record": "revision", …}``, UTF-8, no line end)."""
    return _text({"record": "revision", **revision_record(event)})


def event_texts(store: Store, flt: EventFilter, tz: tzinfo, batch: int) -> Iterator[list[bytes]]:
    """``listing.event_json`` in Python: ``json.dumps(event.to_json(tz))`` of each event ``flt`` picks."""
    return batches((_text(event.to_json(tz)) for event in store.events.select(flt)), batch)


def event_cell_rows(
    store: Store, flt: EventFilter, tz: tzinfo, describe: Callable[[Event], str], machine: bool, batch: int
) -> Iterator[list[tuple[str, ...]]]:
    """``listing.event_cells`` in Python: the cells ``render.events.events_report`` makes of each event.

    ``describe`` is called once per distinct content of control, clash, strike and advance events, with
    an event carrying only that content (as on SQLite); casualties and displacement (whose figures make
    every content new) are described whole, each row."""
    what = _Describer(describe)
    if machine:
        rows = (_csv_cells(event, tz, what(event)) for event in store.events.select(flt))
    else:
        rows = (_table_cells(event, tz, what(event)) for event in store.events.select(flt))
    return batches(rows, batch)


def _table_cells(e: Event, tz: tzinfo, what: str) -> tuple[str, ...]:
    claim = (e.claimed_by or "yes") if e.claimed else ""
    return (e.id, e.when.to_json(tz), e.kind.value, e.place, what, claim, "yes" if e.retracted else "",
            e.grade or "", e.source or "", e.note or "", e.handle or "")  # fmt: skip


def _csv_cells(e: Event, tz: tzinfo, what: str) -> tuple[str, ...]:
    return (e.id, e.when.to_json(tz), e.when.precision.value, e.kind.value, e.place, what,
            "true" if e.claimed else "false", e.claimed_by or "", "true" if e.retracted else "false", e.grade or "",
            e.source or "", ";".join(e.tags), e.operator, rfc3339(e.recorded_at, tz), e.note or "",
            e.handle or "")  # fmt: skip


class _Describer:
    """``describe`` of an event's content, once per distinct content (listings repeat a few of them)."""

    def __init__(self, describe: Callable[[Event], str]) -> None:
        self.describe = describe
        self.known: dict[tuple[Any, ...], str] = {}

    def __call__(self, e: Event) -> str:
        kind = e.kind
        if kind is Kind.CASUALTIES or kind is Kind.DISPLACEMENT:
            return self.describe(e)
        fields: dict[str, Any]
        if kind is Kind.CONTROL:
            fields = dict(actors=e.actors, against=e.against, status=e.status, part=e.part, baseline=e.baseline,
                          from_actor=e.from_actor)  # fmt: skip
        elif kind is Kind.CLASH:
            fields = dict(actors=e.actors, outcome=e.outcome)
        elif kind is Kind.STRIKE:
            fields = dict(actors=e.actors, means=e.means)
        else:
            fields = dict(actors=e.actors, distance_km=e.distance_km, relation=e.relation, direction=e.direction,
                          place=e.place)  # fmt: skip
        key = (kind, *fields.values())
        found = self.known.get(key)
        if found is None:
            if len(self.known) > 100_000:  # keep the memo small, as listing.Content does
                self.known.clear()
            fields.setdefault("place", "")
            found = self.known[key] = self.describe(Event(id="", kind=kind, place_id=0, when=NO_TIME, **fields))
        return found


def event_document_texts(store: Store, flt: EventFilter, batch: int) -> Iterator[list[bytes]]:
    """``export.event_documents`` in Python: each event ``flt`` picks (UTC, no handle) with ``"revisions"``,
    the ``revision_record`` of each of its revisions recorded by ``flt.known_at``, in recording order."""
    for heads in batches(store.events.select(flt), batch):
        revisions = _revisions_of(store, [e.id for e in heads], flt.known_at)
        texts = []
        for event in heads:
            data = event.to_json(UTC)
            data.pop("handle", None)
            data["revisions"] = revisions.get(event.id, [])
            texts.append(_text(data))
        yield texts


def _revisions_of(
    store: Store, ids: Sequence[str], known_at: datetime | None, per_query: int = _IDS_PER_QUERY
) -> dict[str, list[dict[str, Any]]]:
    """The revision records of the events ``ids`` (recorded by ``known_at``) by event id, each event's in
    recording order, read ``per_query`` events at a time."""
    found: dict[str, list[dict[str, Any]]] = {}
    known = [] if known_at is None else [utc_key(known_at)]
    for start in range(0, len(ids), per_query):
        chunk = list(ids[start : start + per_query])
        sql = f"{EVENT_SELECT} WHERE r.event_id IN ({', '.join('?' * len(chunk))})"
        sql += " AND r.recorded_at <= ?" if known else ""
        rows = store.conn.execute(sql + " ORDER BY r.seq", [*chunk, *known]).fetchall()
        for row in rows:
            event = store.events.from_row(row)
            found.setdefault(event.id, []).append(revision_record(event))
    return found
