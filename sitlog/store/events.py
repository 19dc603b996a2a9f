"""Events and their revisions: the append-only ``revisions`` log and the ``events`` head table."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any

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
    Side,
    SourceRef,
    When,
    day_bounds,
    from_utc_key,
    utc_key,
)
from sitlog.errors import InvalidInput, NotFound
from sitlog.store.actors import Actors

REVISION_COLUMNS = (
    "event_id, revision, kind, place_id, at_utc, precision, at_date, at_end, actor_ids, against_ids, status, "
    "part, outcome, killed, injured, captured, side, person, role, means, people, families, to_place_id, source, "
    "grade, claimed, claimed_by, note, tags, operator, recorded_at, retracted, reason, duplicate_of, changeset, "
    "baseline, from_actor_id, relation, distance, direction, sources, sides"
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
    overlapping: bool = False  # with since: also windows that start before it and end on or after its day
    tags: tuple[str, ...] = ()  # every one of them
    source: str | None = None  # a part of the source, any case
    grade: str | None = None  # "B2" exactly, "B" any credibility, "2" any reliability
    min_grade: str | None = None  # at least this reliable and this credible ("B2": A1..B2)
    operator: str | None = None
    claimed: bool | None = None  # True: claims only; False: assessments only
    recorded_since: datetime | None = None
    recorded_until: datetime | None = None  # exclusive
    sort: str = "at"  # one of SORT_KEYS
    descending: bool = False
    actor_ids: frozenset[int] | None = None  # any of these actors (an actor's family and coalitions)
    place_ids: frozenset[int] | None = None  # at any of these places (``--near``)


def quantity_text(low: int, high: int | None, text: str, best: int | None = None) -> str:
    """A quantity as the store keeps it: JSON ``{low, high, text}``, plus ``best`` only when there is one.

    Leaving a missing ``best`` out keeps the text of every quantity stored before ``best`` existed,
    so re-importing such a file finds its rows unchanged.
    """
    if best is None:
        return json.dumps({"low": low, "high": high, "text": text}, ensure_ascii=False)
    return json.dumps({"low": low, "high": high, "text": text, "best": best}, ensure_ascii=False)


# ``--sort`` fields and their ORDER BY terms (each ends on the recording order, so a sort is total).
SORT_KEYS = {
    "at": "e.at_utc {d}, e.seq {d}",
    "recorded": "r.recorded_at {d}, e.seq {d}",
    "place": "(SELECT name FROM places WHERE id = e.place_id) {d}, e.at_utc {d}, e.seq {d}",
    "kind": "e.kind {d}, e.at_utc {d}, e.seq {d}",
    "grade": "r.grade IS NULL, r.grade {d}, e.at_utc {d}, e.seq {d}",
    "id": "e.event_id {d}",
}


def order_sql(flt: EventFilter) -> str:
    """``ORDER BY … [LIMIT ?]`` for ``flt``: the limit takes the first rows of the chosen order."""
    return "ORDER BY " + SORT_KEYS[flt.sort].format(d="DESC" if flt.descending else "ASC")


def _q(value: Quantity | None) -> str | None:
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
    last = When.window(date.fromisoformat(at_date), _PRECISIONS[precision]).last_day
    return last.isoformat() if last else None


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
    f"SELECT r.seq, {', '.join('r.' + c.strip() for c in REVISION_COLUMNS.split(','))}, p.name, tp.name "
    "FROM revisions r JOIN places p ON p.id = r.place_id LEFT JOIN places tp ON tp.id = r.to_place_id"
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
        "max(1, json_array_length(h.sources)) AS n_sources, "
        f"{AT_LAST_SQL.format(r='h')} AS at_last FROM revisions h "
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
            sides_text(event.sides, ids),
        )
        cur = self.conn.execute(
            f"INSERT INTO revisions ({REVISION_COLUMNS}) VALUES ({', '.join('?' * len(values))})", values
        )
        self.conn.execute(
            "INSERT OR REPLACE INTO events (event_id, seq, kind, place_id, at_utc, at_date, retracted, claimed, "
            "n_sources, at_last) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (event.id, cur.lastrowid, values[2], values[3], values[4], values[6], values[31], values[25],
             len(event.all_sources), window_last(values[5], values[6], values[7])),
        )  # fmt: skip
        return event

    def from_row(self, row: Sequence[Any]) -> Event:
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
            sides, place_name, to_name,
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
            sides=self._sides(sides, actors) if sides else (),
        )

    @staticmethod
    def _sides(text: str, actors: dict[int, Actor]) -> tuple[Side, ...]:
        return tuple(Side(actors[a].name, tuple(actors[i].name for i in assoc)) for a, assoc in json.loads(text))

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
        if not ids:
            raise NotFound(f"no event with id {id_or_prefix!r}")
        if len(ids) > 1:
            raise InvalidInput(f"id prefix {id_or_prefix!r} matches several events: {', '.join(ids)}", ids)
        row = self.conn.execute(f"{EVENT_SELECT} JOIN events e ON e.seq = r.seq WHERE e.event_id = ?", (ids[0],))
        return self.from_row(row.fetchone())

    def find(self, event_id: str) -> Event | None:
        row = self.conn.execute(
            f"{EVENT_SELECT} JOIN events e ON e.seq = r.seq WHERE e.event_id = ?", (event_id,)
        ).fetchone()
        return self.from_row(row) if row else None

    def at_place(self, place_id: int) -> list[Event]:
        """Head revisions (retracted ones too) of the events at a place or displaced to it."""
        rows = self.conn.execute(
            f"{EVENT_SELECT} JOIN events e ON e.seq = r.seq WHERE e.place_id = ? OR r.to_place_id = ? ORDER BY e.seq",
            (place_id, place_id),
        )
        return [self.from_row(r) for r in rows]

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
            f"{'WHERE ' + ' AND '.join(where) if where else ''} {order_sql(flt)}"
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
        if flt.place_ids is not None:
            where.append(f"e.place_id IN ({', '.join('?' * len(flt.place_ids))})")
            params.extend(sorted(flt.place_ids))
        if flt.kind is not None:
            where.append("e.kind = ?")
            params.append(flt.kind.value)
        # An event known only by date (at_utc = UTC midnight of at_date) counts at local midnight of
        # its first day in the report zone; the outer at_utc bound keeps the time index usable.
        if flt.since is not None:
            first = _first_day_at_or_after(flt.since, flt.tz)
            starts = "e.at_utc >= ? AND (e.at_date IS NULL AND e.at_utc >= ? OR e.at_date >= ?)"
            # A window started earlier overlaps when its last day is on or after the first day.
            where.append(f"({starts} OR e.at_last >= ?)" if flt.overlapping else starts)
            params += [utc_key(min(flt.since, _utc_midnight(first))), utc_key(flt.since), first.isoformat()]
            params += [first.isoformat()] if flt.overlapping else []
        if flt.until is not None:
            end = _first_day_at_or_after(flt.until, flt.tz)
            where.append("e.at_utc < ? AND (e.at_date IS NULL AND e.at_utc < ? OR e.at_date < ?)")
            params += [utc_key(max(flt.until, _utc_midnight(end))), utc_key(flt.until), end.isoformat()]
        if flt.actor_id is not None:
            where.append(
                "(EXISTS (SELECT 1 FROM json_each(r.actor_ids) WHERE value = ?) "
                "OR EXISTS (SELECT 1 FROM json_each(r.against_ids) WHERE value = ?) "
                "OR r.sides IS NOT NULL AND EXISTS (SELECT 1 FROM json_tree(r.sides) WHERE type = 'integer' "
                "AND value = ?))"
            )
            params.extend([flt.actor_id, flt.actor_id, flt.actor_id])
        if flt.actor_ids is not None:
            marks = ", ".join("?" * len(flt.actor_ids))
            where.append(
                f"(EXISTS (SELECT 1 FROM json_each(r.actor_ids) WHERE value IN ({marks})) "
                f"OR EXISTS (SELECT 1 FROM json_each(r.against_ids) WHERE value IN ({marks})) "
                f"OR r.sides IS NOT NULL AND EXISTS (SELECT 1 FROM json_tree(r.sides) WHERE type = 'integer' "
                f"AND value IN ({marks})))"
            )
            params.extend(sorted(flt.actor_ids) * 3)
        for tag in flt.tags:
            where.append("EXISTS (SELECT 1 FROM json_each(r.tags) WHERE value = ?)")
            params.append(tag)
        if flt.source is not None:
            escaped = flt.source.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("r.source LIKE ? ESCAPE '\\'")  # LIKE is case-insensitive for ASCII
            params.append(f"%{escaped}%")
        if flt.grade is not None:
            if len(flt.grade) == 2:
                where.append("r.grade = ?")
            else:
                where.append("substr(r.grade, 1, 1) = ?" if flt.grade.isalpha() else "substr(r.grade, 2, 1) = ?")
            params.append(flt.grade)
        if flt.min_grade is not None:
            # Admiralty: reliability A (best) .. F, credibility 1 (best) .. 6; an ungraded event never passes.
            where.append("substr(r.grade, 1, 1) <= ? AND substr(r.grade, 2, 1) <= ?")
            params += [flt.min_grade[0], flt.min_grade[1]]
        if flt.operator is not None:
            where.append("r.operator = ?")
            params.append(flt.operator)
        if flt.claimed is not None:
            where.append("r.claimed = ?")
            params.append(int(flt.claimed))
        if flt.recorded_since is not None:
            where.append("r.recorded_at >= ?")
            params.append(utc_key(flt.recorded_since))
        if flt.recorded_until is not None:
            where.append("r.recorded_at < ?")
            params.append(utc_key(flt.recorded_until))
        return where, params

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])


def _first_day_at_or_after(instant: datetime, tz: tzinfo) -> date:
    """The first day (in ``tz``) whose local midnight is at or after ``instant``."""
    day = instant.astimezone(tz).date()
    return day if day_bounds(day, tz)[0] >= instant else day + timedelta(days=1)


def _utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
