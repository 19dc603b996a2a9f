"""Assessed control as of a moment (``status``): the derived ``control_current`` table, then seeks.

Each place keeps two candidates (m010): the latest assessed control event known by an exact instant
and the latest known by a date window. Which one wins depends on the report zone (a window starts at
local midnight), so both are read and Python picks, as ``domain.report.status_from_events`` would.

- ``status --at T`` (and ``now``): one scan of ``control_current``. A candidate not yet begun at T
  (later than the cutoff) is replaced by one seek for that place and that kind of time in the covering
  head-table indexes ``events_control`` / ``events_control_days``, its columns read from
  ``revisions_control`` / ``revisions_control_days``.
- ``status --known-at K``: each event as its latest revision recorded by K. When few revisions were
  recorded after K, the places they touch are sought again and every other place is answered as now
  ("heads plus the revisions recorded after K"); otherwise every place is sought with the known-at
  conditions (recorded by K, no later revision recorded by K).

Claims never enter the table: they are read beside it (``events_claims``, or ``revisions_claims`` as
known at K) and attached to the assessment they are not older than.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sitlog.domain.model import ControlStatus, Place, Precision, When, utc_key
from sitlog.domain.report import ClaimEntry, StatusEntry
from sitlog.store.events import LATER_KNOWN

if TYPE_CHECKING:
    from sitlog.store import Store

# An event is known by the cutoff: an instant at or before it, a date window once its first day has begun.
# Only events between :lo and :hi need their at_date (a table lookup): the rest are decided by the index.
KNOWN = "({e}.at_utc <= :lo OR CASE WHEN {e}.at_date IS NULL THEN {e}.at_utc <= :exact ELSE {e}.at_date <= :day END)"

# A candidate row of a seek: place id, name, admin1, windowed (0 exact, 1 date window), its order key
# (at_utc or at_date; with seq), then what status shows (``_WINNER`` from seq on).
_SHOWN = "{x}.event_id, {x}.actor_ids, {x}.against_ids, {x}.status, {x}.part"
_TIME = "{x}.precision, {x}.at_date, {x}.at_end"

_ASSESSED = "{x}.kind = 'control' AND {x}.claimed = 0 AND {x}.retracted = 0"


def _latest(windowed: bool, known: bool, place: str) -> str:
    """A subquery: (place id, order key, seq) of the latest assessed control event at ``place`` begun by the
    cutoff, by exact instant or by date window: one walk back in a covering index.

    As now it walks the head table (``events_control``/``events_control_days``); as known at :known it
    walks the revisions (``revisions_control``/``_days``), passing over those recorded later and those a
    revision recorded by then replaced.
    """
    key, bound, is_null = ("at_date", "day", "IS NOT NULL") if windowed else ("at_utc", "exact", "IS NULL")
    if not known:
        index = "events_control_days" if windowed else "events_control"
        return (f"SELECT e.place_id, e.{key}, e.seq FROM events e INDEXED BY {index} WHERE e.place_id = {place} "
                f"AND {_ASSESSED.format(x='e')} AND e.at_date {is_null} AND e.{key} <= :{bound} "
                f"ORDER BY e.{key} DESC, e.seq DESC LIMIT 1")  # fmt: skip
    index = "revisions_control_days" if windowed else "revisions_control"
    later = LATER_KNOWN.format(r="y").replace("?", ":known")
    return (f"SELECT y.place_id, y.{key}, y.seq FROM revisions y INDEXED BY {index} WHERE y.place_id = {place} "
            f"AND {_ASSESSED.format(x='y')} AND y.at_date {is_null} AND y.{key} <= :{bound} "
            f"AND y.recorded_at <= :known AND NOT EXISTS ({later}) "
            f"ORDER BY y.{key} DESC, y.seq DESC LIMIT 1")  # fmt: skip


def _revision(x: str, windowed: bool, latest: str) -> str:
    """Join condition: ``x`` is the revision ``latest`` names, read from the covering control index."""
    key, is_null, index = ("at_date", "IS NOT NULL", "revisions_control_days") if windowed else (
        "at_utc", "IS NULL", "revisions_control")  # fmt: skip
    return (f"revisions {x} INDEXED BY {index} ON {x}.kind = 'control' AND {x}.at_date {is_null} "
            f"AND ({x}.place_id, {x}.{key}, {x}.seq) = ({latest})")  # fmt: skip


def latest_sql(windowed: bool, known: bool) -> str:
    """Candidate rows of one kind of time for the places asked (:places, a JSON list): place id, name,
    admin1, windowed, order key, seq, then what status shows; as now, or as known at :known."""
    key = "at_date" if windowed else "at_utc"
    return (f"SELECT p.id, p.name, p.admin1, {int(windowed)}, x.{key}, x.seq, {_SHOWN.format(x='x')}, x.at_utc, "
            f"{_TIME.format(x='x')} FROM json_each(:places) j JOIN places p ON p.id = CAST(j.value AS INTEGER) "
            f"JOIN {_revision('x', windowed, _latest(windowed, known, 'CAST(j.value AS INTEGER)'))}")  # fmt: skip


# Deciding in SQL which of a place's two candidates wins, so that one row per place comes back. Ordered by
# at_utc (a window at midnight UTC of its day) the later one wins unless the two are within 14 hours
# (0.6 day): a window starts at local midnight, from 14 hours before midnight UTC (UTC+14) to 12 after
# (UTC-12), so only then does the zone matter — those places are left undecided and picked in Python.
# A decided row: place id, name, admin1, decided (1), seq, event id, actor ids, against ids, status, part,
# at_utc, precision, at_date, at_end.
_PICK_X = "(c.w_event IS NULL OR c.x_event IS NOT NULL AND c.x_at > c.w_at)"
_CLOSE = "(c.x_event IS NOT NULL AND c.w_event IS NOT NULL AND abs(c.x_jd - c.w_jd) <= 0.6)"
_LATE = "(coalesce(c.x_at > :exact, FALSE) OR coalesce(c.w_day > :day, FALSE))"
_DECIDED = f"NOT ({_LATE} OR {_CLOSE})"
_FROM_X = ("c.x_seq", "c.x_event", "c.x_actors", "c.x_against", "c.x_status", "c.x_part", "c.x_at", "'exact'")
_FROM_W = ("c.w_seq", "c.w_event", "c.w_actors", "c.w_against", "c.w_status", "c.w_part", "c.w_at", "c.w_precision")
# status as of now (or any cutoff): one scan of the derived table, a row per place decided; then the ids
# of the places left undecided (a candidate not begun by the cutoff, or the two hours apart), sought again.
# (Two scans: a CASE on "decided" in every column costs more than reading the table twice.)
CURRENT_SQL = (
    "SELECT c.place_id, p.name, p.admin1, 1, "
    + ", ".join(f"CASE WHEN {_PICK_X} THEN {x} ELSE {w} END" for x, w in zip(_FROM_X, _FROM_W, strict=True))
    + f", CASE WHEN NOT {_PICK_X} THEN c.w_day END, CASE WHEN NOT {_PICK_X} THEN c.w_end END "
    f"FROM control_current c CROSS JOIN places p ON p.id = c.place_id WHERE {_DECIDED} {{where}}"
)
UNDECIDED_SQL = f"SELECT c.place_id FROM control_current c WHERE NOT {_DECIDED} {{where}}"


# Both seeks of each place asked (:places) in one row, decided like CURRENT_SQL: x the latest exact instant,
# w the latest date window (each LEFT JOINed to its own seek, so no sort is needed to pair them).
_BOTH = """
SELECT p.id, p.name, p.admin1,
  x.seq IS NULL OR w.seq IS NULL OR abs(julianday(x.at_utc) - julianday(w.at_utc)) > 0.6, {columns}
