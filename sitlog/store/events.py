"""Events and their revisions: the append-only ``revisions`` log and the ``events`` head table."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from sitlog.domain.handles import handle_of
from sitlog.domain.model import (
    Actor,
    Event,
    Kind,
    Precision,
    Side,
    When,
    day_bounds,
    from_utc_key,
    utc_key,
)
from sitlog.errors import InvalidInput, NotFound
from sitlog.store.actors import Actors
from sitlog.store.codecs import (
    AT_LAST_SQL,
    KINDS,
    MEANS,
    PRECISIONS,
    RELATIONS,
    STATUSES,
    distance_from_text,
    distance_text,
    quantity_column,
    quantity_from_column,
    sides_text,
    sources_from_text,
    sources_text,
    tags_from_text,
    window_last,
)
from sitlog.store.handles import event_of_handle

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


# A place is looked up from its revision, never the other way round: the unary + keeps the planner from
# walking all places and each one's revisions (revisions_place) to produce a listing it then has to sort.
EVENT_SELECT = (
    f"SELECT r.seq, {', '.join('r.' + c.strip() for c in REVISION_COLUMNS.split(','))}, p.name, tp.name, hd.n "
    "FROM revisions r JOIN places p ON p.id = +r.place_id LEFT JOIN places tp ON tp.id = r.to_place_id "
    "LEFT JOIN handles hd ON hd.event_id = r.event_id"
)


def heads(known_at: datetime | None) -> tuple[str, list[Any]]:
    """A FROM-clause source shaped like the ``events`` table, aliased ``e``.

    Without ``known_at`` it is the ``events`` head table; with it, each event's latest revision
    recorded by then (events first recorded later are absent): "what did we know then".

    The known-at form is a plain filter on ``revisions`` (recorded by then, and no later revision of
    the event recorded by then: one seek in the small ``revisions_later`` index), which SQLite flattens
    into the outer query: a listing in time order walks ``revisions_at`` and its LIMIT stops early,
    instead of every revision's head being found first.
    """
    if known_at is None:
        return "events e", []
    sql = (
        "(SELECT h.event_id, h.seq, h.kind, h.place_id, h.at_utc, h.at_date, h.retracted, h.claimed, "
        "max(1, json_array_length(h.sources)) AS n_sources, "
        f"{AT_LAST_SQL.format(r='h')} AS at_last FROM revisions h "
        f"WHERE h.recorded_at <= ? AND NOT EXISTS ({LATER_KNOWN.format(r='h')})) e"
    )
    key = utc_key(known_at)
    return sql, [key, key]


# A later revision of the event {r} recorded by the known-at moment (the one parameter): then {r} is not
# what was known. ``revision > 1`` lets SQLite use the small partial index ``revisions_later``: an
# event's first revision is its lowest seq, so it is never "later" (``check`` verifies the order).
LATER_KNOWN = (
    "SELECT 1 FROM revisions z INDEXED BY revisions_later WHERE z.event_id = {r}.event_id AND z.revision > 1 "
    "AND z.seq > {r}.seq AND z.recorded_at <= ?"
)


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
            quantity_column(event.killed),
            quantity_column(event.injured),
            quantity_column(event.captured),
            event.side,
            event.person,
            event.role,
            event.means.value if event.means else None,
            quantity_column(event.people),
            quantity_column(event.families),
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
            sides, place_name, to_name,
        ) = row  # fmt: skip
        prec = PRECISIONS[precision]
        when = (
            When(from_utc_key(at_utc), prec)
            if prec is Precision.EXACT
            else When.window(date.fromisoformat(at_date), prec, date.fromisoformat(at_end) if at_end else None)
        )
        return Event(
            id=event_id,
            kind=KINDS[kind],
            place_id=place_id,
            place=place_name,
            when=when,
            actors=names(actor_ids),
            status=STATUSES[status] if status else None,
            part=part,
            against=names(against_ids),
            outcome=outcome,
            killed=quantity_from_column(killed),
            injured=quantity_from_column(injured),
            captured=quantity_from_column(captured),
            side=side,
            person=person,
            role=role,
            means=MEANS[means] if means else None,
            people=quantity_from_column(people),
            families=quantity_from_column(families),
            to=to_name,
            to_place_id=to_place_id,
            source=source,
            grade=grade,
            claimed=bool(claimed),
            claimed_by=claimed_by,
            note=note,
            tags=tags_from_text(tags),
            operator=operator,
            recorded_at=from_utc_key(recorded_at),
            revision=revision,
            retracted=bool(retracted),
            reason=reason,
            duplicate_of=duplicate_of,
            baseline=bool(baseline),
            from_actor=actors[from_actor_id].name if from_actor_id is not None else None,
            relation=RELATIONS[relation] if relation else None,
            distance_km=distance_from_text(distance) if distance else None,
            direction=direction,
            sources=sources_from_text(sources),
            sides=self._sides(sides, actors) if sides else (),
            handle=handle_of(handle_n) if handle_n else None,
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
        sql, params = self.select_sql(flt)
        for row in self.conn.execute(sql, params):
            yield self.from_row(row)

    def select_sql(self, flt: EventFilter, select: str = EVENT_SELECT) -> tuple[str, list[Any]]:
        """The query behind ``select`` and its parameters: the head revisions ``flt`` picks (as known at
        ``flt.known_at``), in listing order, limited. ``select``: what to read, ``SELECT … FROM revisions r
        [JOIN …]`` (default ``EVENT_SELECT`` rows); the heads join as ``e``."""
        where, params = self.filter_sql(flt)
        source, source_params = heads(flt.known_at)
        params = source_params + params
        sql = f"{select} JOIN {source} ON e.seq = r.seq"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " " + order_sql(flt)
        if flt.limit is not None:
            sql += " LIMIT ?"
            params.append(flt.limit)
        return sql, params

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
                "(EXISTS (SELECT 1 FROM json_each(r.actor_ids) WHERE CAST(value AS INTEGER) = ?) "
                "OR EXISTS (SELECT 1 FROM json_each(r.against_ids) WHERE CAST(value AS INTEGER) = ?) "
                "OR r.sides IS NOT NULL AND EXISTS (SELECT 1 FROM json_tree(r.sides) "
                "WHERE CASE WHEN type = 'integer' THEN CAST(value AS INTEGER) END = ?))"
            )
            params.extend([flt.actor_id, flt.actor_id, flt.actor_id])
        if flt.actor_ids is not None:
            marks = ", ".join("?" * len(flt.actor_ids))
            where.append(
                f"(EXISTS (SELECT 1 FROM json_each(r.actor_ids) WHERE CAST(value AS INTEGER) IN ({marks})) "
                f"OR EXISTS (SELECT 1 FROM json_each(r.against_ids) WHERE CAST(value AS INTEGER) IN ({marks})) "
                f"OR r.sides IS NOT NULL AND EXISTS (SELECT 1 FROM json_tree(r.sides) "
                f"WHERE CASE WHEN type = 'integer' THEN CAST(value AS INTEGER) END IN ({marks})))"
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
