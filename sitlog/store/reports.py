"""The report queries: what status, history and summary read from the store, plus check and backup.

Plain functions over a ``Store``. Without ``known_at`` they read the ``events`` head table through its
indexes (status: one seek per place on the partial index ``events_control``); with it they read
``events.heads(known_at)`` and leave the picking to the pure functions in ``report``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitlog.domain.model import ControlStatus, Event, Kind, Place, Precision, When, day_bounds, utc_key
from sitlog.domain.report import CheckResult, StatusEntry, claims_since, status_from_events
from sitlog.errors import InvalidInput, StorageError
from sitlog.store.backup import backup_to
from sitlog.store.codecs import AT_LAST_SQL
from sitlog.store.events import EVENT_SELECT, heads
from sitlog.store.opening import file_uri

if TYPE_CHECKING:
    from sitlog.store import Store

ControlState = tuple[str | None, ControlStatus, str | None]

# An event is known by the cutoff: an instant at or before it, a date window once its first day has begun.
# Only events between :lo and :hi need their at_date (a table lookup): the rest are decided by the index.
_KNOWN = "({e}.at_utc <= :lo OR CASE WHEN {e}.at_date IS NULL THEN {e}.at_utc <= :exact ELSE {e}.at_date <= :day END)"

# Per place, two seeks on the partial indexes events_control and events_control_days (assessed control
# only: claims are left out): the latest exact control event by the cutoff and the latest date window
# begun by then. Which of the
# two is later depends on the report zone (a window starts at local midnight), so Python picks.
# Then their revisions, fetched in seq order (the revisions table is laid out in seq order).
_ASSESSED = "e.kind = 'control' AND e.retracted = 0 AND e.claimed = 0 AND e.place_id = p.id"
# Each candidate comes straight from its index as "at seq" (covering: no table lookup).
STATUS_SQL = f"""
SELECT p.id, p.name, p.admin1,
  (SELECT e.at_utc || ' ' || e.seq FROM events e
    WHERE {_ASSESSED} AND e.at_utc <= :exact AND e.at_date IS NULL
    ORDER BY e.at_utc DESC, e.seq DESC LIMIT 1),
  (SELECT e.at_date || ' ' || e.seq FROM events e
    WHERE {_ASSESSED} AND e.at_date IS NOT NULL AND e.at_date <= :day
    ORDER BY e.at_date DESC, e.seq DESC LIMIT 1)