FROM json_each(:places) j JOIN places p ON p.id = CAST(j.value AS INTEGER)
LEFT JOIN {exact}
LEFT JOIN {window}
WHERE x.seq IS NOT NULL OR w.seq IS NOT NULL
"""


def sought_sql(known: bool) -> str:
    """Both seeks for the places asked (:places), decided in SQL like ``CURRENT_SQL``: decided rows."""
    pick = "(w.seq IS NULL OR x.at_utc > w.at_utc)"
    columns = ", ".join(
        f"CASE WHEN {pick} THEN x.{name} ELSE w.{name} END"
        for name in ("seq", "event_id", "actor_ids", "against_ids", "status", "part", "at_utc", "precision",
                     "at_date", "at_end")
    )  # fmt: skip
    return _BOTH.format(columns=columns, exact=_revision("x", False, _latest(False, known, "CAST(j.value AS INTEGER)")),
                        window=_revision("w", True, _latest(True, known, "CAST(j.value AS INTEGER)")))  # fmt: skip


# Claimed control known by the cutoff at the places asked ({place_id: at_utc of the assessment, or null}),
# one seek each on the partial index events_claims; Python then keeps those not older than the assessment.
# A claim starts no earlier than the assessment and is stored at its instant or at midnight UTC of its first
# day: reading from two days before the assessment's UTC date misses none, in any zone.
_LOW = "coalesce(date(w.value, '-2 days'), '')"
# A claim row: place id, event id, actor ids, status, part, claimed by, grade, at_utc, precision, at_date, at_end.
_CLAIM = "{x}.event_id, {x}.actor_ids, {x}.status, {x}.part, {x}.claimed_by, {x}.grade, {x}.at_utc, {x}.precision, " \
    "{x}.at_date, {x}.at_end"  # fmt: skip
_CLAIMED = "e.kind = 'control' AND e.retracted = 0 AND e.claimed = 1"
CLAIMS_SQL = f"""
SELECT e.place_id, {_CLAIM.format(x="r")}
FROM json_each(:places) w JOIN events e INDEXED BY events_claims ON e.place_id = CAST(w.key AS INTEGER)
JOIN revisions r ON r.seq = e.seq
WHERE {_CLAIMED} AND e.at_utc >= {_LOW} AND e.at_utc <= :hi AND {KNOWN.format(e="e")}
ORDER BY e.at_utc, e.seq
"""
# INDEXED BY: with few claims the planner would rather scan events_place_time (seconds on 1M events).
CLAIMED_PLACES_SQL = (
    f"SELECT DISTINCT e.place_id FROM events e INDEXED BY events_claims WHERE {_CLAIMED} AND e.at_utc <= :hi"
)
# The same as known at :known: claim revisions recorded by then that no revision recorded by then replaced.
_CLAIMED_KNOWN = "y.kind = 'control' AND y.claimed = 1 AND y.recorded_at <= :known"
CLAIMS_KNOWN_SQL = f"""
SELECT y.place_id, {_CLAIM.format(x="y")}
FROM json_each(:places) w JOIN revisions y INDEXED BY revisions_claims ON y.place_id = CAST(w.key AS INTEGER)
WHERE {_CLAIMED_KNOWN} AND y.retracted = 0 AND y.at_utc >= {_LOW} AND y.at_utc <= :hi
  AND {KNOWN.format(e="y")} AND NOT EXISTS ({LATER_KNOWN.format(r="y").replace("?", ":known")})
