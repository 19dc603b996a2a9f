"""The store: file creation, migrations, transactions, the revision chain, and the index-backed queries."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlite_utils
from sqlite_utils.migrations import Migrations

from sitlog.domain.model import ActorType, Event, Kind, Precision, Quantity, When
from sitlog.errors import InvalidInput, NotFound
from sitlog.store import MIGRATIONS, SCHEMA_VERSION, EventFilter, Store
from sitlog.store import reports as store_reports

NOW = datetime(2024, 11, 28, 12, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "s.db")
    # Since issue 10 the bundled actor pack has HTS and Syrian Arab Army (alias SAA): added only if missing.
    with opened.transaction():
        known = {a.name for a in opened.actors.search()}
        if "HTS" not in known:
            opened.actors.add("HTS", ("Hayat Tahrir al-Sham",), ActorType.REBEL, now=NOW)
        if "Syrian Arab Army" not in known:
            opened.actors.add("Syrian Arab Army", ("SAA",), ActorType.STATE, now=NOW)
    yield opened
    opened.close()


def _log(store: Store, event_id: str, kind: Kind = Kind.STRIKE, place: str = "Ariha", **changes: object) -> Event:
    where = store.places.resolve(place).item
    event = Event(
        id=event_id,
        kind=kind,
        place_id=where.id,
        place=where.name,
        when=When.exact(NOW),
        actors=("HTS",) if kind is not Kind.CLASH else ("HTS", "Syrian Arab Army"),
        operator="tester",
        recorded_at=NOW,
    ).with_changes(**changes)
    with store.transaction():
        store.begin_changeset(f"CS-{event_id}-{event.revision}", "tester", "test", NOW, event_id)
        store.events.insert_revision(event, f"CS-{event_id}-{event.revision}")
    return event


def test_new_database_file_is_private_wal_with_foreign_keys(store: Store) -> None:
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.schema_version == SCHEMA_VERSION


def test_migrations_are_recorded_and_not_rerun(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    Store(path).close()
    names = [r[0] for r in sqlite3.connect(path).execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert names[:2] == ["m001_initial", "m002_syria_pack"] and len(names) == SCHEMA_VERSION
    places = Store(path).counts()["places"]
    reopened = Store(path)
    assert reopened.counts()["places"] == places  # the pack is not loaded twice
    assert reopened.schema_version == SCHEMA_VERSION


def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    before = store.counts()
    with pytest.raises(InvalidInput), store.transaction():
        store.places.add("Anadan", admin1="Aleppo", now=NOW)
        store.places.add("Anadan", admin1="Aleppo", now=NOW)  # exit 3: same name in the same admin1
    assert store.counts() == before


def test_foreign_keys_refuse_an_event_at_no_place(store: Store) -> None:
    event = Event(id="X1", kind=Kind.STRIKE, place_id=999_999, place="?", when=When.exact(NOW), actors=("HTS",))
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.events.insert_revision(event, None)
    assert store.events.count() == 0


def test_revisions_are_appended_and_the_head_moves(store: Store) -> None:
    first = _log(store, "01JDSA8WG0AAAAAAAAAAAAAAAA", note="first")
    _log(store, "01JDSA8WG0AAAAAAAAAAAAAAAA", note="second", revision=2)
    chain = store.events.revisions_of(first.id)
    assert [(e.revision, e.note) for e in chain] == [(1, "first"), (2, "second")]
    assert store.events.get(first.id).note == "second"
    assert store.counts()["revisions"] == 2 and store.events.count() == 1


def test_event_round_trips_every_field(store: Store) -> None:
    from sitlog.domain.model import ControlStatus, Means, Quantity

    to = store.places.resolve("Idlib").item
    fields: list[dict[str, object]] = [
        {"kind": Kind.CONTROL, "status": ControlStatus.CONTESTED, "part": "south", "against": ("Syrian Arab Army",)},
        {"kind": Kind.CLASH, "outcome": "repelled"},
        {"kind": Kind.CASUALTIES, "killed": Quantity.parse("dozens"), "injured": Quantity.parse("10-15"),
         "captured": Quantity.parse("3"), "side": "HTS", "person": "Abu Obeida", "role": "commander"},
        {"kind": Kind.STRIKE, "means": Means.DRONE},
        {"kind": Kind.DISPLACEMENT, "actors": (), "people": Quantity.parse("hundreds"),
         "families": Quantity.parse("40+"), "to": to.name, "to_place_id": to.id},
    ]  # fmt: skip
    week = When.window(date(2024, 11, 27), Precision.WEEK, date(2024, 12, 3))
    common = {"source": "SOHR", "grade": "B2", "claimed": True, "claimed_by": "HTS media", "note": "n\x1b[31m",
              "tags": ("a", "b"), "when": week}  # fmt: skip
    for i, extra in enumerate(fields):
        logged = _log(store, f"ID{i}", **{**common, **extra})  # type: ignore[arg-type]
        # The store numbers each new event: its handle is the only field it adds.
        assert store.events.get(f"ID{i}") == logged.with_changes(handle=f"10{i}")


def test_ids_resolve_by_unique_prefix(store: Store) -> None:
    _log(store, "01JDSA8WG0AAAAAAAAAAAAAAAA")
    _log(store, "01JDSA8WG0AAAAAAAAAAAAAAAB")
    _log(store, "01JDSB00000000000000000000")
    assert store.events.get("01jdsb").id == "01JDSB00000000000000000000"
    with pytest.raises(InvalidInput, match="matches several"):
        store.events.get("01JDSA8WG0")
    with pytest.raises(NotFound):
        store.events.get("ZZZ")


def _ids(store: Store, **flt: object) -> list[str]:
    return [e.id for e in store.events.select(EventFilter(**flt))]  # type: ignore[arg-type]


def test_events_filters(store: Store) -> None:
    ariha = store.places.resolve("Ariha").item.id
    _log(store, "A", Kind.STRIKE, when=When.exact(NOW - timedelta(days=2)))
    _log(store, "B", Kind.CLASH, place="Idlib", when=When.exact(NOW - timedelta(days=1)))
    _log(store, "C", Kind.CONTROL, against=("Syrian Arab Army",), when=When.exact(NOW))
    _log(store, "D", Kind.STRIKE, retracted=True, reason="duplicate")
    saa = store.actors.resolve("SAA").item.id
    assert _ids(store) == ["A", "B", "C"]
    assert _ids(store, include_retracted=True) == ["A", "B", "C", "D"]
    assert _ids(store, place_id=ariha) == ["A", "C"]
    assert _ids(store, kind=Kind.STRIKE) == ["A"]
    assert _ids(store, actor_id=saa) == ["B", "C"]  # principal or contesting actor
    assert _ids(store, since=NOW - timedelta(days=1)) == ["B", "C"]
    assert _ids(store, until=NOW - timedelta(days=1)) == ["A"]
    assert _ids(store, limit=2) == ["A", "B"]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Damascus", "Pacific/Kiritimati", "Etc/GMT+12"])
def test_date_bounds_put_day_events_on_their_day_in_any_zone(store: Store, zone: str) -> None:
    tz = timezone.utc if zone == "UTC" else ZoneInfo(zone)
    for day in (26, 27, 28):
        _log(store, f"D{day}", when=When.window(date(2024, 11, day), Precision.DAY))
    start, end = (datetime(2024, 11, 27, tzinfo=tz).astimezone(timezone.utc),
                  datetime(2024, 11, 28, tzinfo=tz).astimezone(timezone.utc))  # fmt: skip
    assert _ids(store, since=start, until=end, tz=tz) == ["D27"]
    assert _ids(store, since=start, tz=tz) == ["D27", "D28"]
    assert _ids(store, until=end, tz=tz) == ["D26", "D27"]


def test_known_at_sees_only_what_was_recorded_by_then(store: Store) -> None:
    _log(store, "E1", note="as first told")
    later = NOW + timedelta(hours=1)
    _log(store, "E1", note="corrected", revision=2, recorded_at=later)
    _log(store, "E2", recorded_at=later)
    assert [(e.id, e.note) for e in store.events.select(EventFilter(known_at=NOW))] == [("E1", "as first told")]
    known_later = [(e.id, e.note) for e in store.events.select(EventFilter(known_at=later))]
    assert known_later == [("E1", "corrected"), ("E2", None)]


def _plan(store: Store, sql: str, *params: object) -> str:
    return " ".join(str(r[3]) for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def test_the_hot_queries_are_index_lookups(store: Store) -> None:
    place_history = _plan(store, "SELECT event_id FROM events WHERE place_id = ? ORDER BY at_utc", 1)
    assert "INDEX events_place_time" in place_history and "TEMP B-TREE" not in place_history
    day = _plan(store, "SELECT event_id FROM events WHERE at_utc >= ? AND at_utc < ?", "2024-11-27", "2024-11-28")
    assert "INDEX events_time" in day
    latest_control = _plan(
        store,
        "SELECT seq FROM events WHERE kind = 'control' AND retracted = 0 AND claimed = 0 AND place_id = ? "
        "AND at_utc <= ? AND at_date IS NULL ORDER BY at_utc DESC, seq DESC LIMIT 1",
        1,
        "2024-11-28",
    )
    assert "events_control" in latest_control and "TEMP B-TREE" not in latest_control
    latest_window = _plan(  # status's second seek (issue 11): the latest date window begun by the cutoff
        store,
        "SELECT seq FROM events WHERE kind = 'control' AND retracted = 0 AND claimed = 0 AND place_id = ? "
        "AND at_date IS NOT NULL AND at_date <= ? ORDER BY at_date DESC, seq DESC LIMIT 1",
        1,
        "2024-11-28",
    )
    assert "events_control_days" in latest_window and "TEMP B-TREE" not in latest_window


def test_add_place_refuses_a_second_of_one_name_in_one_admin1(store: Store) -> None:
    # Kafr Zabun (made up), not Kafr Basin as before issue 10: the village layer bundles the Kafr Basins.
    with store.transaction():
        store.places.add("Kafr Zabun", ("Kfar Zabbun",), admin1="Aleppo", admin2="Jebel Saman", now=NOW)
        store.places.add("Kafr Zabun", admin1="Idleb", admin2="Harim", now=NOW)  # another governorate: fine
        store.places.add("Kafr Zabun", admin1="Aleppo", admin2="Afrin", now=NOW)  # another district: told apart
    for admin2 in (None, "Jebel Saman"):
        with pytest.raises(InvalidInput, match="already exists in Aleppo"), store.transaction():
            store.places.add("kfar zabbun", admin1="Aleppo", admin2=admin2, now=NOW)


def test_place_without_district_blocks_a_second_one_in_its_governorate(store: Store) -> None:
    with store.transaction():
        store.places.add("Hawar", admin1="Aleppo", now=NOW)
    # "Hawar, Aleppo" could no longer reach the first one.
    with pytest.raises(InvalidInput, match="already exists"), store.transaction():
        store.places.add("Hawar", admin1="Aleppo", admin2="Afrin", now=NOW)


def test_an_older_database_is_upgraded_on_open_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    old = Migrations("sitlog")
    for fn in MIGRATIONS.functions[:2]:  # the schema as the first release shipped it
        old()(fn)
    old.apply(sqlite_utils.Database(conn))
    places = conn.execute("SELECT count(*) FROM places").fetchone()[0]
    nubl = conn.execute("SELECT id FROM places WHERE name = 'Nubl'").fetchone()[0]
    conn.close()

    store = Store(path)
    try:
        assert store.schema_version == SCHEMA_VERSION > 2
        indexes = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "changesets_undoes" in indexes
        # m007 (issue 10) adds the village layer and updates the first pack's rows in place: ids stay.
        assert store.conn.execute("SELECT count(*) FROM places").fetchone()[0] > places > 0
        upgraded = store.places.get(nubl)
        assert (upgraded.name, upgraded.pcode, upgraded.admin1_pcode) == ("Nubl", "C1655", "SY02")
        assert "Nabul" in upgraded.aliases and store.places.resolve("Nabul").item.id == nubl
    finally:
        store.close()


def test_m005_backfills_window_ends_so_old_windows_are_found_by_overlap(tmp_path: Path) -> None:
    """A database written before m005 (issue 9): its windows get ``events.at_last`` on open."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    old = Migrations("sitlog")
    for fn in MIGRATIONS.functions[:3]:  # m001..m003, before m005_estimates_and_windows
        old()(fn)
    old.apply(sqlite_utils.Database(conn))
    place = conn.execute("SELECT id FROM places LIMIT 1").fetchone()[0]
    rows = {
        "w": ("month", "2024-11-01", None),
        "u": ("week", "2024-11-25", "2024-11-29"),
        "d": ("day", "2024-11-27", None),
    }
    for seq, (event_id, (precision, day, end)) in enumerate(rows.items(), 1):
        conn.execute(
            "INSERT INTO revisions (seq, event_id, revision, kind, place_id, at_utc, precision, at_date, at_end, "
            "actor_ids, against_ids, killed, claimed, tags, operator, recorded_at) "
            "VALUES (?, ?, 1, 'casualties', ?, ?, ?, ?, ?, '[]', '[]', '{\"low\": 1, \"high\": 1, \"text\": \"1\"}', "
            "0, '[]', 'op', '2024-11-30T00:00:00Z')",
            (seq, event_id, place, f"{day}T00:00:00Z", precision, day, end),
        )
        conn.execute(
            "INSERT INTO events VALUES (?, ?, 'casualties', ?, ?, ?, 0)",
            (event_id, seq, place, f"{day}T00:00:00Z", day),
        )
    conn.commit()
    conn.close()

    store = Store(path)
    try:
        last = dict(store.conn.execute("SELECT event_id, at_last FROM events").fetchall())
        assert last == {"w": "2024-11-30", "u": "2024-11-29", "d": None}
        since = datetime(2024, 11, 28, tzinfo=timezone.utc)
        found = [e.id for e in store.events.select(EventFilter(since=since, overlapping=True))]
        assert found == ["w", "u"] and [e.id for e in store.events.select(EventFilter(since=since))] == []
        assert store.events.find("w").killed == Quantity(1, 1, "1")  # stored before best existed: best is None
        from sitlog.store.reports import check

        assert all(result.ok for result in check(store))
    finally:
        store.close()


