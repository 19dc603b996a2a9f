"""Random sequences of log / amend / retract / undo: the revision chain and known-at always hold.

Driven through the same functions the commands call (fast enough for Hypothesis), against a real
SQLite file; a small model of change sets says which one each undo must revert and what it must
restore.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitlog.domain.model import ActorType, When
from sitlog.errors import InvalidInput, NotFound, SitlogError, UsageError
from sitlog.ops import corrections
from sitlog.ops.recording import LogRequest, record
from sitlog.store import EventFilter, Store

UTC = timezone.utc
START = datetime(2024, 11, 28, 6, 0, tzinfo=UTC)
OPERATORS = ("alice", "bob")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A migrated database with two actors, copied for each example (migrating costs more than a run).

    Since issue 10 the bundled actor pack has HTS, and SAA as an alias of Syrian Arab Army: the
    harness adds SAA as its own actor only where the pack does not (it never does now)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    store = Store(path)
    with store.transaction():
        known = {n for a in store.actors.search() for n in (a.name, *a.aliases)}
        if "HTS" not in known:
            store.actors.add("HTS", type=ActorType.REBEL, now=START)
        if "SAA" not in known:
            store.actors.add("SAA", type=ActorType.STATE, now=START)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    yield path


op_strategy = st.one_of(
    st.tuples(st.just("log"), st.sampled_from(OPERATORS), st.integers(0, 50)),
    st.tuples(
        st.just("amend"),
        st.sampled_from(OPERATORS),
        st.integers(0, 9),
        st.sampled_from(["killed", "note", "both"]),
        st.integers(0, 3),
        st.booleans(),
    ),
    st.tuples(st.just("retract"), st.sampled_from(OPERATORS), st.integers(0, 9)),
    st.tuples(st.just("undo"), st.sampled_from(OPERATORS), st.booleans()),
)


def dump(store: Store, table: str, order: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in store.conn.execute(f"SELECT * FROM {table} ORDER BY {order}")]


def heads(store: Store) -> dict[str, tuple[Any, ...]]:
    return {e.id: corrections.state(e) for e in store.events.select(EventFilter(include_retracted=True))}


@dataclass
class ChangeSetModel:
    id: str
    operator: str
    before: dict[str, tuple[Any, ...]]  # heads of the events it touched, before it (absent: it created them)
    after: dict[str, tuple[Any, ...]]
    undone: bool = False


def check_chain(store: Store) -> None:
    """Revisions 1..n per event, and the head table points at each event's latest revision."""
    chains: dict[str, list[tuple[int, int]]] = {}
    for seq, event_id, number in store.conn.execute("SELECT seq, event_id, revision FROM revisions ORDER BY seq"):
        chains.setdefault(event_id, []).append((seq, number))
    head_rows = {
        r[0]: r[1:] for r in store.conn.execute("SELECT event_id, seq, kind, place_id, at_utc, retracted FROM events")
    }
    assert set(head_rows) == set(chains)
    for event_id, revs in chains.items():
        assert [n for _, n in revs] == list(range(1, len(revs) + 1)), event_id
        top = max(seq for seq, _ in revs)
        row = store.conn.execute(
            "SELECT seq, kind, place_id, at_utc, retracted FROM revisions WHERE seq = ?", (top,)
        ).fetchone()
        assert head_rows[event_id] == tuple(row)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op_strategy, min_size=1, max_size=14))
