"""The report queries: what status, history and summary read from the store, plus check and backup.

Plain functions over a ``Store``. Without ``known_at`` they read the ``events`` head table through its
indexes; with it they read ``events.heads(known_at)`` and leave the picking to the pure functions in
``report``. ``status`` lives in ``control`` (the derived ``control_current`` table) and is re-exported.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitlog.domain.model import ControlStatus, Event, Kind, day_bounds, utc_key
from sitlog.domain.report import CheckResult
from sitlog.errors import InvalidInput, StorageError
from sitlog.store.backup import backup_to
from sitlog.store.codecs import AT_LAST_SQL
from sitlog.store.control import CURRENT_SQL, control_current_problems

# status and its bounds live in control (the derived table); re-exported: ops and the benchmarks use them here.
from sitlog.store.control import cutoff_params as cutoff_params
from sitlog.store.control import status as status
from sitlog.store.events import EVENT_SELECT, heads
from sitlog.store.opening import file_uri

if TYPE_CHECKING:
    from sitlog.store import Store

ControlState = tuple[str | None, ControlStatus, str | None]

# The raw SQL of ``status`` as of now (the scan of the derived table), for the benchmarks.
STATUS_SQL = CURRENT_SQL


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
    table against the revisions, revision chains, same-instant control conflicts, and the derived
    ``control_current`` table against a recomputation from the revisions. On page damage only the integrity
    result is returned: the other checks would read the damaged pages."""
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
    # An event's first revision is its lowest seq: the known-at queries rely on it (revisions_later).
    chains += [
        f"event {eid}: revision 1 is not its first recorded revision"
        for (eid,) in conn.execute(
            "SELECT event_id FROM revisions GROUP BY event_id "
            "HAVING min(CASE WHEN revision = 1 THEN seq END) > min(seq)"
        )
    ]
    results.append(CheckResult("revision chains", _capped(chains)))
    results.append(CheckResult("same-instant control", _capped(control_conflicts(store))))
    results.append(CheckResult("current control", _capped(control_current_problems(store))))
    return results


_REPORTS_SHOWN = 4  # control reports named per conflicting instant; the rest are counted


def control_conflicts(store: Store) -> list[str]:
    """Places with two control events at one instant that disagree (status shows the later recorded)."""
    actors = store.actors.by_id()
    rows = store.conn.execute(
        "SELECT p.name, e.at_utc, group_concat(e.event_id || '=' || r.actor_ids || ' ' || coalesce(r.status, '') "
        "|| coalesce(' ' || r.part, ''), '; ') "
        "FROM events e JOIN revisions r ON r.seq = e.seq JOIN places p ON p.id = e.place_id "
        "WHERE e.kind = 'control' AND e.retracted = 0 AND e.claimed = 0 GROUP BY e.place_id, p.name, e.at_utc "
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
        if len(parts) > _REPORTS_SHOWN:  # a bulk import can stack dozens at one instant: a line, not a page
            parts = [*parts[: _REPORTS_SHOWN - 1], f"{len(parts) - _REPORTS_SHOWN + 1} more", parts[-1]]
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
