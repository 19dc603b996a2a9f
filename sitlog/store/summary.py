"""The summary's queries: most events added up by day in SQL, the rest read as light items in report order.

A two-year summary of a million events used to build every ``Event`` (minutes, gigabytes). Most events
only add to counts, figures and the day's places: assessed, one day, no named person, neither control
nor an advance (``PLAIN``). ``summary_facts`` adds those up per report-zone day in SQL and reads every
other event overlapping the days — control, advances, claims, persons, windows — as a
``domain.summary.Item`` in report order, one at a time. ``domain.summary.summarize`` turns both into the
same answer ``domain.summary.summary`` gives for all the events (tests/test_summary_sql.py checks so).
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from sitlog.domain.model import Precision, Range, When, day_bounds, utc_key
from sitlog.domain.summary import Item, Plain
from sitlog.store.codecs import PRECISIONS, STATUSES, distance_from_text, quantity_from_column
from sitlog.store.events import heads

if TYPE_CHECKING:
    from sitlog.store import Store

# Events whose contribution is counts, figures and a place only (one day is checked by each query). The
# conditions are cheap and on the safe side (an empty text where NULL is expected makes an event "not plain":
# it is then read whole, which is always exact). The revision says whether it is a claim: the head table's
# copy is for indexes (bench/generate.py leaves it 0).
PLAIN = (
    "e.retracted = 0 AND r.claimed = 0 AND r.person IS NULL AND ("
    "e.kind IN ('clash', 'strike') AND coalesce(r.killed, r.injured, r.captured, r.people, r.families) IS NULL "
    "OR e.kind = 'casualties' AND coalesce(r.people, r.families) IS NULL "
    "OR e.kind = 'displacement' AND coalesce(r.killed, r.injured, r.captured) IS NULL)"
)
# A window of one day: day precision, no end or an end on the same day (``When.window`` drops it).
ONE_DAY = "r.precision = 'day' AND (coalesce(r.at_end, '') = '' OR r.at_end = e.at_date)"
_NO_FIGURES = (None, None, None, None, None)
_PLAIN_KINDS = ("clash", "casualties", "strike", "displacement")
# Which figures each plain kind may carry, as ``FIGURES`` names them: summary name → revision column.
_KIND_FIGURES = {
    "casualties": ("killed", "injured", "captured"),
    "displacement": ("displaced_people", "displaced_families"),
}
_COLUMN = {"killed": "killed", "injured": "injured", "captured": "captured", "displaced_people": "people",
           "displaced_families": "families"}  # fmt: skip


def zone_offsets(tz: tzinfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The UTC offsets (seconds) ``tz`` takes over ``[start, end)``: ``(from, offset)`` in order, the first
    from ``start``. Sampled hourly and bisected to the second (tzdata changes offsets on whole seconds)."""

    def offset(instant: datetime) -> int:
        found = instant.astimezone(tz).utcoffset()
        return int(found.total_seconds()) if found is not None else 0

    found = [(start, offset(start))]
    at = start
    while at < end:
        step = min(at + timedelta(hours=1), end)
        if offset(step) != found[-1][1]:
            low, high = at, step
            while high - low > timedelta(seconds=1):
                middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
                low, high = (middle, high) if offset(middle) == found[-1][1] else (low, middle)
            found.append((high, offset(high)))
        at = step
    return found


def local_day_sql(column: str, tz: tzinfo, start: datetime, end: datetime) -> str:
    """SQL for the report-zone day (``YYYY-MM-DD``) of a UTC key column, exact for instants in ``[start, end)``."""
    segments = zone_offsets(tz, start, end)

    def shifted(seconds: int) -> str:
        return f"substr({column}, 1, 10)" if seconds == 0 else f"date({column}, '{seconds} seconds')"

    if len(segments) == 1:
        return shifted(segments[0][1])
    branches = " ".join(f"WHEN {column} < '{utc_key(at)}' THEN {shifted(before[1])}"
                        for before, (at, _) in zip(segments, segments[1:], strict=False))  # fmt: skip
    return f"CASE {branches} ELSE {shifted(segments[-1][1])} END"