ORDER BY y.at_utc, y.seq
"""
CLAIMED_PLACES_KNOWN_SQL = (
    f"SELECT DISTINCT y.place_id FROM revisions y INDEXED BY revisions_claims WHERE {_CLAIMED_KNOWN} "
    "AND y.at_utc <= :hi"
)
# The places whose control the revisions recorded after :known touch (any revision of those events).
TOUCHED_SQL = """
SELECT DISTINCT o.place_id FROM revisions n INDEXED BY revisions_recorded JOIN revisions o ON o.event_id = n.event_id
WHERE n.recorded_at > :known AND o.kind = 'control'
"""
# Places with a control revision recorded by :known that reports a later moment than that.
AHEAD_SQL = (
    "SELECT DISTINCT place_id FROM revisions INDEXED BY revisions_ahead WHERE kind = 'control' "
    "AND at_utc > recorded_at AND recorded_at <= :known AND at_utc > :known"
)
# Past this many revisions recorded after the known-at moment, every place is sought instead.
FEW_LATER_REVISIONS = 2000


def cutoff_params(cutoff: datetime, tz: tzinfo) -> dict[str, str]:
    """The bounds ``KNOWN`` compares with: the instant, the report-zone day, and the index range they span.

    A date window is stored at midnight UTC of its first day, so ``at_date <= day`` is ``at_utc <= midnight``.
    """
    day = cutoff.astimezone(tz).date()
    exact = utc_key(cutoff)
    midnight = f"{day.isoformat()}T00:00:00Z"
    return {"exact": exact, "day": day.isoformat(), "lo": min(exact, midnight), "hi": max(exact, midnight),
            "midnight": midnight}  # fmt: skip


_PRECISION = {p.value: p for p in Precision}
_STATUS = {s.value: s for s in ControlStatus}
Row = tuple[Any, ...]


def _when(at_utc: str, precision: str, at_date: str | None, at_end: str | None) -> When:
    if precision == "exact" or at_date is None:
        # fromisoformat is ~50x faster than strptime, which counts over ten thousand rows.
        return When(datetime.fromisoformat(at_utc), Precision.EXACT)
    return _window(precision, at_date, at_end)


@lru_cache(maxsize=4096)
def _window(precision: str, at_date: str, at_end: str | None) -> When:
    """A window's When (immutable, so shared: thousands of places have windows on the same few days)."""
    return When.window(
        date.fromisoformat(at_date), _PRECISION[precision], date.fromisoformat(at_end) if at_end else None
    )