def test_random_corrections_keep_the_chain_and_known_at(template: Path, ops: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sitlog.db"
        shutil.copy(template, path)
        store = Store(path)
        try:
            run(store, ops)
        finally:
            store.close()


def run(store: Store, ops: list[tuple[Any, ...]]) -> None:
    events: list[str] = []
    model: list[ChangeSetModel] = []
    snapshots: list[tuple[datetime, list[dict[str, Any]]]] = []
    for step, op in enumerate(ops):
        now = START + timedelta(minutes=step + 1)
        rows_before = dump(store, "revisions", "seq")
        sets_before = dump(store, "changesets", "id")
        heads_before = heads(store)
        kind, operator = op[0], op[1]
        expected_target: ChangeSetModel | None = None
        if kind == "undo":
            mine = [c for c in model if not c.undone and (op[2] or c.operator == operator)]
            expected_target = mine[-1] if mine else None
        try:
            if kind == "log":
                request = LogRequest("casualties", "Aleppo", {"killed": str(op[2])}, operator=operator)
                events.append(record(store, request, When.exact(now - timedelta(days=1)), now).event.id)
            elif kind == "amend" and events:
                _, _, index, what, value, unretract = op
                changes: dict[str, Any] = {}
                if what in ("killed", "both"):
                    changes["killed"] = str(value)
                if what in ("note", "both"):
                    changes["note"] = f"note {value}" if value else ""
                if unretract:
                    changes["unretract"] = True
                corrections.amend(store, events[index % len(events)], changes, None, "fix", operator, now)
            elif kind == "retract" and events:
                corrections.retract(store, events[op[2] % len(events)], "withdrawn", None, operator, now)
            elif kind == "undo":
                corrections.undo(store, operator, now, UTC, None, any_operator=op[2])
        except SitlogError as exc:
            # A refused command leaves no trace.
            assert dump(store, "revisions", "seq") == rows_before
            assert dump(store, "changesets", "id") == sets_before
            if kind == "undo":
                expected = InvalidInput if expected_target is not None else (UsageError, NotFound)
                assert isinstance(exc, expected), (exc, expected_target)
            else:
                assert isinstance(exc, InvalidInput)  # only: amending a retracted event without --unretract
        rows = dump(store, "revisions", "seq")
        assert rows[: len(rows_before)] == rows_before  # nothing stored is rewritten or deleted
        new_sets = [r for r in dump(store, "changesets", "id") if r not in sets_before]
        assert len(new_sets) <= 1
        heads_after = heads(store)
        if new_sets:
            (new,) = new_sets
            touched = {r[1] for r in rows[len(rows_before) :]}
            # every new revision is in it (columns after ``changeset`` came with m004: find it by name)
            at = [d[1] for d in store.conn.execute("PRAGMA table_info(revisions)")].index("changeset")
            assert {r[at] for r in rows[len(rows_before) :]} <= {new[0]}
            entry = ChangeSetModel(
                new[0],
                operator,
                {e: heads_before[e] for e in touched if e in heads_before},
                {e: heads_after[e] for e in touched},
            )
            undoes = new[4]
            if kind == "undo":
                assert expected_target is not None and undoes == expected_target.id
                for event_id, now_state in entry.after.items():
                    if event_id in expected_target.before:
                        assert now_state == expected_target.before[event_id]
                    else:  # the undone change set created it: same content, retracted
                        created = expected_target.after[event_id]
                        assert now_state[0] == created[0] and now_state[1] is True
                expected_target.undone = True
            else:
                assert undoes is None
            model.append(entry)
        elif kind == "undo":
            assert expected_target is None or not rows[len(rows_before) :]
        check_chain(store)
        snapshot = [e.to_json(UTC) for e in store.events.select(EventFilter(include_retracted=True))]
        snapshots.append((now, snapshot))

    for when, expected_events in snapshots:
        known = [e.to_json(UTC) for e in store.events.select(EventFilter(include_retracted=True, known_at=when))]
        assert known == expected_events, when
    assert [e.to_json(UTC) for e in store.events.select(EventFilter(include_retracted=True, known_at=START))] == []


def test_property_harness_sees_a_real_undo(template: Path) -> None:
    """The harness itself: a fixed sequence whose undo must restore the amended figure."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sitlog.db"
        shutil.copy(template, path)
        store = Store(path)
        try:
            run(store, [("log", "alice", 5), ("amend", "alice", 0, "killed", 3, False), ("undo", "alice", False)])
            (event,) = store.events.select(EventFilter())
            assert event.killed is not None and event.killed.low == 5 and event.revision == 3
        finally:
            store.close()
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT count(*) FROM changesets WHERE undoes IS NOT NULL").fetchone()[0] == 1
