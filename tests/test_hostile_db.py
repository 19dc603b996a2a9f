"""Hostile database targets (issue 15): whatever ``--db`` names, every command ends with an exit code from
SPEC's list, one ``Error:`` line, nothing on stdout, and the target unchanged byte for byte. Also: reading a
database one may only read, schema safety (old and newer schemas, backups before migrating), page damage,
and private files under any umask."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from sitlog.store import SCHEMA_VERSION, Store
from tests.conftest import Ledger, Run
from tests.hostile import (
    clean_error,
    damage_page,
    downgrade_before_handles,
    entry,
    integrity,
    remount_ro,
    run_batch,
    run_cli,
    schema_rows,
    scratch_mount,
    snapshot,
    unprivileged_prefix,
)

Sitlog = Callable[..., Run]
Reliability = Callable[[str], Ledger]

pytestmark = pytest.mark.reliability

# Read commands never create, migrate or write a database; write commands may create a new one.
READS = [
    ["events"], ["events", "--json"], ["status"], ["history", "Aleppo"], ["summary", "--day", "2024-11-27"],
    ["diff", "--from", "2024-11-26"], ["show", "last"], ["export", "-f", "csv"], ["export"], ["check"],
    ["places", "list", "Zab"], ["actors", "list"], ["backup", "{out}/copy.db"],
]  # fmt: skip
WRITES = [
    ["log", "strike", "Ariha", "--by", "SAA"], ["places", "add", "Zabun", "--admin1", "Idlib"],
    ["actors", "add", "Sheikh Aqil"], ["import", "{out}/one.jsonl"], ["undo", "--yes"], ["migrate"],
]  # fmt: skip


def expand(args: list[str], out: Path) -> list[str]:
    return [a.replace("{out}", str(out)) for a in args]


@pytest.fixture
def out(tmp_path: Path, template_db: Path, sitlog: Sitlog) -> Path:
    """A folder beside the targets for backups and a one-event jsonl file to import."""
    folder = tmp_path / "out"
    folder.mkdir()
    source = tmp_path / "source.db"
    shutil.copyfile(template_db, source)
    assert sitlog("--db", str(source), "log", "strike", "Ariha", "--by", "SAA", "--at", "2024-11-27").exit_code == 0
    assert sitlog("--db", str(source), "export", "-o", str(folder / "one.jsonl")).exit_code == 0
    return folder


def current_db(template_db: Path, path: Path) -> Path:
    shutil.copyfile(template_db, path)
    path.chmod(0o600)
    return path


# --- every kind of target ---------------------------------------------------------------------------


def make_target(kind: str, folder: Path, template_db: Path) -> Path:
    """``folder/sitlog.db`` made into one hostile kind of thing."""
    path = folder / "sitlog.db"
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path, 0o600)
    elif kind == "device":
        try:
            os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # a twin of /dev/null
        except OSError as exc:
            pytest.fail(f"cannot make a device node here: {exc}")
    elif kind == "symlink loop":
        os.symlink(folder / "other.db", path)
        os.symlink(path, folder / "other.db")
    elif kind == "dangling symlink":
        os.symlink(folder / "elsewhere" / "gone.db", path)
    elif kind == "json file":
        path.write_text(json.dumps({"events": [{"place": "Zabun", "kind": "strike"}]}) + "\n")
    elif kind == "text file":
        path.write_text("id,name\n1,Ariha\n")
    elif kind == "truncated sqlite":
        current_db(template_db, path)
        with open(path, "r+b") as fh:
            fh.truncate(path.stat().st_size // 2)
    elif kind == "damaged header":
        path.write_bytes(b"SQLite format 3\x00" + bytes((i * 7 + 3) % 256 for i in range(4000)))
    elif kind == "foreign sqlite":
        with closing(sqlite3.connect(path)) as conn, conn:
            conn.execute("CREATE TABLE shopping (item TEXT)")
            conn.execute("INSERT INTO shopping VALUES ('bread')")
    elif kind == "another app's migrations":
        with closing(sqlite3.connect(path)) as conn, conn:
            conn.execute("CREATE TABLE _sqlite_migrations (migration_set TEXT, name TEXT, applied_at TEXT)")
            conn.execute("INSERT INTO _sqlite_migrations VALUES ('notes', 'm001_notes', '2024-01-01')")
            conn.execute("CREATE TABLE notes (body TEXT)")
    elif kind == "newer schema":
        current_db(template_db, path)
        with closing(sqlite3.connect(path)) as conn, conn:
            conn.execute(
                "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                "VALUES ('sitlog', 'm999_from_the_future', '2030-01-01')"
            )
    else:
        raise AssertionError(kind)
    return path


# Refused by every command, read or write, with this text in the one error line.
REFUSED = {
    "directory": "is a directory",
    "fifo": "named pipe",
    "device": "device",
    "symlink loop": "symbolic link",
    "dangling symlink": "symbolic link",
    "json file": "not a sitlog database",
    "text file": "not a sitlog database",
    "truncated sqlite": "damaged",
    "damaged header": "not a usable sitlog database",
    "foreign sqlite": "not a sitlog one",
    "another app's migrations": "not a sitlog one",
    "newer schema": "newer than this sitlog",
}


@pytest.mark.parametrize("kind", [k for k in REFUSED if k != "fifo"])
def test_every_command_refuses_a_hostile_target_and_leaves_it_alone(
    sitlog: Sitlog, reliability: Reliability, template_db: Path, tmp_path: Path, out: Path, kind: str
) -> None:
    ledger = reliability(f"--db names a {kind}: every command refuses it, target unchanged")
    folder = tmp_path / "t"
    folder.mkdir()
    target = make_target(kind, folder, template_db)
    before = snapshot(folder)
    for args in READS + WRITES:
        run = sitlog("--db", str(target), *expand(args, out))
        clean_error(run, 6)
        assert REFUSED[kind] in run.stderr, (args, run.stderr)
        unchanged = snapshot(folder) == before
        assert unchanged, (args, snapshot(folder), before)
        assert not (out / "copy.db").exists()
        ledger.trial(True)


def test_a_fifo_never_hangs_a_command(env: dict[str, str], reliability: Reliability, tmp_path: Path, out: Path) -> None:
    ledger = reliability("--db names a FIFO: commands end at once (exit 6), nothing written to it")
    folder = tmp_path / "t"
    folder.mkdir()
    fifo = make_target("fifo", folder, Path())
    before = snapshot(folder)
    for args in (["events"], ["status"], ["check"], ["log", "strike", "Ariha", "--by", "SAA"], ["migrate"]):
        run = run_cli(["--db", str(fifo), *args], env, timeout=30)
        clean_error(run, 6)
        assert "named pipe" in run.stderr
        assert snapshot(folder) == before
        ledger.trial(True)


def test_a_mistyped_path_creates_nothing_on_read(sitlog: Sitlog, reliability: Reliability, tmp_path: Path) -> None:
    ledger = reliability("--db mistyped: read commands create no file and no folder")
    before = snapshot(tmp_path)
    for args in READS + [["migrate"]]:
        run = sitlog("--db", str(tmp_path / "typo" / "ops" / "sitlog.db"), *expand(args, tmp_path))
        clean_error(run, 6)
        assert "no sitlog database at" in run.stderr
        assert snapshot(tmp_path) == before
        ledger.trial(True)


@pytest.mark.parametrize("kind", ["zero-byte file", "empty sqlite"])
def test_an_empty_file_is_refused_by_reads_and_initialised_by_a_write(
    sitlog: Sitlog, reliability: Reliability, tmp_path: Path, out: Path, kind: str
) -> None:
    ledger = reliability(f"--db names a {kind}: reads refuse it, a write initialises it and says so")
    folder = tmp_path / "t"
    folder.mkdir()
    target = folder / "sitlog.db"
    if kind == "zero-byte file":
        target.touch(mode=0o600)
    else:
        with closing(sqlite3.connect(target)) as conn:
            conn.execute("PRAGMA user_version = 1")  # a valid SQLite header, no tables
    before = snapshot(folder)
    for args in READS:
        run = sitlog("--db", str(target), *expand(args, out))
        clean_error(run, 6)
        assert "empty" in run.stderr and "sitlog log" in run.stderr, run.stderr
        assert snapshot(folder) == before
        ledger.trial(True)
    run = sitlog("--db", str(target), "log", "strike", "Ariha", "--by", "SAA", "--json")
    assert run.exit_code == 0, run.stderr
    assert f"initialised the empty file {target}" in run.stderr
    assert schema_rows(target)[-1].startswith(f"m{SCHEMA_VERSION:03d}")
    assert len(sitlog("--db", str(target), "events", "--json").json()) == 1
    ledger.trial(True)


# --- reading what one may only read ----------------------------------------------------------------------


@pytest.fixture
def filled(sitlog: Sitlog, actors: None, tmp_path: Path, template_db: Path) -> tuple[Path, dict[str, str]]:
    """A database with a few events in its own folder, and the output every read command gives on it."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = current_db(template_db, folder / "sitlog.db")
    for args in (["control", "Ariha", "--by", "HTS", "--at", "2024-11-27T06:00"],
                 ["strike", "Saraqib", "--by", "SAA", "--at", "2024-11-27T08:00", "--means", "air"],
                 ["casualties", "Aleppo", "--killed", "5-7", "--side", "civilians", "--at", "2024-11-27"]):  # fmt: skip
        assert sitlog("--db", str(path), "log", *args).exit_code == 0
    expected = {" ".join(args): sitlog("--db", str(path), *args).stdout for args in READ_ONLY_READS}
    return path, expected


