"""The ``events`` listing streamed from SQL: rows of cells or JSON texts, batch by batch, never a list of events.

``Events.select`` reads whole ``Event`` objects (≈ 40 µs each with their JSON); a listing of a million
events needs a few columns per row. ``event_cells`` reads what the table and CSV columns show, with
the time already in the report zone, and describes each row's content (``what``) through the function
it is given, once per distinct content; ``event_json`` gives each event's JSON as ``Event.to_json``
would, built by SQLite (``eventjson``). Both pick and order rows exactly as ``Events.select`` does.
On a store whose SQL cannot call Python (``Store.sql_calls_python`` false) both give the same rows
made in Python (``pyjson``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from sitlog.domain.model import Event
from sitlog.store.codecs import (
    KINDS,
    MEANS,
    RELATIONS,
    STATUSES,
    distance_from_text,
    tags_from_text,
)
from sitlog.store.eventjson import EventJson, handle_sql, zone_sql
from sitlog.store.events import EventFilter
from sitlog.store.pyjson import NO_TIME, event_cell_rows, event_texts

if TYPE_CHECKING:
    from sitlog.store import Store

# What a row says, for ``describe``: the columns it reads, by kind, as one JSON array (a key to describe
# once). Actors' events repeat a few contents; figures are all different, so casualties and displacement
# are described in SQL instead (``WHAT_SQL``, checked against ``describe`` by tests/test_listing.py).
_CONTENT = {
    "control": "r.actor_ids, r.against_ids, r.status, r.part, r.from_actor_id, r.baseline",
    "clash": "r.actor_ids, r.outcome",
    "strike": "r.actor_ids, r.means",
    "advance": "r.actor_ids, r.distance, r.relation, r.direction, p.name",
}
CONTENT_SQL = (
    "CASE r.kind "
    + " ".join(f"WHEN '{kind}' THEN json_array(r.kind, {columns})" for kind, columns in _CONTENT.items())
    + " END"
)


def _part(label: str, text: str, test: str | None = None) -> str:
    """``', label text'`` when ``test`` (default: ``text`` is not empty), else nothing."""
    return f"CASE WHEN {test or f'{text} <> {chr(39)}{chr(39)}'} THEN ', {label} ' || {text} ELSE '' END"


def _figure(label: str, column: str) -> str:
    return _part(label, f"json_extract({column}, '$.text')", f"{column} <> ''")


# render.events.describe of casualties and displacement: their parts joined by ", " (the first ", " cut); of
# the others: ``sitlog_describe`` (``Content.text``) of their content.
WHAT_SQL = (
    "CASE r.kind WHEN 'casualties' THEN substr("
    + " || ".join([_figure("killed", "r.killed"), _figure("injured", "r.injured"), _figure("captured", "r.captured"),
                   _part("side", "r.side"),
                   "CASE WHEN r.person <> '' THEN ', person ' || r.person || "
                   "CASE WHEN r.role <> '' THEN ' (' || r.role || ')' ELSE '' END ELSE '' END"])
    + ", 3) WHEN 'displacement' THEN substr("
    + " || ".join([_figure("people", "r.people"), _figure("families", "r.families"), _part("to", "tp.name")])
    + f", 3) ELSE sitlog_describe({CONTENT_SQL}) END"
)  # fmt: skip
_FROM = (
    "FROM revisions r JOIN places p ON p.id = r.place_id LEFT JOIN places tp ON tp.id = r.to_place_id "
    "LEFT JOIN handles hd ON hd.event_id = r.event_id"
)


def _query(store: Store, flt: EventFilter, columns: str) -> tuple[str, list[Any]]:
    """``Events.select``'s query with other columns: the same rows, in the same order, as many."""
    return store.events.select_sql(flt, f"SELECT {columns} {_FROM}")


def event_json(store: Store, flt: EventFilter, tz: tzinfo, batch: int = 1000) -> Iterator[list[bytes]]:
    """The JSON text (UTF-8) of each event ``flt`` picks, in ``tz``: ``json.dumps(event.to_json(tz),
    ensure_ascii=False)`` for the events ``Events.select(flt)`` gives, ``batch`` at a time."""
    if not store.sql_calls_python:
        yield from event_texts(store, flt, tz, batch)
        return
    built = EventJson(store.conn, tz)
    sql, params = _query(store, flt, f"CAST({built.sql} AS BLOB)")
    cursor = store.conn.execute(sql, params)
    while rows := cursor.fetchmany(batch):
        yield [row[0] for row in rows]


