"""The derived current-control table (m010): built by the migration, kept by triggers, checked by ``check``;
and the query plans that keep status and LIMITed listings flat as the log grows (issue 14)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from sitlog.domain.model import ControlStatus, Event, Kind, Precision, When
from sitlog.ops.recording import LogRequest, record
from sitlog.store import EventFilter, Store, control
from sitlog.store import reports as store_reports
from sitlog.store.actors import Actors
from sitlog.store.events import Events
from sitlog.store.places import Places
from sitlog.store.schema import MIGRATIONS, _MigrationSet
from tests.conftest import Run

UTC = timezone.utc
NOW = datetime(2024, 11, 28, 12, tzinfo=UTC)

# control_current as the head table implies it (the migration's backfill, spelled out independently).
FROM_HEADS = """
SELECT e.place_id, e.at_date IS NOT NULL, e.event_id, e.seq FROM events e
WHERE e.kind = 'control' AND e.retracted = 0 AND e.claimed = 0 AND NOT EXISTS (
  SELECT 1 FROM events o WHERE o.place_id = e.place_id AND o.kind = 'control' AND o.retracted = 0 AND o.claimed = 0
    AND (o.at_date IS NULL) = (e.at_date IS NULL)
    AND (coalesce(o.at_date, o.at_utc), o.seq) > (coalesce(e.at_date, e.at_utc), e.seq))
ORDER BY 1, 2
"""


def table(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """The table's candidates as (place id, windowed, event id, seq)."""
    return [
        tuple(r)
        for r in conn.execute(
            "SELECT place_id, 0, x_event, x_seq FROM control_current WHERE x_event IS NOT NULL UNION ALL "
            "SELECT place_id, 1, w_event, w_seq FROM control_current WHERE w_event IS NOT NULL ORDER BY 1, 2"
        )
    ]


def expected(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(FROM_HEADS)]


def log(store: Store, place: str, by: str, when: When, minutes: int, claimed: bool = False, **more: Any) -> Event:
    fields = {"by": by, "status": "held", **more}
    request = LogRequest("control", place, fields, claimed=claimed, operator="tester")
    return record(store, request, when, NOW + timedelta(minutes=minutes)).event


def at(day: int, hour: int = 12) -> When:
    return When.exact(datetime(2024, 11, day, hour, tzinfo=UTC))


@pytest.fixture
def store(db: Path) -> Store:
    return Store(db)


def test_check_names_the_place_when_the_table_is_out_of_step(sitlog: Callable[..., Run], db: Path) -> None:
    for args in (("Anjara", "--by", "HTS", "--at", "2024-11-27T10:00"), ("Homs", "--by", "SDF", "--at", "2024-11-26")):
        assert sitlog("log", "control", *args).exit_code == 0
    run = sitlog("check", "--json")
    assert run.exit_code == 0, run.stdout
    assert "all 6 checks passed" in run.stderr
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE control_current SET x_event = 'NOTANEVENT' WHERE x_event IS NOT NULL")
        conn.execute("UPDATE control_current SET w_event = NULL, w_seq = NULL, w_day = NULL")
    conn.close()
    run = sitlog("check", "--json")
    assert run.exit_code == 3 and run.stderr.startswith("Error: check found 3 problems")
    [found] = [c for c in run.json()["checks"] if c["check"] == "current control"]
    assert found["ok"] is False
    homs, empty, anjara = sorted(found["problems"], key=lambda text: (not text.startswith("Homs"), "no event" in text))
    assert anjara.startswith("Anjara: current control by exact instant says event NOTANEVENT")
    assert "the revision log says event" in anjara
    assert homs.startswith("Homs: current control by date window says nothing, the revision log says event")
    assert empty == "Homs: current control has a row with no event"


