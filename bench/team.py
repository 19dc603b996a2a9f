"""Benchmark: a team logging at once. 16 concurrent CLI writer processes × N `sitlog log` calls each, against
(a) an SQLite file and (b) a PostgreSQL database, and the ratio PostgreSQL / SQLite.

    .venv/bin/python bench/team.py [--writers 16] [--calls 50]

Each writer is one Python process running ``sitlog log`` N times through the CLI (each call a whole command:
its own store, its own connection, its own transaction), as the team would. The processes import sitlog first,
then wait at a barrier; the clock runs from the barrier's release to the last writer's exit. Both databases
are created (schema, place pack) by one untimed ``log`` before the run. For PostgreSQL the script starts a
private server of its own (tests/pgserver.py's ``start_server``: a temporary cluster on 127.0.0.1, fsync off)
and stops and removes it at the end. Every call must exit 0 and every event must be stored, or the run fails.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pgserver import start_server  # noqa: E402  (plain code: initdb + pg_ctl of a private cluster)

# Imports sitlog, says it is ready, waits for the barrier, then logs `count` events; one line per call: code, id.
WRITER = """
import os, sys, time
import typer
from sitlog.cli import app
command = typer.main.get_command(app)
barrier, ready, acked, worker, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
open(ready, "w").close()
while not os.path.exists(barrier):
    time.sleep(0.002)
with open(acked, "w", encoding="utf-8") as out:
    for n in range(count):
        event_id = f"w{worker}-{n}"
        args = ["log", "strike", "Ariha", "--by", "SAA", "--id", event_id, "--operator", f"op{worker}"]
        try:
            code = command.main(args, prog_name="sitlog", standalone_mode=False) or 0
        except SystemExit as exc:
            code = exc.code
        out.write(f"{code} {event_id}\\n")
"""


def cli_env(db: str, work: Path) -> dict[str, str]:
    return {**os.environ, "SITLOG_DB": db, "SITLOG_TZ": "UTC", "SITLOG_OPERATOR": "bench", "NO_COLOR": "1",
            "SITLOG_BUSY_TIMEOUT": "120", "SITLOG_CONFIG": str(work / "config.toml"),
            "SITLOG_STATE_DIR": str(work / "state")}  # fmt: skip


def run_team(db: str, work: Path, writers: int, calls: int) -> float:
    """Seconds for ``writers`` processes × ``calls`` logs against ``db`` (a path or a postgresql:// URL)."""
    work.mkdir(parents=True)
    env = cli_env(db, work)
    first = subprocess.run([sys.executable, "-m", "sitlog", "log", "strike", "Ariha", "--by", "SAA", "--id", "seed"],
                           env=env, capture_output=True, text=True)  # fmt: skip
    if first.returncode != 0:
        raise SystemExit(f"creating the database failed: {first.stderr.strip()}")
    barrier = work / "go"
    procs = []
    for w in range(writers):
        args = [str(barrier), str(work / f"ready{w}"), str(work / f"acked{w}"), str(w), str(calls)]
        procs.append(subprocess.Popen([sys.executable, "-c", WRITER, *args], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True))  # fmt: skip
    while not all((work / f"ready{w}").exists() for w in range(writers)):
        if any(p.poll() is not None for p in procs):
            raise SystemExit("a writer died before the start: " + "".join(p.communicate()[1] for p in procs)[-2000:])
        time.sleep(0.01)
    started = time.perf_counter()
    barrier.touch()
    errors = [p.communicate()[1] for p in procs]
    seconds = time.perf_counter() - started
    acked = [line.split() for w in range(writers) for line in (work / f"acked{w}").read_text().splitlines()]
    failed = [a for a in acked if a[0] != "0"]
    if any(p.returncode for p in procs) or failed or len(acked) != writers * calls:
        raise SystemExit(f"writers failed on {db}: {len(failed)} calls not exit 0; {''.join(errors)[-2000:]}")
    return seconds


def stored(db: str) -> int:
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db) as conn:
            return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])  # type: ignore[index]
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--calls", type=int, default=50, help="`log` calls per writer (N)")
    opts = parser.parse_args()
    events = opts.writers * opts.calls
    work = Path(tempfile.mkdtemp(prefix="sitlog-team-"))
    server = start_server()
    try:
        sqlite_db = str(work / "sqlite" / "sitlog.db")
        database = server.create_database("sitlog_team")
        pg_db = server.url(database)
        results = {}
        for name, db, folder in (("SQLite", sqlite_db, "sqlite"), ("PostgreSQL", pg_db, "pg")):
            seconds = run_team(db, work / folder, opts.writers, opts.calls)
            if stored(db) != events + 1:  # + the untimed first event
                raise SystemExit(f"{name}: {stored(db) - 1} events stored, {events} acknowledged")
            results[name] = seconds
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    base = events / results["SQLite"]
    machine = f"{os.cpu_count()} CPUs, Python {platform.python_version()}, private PostgreSQL server, fsync off"
    print(f"{opts.writers} concurrent writer processes × {opts.calls} `sitlog log` calls ({machine})\n")
    print("| backend | events | seconds | events/s | ratio to SQLite |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds in results.items():
        rate = events / seconds
        print(f"| {name} | {events} | {seconds:.2f} | {rate:.1f} | {rate / base:.2f} |")
    print(f"\nreproduce: .venv/bin/python bench/team.py --writers {opts.writers} --calls {opts.calls}")


if __name__ == "__main__":
    main()