def event_cells(
    store: Store, flt: EventFilter, tz: tzinfo, describe: Callable[[Event], str], machine: bool, batch: int = 1000
) -> Iterator[list[tuple[str, ...]]]:
    """Rows of text cells for the events ``flt`` picks, ``batch`` at a time; ``''`` where nothing is known.

    Table (``machine`` false): id, at, kind, place, what, claimed (the party, or ``yes``), retracted
    (``yes`` or empty), grade, source, note, handle. CSV (``machine``): id, at, precision, kind, place,
    what, claimed and retracted as ``true``/``false``, claimed_by, grade, source, tags (joined by ``;``),
    operator, recorded_at, note, handle. ``at`` and ``recorded_at`` are RFC 3339 in ``tz`` (a window:
    its first day); ``what`` is ``describe`` of the row's content, called once per distinct content.
    """
    if not store.sql_calls_python:
        yield from event_cell_rows(store, flt, tz, describe, machine, batch)
        return
    instant = zone_sql(store.conn, tz)
    at = f"CASE WHEN r.precision = 'exact' THEN {instant('r.at_utc')} ELSE r.at_date END"
    handle = f"CASE WHEN hd.n IS NULL THEN '' ELSE {handle_sql('hd.n')} END"
    if machine:
        store.conn.create_function("sitlog_tag_cell", 1, _tag_cell, deterministic=True)
        columns = (
            f"r.event_id, {at}, r.precision, r.kind, p.name, {WHAT_SQL}, "
            "CASE WHEN r.claimed THEN 'true' ELSE 'false' END, coalesce(r.claimed_by, ''), "
            "CASE WHEN r.retracted THEN 'true' ELSE 'false' END, coalesce(r.grade, ''), coalesce(r.source, ''), "
            "CASE WHEN r.tags = '[]' THEN '' ELSE sitlog_tag_cell(r.tags) END, r.operator, "
            f"{instant('r.recorded_at')}, coalesce(r.note, ''), {handle}"
        )
    else:
        columns = (
            f"r.event_id, {at}, r.kind, p.name, {WHAT_SQL}, "
            "CASE WHEN r.claimed THEN coalesce(r.claimed_by, 'yes') ELSE '' END, "
            "CASE WHEN r.retracted THEN 'yes' ELSE '' END, coalesce(r.grade, ''), coalesce(r.source, ''), "
            f"coalesce(r.note, ''), {handle}"
        )
    store.conn.create_function("sitlog_describe", 1, Content(store, describe).text, deterministic=True)
    sql, params = _query(store, flt, columns)
    cursor = store.conn.execute(sql, params)
    while rows := cursor.fetchmany(batch):
        yield rows


def _tag_cell(text: str) -> str:
    return ";".join(tags_from_text(text))


class Content:
    """What a row says (``CONTENT_SQL``'s key) described once: listings repeat the same few contents."""

    def __init__(self, store: Store, describe: Callable[[Event], str]) -> None:
        self.actors = {a.id: a.name for a in store.actors.by_id().values()}
        self.describe = describe
        self.known: dict[str, str] = {}

    def text(self, key: str) -> str:
        found = self.known.get(key)
        if found is None:
            if len(self.known) > 100_000:  # named persons make every key new: keep the memo small
                self.known.clear()
            found = self.known[key] = self.describe(self.event(key))
        return found

    def event(self, key: str) -> Event:
        """An Event carrying only the row's content (kind, its fields, the place of an advance)."""
        kind, *values = json.loads(key)
        fields: dict[str, Any] = {}
        if kind == "control":
            actor_ids, against_ids, status, part, from_id, baseline = values
            fields = dict(actors=self.names(actor_ids), against=self.names(against_ids),
                          status=STATUSES[status] if status else None, part=part, baseline=bool(baseline),
                          from_actor=self.actors[from_id] if from_id is not None else None)  # fmt: skip
        elif kind == "clash":
            fields = dict(actors=self.names(values[0]), outcome=values[1])
        elif kind == "strike":
            fields = dict(actors=self.names(values[0]), means=MEANS[values[1]] if values[1] else None)
        elif kind == "advance":
            actor_ids, distance, relation, direction, place = values
            fields = dict(actors=self.names(actor_ids), distance_km=distance_from_text(distance) if distance else None,
                          relation=RELATIONS[relation] if relation else None, direction=direction,
                          place=place)  # fmt: skip
        fields.setdefault("place", "")
        return Event(id="", kind=KINDS[kind], place_id=0, when=NO_TIME, **fields)

    def names(self, ids: str) -> tuple[str, ...]:
        return tuple(self.actors[i] for i in json.loads(ids))
