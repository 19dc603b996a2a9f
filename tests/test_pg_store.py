"""The PostgreSQL store against a real server (tests/pgserver.py): the same answers as SQLite, the same errors.

The demo's bundle is loaded into an SQLite file and a PostgreSQL database, and every report is run on both:
the outputs must be identical, byte for byte. Write commands are run on both from empty logs, and the reports
compared with event ids masked (they are random). Then what can go wrong with a server: down, wrong
password, a URL with a typo, no privilege, another application's database, a newer schema.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import Run
from tests.pgserver import PgServer

NOW = "2024-11-27T21:00:00+03:00"
ZONE = "Asia/Damascus"

READS = [
    ["status", "--json"],
    ["status"],
    ["status", "--at", "2024-11-27T12:00", "--json"],
    ["status", "--known-at", "2024-11-27T15:00", "--json"],
    ["status", "--claims", "--json"],
    ["history", "Anjara", "--json"],
    ["history", "Kafr Basin, Aleppo", "--json"],
    ["history", "Kafr Naha, Aleppo"],
    ["summary", "--json"],
    ["summary", "--since", "2024-11-26", "--until", "2024-11-28"],
    ["events", "--json"],
    ["events", "--all", "--json"],
    ["events"],
    ["events", "--kind", "control", "--format", "csv"],
    ["events", "-n", "5", "--json"],
    ["events", "--known-at", "2024-11-27T10:00", "--json"],
    ["events", "--actor", "HTS", "--json"],
    ["events", "--tag", "ceasefire-line", "--json"],
    ["diff", "--from", "2024-11-27T06:00", "--to", "2024-11-27T20:00", "--json"],
    ["show", "100", "--revisions", "--json"],
    ["export"],
    ["export", "--format", "json"],
    ["export", "--format", "acled"],
    ["places", "list", "--json"],
    ["actors", "list", "--json"],
    ["check"],
]
_ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")


@pytest.fixture(scope="module")
def demo_pair(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The demo's bundle imported into a new SQLite file and a new PostgreSQL database."""
    tmp = tmp_path_factory.mktemp("pg-demo")
    base = {"SITLOG_NOW": NOW, "SITLOG_TZ": ZONE, "SITLOG_STATE_DIR": str(tmp / "state"),
            "SITLOG_CONFIG": str(tmp / "config.toml"), "NO_COLOR": "1", "COLUMNS": "200"}  # fmt: skip
    demo = tmp / "demo.db"
    assert _cli(base, "--db", str(demo), "demo").exit_code == 0
    bundle = tmp / "bundle.jsonl"
    assert _cli(base, "--db", str(demo), "export", "--output", str(bundle)).exit_code == 0
    name = pg_server.create_database()
    url = pg_server.url(name)
    sqlite = tmp / "copy.db"
    for target in (str(sqlite), url):
        done = _cli(base, "--db", target, "import", str(bundle))
        assert done.exit_code == 0, done.stderr
    try:
        yield sqlite, url
    finally:
        pg_server.drop_database(name)


def _cli(env: dict[str, str], *args: str, input: str | None = None, cwd: Path | None = None) -> Run:
    import os

    proc = subprocess.run([sys.executable, "-m", "sitlog", *args], capture_output=True, text=True, input=input,
                          env={**os.environ, **env}, timeout=300, cwd=cwd)  # fmt: skip
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def both(demo_pair: tuple[Path, str], tmp_path: Path) -> Callable[..., tuple[Run, Run]]:
    sqlite, url = demo_pair
    env = {"SITLOG_NOW": NOW, "SITLOG_TZ": ZONE, "NO_COLOR": "1", "COLUMNS": "200",
           "SITLOG_STATE_DIR": str(tmp_path / "state"), "SITLOG_CONFIG": str(tmp_path / "c.toml")}  # fmt: skip

    def run(*args: str) -> tuple[Run, Run]:
        return _cli(env, "--db", str(sqlite), *args), _cli(env, "--db", url, *args)

    return run


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a))
def test_every_report_reads_the_same_on_postgresql(both: Callable[..., tuple[Run, Run]], args: list[str]) -> None:
    on_sqlite, on_pg = both(*args)
    assert on_sqlite.exit_code == 0, on_sqlite.stderr
    if args[0] == "show":  # the revisions' change set is the import's, made anew in each database
        on_sqlite.stdout, on_pg.stdout = _ULID.sub("ID", on_sqlite.stdout), _ULID.sub("ID", on_pg.stdout)
    assert (on_pg.exit_code, on_pg.stdout) == (on_sqlite.exit_code, on_sqlite.stdout), on_pg.stderr
    assert on_sqlite.stdout.strip()


