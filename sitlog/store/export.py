"""Export queries: which revisions, places and actors an export carries, and control context for ACLED.

The revision records and event documents are built by SQLite (``eventjson``); on a store whose SQL cannot
call Python (``Store.sql_calls_python`` false) the same texts are made in Python (``pyjson``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sitlog.domain.model import Event, Place, utc_key
from sitlog.store.eventjson import EventJson
from sitlog.store.events import EVENT_SELECT, EventFilter, heads, order_sql
from sitlog.store.pyjson import batches, event_document_texts, revision_line

if TYPE_CHECKING:
    from sitlog.store import Store


def _matching_ids_sql(store: Store, flt: EventFilter) -> tuple[str, list[Any]]:
    """SQL selecting the ids of the events ``flt`` picks (heads as known at ``flt.known_at``)."""
    return store.events.select_sql(flt, "SELECT e.event_id FROM revisions r")


def _key(instant: datetime) -> str:
    """An instant as an SQL-safe literal (``utc_key`` text: digits, ``-``, ``T``, ``:``, ``Z``)."""
    key = utc_key(instant)
    if not re.fullmatch(r"[0-9T:Z-]+", key):
        raise ValueError(f"unexpected instant key {key!r}")
    return key


def _is_everything(flt: EventFilter) -> bool:
    # The order does not change which events are picked, nor does the zone when no time bound is set.
    return replace(flt, tz=timezone.utc, sort="at", descending=False) == EventFilter(include_retracted=True)


def _revisions_where(store: Store, flt: EventFilter) -> tuple[str, list[Any]]:
    """``WHERE …`` (or nothing) picking the revisions an export of ``flt`` carries, over ``revisions r``."""
    params: list[Any] = []
    where = []
    if not _is_everything(flt):
        ids_sql, params = _matching_ids_sql(store, flt)
        where.append(f"r.event_id IN ({ids_sql})")
    if flt.known_at is not None:
        where.append("r.recorded_at <= ?")
        params.append(utc_key(flt.known_at))
    return (" WHERE " + " AND ".join(where) if where else ""), params


def export_revisions(store: Store, flt: EventFilter) -> Iterator[Event]:
    """Every revision (recorded by ``flt.known_at``) of the events ``flt`` picks, in recording order."""
    where, params = _revisions_where(store, flt)
    for row in store.conn.execute(EVENT_SELECT + where + " ORDER BY r.seq", params):
        yield store.events.from_row(row)


_JOINS = "JOIN places p ON p.id = r.place_id LEFT JOIN places tp ON tp.id = r.to_place_id"


def revision_lines(store: Store, flt: EventFilter, batch: int = 2000) -> Iterator[list[bytes]]:
    """The jsonl records (``{"record": "revision", …}``, UTF-8, no line end) of ``export_revisions``, built
    by SQLite (``eventjson``) and handed out ``batch`` at a time: the same text as ``json.dumps`` of
    ``pyjson.revision_record`` for each revision, at a fraction of the cost."""
    if not store.sql_calls_python:
        yield from batches(map(revision_line, export_revisions(store, flt)), batch)
        return
    built = EventJson(store.conn, timezone.utc, record=True, handle=False, to_place_id=True)
    where, params = _revisions_where(store, flt)
    cursor = store.conn.execute(
        f"SELECT CAST({built.sql} AS BLOB) FROM revisions r {_JOINS}{where} ORDER BY r.seq", params
    )
    while rows := cursor.fetchmany(batch):
        yield [row[0] for row in rows]


def event_documents(store: Store, flt: EventFilter, batch: int = 500) -> Iterator[list[bytes]]:
    """The events ``flt`` picks (head shape, UTC, no handle) each with ``"revisions": [...]``, the revision
    records recorded by ``flt.known_at`` without their ``record`` key: the ``export --format json`` items,
    UTF-8, built by SQLite and handed out ``batch`` at a time."""
    if not store.sql_calls_python:
        yield from event_document_texts(store, flt, batch)
        return
    head = EventJson(store.conn, timezone.utc, handle=False)
    revision = EventJson(store.conn, timezone.utc, handle=False, to_place_id=True)
    known = f" AND r.recorded_at <= '{_key(flt.known_at)}'" if flt.known_at is not None else ""
    # The revisions of each head in recording order, joined by a subquery whose ``r`` shadows the head's. A
    # head's JSON ends with its sources (or sides) list and "}": the list of revisions goes before that "}".
    nested = (
        f"coalesce((SELECT group_concat(x, ', ') FROM (SELECT {revision.sql} AS x FROM revisions r {_JOINS} "
        f"WHERE r.event_id = e.event_id{known} ORDER BY r.seq)), '')"
    )
    where, params = store.events.filter_sql(flt)
    source, source_params = heads(flt.known_at)
    sql = (
        f"SELECT CAST(rtrim({head.sql}, '}}') || ', \"revisions\": [' || {nested} || ']}}' AS BLOB) "
        f"FROM revisions r JOIN {source} ON e.seq = r.seq {_JOINS}"
        f"{' WHERE ' + ' AND '.join(where) if where else ''} {order_sql(flt)}"
    )
    params = [*source_params, *params]
    if flt.limit is not None:
        sql += " LIMIT ?"
        params.append(flt.limit)
    cursor = store.conn.execute(sql, params)
    while rows := cursor.fetchmany(batch):
        yield [row[0] for row in rows]


def referenced(store: Store, flt: EventFilter) -> tuple[list[int], list[int]] | None:
    """(place ids, actor ids) the revisions of the picked events refer to; None means "everything"."""
    if _is_everything(flt):
        return None
    ids_sql, params = _matching_ids_sql(store, flt)
    revs = f"(SELECT * FROM revisions WHERE event_id IN ({ids_sql}))"
    places = store.conn.execute(
        f"SELECT place_id FROM {revs} UNION SELECT to_place_id FROM {revs} WHERE to_place_id IS NOT NULL",
        params + params,
    ).fetchall()
    actors = store.conn.execute(
        f"SELECT CAST(j.value AS INTEGER) FROM {revs} r, json_each(r.actor_ids) j "
        f"UNION SELECT CAST(j.value AS INTEGER) FROM {revs} r, json_each(r.against_ids) j",
        params + params,
    ).fetchall()
    wanted = {int(r[0]) for r in actors}
    parents = dict(store.conn.execute("SELECT id, parent_id FROM actors").fetchall())
    todo = list(wanted)
    while todo:  # parents travel with their children
        parent = parents.get(todo.pop())
        if parent is not None and parent not in wanted:
            wanted.add(parent)
            todo.append(parent)
    return sorted(int(r[0]) for r in places), sorted(wanted)


def place_records(store: Store, ids: Sequence[int] | None) -> Iterator[dict[str, Any]]:
    """Places as export records (the ``places --json`` shape plus ``created_at``), by id."""
    names: dict[int, list[str]] = {}
    for pid, name in store.conn.execute("SELECT place_id, name FROM place_names ORDER BY rowid"):
        names.setdefault(pid, []).append(name)
    wanted = None if ids is None else set(ids)
    # A merged place travels only when a revision still refers to it (its events moved in later revisions).
    sql = (
        "SELECT id, name, admin1, admin2, admin3, pcode, lat, lon, source, created_at, pcode_scheme, admin1_pcode, "
        "admin2_pcode, admin3_pcode FROM places WHERE merged_into IS NULL OR id IN (SELECT place_id FROM revisions) "
        "OR id IN (SELECT to_place_id FROM revisions) ORDER BY id"
    )
    for row in store.conn.execute(sql):
        if wanted is not None and row[0] not in wanted:
            continue
        aliases = tuple(n for n in names.get(row[0], []) if n != row[1])
        place = Place(row[0], row[1], aliases, *row[2:9], *row[10:14])
        yield {**place.to_json(), "created_at": row[9]}


def actor_records(store: Store, ids: Sequence[int] | None) -> Iterator[dict[str, Any]]:
    """Actors as export records (the ``actors --json`` shape plus ``created_at``), parents first."""
    actors = store.actors.by_id()
    created = dict(store.conn.execute("SELECT id, created_at FROM actors").fetchall())
    parent_of = dict(store.conn.execute("SELECT id, parent_id FROM actors").fetchall())
    wanted = sorted(actors) if ids is None else sorted(i for i in ids if i in actors)
    done: set[int] = set()

    def visit(aid: int) -> Iterator[dict[str, Any]]:
        if aid in done:
            return
        done.add(aid)
        parent = parent_of.get(aid)
        if parent is not None:
            yield from visit(parent)
        yield {**actors[aid].to_json(), "created_at": created[aid]}

    for aid in wanted:
        yield from visit(aid)


def previous_holder(store: Store, event: Event, known_at: datetime | None) -> str | None:
    """Who held ``event``'s place by the control event before it (None when none is known)."""
    source, params = heads(known_at)
    at = utc_key(event.when.instant)
    row = store.conn.execute(
        f"SELECT r.actor_ids FROM {source} JOIN revisions r ON r.seq = e.seq "
        "WHERE e.kind = 'control' AND e.retracted = 0 AND e.claimed = 0 AND e.place_id = ? AND e.event_id != ? "
        "AND (e.at_utc < ? OR e.at_utc = ? AND e.seq < (SELECT seq FROM events WHERE event_id = ?)) "
        "ORDER BY e.at_utc DESC, e.seq DESC LIMIT 1",
        [*params, event.place_id, event.id, at, at, event.id],
    ).fetchone()
    if row is None:
        return None
    ids = json.loads(row[0])
    return store.actors.by_id()[ids[0]].name if ids else None


def place_by_id(store: Store, place_id: int) -> Place | None:
    row = store.conn.execute("SELECT 1 FROM places WHERE id = ?", (place_id,)).fetchone()
    return store.places.get(place_id) if row else None
