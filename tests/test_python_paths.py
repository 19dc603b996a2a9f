"""Where SQL cannot call Python (``Store.sql_calls_python`` false: the PostgreSQL store), the listing and the
export make their texts in Python (store/pyjson.py): byte for byte, row for row and batch for batch what
SQLite builds with its registered functions.

The same file is opened twice, once as SQLite is used and once with ``sql_calls_python = False``, and
``event_json``, ``event_cells``, ``revision_lines`` and ``event_documents`` are compared across filters
(known-at, limits, kinds, descending sorts, tags, actors, grades…), zones (fixed offsets and zones whose
offset changes) and batch sizes; the Python path registers no function and calls no SQL function that
``Events.select`` does not call itself. Where the SQLite listing is known to differ from ``events_report``
(which the Python path follows), ``test_known_sqlite_differences`` shows it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitlog.domain.model import Event, Kind
from sitlog.render.events import describe
from sitlog.store import EventFilter, Store
from sitlog.store.export import event_documents, revision_lines
from sitlog.store.listing import event_cells, event_json
from tests.conftest import Run, cli_env, cli_runner
from tests.test_eventjson import NOTE, log_varied

UTC = timezone.utc
ZONES: list[tzinfo] = [
    UTC,
    ZoneInfo("UTC"),
    ZoneInfo("Asia/Damascus"),  # +02/+03 with DST until 2022, then +03 all year
    ZoneInfo("Europe/London"),  # +00/+01: the events below sit on both sides of its changes
    ZoneInfo("America/St_Johns"),
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-3, minutes=-30)),
    ZoneInfo("Etc/GMT-3"),
]
# Events at the edges of Europe/London's and Asia/Damascus's offset changes, claimed, tagged, corroborated.
MORE = (
    ("log", "clash", "Zabun", "--actor", "HTS", "--actor", "SAA", "--at", "2024-03-31T00:59:59+00:00",
     "--tag", "dst", "--id", "ld-1"),
    ("log", "clash", "Zabun", "--actor", "HTS", "--actor", "SAA", "--at", "2024-03-31T01:00:00+00:00",
     "--tag", "dst", "--tag", "front", "--id", "ld-2"),
    ("log", "strike", "Zabun", "--by", "SAA", "--at", "2024-10-27T00:30+00:00", "--claimed-by", "SAA",
     "--note", "first 01:30 in London", "--id", "ld-3"),
    ("log", "strike", "Zabun", "--by", "SAA", "--at", "2024-10-27T01:30+00:00", "--means", "artillery",
     "--source", "SANA", "--grade", "D4", "--id", "ld-4"),
    ("log", "control", "al-Salloum", "--by", "SAA", "--at", "2021-03-25T22:30+00:00", "--id", "dm-1"),
    ("log", "casualties", "al-Salloum", "--killed", "12+", "--injured", "0", "--at", "2021-10-28T21:30+00:00",
     "--source", "SOHR", "--grade", "B2", "--tag", "front", "--id", "dm-2"),
    ("log", "displacement", "al-Salloum", "--people", "hundreds", "--at", "2024-10", "--id", "dp-1"),
    ("log", "advance", "--near", "Zabun", "--by", "HTS", "--distance", "3-4", "--direction", "north-east",
     "--at", "2024-11-25", "--note", NOTE, "--id", "ad-3"),
    ("amend", "ld-4", "--note", "amended", "--reason", "a second look"),
    ("retract", "ld-1", "--reason", "duplicate"),
)  # fmt: skip
KNOWN_AT = datetime(2024, 11, 28, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Path:
    """The ``varied`` log of test_eventjson.py plus ``MORE``, made once for the module (tests only read it)."""
    path = tmp_path_factory.mktemp("python-paths") / "sitlog.db"
    shutil.copyfile(template_db, path)
    path.chmod(0o600)
    sitlog = cli_runner(cli_env(path))
    log_varied(sitlog)
    for args in MORE:
        run: Run = sitlog(*args)
        assert run.exit_code == 0, (args, run.stderr)
    return path


def _pair(path: Path) -> tuple[Store, Store]:
    """The file opened as SQLite is used, and again as a store whose SQL cannot call Python."""
    sql, python = Store(path, read_only=True), Store(path, read_only=True)
    python.sql_calls_python = False
    return sql, python


@pytest.fixture
def stores(logged: Path) -> Iterator[tuple[Store, Store]]:
    sql, python = _pair(logged)
    yield sql, python
    sql.close()
    python.close()


def _filters(store: Store) -> list[EventFilter]:
    actor = {a.name: a.id for a in store.actors.by_id().values()}
    zabun = store.conn.execute("SELECT id FROM places WHERE name = 'Zabun'").fetchone()[0]
    return [
        EventFilter(include_retracted=True),
        EventFilter(),
        EventFilter(include_retracted=True, known_at=KNOWN_AT),
        EventFilter(known_at=KNOWN_AT, sort="recorded", descending=True, limit=7),
        EventFilter(include_retracted=True, known_at=datetime(2024, 1, 1, tzinfo=UTC)),  # nothing known yet
        EventFilter(include_retracted=True, kind=Kind.STRIKE, limit=3),
        EventFilter(kind=Kind.CASUALTIES, descending=True),
        EventFilter(include_retracted=True, sort="place", descending=True, limit=9),
        EventFilter(
            since=datetime(2024, 11, 27, tzinfo=UTC),
            until=datetime(2024, 11, 29, tzinfo=UTC),
            tz=ZoneInfo("Asia/Damascus"),
            overlapping=True,
        ),
        EventFilter(include_retracted=True, tags=("front",), sort="kind"),
        EventFilter(actor_id=actor["HTS"], sort="grade", descending=True),
        EventFilter(actor_ids=frozenset((actor["Syrian Arab Army"], actor["Liwa al-Quds"]))),
        EventFilter(place_id=zabun, min_sources=2),
        EventFilter(include_retracted=True, source="so", grade="B", sort="id", descending=True),
        EventFilter(claimed=True, known_at=KNOWN_AT, descending=True),
        EventFilter(min_grade="C3", sort="grade"),
        EventFilter(include_retracted=True, limit=0),
    ]


def _filter_cases() -> list[int]:
    return list(range(17))


@pytest.fixture
def filters(stores: tuple[Store, Store]) -> list[EventFilter]:
    found = _filters(stores[0])
    assert len(found) == len(_filter_cases())
    return found


def test_the_log_has_what_the_comparison_needs(stores: tuple[Store, Store]) -> None:
    sql, _python = stores
    events = list(sql.events.select(EventFilter(include_retracted=True)))
    assert {e.kind for e in events} == set(Kind)
    assert any(len(e.sources) > 1 for e in events) and any(e.sides for e in events)
    assert any(q is not None and q.best is not None for e in events for q in (e.killed, e.injured))
    assert any(e.when.end is not None for e in events) and any(e.claimed for e in events)
    assert any(e.retracted for e in events) and any(e.distance_km is not None for e in events)
    assert any(e.tags for e in events) and len({e.source for e in events}) > 3
    assert len(sql.conn.execute("SELECT DISTINCT operator FROM revisions").fetchall()) >= 1
    assert all(flag for flag in (sql.sql_calls_python, not _python.sql_calls_python))


@pytest.mark.parametrize("case", _filter_cases())
@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_event_json(stores: tuple[Store, Store], filters: list[EventFilter], case: int, tz: tzinfo) -> None:
    sql, python = stores
    flt = filters[case]
    for batch in (1, 4, 1000):
        expected = list(event_json(sql, flt, tz, batch=batch))
        assert list(event_json(python, flt, tz, batch=batch)) == expected
    texts = [t for chunk in expected for t in chunk]
    assert all(type(t) is bytes for t in texts)
    assert [json.loads(t)["id"] for t in texts] == [e.id for e in sql.events.select(flt)]


@pytest.mark.parametrize("machine", [False, True], ids=["table", "csv"])
@pytest.mark.parametrize("case", _filter_cases())
@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_event_cells(
    stores: tuple[Store, Store], filters: list[EventFilter], case: int, tz: tzinfo, machine: bool
) -> None:
    sql, python = stores
    flt = filters[case]
    for batch in (1, 5, 1000):
        expected = list(event_cells(sql, flt, tz, describe, machine, batch=batch))
        got = list(event_cells(python, flt, tz, describe, machine, batch=batch))
        assert got == expected
        assert all(type(row) is tuple and all(type(cell) is str for cell in row) for chunk in got for row in chunk)


@pytest.mark.parametrize("kind", [Kind.CONTROL, Kind.CLASH, Kind.STRIKE, Kind.ADVANCE], ids=str)
def test_describe_sees_the_same_content(stores: tuple[Store, Store], kind: Kind) -> None:
    """``describe`` gets the same content-only events, once per distinct content, on both paths."""
    sql, python = stores
    flt = EventFilter(include_retracted=True, kind=kind)
    seen: dict[str, list[Event]] = {"sql": [], "python": []}

    def recorder(into: list[Event]) -> Callable[[Event], str]:
        def describe_(event: Event) -> str:
            into.append(event)
            return repr(event)

        return describe_

    for machine in (False, True):
        seen["sql"].clear()
        seen["python"].clear()
        expected = list(event_cells(sql, flt, UTC, recorder(seen["sql"]), machine))
        assert list(event_cells(python, flt, UTC, recorder(seen["python"]), machine)) == expected
        assert seen["python"] == seen["sql"] and len(seen["sql"]) == len(set(map(repr, seen["sql"]))) > 1


@pytest.mark.parametrize("case", _filter_cases())
def test_revision_lines(stores: tuple[Store, Store], filters: list[EventFilter], case: int) -> None:
    sql, python = stores
    flt = filters[case]
    for batch in (1, 3, 2000):
        expected = list(revision_lines(sql, flt, batch=batch))
        assert list(revision_lines(python, flt, batch=batch)) == expected
    if any(True for _ in sql.events.select(flt)):
        assert expected and all(t.startswith(b'{"record": "revision", ') for chunk in expected for t in chunk)


@pytest.mark.parametrize("case", _filter_cases())
def test_event_documents(stores: tuple[Store, Store], filters: list[EventFilter], case: int) -> None:
    sql, python = stores
    flt = filters[case]
    for batch in (1, 3, 500):
        expected = list(event_documents(sql, flt, batch=batch))
        assert list(event_documents(python, flt, batch=batch)) == expected
    documents = [json.loads(t) for chunk in expected for t in chunk]
    assert [d["id"] for d in documents] == [e.id for e in sql.events.select(flt)]
    if flt == EventFilter(include_retracted=True):
        assert any(len(d["revisions"]) > 1 for d in documents)


@pytest.mark.parametrize("known_at", [None, KNOWN_AT], ids=["now", "known-at"])
def test_revisions_read_in_chunks_are_those_read_at_once(
    stores: tuple[Store, Store], known_at: datetime | None
) -> None:
    """More heads in a batch than event ids per query: the revisions come from several queries, unchanged."""
    from sitlog.store.pyjson import _revisions_of

    _sql, python = stores
    ids = [e.id for e in python.events.select(EventFilter(include_retracted=True, sort="id", descending=True))]
    at_once = _revisions_of(python, ids, known_at)
    assert _revisions_of(python, ids, known_at, per_query=3) == at_once
    assert set(at_once) <= set(ids) and len(at_once) > 10
    assert all([r["revision"] for r in revisions] == sorted(r["revision"] for r in revisions)
               for revisions in at_once.values())  # fmt: skip


def _sqlite_used(path: Path, run: Callable[[Store], object], sql_calls_python: bool = False) -> set[str]:
    """The SQL functions and the tables (json_each and json_tree are tables to SQLite) the statements ``run``
    prepares call and read, as ``function name`` and ``table name`` (a fresh connection: nothing cached)."""
    store = Store(path, read_only=True)
    store.sql_calls_python = sql_calls_python
    used: set[str] = set()

    def authorize(action: int, arg1: str | None, arg2: str | None, *_: Any) -> int:
        if action == sqlite3.SQLITE_FUNCTION and arg2:
            used.add(f"function {arg2.lower()}")
        elif action == sqlite3.SQLITE_READ and arg1:
            used.add(f"table {arg1.lower()}")
        return sqlite3.SQLITE_OK

    store.conn.set_authorizer(authorize)
    try:
        run(store)
    finally:
        store.close()
    return used


def test_the_python_path_needs_no_more_of_sqlite_than_select(logged: Path, filters: list[EventFilter]) -> None:
    """No function registered, and no SQL function called nor table read that ``Events.select`` of the same
    filters does not call or read itself."""
    tz = ZoneInfo("Europe/London")
    registered = {"sitlog_time", "sitlog_names", "sitlog_describe", "sitlog_tag_cell", "sitlog_sources"}

    def all_four(store: Store) -> None:
        for flt in filters:
            for texts in (event_json(store, flt, tz), event_cells(store, flt, tz, describe, True),
                          event_cells(store, flt, tz, describe, False), revision_lines(store, flt),
                          event_documents(store, flt)):  # fmt: skip
                list(texts)

    def python_paths(store: Store) -> None:
        all_four(store)
        store.conn.set_authorizer(None)  # the probes below are not the paths' own statements
        for name in sorted(registered):
            with pytest.raises(sqlite3.OperationalError, match="no such function"):
                store.conn.execute(f"SELECT {name}('x')")

    def selects(store: Store) -> None:
        for flt in filters:
            list(store.events.select(flt))

    select_uses = _sqlite_used(logged, selects)
    assert {"table json_each", "table json_tree", "function substr"} <= select_uses  # the authorizer sees them
    sqlite_paths = _sqlite_used(logged, all_four, sql_calls_python=True)
    assert {f"function {name}" for name in registered} <= sqlite_paths  # and SQLite's own paths' functions
    assert _sqlite_used(logged, python_paths) <= select_uses


# Any text a person may type (no lone surrogates: they cannot be stored as UTF-8).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
MAYBE = st.one_of(st.none(), TEXT)
# Without U+0000, which SQLite's listing cuts the ``what`` of casualties at (test_known_sqlite_differences).
NO_NUL = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=TEXT, source=MAYBE, part=MAYBE, person=st.one_of(st.none(), NO_NUL), direction=MAYBE,
       tags=st.lists(TEXT, max_size=3), quantity=NO_NUL, outcome=MAYBE,
       claimed_by=st.one_of(st.none(), TEXT.filter(bool)))  # fmt: skip
def test_any_text_gives_the_same_bytes(
    logged: Path,
    note: str,
    source: str | None,
    part: str | None,
    person: str | None,
    direction: str | None,
    tags: list[str],
    quantity: str,
    outcome: str | None,
    claimed_by: str | None,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sitlog.db"
        shutil.copyfile(logged, path)
        store = Store(path)
        with store.transaction():
            store.conn.execute(
                "UPDATE revisions SET note = ?, source = ?, part = ?, person = ?, direction = ?, outcome = ?, tags = ?",
                (note, source, part, person, direction, outcome, json.dumps(tags, ensure_ascii=False)),
            )
            store.conn.execute("UPDATE revisions SET claimed_by = ? WHERE claimed", (claimed_by,))
            text = json.dumps({"low": 3, "high": None, "text": quantity}, ensure_ascii=False)
            store.conn.execute("UPDATE revisions SET killed = ? WHERE killed IS NOT NULL", (text,))
        store.close()
        sql, python = _pair(path)
        tz = ZoneInfo("Europe/London")
        flt = EventFilter(include_retracted=True, known_at=KNOWN_AT)
        assert list(event_json(python, flt, tz)) == list(event_json(sql, flt, tz))
        for machine in (False, True):
            assert list(event_cells(python, flt, tz, describe, machine)) == list(
                event_cells(sql, flt, tz, describe, machine)
            )
        assert list(revision_lines(python, flt)) == list(revision_lines(sql, flt))
        assert list(event_documents(python, flt)) == list(event_documents(sql, flt))
        sql.close()
        python.close()


@pytest.mark.xfail(strict=True, reason="SQLite's listing differs from events_report here; the Python path does not")
@pytest.mark.parametrize(
    "update",
    [
        "UPDATE revisions SET claimed_by = '' WHERE claimed",  # the table's claimed cell: '' on SQLite, not 'yes'
        "UPDATE revisions SET person = 'Abu' || char(0) || 'Ali' WHERE kind = 'casualties'",  # cut at U+0000
        'UPDATE revisions SET killed = \'{"low": 3, "high": null, "text": "3\\u0000 or so"}\' '
        "WHERE killed IS NOT NULL",  # json_extract cuts at U+0000 too
    ],
    ids=["empty-claimant", "nul-in-person", "nul-in-figure"],
)
def test_known_sqlite_differences(logged: Path, tmp_path: Path, update: str) -> None:
    """Values a jsonl import stores (an empty ``claimed_by``, U+0000 in a person or a figure's text) where the
    SQLite listing's cells are not those of ``events_report`` (a fault of the SQL, left as it is here): the
    Python path gives ``events_report``'s, so the two paths differ. Strict: fixing the SQL fails this test."""
    from sitlog.render.events import events_report
    from sitlog.render.output import _raw

    path = tmp_path / "sitlog.db"
    shutil.copyfile(logged, path)
    store = Store(path)
    with store.transaction():
        store.conn.execute(update)
    store.close()
    sql, python = _pair(path)
    flt = EventFilter(include_retracted=True)
    try:
        report = events_report(list(python.events.select(flt)), UTC, with_json=False)
        expected = [tuple(_raw(c) for c in row) for row in report.tables[0].rows]
        assert [row for chunk in event_cells(python, flt, UTC, describe, False) for row in chunk] == expected
        assert list(event_cells(sql, flt, UTC, describe, False)) == list(event_cells(python, flt, UTC, describe, False))
    finally:
        sql.close()
        python.close()