READ_ONLY_READS = [
    ["events", "--json"], ["status", "--json"], ["history", "Ariha", "--json"], ["summary", "--day", "2024-11-27"],
    ["export"], ["export", "-f", "csv"], ["check"], ["places", "list", "Sarak"], ["actors", "list", "HTS"],
    ["show", "last", "--json"], ["diff", "--from", "2024-11-26"],
]  # fmt: skip


def _read_only_checks(
    path: Path, expected: dict[str, str], env: dict[str, str], prefix: list[str], ledger: Ledger, out: Path
) -> None:
    db_entry = entry(path)
    writes = [["--db", str(path), *expand(args, out)] for args in WRITES]
    reads = [["--db", str(path), *args] for args in READ_ONLY_READS]
    runs = run_batch([*reads, ["--db", str(path), "backup", str(out / "copy.db")], *writes], env, prefix)
    for args, run in zip(READ_ONLY_READS, runs, strict=False):
        assert run.exit_code == 0, (args, run.stderr)
        assert "Traceback" not in run.stderr
        assert run.stdout == expected[" ".join(args)], args
        ledger.trial(True)
    backup = runs[len(reads)]
    assert backup.exit_code == 0, backup.stderr
    assert integrity(out / "copy.db") == ["ok"]
    ledger.trial(True)
    for args, run in zip(WRITES, runs[len(reads) + 1 :], strict=True):
        if args == ["migrate"]:  # nothing to migrate: says so without asking to write
            assert run.exit_code == 0 and "already" in run.stderr, run.stderr
        else:
            clean_error(run, 6)
            assert "read-only" in run.stderr or "not writable" in run.stderr, run.stderr
        ledger.trial(True)
    assert entry(path) == db_entry


