"""Short handles (issue 12): numbering, typing them back, `last`, and the migration's backfill."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitlog.domain.handles import MAX_LENGTH, OFFSET, handle_number, handle_of
from sitlog.store import Store
from tests.conftest import Run

Sitlog = Callable[..., Run]


def logged(sitlog: Sitlog, *args: str, **env: str) -> dict[str, Any]:
    run = sitlog("log", *args, "--json", **env)
    assert run.exit_code == 0, run.stderr
    data = run.json()
    assert isinstance(data, dict)
    return data


def test_first_handles_are_three_characters() -> None:
    assert [handle_of(n) for n in (1, 2, 10, 32, 33)] == ["100", "101", "109", "10z", "110"]
    assert len(handle_of(32**6 - 1 - OFFSET)) == MAX_LENGTH
    assert len(handle_of(32**6 - OFFSET)) == MAX_LENGTH + 1  # past ~1.07 billion events


@given(st.integers(min_value=1, max_value=32**6 - 1 - OFFSET))
def test_handles_read_back_in_any_case(number: int) -> None:
    text = handle_of(number)
    assert 3 <= len(text) <= MAX_LENGTH and text[0] != "0"
    assert handle_number(text) == number == handle_number(text.upper())


@pytest.mark.parametrize("text", ["", "10", "0ab", "01jdsa", "1234567", "ab-c", "acled:1", "u00", "10u"])
def test_what_is_not_a_handle(text: str) -> None:
    assert handle_number(text) is None


def test_crockford_reading_rules() -> None:
    assert handle_number("1O1") == handle_number("101") == handle_number("IOl") == 2


def test_receipts_json_and_tables_carry_handles(sitlog: Sitlog, actors: None) -> None:
    first = sitlog("log", "control", "Aleppo", "--by", "SAA", "--at", "2024-11-27", "--json")
    assert first.exit_code == 0
    event = first.json()
    assert event["handle"] == "100"
    assert first.stderr.startswith(f"logged control 100 ({event['id']}) at Aleppo")
    second = logged(sitlog, "strike", "Idlib", "--by", "SAA", "--at", "2024-11-27")
    assert second["handle"] == "101"
    table = sitlog("events").stdout.splitlines()
    assert table[0].split()[-1] == "handle" and [line.split()[-1] for line in table[2:]] == ["100", "101"]


def test_a_handle_names_an_event_everywhere_an_id_does(sitlog: Sitlog, actors: None) -> None:
    control = logged(sitlog, "control", "Aleppo", "--by", "SAA", "--at", "2024-11-27")
    casualty = logged(sitlog, "casualties", "Idlib", "--killed", "5", "--at", "2024-11-27")
    assert sitlog("show", "100", "--json").json()["id"] == control["id"]
    assert sitlog("show", "101", "--json").json()["id"] == casualty["id"]
    amended = sitlog("amend", "101", "--killed", "7", "--reason", "update", "--json")
    assert amended.exit_code == 0 and amended.stderr.startswith(f"amended 101 ({casualty['id']}) → revision 2")
    assert amended.json()["handle"] == "101"  # a revision keeps the event's handle
    dup = logged(sitlog, "casualties", "Idlib", "--killed", "7", "--at", "2024-11-27")
    retracted = sitlog("retract", dup["handle"], "--reason", "double", "--duplicate-of", "101", "--json")
    assert retracted.exit_code == 0 and retracted.json()["duplicate_of"] == casualty["id"]
    unknown = sitlog("show", "zzz")
    assert unknown.exit_code == 4 and unknown.stderr.startswith("Error: no event with id or handle 'zzz'")
    assert unknown.stdout == ""


def test_last_is_the_operators_last_logged_event(sitlog: Sitlog, actors: None) -> None:
    none_yet = sitlog("show", "last")
    assert none_yet.exit_code == 4 and "'tester' has logged none" in none_yet.stderr
    mine = logged(sitlog, "control", "Aleppo", "--by", "SAA", "--at", "2024-11-27")
    theirs = logged(sitlog, "control", "Idlib", "--by", "HTS", "--at", "2024-11-27", SITLOG_OPERATOR="bob")
    assert sitlog("show", "last", "--json").json()["id"] == mine["id"]
    assert sitlog("show", "LAST", "--json", SITLOG_OPERATOR="bob").json()["id"] == theirs["id"]
    # An amend is not a log: `last` still names the event logged last.
    assert sitlog("amend", "last", "--status", "contested", "--against", "HTS", "--reason", "r").exit_code == 0
    assert sitlog("show", "last", "--json").json() == {**sitlog("show", mine["id"], "--json").json()}
    assert sitlog("show", "last", "--json").json()["status"] == "contested"
    retracted = sitlog("retract", "last", "--reason", "wrong", "--json")
    assert retracted.exit_code == 0 and retracted.json()["id"] == mine["id"] and retracted.json()["retracted"]


def test_migration_numbers_existing_events_in_recording_order(sitlog: Sitlog, actors: None, db: Path) -> None:
    ids = [logged(sitlog, "strike", place, "--by", "SAA", "--at", "2024-11-27")["id"] for place in ("Idlib", "Ariha")]
    assert sitlog("amend", ids[0], "--means", "air", "--reason", "r").exit_code == 0
    # Back to the schema before m009, as a database made by the previous release would be.
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("DROP TRIGGER events_handle")
        conn.execute("DROP TABLE handles")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_handles'")
    Store(db).close()
    listed = sitlog("events", "--json").json()
    assert {e["id"]: e["handle"] for e in listed} == {ids[0]: "100", ids[1]: "101"}
    third = logged(sitlog, "strike", "Saraqib", "--by", "SAA", "--at", "2024-11-27")
    assert third["handle"] == "102"