def test_m004_backfills_claims_and_keeps_them_out_of_status(tmp_path: Path) -> None:
    """A database at m003 with an assessed and a claimed control event: after m004 status rests on the assessment."""
    path = tmp_path / "m003.db"
    conn = sqlite3.connect(path)
    old = Migrations("sitlog")
    for fn in MIGRATIONS.functions[:3]:
        old()(fn)
    old.apply(sqlite_utils.Database(conn))
    conn.execute(
        "INSERT INTO actors (id, name, type, created_at) VALUES (1, 'SAA', 'state', 'x'), (2, 'HTS', 'rebel', 'x')"
    )
    place = conn.execute("SELECT id FROM places WHERE name = 'Nubl'").fetchone()[0]
    for seq, (event_id, actor, claimed, at) in enumerate(
        [("A1", 1, 0, "2024-11-27T06:00:00Z"), ("C1", 2, 1, "2024-11-27T09:00:00Z")], 1
    ):
        conn.execute(
            "INSERT INTO revisions (seq, event_id, revision, kind, place_id, at_utc, precision, actor_ids, "
            "against_ids, status, claimed, tags, operator, recorded_at) "
            "VALUES (?, ?, 1, 'control', ?, ?, 'exact', ?, '[]', 'held', ?, '[]', 'old', ?)",
            (seq, event_id, place, at, f"[{actor}]", claimed, at),
        )
        conn.execute(
            "INSERT INTO events (event_id, seq, kind, place_id, at_utc, retracted) VALUES (?, ?, 'control', ?, ?, 0)",
            (event_id, seq, place, at),
        )
    conn.commit()
    conn.close()

    store = Store(path)
    try:
        assert store.conn.execute("SELECT event_id FROM events WHERE claimed = 1").fetchall() == [("C1",)]
        [entry] = store_reports.status(store, datetime(2024, 11, 28, tzinfo=timezone.utc), timezone.utc)
        assert (entry.holder, entry.event_id, [c.event_id for c in entry.claims]) == ("SAA", "A1", ["C1"])
        assert store.events.get("A1").all_sources[0].operator is None  # no corroboration: its own report
        assert all(result.ok for result in store_reports.check(store))
    finally:
        store.close()