def test_every_head_write_keeps_the_table(store: Store) -> None:
    """Log, amend, retract go through ``insert_revision`` (INSERT OR REPLACE of the head); import writes
    heads with INSERT and UPDATE; a hand-written statement is kept too: the triggers are on the table."""
    first = log(store, "Homs", "HTS", at(20), 0)
    window = log(store, "Homs", "SDF", When.window(date(2024, 11, 21), Precision.DAY), 1)
    claim = log(store, "Homs", "SNA", at(22), 2, claimed=True)
    later = log(store, "Aleppo", "Syrian Arab Army", at(23), 3)
    assert table(store.conn) == expected(store.conn)
    assert {r[2] for r in table(store.conn)} == {first.id, window.id, later.id}  # the claim is not an assessment
    with store.transaction():  # the latest at Aleppo moves to Homs (a new revision, as amend writes it)
        store.events.insert_revision(later.with_changes(place_id=first.place_id, revision=2), None)
    assert table(store.conn) == expected(store.conn)
    assert [r[2] for r in table(store.conn)] == [later.id, window.id]  # Aleppo has none left
    with store.transaction():  # the claim becomes an assessment, then is retracted
        store.events.insert_revision(claim.with_changes(claimed=False, revision=2), None)
        assert table(store.conn) == expected(store.conn)
        store.events.insert_revision(claim.with_changes(claimed=False, retracted=True, revision=3), None)
    assert table(store.conn) == expected(store.conn)
    with store.transaction():  # by hand, no revision (check would flag the head table; the table follows it)
        store.conn.execute("UPDATE events SET retracted = 1 WHERE event_id = ?", (later.id,))
        assert table(store.conn) == expected(store.conn) and table(store.conn)[0][2] == first.id
        store.conn.execute("UPDATE events SET kind = 'clash' WHERE event_id = ?", (first.id,))
        assert table(store.conn) == expected(store.conn) and [r[2] for r in table(store.conn)] == [window.id]
        store.conn.execute("DELETE FROM events WHERE event_id = ?", (window.id,))
        assert table(store.conn) == expected(store.conn) == []
        store.conn.execute("ROLLBACK")
        store.conn.execute("BEGIN")
    assert table(store.conn) == expected(store.conn)