def test_reads_work_on_a_read_only_file(
    filled: tuple[Path, dict[str, str]], env: dict[str, str], reliability: Reliability, out: Path
) -> None:
    ledger = reliability("read-only database file: every read works, writes exit 6, file unchanged")
    path, expected = filled
    path.chmod(0o400)
    _read_only_checks(path, expected, env, unprivileged_prefix(), ledger, out)


def test_reads_work_in_a_read_only_folder(
    filled: tuple[Path, dict[str, str]], env: dict[str, str], reliability: Reliability, out: Path
) -> None:
    ledger = reliability("database in a read-only folder: every read works, writes exit 6, nothing created")
    path, expected = filled
    before = snapshot(path.parent)
    path.parent.chmod(0o500)
    try:
        _read_only_checks(path, expected, env, unprivileged_prefix(), ledger, out)
        assert snapshot(path.parent) == before  # no -wal, -shm or journal could be made, nor was one tried
    finally:
        path.parent.chmod(0o700)


def test_reads_work_on_a_read_only_mount(
    filled: tuple[Path, dict[str, str]], env: dict[str, str], reliability: Reliability, out: Path, tmp_path: Path
) -> None:
    ledger = reliability("database on a read-only mount: every read works, writes exit 6, nothing created")
    source, expected = filled
    with scratch_mount(tmp_path / "mnt") as mount:
        path = mount / "sitlog.db"
        shutil.copyfile(source, path)
        remount_ro(mount)
        before = snapshot(mount)
        _read_only_checks(path, expected, env, [], ledger, out)
        assert snapshot(mount) == before


