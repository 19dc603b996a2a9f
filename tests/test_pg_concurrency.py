"""Many writers and readers at once, SIGKILL during an import and a connection dropped mid-import, on PostgreSQL.

The PostgreSQL twins of tests/test_concurrency.py::test_eight_writers_and_two_readers_lose_nothing and
tests/test_crash.py::test_sigkill_during_a_100k_import_leaves_all_or_nothing, on the private server of
tests/pgserver.py: real processes, the real CLI, real kills.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import NOW, Ledger
from tests.pgserver import PgServer
from tests.test_concurrency import READER, WRITER
from tests.test_crash import SEED

Reliability = Callable[[str], Ledger]

ROOT = Path(__file__).resolve().parents[1]
IMPORT_EVENTS = 20_000


def pg_env(url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The CLI's environment for the PostgreSQL database ``url`` (never the user's config or session)."""
    return {**os.environ, "SITLOG_DB": url, "SITLOG_NOW": NOW, "SITLOG_TZ": "UTC", "SITLOG_OPERATOR": "tester",
            "COLUMNS": "200", "NO_COLOR": "1", "SITLOG_CONFIG": str(tmp_path / "config.toml"),
            "SITLOG_STATE_DIR": str(tmp_path / "state"), **extra}  # fmt: skip


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "sitlog", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def count(url: str, table: str = "events") -> int:
    """Rows in ``table``; 0 when a killed first write left no schema at all."""
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone() == (None,):
            return 0
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]


def others_gone(server: PgServer, database: str, within: float = 10.0) -> bool:
    """Wait until no backend but ours is connected to ``database`` (a killed client's transaction rolled back)."""
    deadline = time.monotonic() + within
    with server.connect() as conn:
        while True:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (database,)
            ).fetchone()
            if row == (0,):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)


def checked_clean(env: dict[str, str]) -> bool:
    run = subprocess.run([sys.executable, "-m", "sitlog", "check"], env=env, capture_output=True, text=True,
                         timeout=300)  # fmt: skip
    return run.returncode == 0 and "Traceback" not in run.stderr


# --- 16 writers and 2 readers --------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.reliability
def test_sixteen_writers_and_readers_lose_nothing_on_postgresql(
    pg_url: str, tmp_path: Path, reliability: Reliability
) -> None:
    writes = reliability("PostgreSQL: 16 processes × 200 `log` calls at once, 2 readers looping reports: all stored")
    reads = reliability("PostgreSQL: reports read while 16 processes log (status, events, summary): every run exit 0")
    writers_n, calls = 16, 200
    # Lock waits on a loaded two-core machine: generous, so that a wait is a wait and not an exit 5.
    env = pg_env(pg_url, tmp_path, SITLOG_BUSY_TIMEOUT="60")
    stop = tmp_path / "stop"
    spawn = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "text": True}
    # The writers race on creating the schema too (one of them creates it, the others wait for the lock).
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / f"acked{w}"), str(w), str(calls)], **spawn)
        for w in range(writers_n)
    ]
    # Readers of a database without the schema are refused (exit 6, rightly): they start once it is there.
    deadline = time.monotonic() + 120
    while count(pg_url, "sitlog_migrations") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    readers = [
        subprocess.Popen([sys.executable, "-c", READER, str(stop), str(tmp_path / f"reads{r}")], **spawn)
        for r in range(2)
    ]
    errors = [proc.communicate(timeout=1800)[1] for proc in writers]
    stop.touch()
    errors += [proc.communicate(timeout=120)[1] for proc in readers]
    assert all(proc.returncode == 0 for proc in writers + readers), [e[-500:] for e in errors]
    # (Warnings about likely duplicates are expected: every event is a strike at Ariha at the same time.)
    failures = [line for e in errors for line in e.splitlines() if "Traceback" in line or "Error" in line]
    assert not failures, failures[:10]
    with psycopg.connect(pg_url) as conn:
        stored = {r[0] for r in conn.execute("SELECT event_id FROM events")}
    acked = [line.split() for w in range(writers_n) for line in (tmp_path / f"acked{w}").read_text().splitlines()]
    assert len(acked) == writers_n * calls
    for code, event_id in acked:
        writes.trial(code == "0" and event_id in stored, lost=int(code == "0" and event_id not in stored))
    assert all(code == "0" for code, _ in acked), sorted({code for code, _ in acked})
    assert len(stored) == writers_n * calls
    codes = [line for r in range(2) for line in (tmp_path / f"reads{r}").read_text().split()]
    for code in codes:
        reads.trial(code == "0")
    assert codes and set(codes) == {"0"}
    assert checked_clean(env)


# --- SIGKILL during an import, a connection dropped ------------------------------------------------------------


