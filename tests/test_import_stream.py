"""``sitlog import`` into a log with no events yet: indexes built after the rows, all or nothing still.

Into an empty log the bulk path drops the secondary indexes of ``revisions`` and ``events`` and builds
them again before the one transaction commits. A rejected row or ``--dry-run`` rolls everything back,
the indexes included; a completed import leaves exactly the schema a new database has, and a log that
reads back as it was exported.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Run
from tests.test_roundtrip import log_scenario, ok


def schema(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute("SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index'"))
    finally:
        conn.close()


def counts(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT (SELECT count(*) FROM revisions), (SELECT count(*) FROM events)").fetchone()
    finally:
        conn.close()


def test_an_import_into_an_empty_log_keeps_the_schema(
    sitlog: Callable[..., Run], tmp_path: Path, db: Path, template_db: Path
) -> None:
    log_scenario(sitlog)
    exported = tmp_path / "all.jsonl"
    ok(sitlog("export", "-o", str(exported)))
    fresh = tmp_path / "fresh.db"
    fresh.write_bytes(template_db.read_bytes())
    before = schema(fresh)
    assert any(name == "events_time" for name, _ in before)
    ok(sitlog("import", str(exported), "--dry-run", SITLOG_DB=str(fresh)))
    assert schema(fresh) == before and counts(fresh) == (0, 0)
    lines = exported.read_text("utf-8").splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([*lines, '{"record": "revision", "id": "x"}']) + "\n", "utf-8")
    run = sitlog("import", str(broken), SITLOG_DB=str(fresh))
    assert run.exit_code == 3 and "nothing was imported" in run.stderr
    assert schema(fresh) == before and counts(fresh) == (0, 0)
    ok(sitlog("import", str(exported), SITLOG_DB=str(fresh)))
    assert schema(fresh) == before and counts(fresh) == counts(db)
    ok(sitlog("check", SITLOG_DB=str(fresh)))
    again = tmp_path / "again.jsonl"
    ok(sitlog("export", "-o", str(again), SITLOG_DB=str(fresh)))
    assert again.read_text("utf-8").splitlines()[1:] == lines[1:]  # all but the header's export time


def test_an_import_into_a_log_with_events_leaves_its_indexes(
    sitlog: Callable[..., Run], tmp_path: Path, db: Path
) -> None:
    log_scenario(sitlog)
    before = schema(db)
    exported = tmp_path / "all.jsonl"
    ok(sitlog("export", "-o", str(exported)))
    assert "0 added" in ok(sitlog("import", str(exported))).stderr
    assert schema(db) == before


def test_a_window_date_must_be_written_yyyy_mm_dd(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    """``2024-W48-3`` parses as a date in Python but would sit in the store as text no SQL compares right."""
    log_scenario(sitlog)
    exported = tmp_path / "all.jsonl"
    ok(sitlog("export", "-o", str(exported)))
    lines = exported.read_text("utf-8").splitlines()
    window = next(i for i, line in enumerate(lines) if '"precision": "week"' in line)
    day = lines[window].split('"at": "', 1)[1][:10]
    lines[window] = lines[window].replace(f'"at": "{day}"', '"at": "2024-W48-1"')
    odd = tmp_path / "odd.jsonl"
    odd.write_text("\n".join(lines) + "\n", "utf-8")
    run = sitlog("import", str(odd), "--dry-run")
    assert run.exit_code == 3 and "must be a date YYYY-MM-DD" in run.stderr and f"line {window + 1}" in run.stderr