def test_a_read_only_folder_with_a_pending_wal_is_refused_not_read_stale(
    sitlog: Sitlog, env: dict[str, str], reliability: Reliability, tmp_path: Path, template_db: Path
) -> None:
    ledger = reliability("read-only folder holding an unmerged -wal: reads refuse (exit 6) rather than read stale")
    live = current_db(template_db, tmp_path / "live.db")
    holder = sqlite3.connect(live, isolation_level=None)
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute("SELECT count(*) FROM places").fetchone()  # holds the WAL open: the write stays in it
    assert sitlog("--db", str(live), "actors", "add", "Sheikh Aqil").exit_code == 0
    folder = tmp_path / "copy"
    folder.mkdir()
    for suffix in ("", "-wal"):
        shutil.copyfile(f"{live}{suffix}", folder / f"sitlog.db{suffix}")
    holder.close()
    assert (folder / "sitlog.db-wal").stat().st_size > 0
    before = snapshot(folder)
    folder.chmod(0o500)
    try:
        run = run_cli(["--db", str(folder / "sitlog.db"), "actors", "list", "Sheikh"], env, unprivileged_prefix())
        clean_error(run, 6)
        assert "-wal" in run.stderr
        ledger.trial(True)
    finally:
        folder.chmod(0o700)
    assert snapshot(folder) == before


# --- schema safety --------------------------------------------------------------------------------------


@pytest.fixture
def old_db(sitlog: Sitlog, actors: None, tmp_path: Path, template_db: Path) -> tuple[Path, int, list[str]]:
    """A database made by the release before short handles, with two events: (path, its version, event ids)."""
    folder = tmp_path / "old"
    folder.mkdir()
    path = current_db(template_db, folder / "sitlog.db")
    ids = []
    for place in ("Ariha", "Saraqib"):
        run = sitlog("--db", str(path), "log", "strike", place, "--by", "SAA", "--at", "2024-11-27", "--json")
        ids.append(run.json()["id"])
    return path, downgrade_before_handles(path), ids


def test_a_read_never_migrates_an_old_schema(
    sitlog: Sitlog, reliability: Reliability, old_db: tuple[Path, int, list[str]], out: Path
) -> None:
    ledger = reliability("old schema: read commands refuse with a hint to migrate, file unchanged, no backup")
    path, version, _ = old_db
    before = snapshot(path.parent)
    for args in READS:
        if args[0] == "backup":
            continue  # backup copies any sitlog schema (below)
        run = sitlog("--db", str(path), *expand(args, out))
        clean_error(run, 6)
        assert f"schema {version}" in run.stderr and "sitlog migrate" in run.stderr, run.stderr
        assert snapshot(path.parent) == before
        ledger.trial(True)
    copied = sitlog("--db", str(path), "backup", str(out / "copy.db"))
    assert copied.exit_code == 0, copied.stderr
    assert schema_rows(out / "copy.db") == schema_rows(path) and snapshot(path.parent) == before
    ledger.trial(True)