FROM places p {{where}}
"""
# Then only the winners' revisions, in seq order (the revisions table is laid out in seq order).
STATUS_REVISIONS_SQL = """
SELECT r.seq, r.event_id, r.actor_ids, r.against_ids, r.status, r.part, r.at_utc, r.precision, r.at_date, r.at_end
FROM json_each(:seqs) s JOIN revisions r ON r.seq = s.value ORDER BY r.seq
"""
# Claimed control known by the cutoff at the places asked ({place_id: lowest at_utc worth reading}), one
# seek each on the partial index events_claims; Python then keeps those not older than the assessment.
_CLAIMED = "e.kind = 'control' AND e.retracted = 0 AND e.claimed = 1"
CLAIMS_SQL = f"""
{EVENT_SELECT} JOIN (
  SELECT e.seq FROM json_each(:places) w JOIN events e INDEXED BY events_claims ON e.place_id = CAST(w.key AS INTEGER)
  WHERE {_CLAIMED} AND e.at_utc >= w.value AND e.at_utc <= :hi AND {_KNOWN.format(e="e")}
) c ON c.seq = r.seq
ORDER BY r.at_utc, r.seq
"""
# INDEXED BY: with few claims the planner would rather scan events_place_time (seconds on 1M events).
CLAIMED_PLACES_SQL = (
    f"SELECT DISTINCT e.place_id FROM events e INDEXED BY events_claims WHERE {_CLAIMED} AND e.at_utc <= :hi"
)


def cutoff_params(cutoff: datetime, tz: tzinfo) -> dict[str, str]:
    """The bounds ``_KNOWN`` compares with: the instant, the report-zone day, and the index range they span.

    A date window is stored at midnight UTC of its first day, so ``at_date <= day`` is ``at_utc <= midnight``.
    """
    day = cutoff.astimezone(tz).date()
    exact = utc_key(cutoff)
    midnight = f"{day.isoformat()}T00:00:00Z"
    return {"exact": exact, "day": day.isoformat(), "lo": min(exact, midnight), "hi": max(exact, midnight),
            "midnight": midnight}  # fmt: skip


_PRECISION = {p.value: p for p in Precision}
_STATUS = {s.value: s for s in ControlStatus}


def _when(at_utc: str, precision: str, at_date: str | None, at_end: str | None) -> When:
    prec = _PRECISION[precision]
    if prec is Precision.EXACT or at_date is None:
        # fromisoformat is ~50x faster than strptime, which counts over ten thousand rows.
        return When(datetime.fromisoformat(at_utc), Precision.EXACT)
    return When.window(date.fromisoformat(at_date), prec, date.fromisoformat(at_end) if at_end else None)


def status(
    store: Store, cutoff: datetime, tz: tzinfo, known_at: datetime | None = None, place_ids: Iterable[int] = ()
) -> list[StatusEntry]:
    """Every place's assessed control as of ``cutoff``, with the control claims beside it.

    Returns one StatusEntry per place with an assessed control event or a claim known by then (others
    are absent); ``place_ids`` limits the places asked about.
    """
    ids = sorted(set(place_ids))
    if known_at is not None:
        return _status_known_at(store, cutoff, tz, known_at, ids)
    params: dict[str, Any] = cutoff_params(cutoff, tz)
    where = ""
    if ids:
        where = "WHERE p.id IN (SELECT value FROM json_each(:ids))"
        params["ids"] = json.dumps(ids)
    # Per place the later of its two candidates in report order: start in the zone, then store order
    # (at_utc, seq). A window starts at local midnight of its day, so which one wins depends on the zone.
    winners: dict[int, tuple[int, str, str | None]] = {}  # seq → place id, name, admin1
    starts: dict[str, datetime] = {}  # a window's day → its local midnight
    fromiso = datetime.fromisoformat
    for place_id, place, admin1, exact_at, window_at in store.conn.execute(STATUS_SQL.format(where=where), params):
        if exact_at is None and window_at is None:
            continue
        if exact_at is not None and window_at is not None:
            at_utc, _, seq = exact_at.partition(" ")
            day, _, day_seq = window_at.partition(" ")
            if day not in starts:
                starts[day] = When.window(date.fromisoformat(day), Precision.DAY).start(tz)
            window_key = (starts[day], f"{day}T00:00:00Z", int(day_seq))
            pick = seq if (fromiso(at_utc), at_utc, int(seq)) > window_key else day_seq
        else:
            pick = (exact_at or window_at).partition(" ")[2]
        winners[int(pick)] = (place_id, place, admin1)
    actors = store.actors.by_id()
    names: dict[str, tuple[str, ...]] = {}  # actor id lists repeat: decode each distinct one once
    entries = []
    exact = Precision.EXACT
    rows = store.conn.execute(STATUS_REVISIONS_SQL, {"seqs": json.dumps(list(winners))})
    for seq, event_id, actor_ids, against_ids, status_, part, at_utc, precision, at_date, at_end in rows:
        place_id, place, admin1 = winners[seq]
        for text in (actor_ids, against_ids):
            if text not in names:
                names[text] = tuple(actors[i].name for i in json.loads(text))
        # Inlined for the common exact case: this loop runs once per place.
        since = When(fromiso(at_utc), exact) if precision == "exact" else _when(at_utc, precision, at_date, at_end)
        holders = names[actor_ids]
        entries.append(StatusEntry(place, place_id, admin1, holders[0] if holders else None,
                                   _STATUS[status_ or "held"], part, since, names[against_ids], event_id))  # fmt: skip
    return _with_claims(store, entries, cutoff, tz, ids)


def _with_claims(
    store: Store, entries: list[StatusEntry], cutoff: datetime, tz: tzinfo, ids: Sequence[int]
) -> list[StatusEntry]:
    """Attach each place's claims not older than its assessment; places known only from claims get an entry."""
    params: dict[str, Any] = cutoff_params(cutoff, tz)
    claimed = {r[0] for r in store.conn.execute(CLAIMED_PLACES_SQL, params)}
    if ids:
        claimed &= set(ids)
    if not claimed:
        return entries
    # A date window is stored at midnight UTC: read from a day before the assessment's start (any zone).
    lows = dict.fromkeys(claimed, "")
    for entry in entries:
        if entry.place_id in claimed and entry.since is not None:
            lows[entry.place_id] = utc_key(entry.since.start(tz) - timedelta(days=1))
    params["places"] = json.dumps({str(k): v for k, v in lows.items()})
    claims: dict[int, list[Event]] = {}
    for row in store.conn.execute(CLAIMS_SQL, params):
        event = store.events.from_row(row)
        claims.setdefault(event.place_id, []).append(event)
    if not claims:
        return entries
    by_place = {e.place_id: e for e in entries}
    places = _places_light(store, set(claims) - set(by_place))
    out = []
    for entry in entries:
        listed = claims.get(entry.place_id)
        out.append(entry.with_claims(claims_since(listed, entry.since, cutoff, tz)) if listed else entry)
    for place_id in set(claims) - set(by_place):
        claim_only = status_from_events(places[place_id], claims[place_id], cutoff, tz)
        if claim_only is not None:
            out.append(claim_only)
    return out