def status(
    store: Store, cutoff: datetime, tz: tzinfo, known_at: datetime | None = None, place_ids: Iterable[int] = ()
) -> list[StatusEntry]:
    """Every place's assessed control as of ``cutoff`` (as known at ``known_at``), with the claims beside it.

    Returns one StatusEntry per place with an assessed control event or a claim known by then (others
    are absent); ``place_ids`` limits the places asked about. Order: by the assessment's head revision
    (then places known only from claims); as known at a moment, by place id.
    """
    ids = sorted(set(place_ids))
    if known_at is not None:
        return _status_known_at(store, cutoff, tz, known_at, ids)
    params: dict[str, Any] = cutoff_params(cutoff, tz)
    where = ""
    if ids:
        where = "AND c.place_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:ids))"
        params["ids"] = json.dumps(ids)
    rows: list[Row] = store.conn.execute(CURRENT_SQL.format(where=where), params).fetchall()
    undecided = [r[0] for r in store.conn.execute(UNDECIDED_SQL.format(where=where), params)]
    if undecided:
        rows += _sought(store, params, tz, undecided, False)
    return _with_claims(store, _entries(store, rows), rows, cutoff, tz, ids, None)


def _sought(store: Store, params: dict[str, Any], tz: tzinfo, places: Sequence[int], known: bool) -> list[Row]:
    """The winning row of each place in ``places`` from its two seeks (as known at ``params["known"]``)."""
    params = {**params, "places": json.dumps(list(places))}
    rows: list[Row] = []
    close: list[int] = []
    for row in store.conn.execute(sought_sql(known), params):
        if row[3]:
            rows.append(row)
        else:
            close.append(row[0])
    if close:  # both candidates within hours of each other: the zone decides
        params["places"] = json.dumps(close)
        candidates = [*store.conn.execute(latest_sql(False, known), params)]
        candidates += store.conn.execute(latest_sql(True, known), params)
        rows += _pick(candidates, tz)
    return rows


def _pick(candidates: Iterable[Row], tz: tzinfo) -> list[Row]:
    """Each place's later candidate in report order (start in the zone, then at_utc, then seq), as a decided row."""
    picked: dict[int, Row] = {}
    for row in candidates:
        other = picked.get(row[0])
        if other is not None:
            exact_row, window_row = (other, row) if row[3] else (row, other)
            day = window_row[4]
            window_key = (When.window(date.fromisoformat(day), Precision.DAY).start(tz), window_row[11], window_row[5])
            exact_key = (datetime.fromisoformat(exact_row[11]), exact_row[11], exact_row[5])
            row = exact_row if exact_key > window_key else window_row
        picked[row[0]] = row
    return [(r[0], r[1], r[2], 1, r[5], *r[6:11], r[11], *r[12:]) for r in picked.values()]


def _entries(store: Store, rows: Iterable[Row]) -> list[StatusEntry]:
    """One entry per decided row, in the order of the winners' seq."""
    actors = store.actors.by_id()
    names: dict[str, tuple[str, ...]] = {}  # actor id lists repeat: decode each distinct one once

    def decoded(text: str) -> tuple[str, ...]:
        found = names[text] = tuple(actors[i].name for i in json.loads(text))
        return found

    exact = Precision.EXACT
    fromiso = datetime.fromisoformat
    make = StatusEntry._make  # a tuple straight from its fields: a third of the constructor's cost
    entries = []
    for row in sorted(rows, key=lambda r: r[4]):
        place_id, place, admin1, _, _, event_id, actor_ids, against_ids, status_, part, at_utc, precision = row[:12]
        holders = names.get(actor_ids)
        if holders is None:
            holders = decoded(actor_ids)
        against = names.get(against_ids)
        if against is None:
            against = decoded(against_ids)
        # Inlined for the common exact case: this loop runs once per place.
        since = When(fromiso(at_utc), exact) if precision == "exact" else _when(at_utc, precision, row[12], row[13])
        entries.append(make((place, place_id, admin1, holders[0] if holders else None, _STATUS[status_ or "held"],
                             part, since, against, event_id, False, None, ())))  # fmt: skip
    return entries