def test_migrate_backs_up_first_then_migrates(
    sitlog: Sitlog, reliability: Reliability, old_db: tuple[Path, int, list[str]]
) -> None:
    ledger = reliability("old schema: `sitlog migrate` backs up (0600) through SQLite, then migrates; nothing lost")
    path, version, ids = old_db
    old_rows = schema_rows(path)
    run = sitlog("--db", str(path), "migrate")
    assert run.exit_code == 0, run.stderr
    backup = path.parent / f"sitlog.db.v{version}.bak"
    assert str(backup) in run.stderr and f"schema {version}" in run.stderr and f"{SCHEMA_VERSION}" in run.stderr
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert schema_rows(backup) == old_rows and integrity(backup) == ["ok"]
    with closing(sqlite3.connect(backup)) as conn:
        assert sorted(r[0] for r in conn.execute("SELECT DISTINCT event_id FROM revisions")) == sorted(ids)
    assert len(schema_rows(path)) == SCHEMA_VERSION
    listed = sitlog("--db", str(path), "events", "--json").json()
    assert sorted(e["id"] for e in listed) == sorted(ids) and all(e["handle"] for e in listed)
    again = sitlog("--db", str(path), "migrate")
    assert again.exit_code == 0 and "already" in again.stderr
    assert sorted(p.name for p in path.parent.iterdir() if ".bak" in p.name) == [backup.name]
    ledger.trial(True)


def test_a_write_command_migrates_after_a_backup_and_never_overwrites_one(
    sitlog: Sitlog, reliability: Reliability, old_db: tuple[Path, int, list[str]]
) -> None:
    ledger = reliability("old schema: a write command backs up then migrates; an older backup is never overwritten")
    path, version, ids = old_db
    stale = path.parent / f"sitlog.db.v{version}.bak"
    stale.write_bytes(b"an older backup the user keeps")
    run = sitlog("--db", str(path), "log", "strike", "Idlib", "--by", "SAA", "--json")
    assert run.exit_code == 0, run.stderr
    assert stale.read_bytes() == b"an older backup the user keeps"
    [made] = [p for p in path.parent.iterdir() if p.name.endswith(".bak") and p != stale]
    assert made.name.startswith(f"sitlog.db.v{version}") and str(made) in run.stderr
    assert schema_rows(made)[-1] < "m009" and integrity(made) == ["ok"]
    assert len(sitlog("--db", str(path), "events", "--json").json()) == len(ids) + 1
    ledger.trial(True)


def test_newer_schema_is_refused_by_migrate_too(
    sitlog: Sitlog, reliability: Reliability, template_db: Path, tmp_path: Path
) -> None:
    ledger = reliability("newer schema: migrate and writes refuse (exit 6), file unchanged")
    folder = tmp_path / "t"
    folder.mkdir()
    target = make_target("newer schema", folder, template_db)
    before = snapshot(folder)
    for args in (["migrate"], ["log", "strike", "Ariha", "--by", "SAA"], ["status"]):
        run = sitlog("--db", str(target), *args)
        clean_error(run, 6)
        assert "upgrade sitlog" in run.stderr
        assert snapshot(folder) == before
        ledger.trial(True)


# --- page damage -------------------------------------------------------------------------------------------


@pytest.fixture
def damaged(sitlog: Sitlog, actors: None, tmp_path: Path, template_db: Path) -> Path:
    """A database with events and one damaged leaf page in a name index that `log` does not read."""
    folder = tmp_path / "dmg"
    folder.mkdir()
    path = current_db(template_db, folder / "sitlog.db")
    for place in ("Ariha", "Saraqib", "Aleppo"):
        assert sitlog("--db", str(path), "log", "strike", place, "--by", "SAA", "--at", "2024-11-27").exit_code == 0
    damage_page(path, "place_names_skeleton")
    assert integrity(path) != ["ok"]
    return path