def _status_known_at(
    store: Store, cutoff: datetime, tz: tzinfo, known_at: datetime, ids: Sequence[int]
) -> list[StatusEntry]:
    """The same answer from each event's latest revision recorded by ``known_at``, picked in Python."""
    source, source_params = heads(known_at)
    params = cutoff_params(cutoff, tz)
    sql = (
        f"{EVENT_SELECT} JOIN {source} ON e.seq = r.seq "
        f"WHERE e.kind = 'control' AND e.retracted = 0 AND e.at_utc <= ? AND {_KNOWN.format(e='e')} "
        "ORDER BY e.place_id, e.at_utc, e.seq"
    )
    # Positional and named parameters cannot mix: inline the two named ones as positional.
    sql = sql.replace(":lo", "?", 1).replace(":exact", "?", 1).replace(":day", "?", 1)
    rows = store.conn.execute(sql, [*source_params, params["hi"], params["lo"], params["exact"], params["day"]])
    by_place: dict[int, list[Event]] = {}
    for row in rows:
        event = store.events.from_row(row)
        if not ids or event.place_id in ids:
            by_place.setdefault(event.place_id, []).append(event)
    places = _places_light(store, by_place)
    entries = []
    for place_id, events in by_place.items():
        entry = status_from_events(places[place_id], events, cutoff, tz)
        if entry is not None:
            entries.append(entry)
    return entries


def _places_light(store: Store, place_ids: Iterable[int]) -> dict[int, Place]:
    """Name and governorate of many places at once (without their aliases)."""
    ids = json.dumps(sorted(place_ids))
    rows = store.conn.execute(
        "SELECT id, name, admin1 FROM places WHERE id IN (SELECT value FROM json_each(?))", (ids,)
    )
    return {r[0]: Place(r[0], r[1], admin1=r[2]) for r in rows}


def place_events(store: Store, place_id: int, known_at: datetime | None, include_retracted: bool) -> list[Event]:
    """Every event at a place in store order (the history's facts; spans are derived from them)."""
    from sitlog.store import EventFilter

    return list(
        store.events.select(EventFilter(place_id=place_id, include_retracted=include_retracted, known_at=known_at))
    )


def likely_duplicates(store: Store, event: Event, tz: tzinfo) -> list[Event]:
    """Standing events that probably report the same fact as ``event`` (not yet stored).

    Same kind, place and report-zone day, and the same person (compared as names are), holder
    (control) or set of actors (clash, strike, advance). Casualties without a person and
    displacement are never flagged: two reports of "3 killed" may well be two facts.
    """
    from sitlog.domain.gazetteer import same_name

    day = event.when.local_day(tz)
    start, end = day_bounds(day, tz)
    rows = store.conn.execute(
        f"{EVENT_SELECT} JOIN events e ON e.seq = r.seq WHERE e.place_id = ? AND e.kind = ? AND e.retracted = 0 "
        "AND e.event_id != ? AND (e.at_date IS NULL AND e.at_utc >= ? AND e.at_utc < ? OR e.at_date = ?) "
        "ORDER BY e.at_utc, e.seq",
        (event.place_id, event.kind.value, event.id, utc_key(start), utc_key(end), day.isoformat()),
    )
    found = []
    for other in (store.events.from_row(row) for row in rows):
        if event.person or other.person:
            same = bool(event.person and other.person and same_name(event.person, other.person))
        elif event.kind is Kind.CONTROL:
            same = other.holder == event.holder and other.claimed == event.claimed
        elif event.kind in (Kind.CLASH, Kind.STRIKE, Kind.ADVANCE):
            same = set(other.actors) == set(event.actors)
        else:
            same = False
        if same:
            found.append(other)
    return found