def test_a_read_command_leaves_the_database_as_it_was(demo_pair: tuple[Path, str]) -> None:
    _, url = demo_pair
    with psycopg.connect(url) as conn:
        before = conn.execute("SELECT count(*), max(seq) FROM revisions").fetchone()
        env = {"SITLOG_NOW": NOW, "SITLOG_TZ": ZONE}
        assert _cli(env, "--db", url, "status").exit_code == 0
        assert conn.execute("SELECT count(*), max(seq) FROM revisions").fetchone() == before


# --- writes: the same commands on both engines ----------------------------------------------------------------

WRITES = [
    ["log", "control", "Anadan", "--by", "SAA", "--status", "held", "--source", "r1", "--grade", "B2",
     "--at", "2024-11-27T08:00"],
    ["log", "control", "Anadan", "--by", "HTS", "--status", "held", "--from", "SAA", "--source", "r2",
     "--at", "2024-11-27T12:00"],
    ["log", "casualties", "Anadan", "--killed", "5-10", "--side", "SAA", "--source", "r4", "--at", "2024-11-27T10:00"],
    ["log", "displacement", "Anadan", "--people", "2000+", "--to", "Sarmada", "--at", "2024-11-27", "--source", "r7"],
    ["log", "control", "Kafr Naha, Aleppo", "--by", "HTS", "--status", "held", "--claimed-by", "HTS",
     "--at", "2024-11-27T14:00"],
    ["log", "control", "Kafr Basin, Aleppo", "--by", "HTS", "--status", "contested", "--against", "SAA",
     "--at", "2024-11-27"],
    ["amend", "last", "--note", "checked against a second report", "--reason", "second report"],
    ["retract", "last", "--reason", "duplicate"],
    ["undo", "--yes"],
    ["corroborate", "100", "--source", "r11", "--grade", "A1"],
    ["places", "add", "Tal Sultan Gharbi", "--admin1", "Idlib", "--lat", "35.8", "--lon", "36.9"],
    ["places", "merge", "Tal Sultan Gharbi", "Anadan"],
    ["undo", "--yes"],
]  # fmt: skip
AFTER = [["status", "--json"], ["status", "--known-at", "2024-11-27T13:00", "--json"], ["history", "Anadan", "--json"],
         ["summary", "--json"], ["events", "--all", "--json"], ["show", "100", "--revisions", "--json"],
         ["places", "list", "--json"], ["check"]]  # fmt: skip


def test_write_commands_do_the_same_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    env = {"SITLOG_NOW": NOW, "SITLOG_TZ": ZONE, "SITLOG_OPERATOR": "ana", "NO_COLOR": "1", "COLUMNS": "200",
           "SITLOG_STATE_DIR": str(tmp_path / "state"), "SITLOG_CONFIG": str(tmp_path / "c.toml")}  # fmt: skip
    sqlite = str(tmp_path / "s.db")
    for args in WRITES + AFTER:
        on_sqlite, on_pg = _cli(env, "--db", sqlite, *args), _cli(env, "--db", pg_url, *args)
        assert on_sqlite.exit_code == 0, (args, on_sqlite.stderr)
        assert on_pg.exit_code == 0, (args, on_pg.stderr)
        assert _ULID.sub("ID", on_pg.stdout) == _ULID.sub("ID", on_sqlite.stdout), args


def test_export_import_round_trip_through_postgresql(demo_pair: tuple[Path, str], tmp_path: Path) -> None:
    """SQLite → PostgreSQL (the fixture) → a new SQLite file: the same bundle, revision for revision."""
    sqlite, url = demo_pair
    env = {"SITLOG_NOW": NOW, "SITLOG_TZ": ZONE}
    original = _cli(env, "--db", str(sqlite), "export").stdout
    from_pg = _cli(env, "--db", url, "export").stdout
    assert from_pg == original
    back = tmp_path / "back.db"
    assert _cli(env, "--db", str(back), "import", "-", input=from_pg).exit_code == 0
    assert _cli(env, "--db", str(back), "export").stdout == original
    assert sum(1 for line in original.splitlines() if '"record": "revision"' in line) >= 37


