"""Errors and storage: exit codes from SPEC.md, one `Error:` line, no traceback, files left untouched."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sitlog.cli.common import app
from tests.conftest import Run
from tests.hostile import run_cli, unprivileged_prefix

# These tests are about creating and refusing database files: each starts from no file.
pytestmark = pytest.mark.fresh_db


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _clean_error(run: Run, code: int, text: str) -> None:
    assert run.exit_code == code, (run.exit_code, run.stderr)
    assert run.stderr.startswith("Error: ") and text in run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert run.stdout == ""


# --- missing or contradictory options ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["log", "control", "Ariha"], "a control event needs --by ACTOR"),
        (["log", "strike", "Ariha", "--means", "air"], "a strike event needs --by ACTOR"),
        (["log", "clash", "Ariha"], "a clash needs at least two different --actor"),
        (["log", "clash", "Ariha", "--actor", "HTS"], "a clash needs at least two different --actor"),
    ],
)
def test_missing_actors_in_a_real_process(sitlog_proc: Callable[..., Run], args: list[str], text: str) -> None:
    _clean_error(sitlog_proc(*args), 3, text)


def test_unknown_command_and_option_are_usage_errors(sitlog: Callable[..., Run]) -> None:
    assert sitlog("log", "riot", "Ariha").exit_code == 2
    assert sitlog("log", "strike", "Ariha", "--by", "SAA", "--colour", "red").exit_code == 2
    assert sitlog("log", "strike").exit_code == 2  # PLACE missing


def test_bad_busy_timeout_is_a_usage_error(sitlog: Callable[..., Run]) -> None:
    _clean_error(sitlog("actors", "add", "SAA", SITLOG_BUSY_TIMEOUT="soon"), 2, "SITLOG_BUSY_TIMEOUT must be a number")
    _clean_error(sitlog("actors", "add", "SAA", SITLOG_BUSY_TIMEOUT="-1"), 2, "SITLOG_BUSY_TIMEOUT must be between")


# --- the database file --------------------------------------------------------------------------------


def test_new_database_is_private_and_in_wal_mode(sitlog: Callable[..., Run], db: Path) -> None:
    assert not db.exists()
    assert sitlog("actors", "add", "Liwa al-Baqir").exit_code == 0  # not SAA: the actor pack has it
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_missing_parent_directories_are_created(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    path = tmp_path / "ops" / "aleppo" / "sitlog.db"
    # A write command creates the file and its folders (a read command refuses a missing database).
    assert sitlog("--db", str(path), "actors", "add", "Liwa al-Quds").exit_code == 0  # not in the bundled pack
    assert path.is_file()


def test_db_that_is_a_directory_is_exit_6(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    _clean_error(sitlog("--db", str(tmp_path), "events"), 6, "is a directory")


def test_db_under_a_regular_file_is_exit_6(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    _clean_error(sitlog("--db", str(blocker / "sitlog.db"), "log", "strike", "Ariha", "--by", "x"), 6, "cannot create")
    assert blocker.read_text() == "not a folder"


def test_db_without_write_permission_is_exit_6(sitlog: Callable[..., Run], db: Path, env: dict[str, str]) -> None:
    """As root too: the write runs without the capabilities that let root write through mode bits."""
    assert sitlog("actors", "add", "Liwa al-Baqir").exit_code == 0  # not SAA: the actor pack has it
    before = db.read_bytes()
    db.chmod(0o400)
    try:
        run = run_cli(["log", "strike", "Ariha", "--by", "SAA"], env, prefix=unprivileged_prefix())
        _clean_error(run, 6, "permission denied")
    finally:
        db.chmod(0o600)
    assert db.read_bytes() == before


def test_db_in_a_read_only_directory_is_exit_6(tmp_path: Path, env: dict[str, str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        run = run_cli(["--db", str(locked / "sitlog.db"), "actors", "add", "SAA"], env, prefix=unprivileged_prefix())
        _clean_error(run, 6, "cannot create")
    finally:
        locked.chmod(0o700)
    assert list(locked.iterdir()) == []


@pytest.mark.parametrize(
    "content",
    [b"id,name\n1,Ariha\n", b"\x00" * 4096, "بيانات".encode(), b"SQLite format 2\x00" + b"\x00" * 100],
)
def test_non_sqlite_file_is_exit_6_and_untouched(sitlog: Callable[..., Run], db: Path, content: bytes) -> None:
    db.write_bytes(content)
    _clean_error(sitlog("log", "strike", "Ariha", "--by", "SAA"), 6, "not a sitlog database")
    assert db.read_bytes() == content
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]  # no -wal/-shm left beside it


def test_corrupt_sqlite_file_is_exit_6(sitlog: Callable[..., Run], db: Path) -> None:
    content = b"SQLite format 3\x00" + os.urandom(2000)
    db.write_bytes(content)
    _clean_error(sitlog("events"), 6, "not a usable sitlog database")
    assert db.read_bytes() == content


def test_foreign_sqlite_database_is_exit_6_and_untouched(sitlog: Callable[..., Run], db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE shopping (item TEXT)")
        conn.execute("INSERT INTO shopping VALUES ('bread')")
    conn.close()
    before = _digest(db)
    _clean_error(sitlog("log", "strike", "Ariha", "--by", "SAA"), 6, "an SQLite database but not a sitlog one")
    assert _digest(db) == before  # not even switched to WAL


def test_newer_schema_is_exit_6_and_untouched(sitlog: Callable[..., Run], db: Path) -> None:
    assert sitlog("actors", "add", "Liwa al-Baqir").exit_code == 0  # not SAA: the actor pack has it
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('sitlog', 'm999_from_the_future', '2030-01-01')"
        )
    conn.close()
    before = _digest(db)
    _clean_error(sitlog("log", "strike", "Ariha", "--by", "SAA"), 6, "newer than this sitlog")
    assert _digest(db) == before


# --- a busy database --------------------------------------------------------------------------------


@pytest.fixture
def write_locked(sitlog: Callable[..., Run], db: Path) -> Iterator[None]:
    """Another process holding the write lock (BEGIN IMMEDIATE) until the test ends."""
    assert sitlog("actors", "add", "Liwa al-Baqir").exit_code == 0  # not SAA: the actor pack has it
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys\n"
         "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "conn.execute('BEGIN IMMEDIATE')\n"
         "print('locked', flush=True)\n"
         "sys.stdin.read()\n"
         "conn.execute('ROLLBACK')\n",
         str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    try:
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


@pytest.mark.slow
def test_busy_database_is_exit_5_and_nothing_written(
    sitlog: Callable[..., Run], sitlog_proc: Callable[..., Run], write_locked: None
) -> None:
    run = sitlog_proc("log", "strike", "Ariha", "--by", "SAA", SITLOG_BUSY_TIMEOUT="0.2")
    _clean_error(run, 5, "is busy")
    in_process = sitlog("log", "strike", "Ariha", "--by", "SAA", SITLOG_BUSY_TIMEOUT="0.2")
    _clean_error(in_process, 5, "try again")
    # Readers are not blocked by a writer in WAL mode.
    assert sitlog("events", "--json", SITLOG_BUSY_TIMEOUT="0.2").json() == []


def test_after_the_lock_is_released_the_retry_succeeds(sitlog: Callable[..., Run], db: Path) -> None:
    assert sitlog("actors", "add", "Liwa al-Baqir").exit_code == 0  # not SAA: the actor pack has it
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    assert sitlog("log", "strike", "Ariha", "--by", "SAA", "--id", "r1", SITLOG_BUSY_TIMEOUT="0").exit_code == 5
    conn.execute("ROLLBACK")
    conn.close()
    assert sitlog("log", "strike", "Ariha", "--by", "SAA", "--id", "r1").exit_code == 0
    assert len(sitlog("events", "--json").json()) == 1


# --- tracebacks ---------------------------------------------------------------------------------------


def test_tracebacks_never_show_locals() -> None:
    assert app.pretty_exceptions_show_locals is False
    for group in app.registered_groups:
        assert group.typer_instance is not None
        assert group.typer_instance.pretty_exceptions_show_locals is False


def test_version_in_a_real_process(sitlog_proc: Callable[..., Run]) -> None:
    import re

    from sitlog import __version__
    from sitlog.store import SCHEMA_VERSION

    run = sitlog_proc("--version")
    assert run.exit_code == 0
    assert run.stdout == f"sitlog {__version__} (schema {SCHEMA_VERSION}, SQLite {sqlite3.sqlite_version})\n"
    assert re.fullmatch(r"sitlog \S+ \(schema \d+, SQLite \d+\.\d+\.\d+\)\n", run.stdout)