def _with_claims(
    store: Store,
    entries: list[StatusEntry],
    rows: Sequence[Row],
    cutoff: datetime,
    tz: tzinfo,
    ids: Sequence[int],
    known: str | None,
) -> list[StatusEntry]:
    """Attach each place's claims not older than its assessment; places known only from claims get an entry.

    ``rows``: the decided rows the entries came from (their at_utc bounds the claims read). ``known``: claims
    as known at that moment (a UTC key), from the revisions; None: from the heads. The same answer as
    ``domain.report.claims_since`` / ``status_from_events``, from narrow rows.
    """
    params: dict[str, Any] = cutoff_params(cutoff, tz)
    if known is not None:
        params["known"] = known
    claimed_sql, claims_sql = (CLAIMED_PLACES_SQL, CLAIMS_SQL) if known is None else (
        CLAIMED_PLACES_KNOWN_SQL, CLAIMS_KNOWN_SQL)  # fmt: skip
    claimed = {r[0] for r in store.conn.execute(claimed_sql, params)}
    if ids:
        claimed &= set(ids)
    if not claimed:
        return entries
    assessed_at: dict[int, str | None] = dict.fromkeys(claimed)
    assessed_at.update((r[0], r[10]) for r in rows if r[0] in claimed)
    params["places"] = json.dumps({str(k): v for k, v in assessed_at.items()})
    claims: dict[int, list[tuple[datetime, ClaimEntry]]] = {}
    actors = store.actors.by_id()
    for (
        place_id,
        event_id,
        actor_ids,
        status_,
        part,
        party,
        grade,
        at_utc,
        precision,
        at_date,
        at_end,
    ) in store.conn.execute(claims_sql, params):
        holders = [actors[i].name for i in json.loads(actor_ids)]
        when = _when(at_utc, precision, at_date, at_end)
        claim = ClaimEntry(holders[0] if holders else None, _STATUS[status_ or "held"], part, party, when, grade,
                           event_id)  # fmt: skip
        claims.setdefault(place_id, []).append((when.start(tz), claim))
    if not claims:
        return entries
    out = []
    for entry in entries:
        listed = claims.get(entry.place_id)
        if listed and entry.since is not None:
            start = entry.since.start(tz)
            entry = entry.with_claims(_in_order([c for c in listed if c[0] >= start]))
        out.append(entry)
    # Places known only from claims (set order, as status always listed them): every claim, no assessment.
    assessed = {e.place_id for e in entries}
    places = _places_light(store, set(claims) - assessed)
    for place_id in set(claims) - assessed:
        place = places[place_id]
        out.append(StatusEntry(place.name, place.id, place.admin1, None, None, None, None, (), None,
                               claims=_in_order(claims[place_id])))  # fmt: skip
    return out


def _in_order(claims: list[tuple[datetime, ClaimEntry]]) -> tuple[ClaimEntry, ...]:
    """Claims by when they start in the report zone; the query's order (at_utc, seq) breaks ties."""
    return tuple(c for _, c in sorted(claims, key=lambda c: c[0]))


def _status_known_at(
    store: Store, cutoff: datetime, tz: tzinfo, known_at: datetime, ids: Sequence[int]
) -> list[StatusEntry]:
    """The same answer from each event's latest revision recorded by ``known_at``, by place id."""
    known = utc_key(known_at)
    later = store.conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM revisions INDEXED BY revisions_recorded WHERE recorded_at > ? LIMIT ?) "
        "AS later",
        (known, FEW_LATER_REVISIONS + 1),
    ).fetchone()[0]
    if later > FEW_LATER_REVISIONS:
        asked = ids or [r[0] for r in store.conn.execute("SELECT id FROM places ORDER BY id")]
        entries = _sought_known(store, cutoff, tz, known, asked)
    else:
        touched = {r[0] for r in store.conn.execute(TOUCHED_SQL, {"known": known})}
        if ids:
            touched &= set(ids)
        entries = [e for e in status(store, cutoff, tz, None, ids) if e.place_id not in touched]
        if touched:
            entries += _sought_known(store, cutoff, tz, known, sorted(touched))
    return sorted(entries, key=lambda e: e.place_id)