# --- what can go wrong with a server ---------------------------------------------------------------------------


def _run_env(tmp_path: Path) -> dict[str, str]:
    return {"SITLOG_NOW": NOW, "SITLOG_TZ": ZONE, "SITLOG_STATE_DIR": str(tmp_path / "state"),
            "SITLOG_CONFIG": str(tmp_path / "c.toml"), "SITLOG_BUSY_TIMEOUT": "2"}  # fmt: skip


def _one_line(run: Run) -> str:
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr
    return lines[0]


def test_a_server_that_is_down_is_exit_5_without_the_password(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    url = f"postgresql://ana:s3cret-pw@127.0.0.1:{port}/log"
    for args in (["status"], ["log", "control", "Anadan", "--by", "SAA", "--status", "held"]):
        run = _cli(_run_env(tmp_path), "--db", url, *args, cwd=tmp_path)
        assert run.exit_code == 5
        line = _one_line(run)
        assert "s3cret-pw" not in run.stderr + run.stdout
        assert "ana:***@127.0.0.1" in line
    assert [p.name for p in tmp_path.iterdir() if p.name != "state"] == []  # no file made for the URL


def test_a_wrong_password_is_exit_6_and_never_printed(pg_url: str, tmp_path: Path) -> None:
    wrong = re.sub(r":[^:@/]+@", ":not-the-Password@", pg_url, count=1)
    run = _cli(_run_env(tmp_path), "--db", wrong, "status")
    assert run.exit_code == 6
    assert "password" in _one_line(run)
    assert "not-the-Password" not in run.stderr + run.stdout


def test_a_database_that_does_not_exist_is_exit_6(pg_url: str, tmp_path: Path) -> None:
    missing = pg_url.rsplit("/", 1)[0] + "/no_such_log"
    run = _cli(_run_env(tmp_path), "--db", missing, "log", "control", "Anadan", "--by", "SAA", "--status", "held")
    assert run.exit_code == 6
    assert "does not exist" in _one_line(run)


@pytest.mark.parametrize(
    "url",
    [
        "postgresq://u@127.0.0.1/db",
        "postgresql:/127.0.0.1/db",
        "mysql://u@h/db",
        "file:///tmp/x.db",
        "postgresql://u:pw-secret@[::1/db",
        "postgresql://u:pw-secret@127.0.0.1:port/db",
    ],  # fmt: skip
)
def test_a_url_with_a_typo_is_never_taken_for_a_file(url: str, tmp_path: Path) -> None:
    import os

    args = ["--db", url, "log", "control", "Anadan", "--by", "SAA", "--status", "held"]
    run = subprocess.run([sys.executable, "-m", "sitlog", *args], capture_output=True, text=True, cwd=tmp_path,
                         env={**os.environ, **_run_env(tmp_path)}, timeout=60)  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert "postgresql://" in run.stderr
    assert "Traceback" not in run.stderr
    assert "pw-secret" not in run.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name != "state"] == []


def test_no_right_to_create_the_schema_is_exit_6_and_reads_say_it_is_missing(
    pg_url: str, make_role: Callable[..., str], tmp_path: Path
) -> None:
    url = make_role("visitor", "visitor-pw")  # CONNECT only: no CREATE on schema public (PostgreSQL 15+)
    write = _cli(_run_env(tmp_path), "--db", url, "log", "control", "Anadan", "--by", "SAA", "--status", "held")
    assert write.exit_code == 6
    assert "permission denied" in _one_line(write)
    assert "visitor-pw" not in write.stderr
    read = _cli(_run_env(tmp_path), "--db", url, "status")
    assert read.exit_code == 6
    assert "no sitlog schema" in _one_line(read)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('places')").fetchone() == (None,)  # nothing half-made


