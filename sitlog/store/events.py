"""Events and their revisions: the append-only ``revisions`` log and the ``events`` head table."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any

from sitlog.domain.handles import handle_of
from sitlog.domain.model import (
    Actor,
    ControlStatus,
    Distance,
    Event,
    Kind,
    Means,
    Precision,
    Quantity,
    Relation,
    SourceRef,
    When,
    day_bounds,
    from_utc_key,
    utc_key,
)
from sitlog.errors import InvalidInput, NotFound
from sitlog.store.actors import Actors
from sitlog.store.handles import event_of_handle

REVISION_COLUMNS = (
    "event_id, revision, kind, place_id, at_utc, precision, at_date, at_end, actor_ids, against_ids, status, "
    "part, outcome, killed, injured, captured, side, person, role, means, people, families, to_place_id, source, "
    "grade, claimed, claimed_by, note, tags, operator, recorded_at, retracted, reason, duplicate_of, changeset, "
    "baseline, from_actor_id, relation, distance, direction, sources"
)


@dataclass(frozen=True)
class EventFilter:
    """The filters ``events``/``export`` share; instants are UTC, ``until`` exclusive."""

    place_id: int | None = None
    actor_id: int | None = None
    kind: Kind | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None
    include_retracted: bool = False
    known_at: datetime | None = None
    tz: tzinfo = timezone.utc  # the report zone: an event known only by date sits at its local midnight
    min_sources: int | None = None  # only events backed by at least this many reports


def _q(value: Quantity | None) -> str | None:
    return json.dumps(value.to_json(), ensure_ascii=False) if value else None


def _unq(text: str | None) -> Quantity | None:
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
def _distance(text: str) -> Distance:
    return Distance.from_json(json.loads(text))


@lru_cache(maxsize=4096)
def _tags(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


# Stored text → enum member by dict: calling the enum costs ~1 µs, four times per event read.
_PRECISIONS = {p.value: p for p in Precision}
_KINDS = {k.value: k for k in Kind}
_STATUSES = {s.value: s for s in ControlStatus}
_MEANS = {m.value: m for m in Means}
_RELATIONS = {r.value: r for r in Relation}

EVENT_SELECT = (
    f"SELECT r.seq, {', '.join('r.' + c.strip() for c in REVISION_COLUMNS.split(','))}, p.name, tp.name, hd.n "
    "FROM revisions r JOIN places p ON p.id = r.place_id LEFT JOIN places tp ON tp.id = r.to_place_id "
    "LEFT JOIN handles hd ON hd.event_id = r.event_id"
)


def heads(known_at: datetime | None) -> tuple[str, list[Any]]:
    """A FROM-clause source shaped like the ``events`` table, aliased ``e``.

    Without ``known_at`` it is the ``events`` head table; with it, each event's latest revision
    recorded by then (events first recorded later are absent): "what did we know then".
    """
    if known_at is None:
        return "events e", []
    sql = (
        "(SELECT h.event_id, h.seq, h.kind, h.place_id, h.at_utc, h.at_date, h.retracted, h.claimed, "
        "max(1, json_array_length(h.sources)) AS n_sources FROM revisions h "
        "WHERE h.seq = (SELECT max(h2.seq) FROM revisions h2 WHERE h2.event_id = h.event_id "
        "AND h2.recorded_at <= ?)) e"
    )
    return sql, [utc_key(known_at)]


class Events:
    """Revisions in and head events out, as model objects; actor ids become names through ``actors``."""

    def __init__(self, conn: sqlite3.Connection, actors: Actors) -> None:
        self.conn = conn
        self.actors = actors
        self._names_memo: dict[str, tuple[str, ...]] = {}  # actor_ids JSON → names, for by_id()
        self._names_memo_for: dict[int, Actor] | None = None

    def insert_revision(self, event: Event, changeset: str | None) -> Event:
        """Append ``event`` as a revision and make it the head (inside a transaction)."""
        ids = self.actors.id_of
        to_place = event.to_place_id
        values = (
            event.id,
            event.revision,
            event.kind.value,
            event.place_id,
            utc_key(event.when.instant),
            event.when.precision.value,
            event.when.day.isoformat() if event.when.day else None,
            event.when.end.isoformat() if event.when.end else None,
            json.dumps([ids(a) for a in event.actors]),
            json.dumps([ids(a) for a in event.against]),
            event.status.value if event.status else None,
            event.part,
            event.outcome,
            _q(event.killed),
            _q(event.injured),
            _q(event.captured),
            event.side,
            event.person,
            event.role,
            event.means.value if event.means else None,
            _q(event.people),
            _q(event.families),
            to_place,
            event.source,
            event.grade,
            int(event.claimed),
            event.claimed_by,
            event.note,
            json.dumps(list(event.tags), ensure_ascii=False),
            event.operator,
            utc_key(event.recorded_at),
            int(event.retracted),
            event.reason,
            event.duplicate_of,
            changeset,
            int(event.baseline),
            ids(event.from_actor) if event.from_actor else None,
            event.relation.value if event.relation else None,
            distance_text(event.distance_km),
            event.direction,
            sources_text(event.sources),
        )
        cur = self.conn.execute(
            f"INSERT INTO revisions ({REVISION_COLUMNS}) VALUES ({', '.join('?' * len(values))})", values
        )
        self.conn.execute(
            "INSERT OR REPLACE INTO events (event_id, seq, kind, place_id, at_utc, at_date, retracted, claimed, "
            "n_sources) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (event.id, cur.lastrowid, values[2], values[3], values[4], values[6], values[31], values[25],
             len(event.all_sources)),
        )  # fmt: skip
        return event

    def from_row(self, row: Sequence[Any]) -> Event:
        handle_n, row = row[-1], row[:-1]  # EVENT_SELECT ends with the handle's sequence number
        actors = self.actors.by_id()
        if self._names_memo_for is not actors:
            self._names_memo, self._names_memo_for = {}, actors
        memo = self._names_memo

        # A listing repeats the same few actor lists thousands of times: decode each once.
        def names(text: str) -> tuple[str, ...]:
            found = memo.get(text)
            if found is None:
                found = memo[text] = tuple(actors[i].name for i in json.loads(text))
            return found

        (
            _seq, event_id, revision, kind, place_id, at_utc, precision, at_date, at_end, actor_ids, against_ids,
            status, part, outcome, killed, injured, captured, side, person, role, means, people, families,
            to_place_id, source, grade, claimed, claimed_by, note, tags, operator, recorded_at, retracted,
            reason, duplicate_of, _changeset, baseline, from_actor_id, relation, distance, direction, sources,
            place_name, to_name,
        ) = row  # fmt: skip
        prec = _PRECISIONS[precision]
        when = (
            When(from_utc_key(at_utc), prec)
            if prec is Precision.EXACT
            else When.window(date.fromisoformat(at_date), prec, date.fromisoformat(at_end) if at_end else None)
        )
        return Event(
            id=event_id,
            kind=_KINDS[kind],
            place_id=place_id,
            place=place_name,
            when=when,
            actors=names(actor_ids),
            status=_STATUSES[status] if status else None,
            part=part,
            against=names(against_ids),
            outcome=outcome,
            killed=_unq(killed),
            injured=_unq(injured),
            captured=_unq(captured),
            side=side,
            person=person,
            role=role,
            means=_MEANS[means] if means else None,
            people=_unq(people),
            families=_unq(families),
            to=to_name,
            to_place_id=to_place_id,
            source=source,
            grade=grade,
            claimed=bool(claimed),
            claimed_by=claimed_by,
            note=note,
            tags=_tags(tags),
            operator=operator,
            recorded_at=from_utc_key(recorded_at),
            revision=revision,
            retracted=bool(retracted),
            reason=reason,
            duplicate_of=duplicate_of,
            baseline=bool(baseline),
            from_actor=actors[from_actor_id].name if from_actor_id is not None else None,
            relation=_RELATIONS[relation] if relation else None,
            distance_km=_distance(distance) if distance else None,
            direction=direction,
            sources=sources_from_text(sources),
            handle=handle_of(handle_n) if handle_n else None,
        )

    def find_ids(self, prefix: str) -> list[str]:
        """Event ids starting with ``prefix`` (case-insensitive for ULIDs), at most a few."""
        text = prefix.strip()
        rows = self.conn.execute(
            "SELECT event_id FROM events WHERE event_id >= ? AND event_id < ? LIMIT 10",
            (text, text + "\U0010ffff"),
        ).fetchall()
        if not rows and text.upper() != text:
            rows = self.conn.execute(
                "SELECT event_id FROM events WHERE event_id >= ? AND event_id < ? LIMIT 10",
                (text.upper(), text.upper() + "\U0010ffff"),
            ).fetchall()
        return [r[0] for r in rows]

    def get(self, id_or_prefix: str) -> Event:
        """The head revision of the event an id or unique id prefix names (exit 3 ambiguous, 4 unknown)."""
        ids = self.find_ids(id_or_prefix)
        if id_or_prefix in ids:
            ids = [id_or_prefix]
        elif (by_handle := event_of_handle(self.conn, id_or_prefix)) is not None:
            ids = [by_handle]  # a handle wins over an id prefix that happens to spell it
        if not ids:
            raise NotFound(
                f"no event with id or handle {id_or_prefix!r}; `sitlog events` lists ids and handles "
                "(`last` is your last logged event)"
            )
        if len(ids) > 1:
            raise InvalidInput(f"id prefix {id_or_prefix!r} matches several events: {', '.join(ids)}", ids)
        row = self.conn.execute(f"{EVENT_SELECT} JOIN events e ON e.seq = r.seq WHERE e.event_id = ?", (ids[0],))
        return self.from_row(row.fetchone())

    def find(self, event_id: str) -> Event | None:
        row = self.conn.execute(
            f"{EVENT_SELECT} JOIN events e ON e.seq = r.seq WHERE e.event_id = ?", (event_id,)
        ).fetchone()
        return self.from_row(row) if row else None

    def revisions_of(self, event_id: str) -> list[Event]:
        rows = self.conn.execute(f"{EVENT_SELECT} WHERE r.event_id = ? ORDER BY r.revision", (event_id,))
        return [self.from_row(r) for r in rows]

    def select(self, flt: EventFilter) -> Iterator[Event]:
        """Head revisions matching ``flt``, in time order (then recording order)."""
        where, params = self.filter_sql(flt)
        source, source_params = heads(flt.known_at)
        params = source_params + params
        sql = (
            f"{EVENT_SELECT} JOIN {source} ON e.seq = r.seq "
            f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY e.at_utc, e.seq"
        )
        if flt.limit is not None:
            sql += " LIMIT ?"
            params.append(flt.limit)
        for row in self.conn.execute(sql, params):
            yield self.from_row(row)

    def filter_sql(self, flt: EventFilter) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if not flt.include_retracted:
            where.append("e.retracted = 0")
        if flt.place_id is not None:
            where.append("e.place_id = ?")
            params.append(flt.place_id)
        if flt.min_sources is not None and flt.min_sources > 1:
            where.append("e.n_sources >= ?")
            params.append(flt.min_sources)
        if flt.kind is not None:
            where.append("e.kind = ?")
            params.append(flt.kind.value)
        # An event known only by date (at_utc = UTC midnight of at_date) counts at local midnight of
        # its first day in the report zone; the outer at_utc bound keeps the time index usable.
        if flt.since is not None:
            first = _first_day_at_or_after(flt.since, flt.tz)
            where.append("e.at_utc >= ? AND (e.at_date IS NULL AND e.at_utc >= ? OR e.at_date >= ?)")
            params += [utc_key(min(flt.since, _utc_midnight(first))), utc_key(flt.since), first.isoformat()]
        if flt.until is not None:
            end = _first_day_at_or_after(flt.until, flt.tz)
            where.append("e.at_utc < ? AND (e.at_date IS NULL AND e.at_utc < ? OR e.at_date < ?)")
            params += [utc_key(max(flt.until, _utc_midnight(end))), utc_key(flt.until), end.isoformat()]
        if flt.actor_id is not None:
            where.append(
                "(EXISTS (SELECT 1 FROM json_each(r.actor_ids) WHERE value = ?) "
                "OR EXISTS (SELECT 1 FROM json_each(r.against_ids) WHERE value = ?))"
            )
            params.extend([flt.actor_id, flt.actor_id])
        return where, params

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])


def _first_day_at_or_after(instant: datetime, tz: tzinfo) -> date:
    """The first day (in ``tz``) whose local midnight is at or after ``instant``."""
    day = instant.astimezone(tz).date()
    return day if day_bounds(day, tz)[0] >= instant else day + timedelta(days=1)


def _utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