@pytest.fixture(scope="module")
def import_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sitlog jsonl export of 20,000 events (bench/bench_import.py's layout)."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from bench_import import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    path = tmp_path_factory.mktemp("pgimport") / "events.jsonl"
    generate(path, IMPORT_EVENTS)
    return path


@pytest.fixture(scope="module")
def import_seconds(pg_server: PgServer, import_file: Path, tmp_path_factory: pytest.TempPathFactory) -> float:
    """The import run once to the end into a fresh database: the scale for the kill times."""
    database = pg_server.create_database()
    try:
        env = pg_env(pg_server.url(database), tmp_path_factory.mktemp("full"))
        started = time.monotonic()
        proc = start(["import", str(import_file)], env)
        _, err = proc.communicate(timeout=900)
        took = time.monotonic() - started
        assert proc.returncode == 0, err
        assert count(pg_server.url(database)) == IMPORT_EVENTS
        return took
    finally:
        pg_server.drop_database(database)


@pytest.fixture
def fresh_database(pg_server: PgServer) -> Iterator[Callable[[], str]]:
    """``fresh_database()`` → the name of a new empty database; all dropped after the test."""
    made: list[str] = []

    def make() -> str:
        made.append(pg_server.create_database())
        return made[-1]

    try:
        yield make
    finally:
        for name in made:
            pg_server.drop_database(name)


@pytest.mark.slow
@pytest.mark.reliability
def test_sigkill_during_an_import_on_postgresql_leaves_all_or_nothing(
    pg_server: PgServer,
    fresh_database: Callable[[], str],
    import_file: Path,
    import_seconds: float,
    tmp_path: Path,
    reliability: Reliability,
) -> None:
    ledger = reliability("PostgreSQL: SIGKILL at a random moment during an import of 20,000 events")
    rng = random.Random(SEED)
    trials = 6
    for trial in range(trials):
        database = fresh_database()
        url = pg_server.url(database)
        env = pg_env(url, tmp_path / f"t{trial}")
        # Spread over the whole import, the final commit included: trial k dies in the k-th sixth.
        moment = import_seconds * (trial + rng.random()) / trials * 1.05
        proc = start(["import", str(import_file)], env)
        time.sleep(moment)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        finished = proc.returncode == 0
        # The server rolls the killed client's transaction back once it sees the socket closed.
        settled = others_gone(pg_server, database)
        stored = count(url)
        whole = stored in (0, IMPORT_EVENTS) and (stored == IMPORT_EVENTS or not finished)
        ok = settled and whole and (stored == 0 or checked_clean(env))
        ledger.trial(ok, lost=IMPORT_EVENTS - stored if finished else 0)
        assert ok, (trial, round(moment, 2), proc.returncode, settled, stored)
        pg_server.drop_database(database)


@pytest.mark.slow
@pytest.mark.reliability
def test_a_connection_dropped_in_the_middle_of_an_import_is_exit_5_and_writes_nothing(
    pg_server: PgServer, pg_url: str, import_file: Path, tmp_path: Path, reliability: Reliability
) -> None:
    ledger = reliability("PostgreSQL: the server ends an import's connection (pg_terminate_backend): exit 5, no rows")
    database = str(psycopg.conninfo.conninfo_to_dict(pg_url)["dbname"])
    proc = start(["import", str(import_file)], pg_env(pg_url, tmp_path))
    terminated = False
    deadline = time.monotonic() + 120
    with pg_server.connect() as admin:
        while not terminated and proc.poll() is None and time.monotonic() < deadline:
            # The import's backend, inside its transaction for a while already (not at its start or its commit).
            row = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name = 'sitlog'"
                " AND xact_start < now() - interval '1 second'",
                (database,),
            ).fetchone()
            if row is not None:
                terminated = admin.execute("SELECT pg_terminate_backend(%s)", (row[0],)).fetchone() == (True,)
            else:
                time.sleep(0.05)
    out, err = proc.communicate(timeout=120)
    assert terminated, ("the import ended before its backend could be terminated", proc.returncode, err[-500:])
    # The first write to the empty database says it initialised it; the failure is then one line.
    lines = [line for line in err.strip().splitlines() if not line.startswith("initialised ")]
    password = pg_server.password
    ok = (
        proc.returncode == 5 and len(lines) == 1 and "Traceback" not in err
        and password not in out + err and others_gone(pg_server, database) and count(pg_url) == 0
    )  # fmt: skip
    ledger.trial(ok)
    assert proc.returncode == 5, err[-800:]
    assert len(lines) == 1 and "Traceback" not in err, err[-800:]
    assert password not in out + err
    assert others_gone(pg_server, database)
    assert count(pg_url) == 0


def test_sixteen_first_writers_of_an_empty_database_all_succeed(pg_url: str, tmp_path: Path) -> None:
    """The waiters behind the schema's creator see it once they hold the lock (they used to exit 6 with
    'function "julianday" already exists': their catalog lookup predated the creator's commit)."""
    env = pg_env(pg_url, tmp_path, SITLOG_BUSY_TIMEOUT="60")
    procs = [start(["log", "strike", "Ariha", "--by", "SAA", "--id", f"first{n}"], env) for n in range(16)]
    results = [(proc.communicate(timeout=300)[1], proc.returncode) for proc in procs]
    assert [code for _, code in results] == [0] * 16, [err.strip()[-300:] for err, code in results if code]
    assert count(pg_url) == 16