def test_analysts_read_and_operators_write_with_least_privilege(
    demo_pair: tuple[Path, str], make_role: Callable[..., str], pg_server: PgServer, tmp_path: Path
) -> None:
    """The roles of docs/team.md: an analyst may read every report and write nothing."""
    _, url = demo_pair
    database = url.rsplit("/", 1)[1]
    analyst = make_role("analyst_t", "analyst-pw", database=database, grants=[
        "GRANT USAGE ON SCHEMA public TO {role}", "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"])  # fmt: skip
    env = _run_env(tmp_path)
    assert _cli(env, "--db", analyst, "status", "--json").exit_code == 0
    denied = _cli(env, "--db", analyst, "log", "control", "Anadan", "--by", "SAA", "--status", "held")
    assert denied.exit_code == 6
    assert "permission denied" in _one_line(denied)


def test_another_applications_database_is_refused(pg_url: str, tmp_path: Path) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE places (id int)")
    run = _cli(_run_env(tmp_path), "--db", pg_url, "log", "control", "Anadan", "--by", "SAA", "--status", "held")
    assert run.exit_code == 6
    assert "not a sitlog database" in _one_line(run)


def test_a_newer_schema_is_refused(pg_url: str, tmp_path: Path) -> None:
    env = _run_env(tmp_path)
    assert _cli(env, "--db", pg_url, "log", "control", "Anadan", "--by", "SAA", "--status", "held").exit_code == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO sitlog_migrations VALUES ('m999_future', 'now')")
    for args in (["status"], ["log", "control", "Anadan", "--by", "HTS", "--status", "captured"]):
        run = _cli(env, "--db", pg_url, *args)
        assert run.exit_code == 6
        assert "newer than this sitlog" in _one_line(run)


def test_an_import_is_all_or_nothing_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    env = _run_env(tmp_path)
    good = json.dumps({"record": "event", "kind": "control", "place": "Anadan", "actors": ["SAA"], "status": "held",
                       "at": "2024-11-27T08:00:00Z", "source": "r"})  # fmt: skip
    bad = tmp_path / "bad.jsonl"
    bad.write_text(good + "\n" + good.replace('"held"', '"sort of held"') + "\n")
    assert _cli(env, "--db", pg_url, "log", "control", "Anadan", "--by", "SAA", "--status", "held").exit_code == 0
    run = _cli(env, "--db", pg_url, "import", str(bad))
    assert run.exit_code == 3, run.stderr
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM revisions").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM changesets").fetchone() == (1,)


