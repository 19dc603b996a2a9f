"""undo through the CLI: reverts by appending, is recorded, asks first, respects operators and order."""

from __future__ import annotations

import os
import pty
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run
from tests.test_corrections import logged, revision_rows

Sitlog = Callable[..., Run]


def changesets(db: Path) -> list[dict[str, Any]]:
    """The change sets in the order their revisions were recorded."""
    with closing(sqlite3.connect(db)) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT c.*, (SELECT max(seq) FROM revisions r WHERE r.changeset = c.id) AS last FROM changesets c "
            "ORDER BY last"
        ).fetchall()
    return [dict(r) for r in rows]


def run_on_terminal(env: dict[str, str], *args: str, answer: str = "") -> tuple[int, str]:
    """Run sitlog as a real process whose stdin/stdout/stderr are a pseudo-terminal; type ``answer``."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitlog", *args],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**os.environ, **env, "TERM": "xterm-256color"},
        close_fds=True,
    )
    os.close(terminal)
    if answer:
        os.write(controller, answer.encode())  # the line discipline holds it until the prompt reads
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def casualty(sitlog: Sitlog, actors: None) -> dict[str, Any]:
    return logged(sitlog, "casualties", "Aleppo", "--killed", "5", "--side", "HTS", "--at", "2024-11-27")


def events(sitlog: Sitlog, *args: str) -> list[dict[str, Any]]:
    run = sitlog("events", "--json", *args)
    assert run.exit_code == 0, run.stderr
    result: list[dict[str, Any]] = run.json()
    return result


def test_undo_a_log_retracts_the_event_and_is_recorded(sitlog: Sitlog, casualty: dict[str, Any], db: Path) -> None:
    before = revision_rows(db)
    run = sitlog("undo", "--yes")
    assert run.exit_code == 0, run.stderr
    assert run.stdout == ""
    assert run.stderr.startswith("undone in change set ")
    assert f"{casualty['id']} casualties at Aleppo" in run.stderr and "retract it" in run.stderr
    assert events(sitlog) == []
    (event,) = events(sitlog, "--all")
    assert event["retracted"] is True and event["revision"] == 2
    assert event["reason"].startswith("undo of log casualties (change set ")
    assert revision_rows(db)[: len(before)] == before  # revision 1 untouched
    log_cs, undo_cs = changesets(db)
    assert undo_cs["command"] == "undo" and undo_cs["undoes"] == log_cs["id"] and undo_cs["operator"] == "tester"


def test_undo_an_amend_restores_the_previous_content(sitlog: Sitlog, casualty: dict[str, Any], db: Path) -> None:
    amended = sitlog("amend", casualty["id"], "--killed", "7", "--note", "x", "--reason", "typo?")
    assert amended.exit_code == 0
    run = sitlog("undo", "--yes", SITLOG_NOW="2024-11-28T12:05:00+00:00")
    assert run.exit_code == 0, run.stderr
    assert "back to revision 1 — killed: 7 → 5; note: x → —" in run.stderr
    (event,) = events(sitlog)
    assert event["revision"] == 3 and event["killed"] == casualty["killed"] and event["note"] is None
    assert event["recorded_at"] == "2024-11-28T12:05:00+00:00"
    assert [r[2] for r in revision_rows(db)] == [1, 2, 3]


def test_undo_a_retract_brings_the_event_back(sitlog: Sitlog, casualty: dict[str, Any]) -> None:
    assert sitlog("retract", casualty["id"], "--reason", "dup", "--duplicate-of", casualty["id"]).exit_code == 3
    assert sitlog("retract", casualty["id"], "--reason", "looked wrong").exit_code == 0
    assert events(sitlog) == []
    assert sitlog("undo", "--yes").exit_code == 0
    (event,) = events(sitlog)
    assert event["retracted"] is False and event["revision"] == 3


def test_undo_twice_reapplies(sitlog: Sitlog, casualty: dict[str, Any], db: Path) -> None:
    """The last change set not yet undone is the undo itself: undo of an undo re-applies."""
    assert sitlog("amend", casualty["id"], "--killed", "7", "--reason", "update").exit_code == 0
    figures = []
    for _ in range(3):
        assert sitlog("undo", "--yes").exit_code == 0
        figures.append(events(sitlog)[0]["killed"]["low"])
    assert figures == [5, 7, 5]
    sets = changesets(db)
    assert [c["command"] for c in sets] == ["log casualties", "amend", "undo", "undo", "undo"]
    assert [c["undoes"] for c in sets[2:]] == [sets[1]["id"], sets[2]["id"], sets[3]["id"]]
    assert [r[2] for r in revision_rows(db)] == [1, 2, 3, 4, 5]


def test_undo_refuses_another_operators_change_without_any_operator(
    sitlog: Sitlog, casualty: dict[str, Any], db: Path
) -> None:
    before = revision_rows(db)
    refused = sitlog("undo", "--yes", "--operator", "bob")
    assert refused.exit_code == 2
    assert "operator bob has nothing to undo; the last change is tester's" in refused.stderr
    assert "--any-operator" in refused.stderr
    assert revision_rows(db) == before
    run = sitlog("undo", "--yes", "--any-operator", SITLOG_OPERATOR="bob")
    assert run.exit_code == 0, run.stderr
    (event,) = events(sitlog, "--all")
    assert event["retracted"] is True and event["operator"] == "bob"
    assert changesets(db)[-1]["operator"] == "bob"


def test_undo_reverts_this_operators_last_change_not_someone_elses(sitlog: Sitlog, actors: None) -> None:
    mine = logged(sitlog, "strike", "Idlib", "--by", "SAA", "--operator", "alice")
    theirs = logged(sitlog, "strike", "Saraqib", "--by", "SAA", "--operator", "bob")
    run = sitlog("undo", "--yes", "--operator", "alice")
    assert run.exit_code == 0, run.stderr
    assert [e["id"] for e in events(sitlog)] == [theirs["id"]]
    assert mine["id"] in run.stderr and theirs["id"] not in run.stderr


def test_undo_skips_change_sets_already_undone(sitlog: Sitlog, actors: None) -> None:
    first = logged(sitlog, "strike", "Idlib", "--by", "SAA", "--operator", "alice")
    second = logged(sitlog, "strike", "Saraqib", "--by", "SAA", "--operator", "alice")
    assert sitlog("undo", "--yes", "--any-operator", "--operator", "bob").exit_code == 0  # bob undoes `second`
    run = sitlog("undo", "--yes", "--operator", "alice")
    assert run.exit_code == 0, run.stderr
    assert first["id"] in run.stderr
    assert {e["id"]: e["retracted"] for e in events(sitlog, "--all")} == {first["id"]: True, second["id"]: True}


def test_undo_refuses_when_a_later_change_sits_on_top(sitlog: Sitlog, casualty: dict[str, Any], db: Path) -> None:
    assert sitlog("amend", casualty["id"], "--killed", "9", "--reason", "x", SITLOG_OPERATOR="bob").exit_code == 0
    before = revision_rows(db)
    refused = sitlog("undo", "--yes")  # tester's last change is the log, which bob has amended since
    assert refused.exit_code == 3
    assert f"event {casualty['id']} was changed after it by amend by bob" in refused.stderr
    assert revision_rows(db) == before
    assert sitlog("undo", "--yes", SITLOG_OPERATOR="bob").exit_code == 0  # back to what tester logged
    run = sitlog("undo", "--yes")
    assert run.exit_code == 0, run.stderr
    assert events(sitlog) == []


def test_later_changes_that_restored_the_state_do_not_block(sitlog: Sitlog, casualty: dict[str, Any]) -> None:
    assert sitlog("amend", casualty["id"], "--killed", "9", "--reason", "x").exit_code == 0
    assert sitlog("amend", casualty["id"], "--killed", "11", "--reason", "y", SITLOG_OPERATOR="bob").exit_code == 0
    assert sitlog("undo", "--yes", SITLOG_OPERATOR="bob").exit_code == 0  # back to 9, as tester left it
    run = sitlog("undo", "--yes")  # tester's amend: the head reads as tester's amend left it
    assert run.exit_code == 0, run.stderr
    assert events(sitlog)[0]["killed"]["low"] == 5


def test_without_terminal_or_yes_undo_is_exit_2_and_writes_nothing(
    sitlog: Sitlog, casualty: dict[str, Any], db: Path
) -> None:
    before = revision_rows(db)
    run = sitlog("undo")
    assert run.exit_code == 2
    assert "Error: undo asks for confirmation, and there is no terminal to ask on: add --yes" in run.stderr
    assert f"{casualty['id']} casualties at Aleppo" in run.stderr  # what it would have done
    assert revision_rows(db) == before and len(changesets(db)) == 1


def test_dry_run_shows_the_plan_and_writes_nothing(sitlog: Sitlog, casualty: dict[str, Any], db: Path) -> None:
    before = revision_rows(db)
    run = sitlog("undo", "--dry-run")
    assert run.exit_code == 0
    assert run.stderr.splitlines()[0].startswith("undo log casualties by tester at 2024-11-28T12:00:00+00:00")
    assert "dry run: nothing undone" in run.stderr
    assert revision_rows(db) == before


def test_nothing_to_undo_is_exit_4(sitlog: Sitlog) -> None:
    run = sitlog("undo", "--yes")
    assert run.exit_code == 4 and run.stderr.strip() == "Error: nothing to undo: no change has been recorded"


def test_undo_a_named_older_change_set(sitlog: Sitlog, actors: None, db: Path) -> None:
    first = logged(sitlog, "strike", "Idlib", "--by", "SAA")
    logged(sitlog, "strike", "Saraqib", "--by", "SAA", "--operator", "bob")
    first_cs, bobs_cs = changesets(db)
    unknown = sitlog("undo", "--yes", "01NOSUCH")
    assert unknown.exit_code == 4 and "no change set" in unknown.stderr
    not_mine = sitlog("undo", "--yes", bobs_cs["id"])
    assert not_mine.exit_code == 2 and "is bob's, not tester's" in not_mine.stderr
    run = sitlog("undo", "--yes", first_cs["id"][:20].lower())
    assert run.exit_code == 0, run.stderr
    assert [e["id"] for e in events(sitlog, "--all") if e["retracted"]] == [first["id"]]
    again = sitlog("undo", "--yes", first_cs["id"])
    assert again.exit_code == 3 and "already undone" in again.stderr


def test_undo_asks_on_a_terminal(env: dict[str, str], sitlog: Sitlog, casualty: dict[str, Any], db: Path) -> None:
    code, screen = run_on_terminal(env, "undo", answer="n\n")
    assert code == 0 and "Undo this? [y/N]" in screen and "nothing undone" in screen
    assert len(changesets(db)) == 1
    code, screen = run_on_terminal(env, "undo", answer="y\n")
    assert code == 0, screen
    assert "undone in change set" in screen
    assert events(sitlog) == []


def test_retracted_events_are_struck_through_on_a_terminal(
    env: dict[str, str], sitlog: Sitlog, casualty: dict[str, Any]
) -> None:
    other = logged(sitlog, "strike", "Idlib", "--by", "SAA", "--at", "2024-11-27T08:00")
    assert sitlog("retract", casualty["id"], "--reason", "dup").exit_code == 0
    code, screen = run_on_terminal(env, "events", "--all")
    assert code == 0, screen
    struck = [line for line in screen.splitlines() if re.search(r"\x1b\[[0-9;]*9m", line)]  # SGR 9: strike
    # Terminal tables show ids by their shortest unique prefix (issue 13), at least 8 characters.
    assert len(struck) == 1
    handle = re.sub(r"\x1b\[[0-9;]*m", "", struck[0]).split()[0]
    assert len(handle) >= 8 and casualty["id"].startswith(handle) and not other["id"].startswith(handle)


def test_undo_an_import_retracts_every_event_it_added(sitlog: Sitlog, actors: None, db: Path, tmp_path: Path) -> None:
    source = {"SITLOG_DB": str(tmp_path / "source.db")}
    # SAA comes with the bundled actor pack (issue 10): no `actors add`.
    for hour in range(10, 35):
        logged(
            sitlog, "strike", "Idlib", "--by", "SAA", "--at", f"2024-11-{hour // 24 + 26}T{hour % 24:02d}:00", **source
        )
    export = tmp_path / "strikes.jsonl"
    assert sitlog("export", "--format", "jsonl", "-o", str(export), **source).exit_code == 0
    assert sitlog("import", str(export)).exit_code == 0
    imported = events(sitlog)
    assert len(imported) == 25

    bob = sitlog("amend", imported[3]["id"], "--means", "drone", "--reason", "x", SITLOG_OPERATOR="bob")
    assert bob.exit_code == 0
    blocked = sitlog("undo", "--yes")
    assert blocked.exit_code == 3 and "amend by bob" in blocked.stderr
    assert sitlog("undo", "--yes", SITLOG_OPERATOR="bob").exit_code == 0

    run = sitlog("undo", "--yes")
    assert run.exit_code == 0, run.stderr
    assert "undone in change set" in run.stderr and "import by tester" in run.stderr
    assert "… and 5 more events" in run.stderr  # 20 lines shown, the rest counted
    assert events(sitlog) == [] and len(events(sitlog, "--all")) == 25
    assert sitlog("undo", "--yes").exit_code == 0  # and back again
    assert [e["id"] for e in events(sitlog)] == [e["id"] for e in imported]