def day_events_sql(
    store: Store, first: date, last: date, tz: tzinfo, known_at: datetime | None
) -> tuple[str, list[Any]]:
    """The query behind ``day_events``: instants by their UTC range, windows starting in the days by their
    first day, and windows that started earlier but reach into the days by their last (``events.at_last``)."""
    start, _ = day_bounds(first, tz)
    _, end = day_bounds(last, tz)
    source, source_params = heads(known_at)
    sql = (
        f"{EVENT_SELECT} JOIN ("
        f"SELECT e.seq, e.at_utc FROM {source} WHERE e.at_date IS NULL AND e.at_utc >= ? AND e.at_utc < ? "
        "AND e.retracted = 0 "
        f"UNION ALL SELECT e.seq, e.at_utc FROM {source} WHERE e.at_date >= ? AND e.at_date <= ? AND e.retracted = 0 "
        f"UNION ALL SELECT e.seq, e.at_utc FROM {source} WHERE e.at_last >= ? AND e.at_date < ? AND e.retracted = 0"
        ") d ON d.seq = r.seq ORDER BY d.at_utc, d.seq"
    )
    days = [first.isoformat(), last.isoformat()]
    params = [*source_params, utc_key(start), utc_key(end), *source_params, *days, *source_params, days[0], days[0]]
    return sql, params


def day_events(store: Store, first: date, last: date, tz: tzinfo, known_at: datetime | None) -> list[Event]:
    """Non-retracted events that overlap the report-zone days ``first``..``last``, in store order."""
    sql, params = day_events_sql(store, first, last, tz, known_at)
    return [store.events.from_row(row) for row in store.conn.execute(sql, params)]


def state_before(
    store: Store, place_ids: Iterable[int], day: date, tz: tzinfo, known_at: datetime | None
) -> dict[int, ControlState]:
    """Each place's control state (holder, status, part) before ``day`` begins in the report zone."""
    ids = sorted(set(place_ids))
    if not ids:
        return {}
    start, _ = day_bounds(day, tz)
    # The last second of the day before: instants before the day, windows of earlier days.
    cutoff = start - timedelta(seconds=1)
    return {
        e.place_id: (e.holder, e.status, e.part)
        for e in status(store, cutoff, tz, known_at, ids)
        if e.status is not None  # a place known only from claims has no assessed state
    }


# --- check -------------------------------------------------------------------------------------------


_PROBLEM_CAP = 50


def _capped(rows: Sequence[str]) -> tuple[str, ...]:
    if len(rows) <= _PROBLEM_CAP:
        return tuple(rows)
    return (*rows[:_PROBLEM_CAP], f"… and {len(rows) - _PROBLEM_CAP} more")


def check(store: Store) -> list[CheckResult]:
    """SQLite integrity (``PRAGMA integrity_check``: every page, every index entry), foreign keys, the head
    table against the revisions, same-instant control conflicts. On page damage only the integrity result is
    returned: the other checks would read the damaged pages."""
    conn = store.conn
    results = []
    integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    results.append(CheckResult("integrity", _capped([] if integrity == ["ok"] else integrity)))
    if integrity != ["ok"]:
        return results  # the other checks would read the damaged pages: recover first
    fk = [
        f"{t} row {rowid} points at a missing {parent}"
        for t, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check")
    ]
    results.append(CheckResult("foreign keys", _capped(fk)))
    heads = [
        f"event {eid}: head is seq {seq}, latest revision is seq {latest}"
        for eid, seq, latest in conn.execute(
            "SELECT e.event_id, e.seq, m.latest FROM events e LEFT JOIN "
            "(SELECT event_id, max(seq) AS latest FROM revisions GROUP BY event_id) m ON m.event_id = e.event_id "
            "WHERE m.latest IS NOT e.seq"
        )
    ]
    heads += [
        f"event {eid} has revisions but no head row"
        for (eid,) in conn.execute(
            "SELECT DISTINCT r.event_id FROM revisions r WHERE NOT EXISTS "
            "(SELECT 1 FROM events e WHERE e.event_id = r.event_id)"
        )
    ]
    heads += [
        f"event {eid}: head columns differ from revision seq {seq}"
        for eid, seq in conn.execute(
            "SELECT e.event_id, e.seq FROM events e JOIN revisions r ON r.seq = e.seq WHERE r.event_id != e.event_id "
            "OR r.kind != e.kind OR r.place_id != e.place_id OR r.at_utc != e.at_utc "
            "OR r.at_date IS NOT e.at_date OR r.retracted != e.retracted OR r.claimed != e.claimed "
            "OR e.n_sources != max(1, json_array_length(r.sources)) "
            f"OR e.at_last IS NOT ({AT_LAST_SQL.format(r='r')})"
        )
    ]
    results.append(CheckResult("head table", _capped(heads)))
    chains = [
        f"event {eid}: revisions numbered 1..{top} but {n} stored"
        for eid, top, n in conn.execute(
            "SELECT event_id, max(revision), count(*) FROM revisions GROUP BY event_id "
            "HAVING max(revision) != count(*) OR min(revision) != 1"
        )
    ]
    results.append(CheckResult("revision chains", _capped(chains)))
    results.append(CheckResult("same-instant control", _capped(control_conflicts(store))))
    return results