def test_the_schema_is_created_once_by_concurrent_first_writers(pg_url: str, tmp_path: Path) -> None:
    import os

    env = {**os.environ, **_run_env(tmp_path), "SITLOG_BUSY_TIMEOUT": "30"}
    procs = [subprocess.Popen([sys.executable, "-m", "sitlog", "--db", pg_url, "log", "control", "Anadan", "--by",
                               "SAA", "--status", "held", "--source", f"w{i}"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(4)]  # fmt: skip
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert [code for code, _ in results] == [0, 0, 0, 0], results
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (4,)
        assert conn.execute("SELECT count(*) FROM sitlog_migrations").fetchone()[0] >= 10


# The fingerprint of the server code at each FUNCTIONS_VERSION: change FUNCTIONS or TRIGGERS, bump the version.
FUNCTIONS_FINGERPRINTS = {1: "f479152fb0d3d413"}


def test_the_server_functions_version_is_bumped_with_their_text() -> None:
    import hashlib

    from sitlog.store.pg import schema

    text = (schema.FUNCTIONS + schema.TRIGGERS).encode()
    assert FUNCTIONS_FINGERPRINTS.get(schema.FUNCTIONS_VERSION) == hashlib.sha256(text).hexdigest()[:16], (
        "FUNCTIONS or TRIGGERS changed: bump FUNCTIONS_VERSION so that existing databases get the new code"
    )


def test_older_server_functions_are_refused_by_reads_and_replaced_by_migrate(pg_url: str, tmp_path: Path) -> None:
    env = _run_env(tmp_path)
    assert _cli(env, "--db", pg_url, "log", "control", "Anadan", "--by", "HTS", "--status", "held").exit_code == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:  # a database made before json_tree existed
        conn.execute("DROP FUNCTION json_tree(text)")
        conn.execute("DROP TABLE sitlog_meta")
    read = _cli(env, "--db", pg_url, "events", "--actor", "HTS")
    assert read.exit_code == 6
    assert "sitlog migrate" in _one_line(read)
    migrate = _cli(env, "--db", pg_url, "migrate")
    assert migrate.exit_code == 0
    assert "up to date" in migrate.stderr
    listed = _cli(env, "--db", pg_url, "events", "--actor", "HTS", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert [e["place"] for e in listed.json()] == ["Anadan"]
    again = _cli(env, "--db", pg_url, "migrate")
    assert again.exit_code == 0 and "nothing to migrate" in again.stderr


def test_serve_publishes_a_snapshot_of_a_postgresql_log(demo_pair: tuple[Path, str], tmp_path: Path) -> None:
    """Datasette reads SQLite: `serve` on a server's log publishes a private snapshot of it, and never writes."""
    import os

    from tests.test_serve import Server

    sqlite, url = demo_pair
    env = {**os.environ, "SITLOG_TZ": ZONE, "NO_COLOR": "1", "SITLOG_DB": url, "TMPDIR": str(tmp_path),
           "SITLOG_STATE_DIR": str(tmp_path / "state"), "SITLOG_CONFIG": str(tmp_path / "c.toml")}  # fmt: skip
    env.pop("SITLOG_NOW", None)
    with psycopg.connect(url) as conn:
        before = conn.execute("SELECT count(*), max(seq), (SELECT count(*) FROM changesets) FROM revisions").fetchone()
    server = Server(env)
    try:
        published = server.json("/sitlog/status")
        assert list(tmp_path.glob("sitlog-serve-*/snapshot.db"))  # the snapshot, in a private folder
    finally:
        assert server.stop() == 130
    status = _cli({"SITLOG_TZ": ZONE}, "--db", str(sqlite), "status", "--json").json()
    # The same places, each with the same holder (or none, contested), as `sitlog status` on SQLite.
    assert sorted((p["place"], p["holder"]) for p in published) == sorted((s["place"], s["holder"]) for s in status)
    assert "snapshot" in (server.proc.stderr.read() if server.proc.stderr else "")
    assert not list(tmp_path.glob("sitlog-serve-*"))  # removed at the end
    with psycopg.connect(url) as conn:
        after = conn.execute("SELECT count(*), max(seq), (SELECT count(*) FROM changesets) FROM revisions").fetchone()
    assert after == before


def test_a_bad_connection_option_is_exit_6_and_config_masks_the_password(pg_url: str, tmp_path: Path) -> None:
    env = _run_env(tmp_path)
    bad = _cli(env, "--db", pg_url + "?sslmode=bogus", "status")
    assert bad.exit_code == 6  # retrying cannot help
    assert "sslmode" in _one_line(bad)
    password = re.search(r":([^:@/]+)@", pg_url)
    assert password is not None
    shown = _cli(env, "--db", pg_url, "config", "--json")
    assert shown.exit_code == 0
    assert password.group(1) not in shown.stdout + shown.stderr
    db = [row for row in shown.json()["settings"] if row["key"] == "db"]
    assert db[0]["value"] == re.sub(r":[^:@/]+@", ":***@", pg_url, count=1)


def test_backup_of_a_postgresql_log_is_a_bundle_that_restores_it(demo_pair: tuple[Path, str], tmp_path: Path) -> None:
    _, url = demo_pair
    env = _run_env(tmp_path)
    dest = tmp_path / "log.jsonl"
    made = _cli(env, "--db", url, "backup", str(dest))
    assert made.exit_code == 0, made.stderr
    assert "pg_dump" in made.stderr
    assert dest.stat().st_mode & 0o777 == 0o600
    again = _cli(env, "--db", url, "backup", str(dest))
    assert again.exit_code == 3
    assert "never overwrites" in _one_line(again)
    restored = tmp_path / "restored.db"
    assert _cli(env, "--db", str(restored), "import", str(dest)).exit_code == 0
    assert _cli(env, "--db", str(restored), "export").stdout == _cli(env, "--db", url, "export").stdout
    missing = _cli(env, "--db", url, "backup", str(tmp_path / "no" / "such" / "dir.jsonl"))
    assert missing.exit_code == 3
    assert not (tmp_path / "no").exists()