def _sought_known(store: Store, cutoff: datetime, tz: tzinfo, known: str, ids: Sequence[int]) -> list[StatusEntry]:
    """Status at the places ``ids`` from the revisions recorded by ``known``: two seeks per place.

    A revision recorded by then is dated by then, unless it was recorded before what it reports (a few
    places, found in ``revisions_ahead``): elsewhere the seeks start at the known-at moment, not at the
    cutoff, and need not pass over everything recorded since.
    """
    params: dict[str, Any] = {**cutoff_params(cutoff, tz), "known": known}
    ahead = {r[0] for r in store.conn.execute(AHEAD_SQL, params)}.intersection(ids)
    early = {**params, "exact": min(params["exact"], known), "day": min(params["day"], known[:10])}
    rows = _sought(store, early, tz, [i for i in ids if i not in ahead], True)
    if ahead:
        rows += _sought(store, params, tz, sorted(ahead), True)
    return _with_claims(store, _entries(store, rows), rows, cutoff, tz, ids, known)


def _places_light(store: Store, place_ids: Iterable[int]) -> dict[int, Place]:
    """Name and governorate of many places at once (without their aliases)."""
    ids = json.dumps(sorted(place_ids))
    rows = store.conn.execute(
        "SELECT id, name, admin1 FROM places WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))", (ids,)
    )
    return {r[0]: Place(r[0], r[1], admin1=r[2]) for r in rows}


# --- check: the derived table against a recomputation from the revision log ----------------------------

# Each event's latest revision (the log's own answer, not the head table's), then per place and kind of
# time the latest assessed control one: what control_current must hold, column for column.
RECOMPUTED_SQL = """
SELECT b.place_id, b.windowed, b.at_key, r.seq, r.at_utc, r.at_date, r.event_id, julianday(r.at_utc), r.actor_ids,
    r.against_ids, r.status, r.part, r.precision, r.at_end
FROM (SELECT h.place_id, h.at_date IS NOT NULL AS windowed, coalesce(h.at_date, h.at_utc) AS at_key, h.seq,
        row_number() OVER (PARTITION BY h.place_id, h.at_date IS NOT NULL
                           ORDER BY coalesce(h.at_date, h.at_utc) DESC, h.seq DESC) AS n
      FROM revisions h JOIN (SELECT max(seq) AS seq FROM revisions GROUP BY event_id) latest ON latest.seq = h.seq
      WHERE h.kind = 'control' AND h.retracted = 0 AND h.claimed = 0) b
JOIN revisions r ON r.seq = b.seq WHERE b.n = 1
"""
# The table's two candidates per place, as rows shaped like the recomputation's.
_STORED_SQL = """
SELECT place_id, 0, x_at, x_seq, x_at, NULL, x_event, x_jd, x_actors, x_against, x_status, x_part, 'exact', NULL
FROM control_current WHERE x_event IS NOT NULL
UNION ALL
SELECT place_id, 1, w_day, w_seq, w_at, w_day, w_event, w_jd, w_actors, w_against, w_status, w_part, w_precision,
    w_end
FROM control_current WHERE w_event IS NOT NULL
"""


def control_current_problems(store: Store) -> list[str]:
    """Where ``control_current`` differs from a recomputation from the revision log, one line per place
    and kind of time: what the table says and what the log says (empty when they agree)."""
    expected = {(r[0], r[1]): r for r in store.conn.execute(RECOMPUTED_SQL)}
    stored = {(r[0], r[1]): r for r in store.conn.execute(_STORED_SQL)}
    names = dict(store.conn.execute("SELECT id, name FROM places"))

    def said(row: Row | None) -> str:
        return "nothing" if row is None else f"event {row[6]} (revision seq {row[3]}, at {row[2]})"

    problems = []
    for key in sorted(set(expected) | set(stored)):
        have, want = stored.get(key), expected.get(key)
        if have != want:
            place = names.get(key[0], f"place id {key[0]}")
            which = "date window" if key[1] else "exact instant"
            detail = "" if have is None or want is None or have[:7] != want[:7] else " (same event, other columns)"
            problems.append(f"{place}: current control by {which} says {said(have)}, the revision log says "
                            f"{said(want)}{detail}")  # fmt: skip
    for (place_id,) in store.conn.execute(
        "SELECT place_id FROM control_current WHERE x_event IS NULL AND w_event IS NULL"
    ):
        problems.append(f"{names.get(place_id, f'place id {place_id}')}: current control has a row with no event")
    return problems