def test_check_reports_page_damage_and_how_to_recover(sitlog: Sitlog, reliability: Reliability, damaged: Path) -> None:
    ledger = reliability("one damaged index page: `check` exits 6 naming the damage and the way to recover")
    before = snapshot(damaged.parent)
    run = sitlog("--db", str(damaged), "check", "--json")
    assert run.exit_code == 6, run.stderr
    assert "Traceback" not in run.stderr and run.stderr.count("\n") == 1
    assert ".recover" in run.stderr and "sitlog backup" in run.stderr
    data = run.json()
    [integrity_result] = [c for c in data["checks"] if c["check"] == "integrity"]
    assert data["ok"] is False and integrity_result["ok"] is False and integrity_result["problems"]
    table = sitlog("--db", str(damaged), "check")
    assert table.exit_code == 6 and "PROBLEM" in table.stdout
    assert snapshot(damaged.parent) == before
    ledger.trial(True)


def test_writes_refuse_a_damaged_database_and_reads_never_write_to_it(
    sitlog: Sitlog, reliability: Reliability, damaged: Path, out: Path
) -> None:
    ledger = reliability("one damaged index page: every write refuses (exit 6), reads end 0 or 6, file unchanged")
    before = snapshot(damaged.parent)
    for args in WRITES:
        if args == ["migrate"]:
            continue  # at this schema already: migrate says so and writes nothing
        run = sitlog("--db", str(damaged), *expand(args, out))
        clean_error(run, 6)
        assert "damaged" in run.stderr and ".recover" in run.stderr, run.stderr
        assert snapshot(damaged.parent) == before
        ledger.trial(True)
    for args in READS:
        run = sitlog("--db", str(damaged), *expand(args, out))
        assert run.exit_code in (0, 4, 6), (args, run.stderr)
        assert "Traceback" not in run.stderr
        if run.exit_code == 6:
            assert run.stderr.startswith("Error: ") and "damaged" in run.stderr
        assert snapshot(damaged.parent) == before
        ledger.trial(True)