def test_the_migration_builds_the_table_from_what_is_stored(tmp_path: Path) -> None:
    """A database at m009 with events (an amended one, a retracted one, a claim, a window) opens at m010
    with the table filled, and check agrees with it."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    old = _MigrationSet("sitlog")
    old.functions = MIGRATIONS.functions[: MIGRATIONS.names.index("m009_handles") + 1]
    old.apply(conn)
    places, actors = Places(conn), Actors(conn)
    events = Events(conn, actors)
    homs, aleppo = places.resolve("Homs").item, places.resolve("Aleppo").item

    def event(event_id: str, place_id: int, by: str, when: When, **more: Any) -> Event:
        return Event(id=event_id, kind=Kind.CONTROL, place_id=place_id, place="", when=when, actors=(by,),
                     status=ControlStatus.HELD, operator="tester", recorded_at=NOW, **more)  # fmt: skip

    conn.execute("BEGIN")
    events.insert_revision(event("E1", homs.id, "HTS", at(20)), None)
    events.insert_revision(event("E2", homs.id, "SDF", at(24)), None)
    events.insert_revision(event("E2", aleppo.id, "SDF", at(24), revision=2), None)  # moved to Aleppo
    events.insert_revision(event("E3", homs.id, "SNA", at(25), claimed=True), None)
    events.insert_revision(event("E4", homs.id, "SNA", at(26), retracted=True), None)
    events.insert_revision(event("E5", homs.id, "SNA", When.window(date(2024, 11, 22), Precision.DAY)), None)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")  # analysed before: the new indexes get statistics too
    conn.close()
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS.functions)
    analysed = {r[0] for r in store.conn.execute("SELECT idx FROM sqlite_stat1")}
    assert {"revisions_at", "revisions_place", "revisions_control", "events_time"} <= analysed
    assert table(store.conn) == [(aleppo.id, 0, "E2", 3), (homs.id, 0, "E1", 1), (homs.id, 1, "E5", 6)]
    assert control.control_current_problems(store) == []
    [home] = [e for e in store_reports.status(store, NOW, UTC) if e.place_id == homs.id]
    assert (home.holder, home.event_id, [c.holder for c in home.claims]) == ("SNA", "E5", ["SNA"])


# --- plans -------------------------------------------------------------------------------------------


def _plan(store: Store, sql: str, params: Any) -> str:
    return " | ".join(str(r[3]) for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


@pytest.fixture
def busy(store: Store) -> Store:
    """A few hundred events of every kind over a month, at two places."""
    for i in range(240):
        place, kind = ("Homs", "Aleppo")[i % 2], ("control", "clash", "strike", "casualties")[i % 4]
        fields: dict[str, Any] = {
            "control": {"by": "HTS", "status": "held"},
            "clash": {"actors": ["HTS", "SDF"]},
            "strike": {"by": "SNA", "means": "air"},
            "casualties": {"killed": "3"},
        }[kind]
        when = at(1 + i % 28, i % 24) if i % 5 else When.window(date(2024, 11, 1 + i % 28), Precision.DAY)
        request = LogRequest(kind, place, fields, claimed=i % 7 == 0 and kind == "control", operator="t")
        record(store, request, when, NOW + timedelta(minutes=i))
    return store


@pytest.mark.parametrize("analyzed", [False, True])
def test_listings_with_a_limit_walk_an_index_in_their_order(busy: Store, analyzed: bool) -> None:
    if analyzed:
        busy.conn.execute("ANALYZE")
    for flt in (
        EventFilter(kind=Kind.CONTROL, limit=50),
        EventFilter(limit=50),
        EventFilter(kind=Kind.STRIKE, limit=50, descending=True),
    ):
        plan = _plan(busy, *busy.events.select_sql(flt))
        assert "INDEX events_time" in plan and "TEMP B-TREE" not in plan, plan
    for flt in (EventFilter(known_at=NOW, limit=50), EventFilter(known_at=NOW, kind=Kind.CONTROL, limit=50)):
        plan = _plan(busy, *busy.events.select_sql(flt))
        assert "INDEX revisions_at" in plan and "TEMP B-TREE" not in plan, plan
        assert "revisions_later" in plan, plan  # "a later revision known then?" is a seek in the small index


def test_status_reads_the_table_in_order_and_seeks_in_covering_indexes(busy: Store) -> None:
    params = {**control.cutoff_params(NOW, UTC), "places": "[1]", "ids": "[1]", "known": "2024-12-01T00:00:00Z"}
    current = _plan(busy, control.CURRENT_SQL.format(where=""), params)
    assert current.startswith("SCAN c") and "TEMP B-TREE" not in current, current
    for windowed, suffix in ((False, " "), (True, "_days")):
        as_now, as_known = (_plan(busy, control.latest_sql(windowed, known), params) for known in (False, True))
        assert f"COVERING INDEX events_control{suffix}" in as_now and "revisions_later" not in as_now, as_now
        assert f"COVERING INDEX revisions_control{suffix}" in as_now, as_now
        assert as_known.count(f"COVERING INDEX revisions_control{suffix}") == 2, as_known
        assert "revisions_later" in as_known, as_known
    for known in (False, True):
        sought = _plan(busy, control.sought_sql(known), params)
        assert "TEMP B-TREE" not in sought and "SCAN x" not in sought and "SCAN w" not in sought, sought
    assert "COVERING INDEX events_claims" in _plan(busy, control.CLAIMED_PLACES_SQL, params)
    assert "INDEX events_claims" in _plan(busy, control.CLAIMS_SQL, params)
    assert "INDEX revisions_claims" in _plan(busy, control.CLAIMS_KNOWN_SQL, params)
    assert "INDEX revisions_recorded" in _plan(busy, control.TOUCHED_SQL, params)


@pytest.mark.parametrize("analyzed", [False, True])
def test_known_at_reads_of_a_place_or_a_day_seek_an_index(busy: Store, analyzed: bool) -> None:
    if analyzed:
        busy.conn.execute("ANALYZE")
    history = _plan(busy, *busy.events.select_sql(EventFilter(place_id=1, known_at=NOW, include_retracted=True)))
    assert "INDEX revisions_place" in history, history
    day = date(2024, 11, 15)
    sql, params = store_reports.day_events_sql(busy, day, day, UTC, NOW)
    summary = _plan(busy, sql, params)
    for index in ("revisions_at", "revisions_date", "revisions_window"):  # instants, days, windows reaching in
        assert f"INDEX {index}" in summary, summary
    assert "SCAN h" not in summary and "SCAN r" not in summary, summary