def _range(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    return day_bounds(first, tz)[0], day_bounds(last, tz)[1]


def _involves(actors: tuple[frozenset[int], frozenset[str]] | None) -> tuple[str, list[Any]]:
    """``ops.reports``' actor filter in SQL: any of the ids as an actor, opponent or side; a casualties side
    by name."""
    if actors is None:
        return "", []
    ids, names = sorted(actors[0]), sorted(actors[1])
    marks, name_marks = ", ".join("?" * len(ids)) or "NULL", ", ".join("?" * len(names)) or "NULL"
    sql = (
        f" AND (EXISTS (SELECT 1 FROM json_each(r.actor_ids) WHERE CAST(value AS INTEGER) IN ({marks})) "
        f"OR EXISTS (SELECT 1 FROM json_each(r.against_ids) WHERE CAST(value AS INTEGER) IN ({marks})) "
        f"OR r.side IN ({name_marks}) "
        f"OR r.sides IS NOT NULL AND EXISTS (SELECT 1 FROM json_tree(r.sides) "
        f"WHERE CASE WHEN type = 'integer' THEN CAST(value AS INTEGER) END IN ({marks})))"
    )
    return sql, [*ids, *ids, *names, *ids]


def _aggregates(events: str, figures: str, rows: str = "TRUE") -> str:
    """A day's plain events added up, as SQL aggregates over the rows where ``rows`` holds, with
    ``{events}.kind``, ``{events}.place_id`` and the figure columns ``{figures}.killed`` …"""
    alias = events
    parts = [f"count(*) FILTER (WHERE {rows})",
             *(f"count(*) FILTER (WHERE {rows} AND {alias}.kind = '{kind}')" for kind in _PLAIN_KINDS)]  # fmt: skip
    for kind, names in _KIND_FIGURES.items():
        for name in names:
            column = f"{figures}.{_COLUMN[name]}"
            only = f"FILTER (WHERE {rows} AND {alias}.kind = '{kind}' AND {column} <> '')"
            parts += [f"count(*) {only}", f"sum(CAST(json_extract({column}, '$.low') AS INTEGER)) {only}",
                      f"sum(CAST(json_extract({column}, '$.high') AS INTEGER)) {only}",
                      f"count(json_extract({column}, '$.high')) {only}",
                      f"sum(CAST(json_extract({column}, '$.best') AS INTEGER)) {only}",
                      f"count(json_extract({column}, '$.best')) {only}"]  # fmt: skip
    return ", ".join([*parts, f"group_concat(DISTINCT {alias}.place_id) FILTER (WHERE {rows})"])


def summary_facts(
    store: Store,
    first: date,
    last: date,
    tz: tzinfo,
    known_at: datetime | None,
    actors: tuple[frozenset[int], frozenset[str]] | None = None,
) -> tuple[list[tuple[date, Plain]], Iterator[Item]]:
    """The events overlapping the report-zone days ``first``..``last``, as ``domain.summary.summarize`` takes
    them: what the ``PLAIN`` ones of each day add up to (``Plain``, days without any absent), and every other
    one as an ``Item`` in report order (when it starts in the zone, then recording order) — instants in the
    days, windows starting in them, windows started earlier that reach into them. ``actors``: (ids, names)
    of the actors whose events count (``ops.reports.summary``)."""
    start, end = _range(first, last, tz)
    source, source_params = heads(known_at)
    involves, involves_params = _involves(actors)
    joined = f"{source} JOIN revisions r ON r.seq = e.seq"
    windows = f"{ONE_DAY} AND {PLAIN}{involves}"
    read = _Reader(store, tz)
    counted: list[tuple[str, list[Any]]] = []
    if known_at is None:
        # Day by day through the time and date indexes (no sorting): a day's plain instants added up, the
        # seqs of its other instants listed (read whole below), its plain one-day windows added up.
        table = [[d.isoformat(), *map(utc_key, day_bounds(d, tz))] for d in _days(first, last)]
        day = "e.at_utc >= d.lo AND e.at_utc < d.hi AND e.at_date IS NULL AND e.retracted = 0"
        sql = (
            "WITH d(day, lo, hi) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
            "json_extract(value, '$[2]') FROM json_each(?)) "
            f"SELECT d.day, (SELECT json_array({_aggregates('e', 'r')}) FROM {joined} WHERE {day} AND {PLAIN}"
            f"{involves}), (SELECT group_concat(e.seq) FROM {joined} WHERE {day} AND NOT ({PLAIN}){involves}), "
            f"(SELECT json_array({_aggregates('e', 'r')}) FROM {joined} WHERE e.at_date = d.day AND {windows}) FROM d"
        )
        specials: list[tuple[str, str]] = []
        params = [json.dumps(table), *involves_params, *involves_params, *involves_params]
        for day_text, plain_text, seqs, windows_text in store.conn.execute(sql, params):
            if seqs:
                specials.append((day_text, seqs))
            counted += [(day_text, json.loads(plain_text)), (day_text, json.loads(windows_text))]
        instants: Iterable[tuple[Any, ...]] = _instants_by_seq(store, specials, tz, start, end)
    else:  # one pass over what was known then, added up by day (the cut-off's heads are not indexed by time)
        columns = "e.kind, e.place_id, r.killed, r.injured, r.captured, r.people, r.families"
        sql = (
            f"SELECT d.day, {_aggregates('d', 'd')} FROM (SELECT {local_day_sql('e.at_utc', tz, start, end)} AS day, "
            f"{columns} FROM {joined} WHERE e.at_utc >= ? AND e.at_utc < ? AND e.at_date IS NULL AND {PLAIN}"
            f"{involves} UNION ALL SELECT e.at_date, {columns} FROM {joined} WHERE e.at_date >= ? "
            f"AND e.at_date <= ? AND {windows}) d GROUP BY d.day"
        )
        params = [*source_params, utc_key(start), utc_key(end), *involves_params, *source_params,
                  first.isoformat(), last.isoformat(), *involves_params]  # fmt: skip
        counted = [(day, list(rest)) for day, *rest in store.conn.execute(sql, params)]
        instants = store.conn.execute(
            f"SELECT {_ITEM_COLUMNS}, {local_day_sql('r.at_utc', tz, start, end)} FROM {source} {_ITEM_JOINS} "
            f"AND e.at_date IS NULL AND e.at_utc >= ? AND e.at_utc < ? AND NOT ({PLAIN}){involves} "
            "ORDER BY e.at_utc, e.seq",
            [*source_params, utc_key(start), utc_key(end), *involves_params],
        )
    days = [first.isoformat(), last.isoformat()]
    windowed = store.conn.execute(
        f"SELECT * FROM (SELECT {_ITEM_COLUMNS}, NULL FROM {source} {_ITEM_JOINS} AND e.at_date >= ? "
        f"AND e.at_date <= ? AND NOT ({ONE_DAY} AND {PLAIN}){involves} UNION ALL SELECT {_ITEM_COLUMNS}, NULL "
        f"FROM {source} {_ITEM_JOINS} AND e.at_last >= ? AND e.at_date < ?{involves}) AS w "
        "ORDER BY at_date, at_utc, seq",
        [*source_params, *days, *involves_params, *source_params, days[0], days[0], *involves_params],
    )
    # A window starts at local midnight of its first day; an instant when it happens; then recording order.
    merged = heapq.merge(
        ((row[4], row[4], row[27], row) for row in instants),
        ((read.midnight(row[6]), row[4], row[27], row) for row in windowed),
    )
    return _plain(store, counted), (read.item(row) for *_key, row in merged)


def _instants_by_seq(
    store: Store, specials: list[tuple[str, str]], tz: tzinfo, start: datetime, end: datetime
) -> Iterator[tuple[Any, ...]]:
    """The item rows of the instants ``specials`` lists (day, seqs), a day at a time, in time then seq order."""
    day_sql = local_day_sql("r.at_utc", tz, start, end)
    sql = (
        f"SELECT {_ITEM_COLUMNS}, {day_sql} FROM revisions r JOIN events e ON e.event_id = r.event_id "
        "JOIN places p ON p.id = r.place_id WHERE r.seq IN (SELECT CAST(value AS INTEGER) FROM json_each(?)) "
        "ORDER BY r.at_utc, r.seq"
    )
    for _day, seqs in specials:
        yield from store.conn.execute(sql, (f"[{seqs}]",))


def _plain(store: Store, counted: list[tuple[str, list[Any]]]) -> list[tuple[date, Plain]]:
    """``_aggregates`` values of days (several rows of a day add up) as ``Plain`` tallies, by day."""
    names = dict(store.conn.execute("SELECT id, name FROM places"))
    by_day: dict[date, Plain] = {}
    for day, values in counted:
        if not values[0]:
            continue
        plain = by_day.setdefault(date.fromisoformat(day), Plain())
        plain.events += values[0]
        for kind, n in zip(_PLAIN_KINDS, values[1:5], strict=True):
            plain.by_kind[kind] = plain.by_kind.get(kind, 0) + n
        figures = iter(values[5:-1])
        for names_of_kind in _KIND_FIGURES.values():
            for name in names_of_kind:
                count, low, high, highs, best, bests = (next(figures) for _ in range(6))
                if count:
                    part = Range(low, high if highs == count else None, best or 0, count - bests)
                    plain.totals[name] = plain.totals[name].add(part) if name in plain.totals else part
                    plain.events_with[name] = plain.events_with.get(name, 0) + count
        plain.places.update(names[int(i)] for i in values[-1].split(","))
    return sorted(by_day.items())


def control_places(store: Store, first: date, last: date, tz: tzinfo, known_at: datetime | None) -> set[int]:
    """The places with an assessed control event in (or reaching into) the days: whose state before them the
    summary needs (a few more do no harm)."""
    start, end = _range(first, last, tz)
    days = [first.isoformat(), last.isoformat()]
    control = "e.kind = 'control' AND e.claimed = 0 AND e.retracted = 0"
    if known_at is None:  # a few seeks per place on the partial indexes of assessed control
        sql = (
            f"SELECT p.id FROM places p WHERE EXISTS (SELECT 1 FROM events e WHERE e.place_id = p.id AND {control} "
            "AND e.at_date IS NULL AND e.at_utc >= ? AND e.at_utc < ?) OR EXISTS (SELECT 1 FROM events e "
            f"WHERE e.place_id = p.id AND {control} AND e.at_date IS NOT NULL AND e.at_date <= ? AND "
            "(e.at_date >= ? OR e.at_last >= ?))"
        )
        rows = store.conn.execute(sql, [utc_key(start), utc_key(end), days[1], days[0], days[0]])
        return {row[0] for row in rows}
    source, params = heads(known_at)
    sql = (
        f"SELECT e.place_id FROM {source} WHERE {control} AND e.at_date IS NULL AND e.at_utc >= ? AND e.at_utc < ? "
        f"UNION SELECT e.place_id FROM {source} WHERE {control} AND e.at_date >= ? AND e.at_date <= ? "
        f"UNION SELECT e.place_id FROM {source} WHERE {control} AND e.at_last >= ? AND e.at_date < ?"
    )
    rows = store.conn.execute(sql, [*params, utc_key(start), utc_key(end), *params, *days, *params, days[0], days[0]])
    return {row[0] for row in rows}


_ITEM_COLUMNS = (
    "r.event_id, r.kind, p.name, r.place_id, r.at_utc, r.precision, r.at_date, r.at_end, r.claimed, r.claimed_by, "
    "r.killed, r.injured, r.captured, r.people, r.families, r.actor_ids, r.status, r.part, r.baseline, "
    "r.from_actor_id, r.relation, r.distance, r.direction, r.person, r.role, r.side, e.n_sources, e.seq"
)
_ITEM_JOINS = "JOIN revisions r ON r.seq = e.seq JOIN places p ON p.id = r.place_id WHERE e.retracted = 0"


def _days(first: date, last: date) -> Iterable[date]:
    return (first + timedelta(days=n) for n in range((last - first).days + 1))


class _Reader:
    """Item rows of ``summary_facts`` to ``Item`` objects; actor lists and windows repeat, so each is read once."""

    def __init__(self, store: Store, tz: tzinfo) -> None:
        self.tz = tz
        self.midnights: dict[str, str] = {}
        self.actors = {a.id: a.name for a in store.actors.by_id().values()}
        self.places: dict[int, str] = {}  # one string per place name, however many events name it
        self.holders: dict[str, str | None] = {}
        self.windows: dict[tuple[str, str, str | None], tuple[date, date, str | None, bool]] = {}

    def holder(self, actor_ids: str) -> str | None:
        found = self.holders.get(actor_ids, "")
        if found == "":
            ids = json.loads(actor_ids)
            found = self.holders[actor_ids] = self.actors[ids[0]] if ids else None
        return found

    def midnight(self, day: str) -> str:
        """The UTC key of local midnight starting ``day`` (a window's start in report order)."""
        found = self.midnights.get(day)
        if found is None:
            found = self.midnights[day] = utc_key(day_bounds(date.fromisoformat(day), self.tz)[0])
        return found

    def window(self, precision: str, at_date: str, at_end: str | None) -> tuple[date, date, str | None, bool]:
        """(first day, last day, end as JSON gives it, imprecise?) as ``When.window`` reads a stored window."""
        key = (precision, at_date, at_end)
        found = self.windows.get(key)
        if found is None:
            prec = PRECISIONS[precision]
            when = When.window(date.fromisoformat(at_date), prec, date.fromisoformat(at_end) if at_end else None)
            imprecise = prec in (Precision.WEEK, Precision.MONTH, Precision.YEAR) or when.end is not None
            assert when.day is not None
            end = when.end.isoformat() if when.end else None
            found = self.windows[key] = (when.day, when.last_day or when.day, end, imprecise)
        return found

    def item(self, row: tuple[Any, ...]) -> Item:
        (event_id, kind, place, place_id, _at_utc, precision, at_date, at_end, claimed, claimed_by, killed,
         injured, captured, people, families, actor_ids, status, part, baseline, from_id, relation, distance,
         direction, person, role, side, n_sources, _seq, local_day) = row  # fmt: skip
        if precision == "exact":
            first = last = date.fromisoformat(local_day)
            at, end, imprecise = "", None, False
        else:
            first, last, end, imprecise = self.window(precision, at_date, at_end)
            at = first.isoformat()
        place = self.places.setdefault(place_id, place)
        quantity = quantity_from_column
        figures = (
            (quantity(killed), quantity(injured), quantity(captured), quantity(people), quantity(families))
            if killed or injured or captured or people or families else _NO_FIGURES
        )  # fmt: skip
        holder = self.holder(actor_ids) if kind in ("control", "advance") else None
        return Item(
            event_id, kind, place, place_id, first, last, precision, at, end, imprecise, bool(claimed), claimed_by,
            figures, holder if kind == "control" else None, STATUSES[status] if status else None, part, bool(baseline),
            self.actors[from_id] if from_id is not None else None, holder if kind == "advance" else None,
            relation or None, distance_from_text(distance).to_json() if distance else None, direction, person, role,
            side, n_sources,
        )  # fmt: skip