def test_damage_met_in_the_middle_of_a_command_is_a_clean_exit_6(
    sitlog: Sitlog, reliability: Reliability, damaged: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the size where writes skip the quick check, damage met while working still ends cleanly and
    writes nothing (the transaction is rolled back)."""
    import sitlog.store.opening as opening

    ledger = reliability("damage met mid-command (no quick check): exit 6, no traceback, nothing written")
    monkeypatch.setattr(opening, "QUICK_CHECK_MAX_BYTES", 0)
    damage_page(damaged, "place_names_key", "internal")  # every name lookup walks this index
    before = snapshot(damaged.parent)
    for args in (["log", "strike", "Ariha", "--by", "SAA"], ["history", "Ariha"], ["events", "--place", "Ariha"]):
        run = sitlog("--db", str(damaged), *args)
        clean_error(run, 6)
        assert "damaged" in run.stderr and ".recover" in run.stderr, run.stderr
        assert snapshot(damaged.parent) == before
        ledger.trial(True)


# --- private files --------------------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_database_wal_and_shm_are_private_under_umask_000(reliability: Reliability, tmp_path: Path) -> None:
    ledger = reliability("umask 000: a new database, its -wal and -shm are 0600")
    path = tmp_path / "new" / "sitlog.db"
    old = os.umask(0)
    try:
        store = Store(path)
        try:
            store.conn.execute("SELECT count(*) FROM places").fetchone()
            modes = {p.name: _mode(p) for p in path.parent.iterdir()}
        finally:
            store.close()
    finally:
        os.umask(old)
    assert modes == {"sitlog.db": 0o600, "sitlog.db-wal": 0o600, "sitlog.db-shm": 0o600}, modes
    ledger.trial(True)


def _umask0(env: dict[str, str], args: list[str]) -> Run:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "sitlog", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, preexec_fn=lambda: os.umask(0), timeout=120)  # fmt: skip
    return Run(proc.returncode, proc.stdout, proc.stderr)


def test_backups_and_exports_are_private_and_replacing_never_widens(
    env: dict[str, str], reliability: Reliability, tmp_path: Path, old_db: tuple[Path, int, list[str]]
) -> None:
    ledger = reliability("umask 000: backups, migration backups and exports are 0600; replacing keeps the mode")
    path, version, _ = old_db
    migrated = _umask0(env, ["--db", str(path), "migrate"])
    assert migrated.exit_code == 0, migrated.stderr
    assert _mode(path.parent / f"sitlog.db.v{version}.bak") == 0o600
    ledger.trial(True)
    copy = tmp_path / "copy.db"
    assert _umask0(env, ["--db", str(path), "backup", str(copy)]).exit_code == 0
    assert _mode(copy) == 0o600
    ledger.trial(True)
    for name in ("events.jsonl", "events.csv", "events.geojson"):
        target = tmp_path / name
        assert _umask0(env, ["--db", str(path), "export", "-o", str(target)]).exit_code == 0
        assert _mode(target) == 0o600, name
        target.chmod(0o640)  # the user shared it with the group: a new export keeps that, no more
        assert _umask0(env, ["--db", str(path), "export", "-o", str(target)]).exit_code == 0
        assert _mode(target) == 0o640, name
        target.chmod(0o600)
        assert _umask0(env, ["--db", str(path), "export", "-o", str(target)]).exit_code == 0
        assert _mode(target) == 0o600, name
        ledger.trial(True)
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name or p.name.startswith(".")]


def test_export_never_follows_a_planted_link(sitlog: Sitlog, reliability: Reliability, tmp_path: Path) -> None:
    ledger = reliability("export: links planted at the temporary or the target name are never followed")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    victim.chmod(0o644)
    out = tmp_path / "out"
    out.mkdir()
    # The name an export used to write through before renaming (in-process, so this pid).
    os.symlink(victim, out / f".events.jsonl.{os.getpid()}.partial")
    run = sitlog("export", "-o", str(out / "events.jsonl"))
    assert run.exit_code == 0, run.stderr
    assert victim.read_text() == "precious" and _mode(victim) == 0o644
    ledger.trial(True)
    os.symlink(victim, out / "linked.jsonl")
    run = sitlog("export", "-o", str(out / "linked.jsonl"))
    assert run.exit_code == 0, run.stderr
    assert victim.read_text() == "precious" and _mode(victim) == 0o644
    assert not (out / "linked.jsonl").is_symlink() and _mode(out / "linked.jsonl") == 0o600
    ledger.trial(True)


def test_backup_never_writes_through_a_planted_link(sitlog: Sitlog, reliability: Reliability, tmp_path: Path) -> None:
    ledger = reliability("backup: a link planted at the destination is refused, its target untouched")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for dest in (tmp_path / "to-victim.db", tmp_path / "dangling.db"):
        os.symlink(victim if "victim" in dest.name else tmp_path / "nowhere.db", dest)
        run = sitlog("backup", str(dest))
        clean_error(run, 3)
        assert victim.read_text() == "precious" and not (tmp_path / "nowhere.db").exists()
        ledger.trial(True)


def test_a_failed_export_leaves_the_old_file_whole(sitlog: Sitlog, reliability: Reliability, tmp_path: Path) -> None:
    ledger = reliability("export onto a full disk: exit 3, the previous export intact, no temporary left")
    with scratch_mount(tmp_path / "small", size="256k") as mount:
        target = mount / "events.jsonl"
        target.write_text('{"record": "sitlog"}\n')
        target.chmod(0o600)
        before = snapshot(mount)
        run = sitlog("export", "-o", str(target))  # places and actors alone are over a megabyte
        clean_error(run, 3)
        assert "cannot write" in run.stderr
        assert snapshot(mount) == before
        ledger.trial(True)


# --- the demo honours --db ----------------------------------------------------------------------------------


def test_demo_honours_the_global_db(sitlog: Sitlog, reliability: Reliability, tmp_path: Path) -> None:
    ledger = reliability("`sitlog --db X demo` loads into X")
    path = tmp_path / "demo.db"
    run = sitlog("--db", str(path), "demo", "--json")
    assert run.exit_code == 0, run.stderr
    assert f"kept in {path}" in run.stderr and _mode(path) == 0o600
    assert sitlog("--db", str(path), "check").exit_code == 0
    again = sitlog("--db", str(path), "demo")
    assert again.exit_code == 3 and "already exists" in again.stderr
    ledger.trial(True)


def _json(run: Run) -> Any:
    return json.loads(run.stdout)