def control_conflicts(store: Store) -> list[str]:
    """Places with two control events at one instant that disagree (status shows the later recorded)."""
    actors = store.actors.by_id()
    rows = store.conn.execute(
        "SELECT p.name, e.at_utc, group_concat(e.event_id || '=' || r.actor_ids || ' ' || coalesce(r.status, '') "
        "|| coalesce(' ' || r.part, ''), '; ') "
        "FROM events e JOIN revisions r ON r.seq = e.seq JOIN places p ON p.id = e.place_id "
        "WHERE e.kind = 'control' AND e.retracted = 0 AND e.claimed = 0 GROUP BY e.place_id, e.at_utc "
        "HAVING count(DISTINCT r.actor_ids || '|' || coalesce(r.status, '') || '|' || coalesce(r.part, '')) > 1 "
        "ORDER BY p.name, e.at_utc"
    )
    found = []
    for place, at_utc, listing in rows:
        parts = []
        for item in listing.split("; "):
            event_id, _, rest = item.partition("=")
            ids, _, state = rest.partition(" ")
            holder = ", ".join(actors[i].name for i in json.loads(ids))
            parts.append(f"{event_id} {holder} {state}".strip())
        found.append(f"{place} at {at_utc}: {' vs '.join(parts)} (status uses the later recorded)")
    return found


# --- backup ------------------------------------------------------------------------------------------


def backup(store: Store, dest: Path) -> dict[str, int] | None:
    """A consistent copy of the database through SQLite's backup API (0600; ``store.backup.backup_to``):
    never overwrites a file or follows a link at ``dest``. Returns the copy's events and revisions counts
    (None when they cannot be read: the copy of a damaged database is as damaged).
    Raises ``InvalidInput`` (exit 3) for a taken or unwritable destination, ``StorageError`` (exit 6) when
    SQLite fails."""
    if os.path.lexists(dest):
        raise InvalidInput(f"{dest} already exists; sitlog backup never overwrites (choose a new name)")
    if not dest.parent.is_dir():
        raise InvalidInput(f"cannot write {dest}: directory {dest.parent} does not exist")
    try:
        backup_to(store.conn, dest)
    except FileExistsError:
        raise InvalidInput(f"{dest} already exists; sitlog backup never overwrites (choose a new name)") from None
    except OSError as exc:
        raise InvalidInput(f"cannot write {dest}: {exc.strerror or exc}") from None
    except sqlite3.Error as exc:
        raise StorageError(f"backup to {dest} failed: {exc}") from None
    target = sqlite3.connect(file_uri(dest, mode="ro", immutable="1"), uri=True)
    try:
        return {t: int(target.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in ("events", "revisions")}
    except sqlite3.DatabaseError:
        return None  # a copy of a damaged database holds the same damage: the copy is made, uncounted
    finally:
        target.close()


def events_between(
    store: Store, start: datetime, end: datetime, tz: tzinfo, known_at: datetime | None, by_recording: bool = False
) -> list[Event]:
    """Events after ``start`` up to ``end`` (both instants, ``start`` excluded): by when they happened, or
    with ``by_recording`` by when they were recorded (and happened by ``end``) — ``diff``'s two questions."""
    from sitlog.store import EventFilter

    after, through = start + timedelta(seconds=1), end + timedelta(seconds=1)
    if by_recording:
        flt = EventFilter(until=through, recorded_since=after, recorded_until=through, known_at=known_at, tz=tz)
    else:
        flt = EventFilter(since=after, until=through, known_at=known_at, tz=tz)
    return list(store.events.select(flt))
