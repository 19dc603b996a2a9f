"""Two operators correcting one event at once, from real processes: never a lost update."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Ledger, Run
from tests.test_corrections import logged, revision_rows

Sitlog = Callable[..., Run]

# Imports sitlog, says it is ready, waits for the barrier file, then runs one command.
WORKER = """
import os, sys, time
from sitlog.cli import main
barrier, ready = sys.argv[1], sys.argv[2]
open(ready, "w").close()
while not os.path.exists(barrier):
    time.sleep(0.002)
sys.argv = ["sitlog", *sys.argv[3:]]
main()
"""


def run_together(env: dict[str, str], tmp: Path, commands: list[list[str]], hold: Path | None = None) -> list[Run]:
    """Start one process per command, release them at once; with ``hold``, under a write lock taken first."""
    barrier = tmp / "go"
    lock = sqlite3.connect(hold, isolation_level=None) if hold else None
    if lock is not None:
        lock.execute("BEGIN IMMEDIATE")  # both writers will queue on this lock, then race for it
    procs = []
    for n, args in enumerate(commands):
        ready = tmp / f"ready{n}"
        procs.append(
            (
                ready,
                subprocess.Popen(
                    [sys.executable, "-c", WORKER, str(barrier), str(ready), *args],
                    env={**os.environ, **env},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    deadline = time.monotonic() + 60
    while not all(ready.exists() for ready, _ in procs) and time.monotonic() < deadline:
        time.sleep(0.005)
    barrier.touch()
    if lock is not None:
        time.sleep(0.2)  # let both reach BEGIN IMMEDIATE; the outcome is checked either way
        lock.execute("ROLLBACK")
        lock.close()
    runs = []
    for _, proc in procs:
        out, err = proc.communicate(timeout=120)
        runs.append(Run(proc.returncode, out, err))
    barrier.unlink()
    for ready, _ in procs:
        ready.unlink()
    return runs


def chain(db: Path, event_id: str) -> list[tuple[int, str, str | None, str | None]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(
            "SELECT revision, operator, killed, note FROM revisions WHERE event_id = ? ORDER BY seq", (event_id,)
        ).fetchall()


def head(sitlog: Sitlog, event_id: str) -> dict[str, Any]:
    run = sitlog("show", event_id, "--json")
    assert run.exit_code == 0, run.stderr
    data: dict[str, Any] = run.json()
    return data


@pytest.mark.slow
@pytest.mark.parametrize("under_lock", [False, True])
def test_two_operators_amending_at_once_get_consecutive_revisions(
    sitlog: Sitlog, actors: None, env: dict[str, str], db: Path, tmp_path: Path, under_lock: bool
) -> None:
    event = logged(sitlog, "casualties", "Aleppo", "--killed", "5", "--at", "2024-11-27")
    expected_revisions = 1
    for round_ in range(3):
        killed, note = str(10 + round_), f"note {round_}"
        runs = run_together(
            env,
            tmp_path,
            [
                ["amend", event["id"], "--killed", killed, "--reason", "alice's figure", "--operator", "alice"],
                ["amend", event["id"], "--note", note, "--reason", "bob's note", "--operator", "bob"],
            ],
            hold=db if under_lock else None,
        )
        codes = [r.exit_code for r in runs]
        assert set(codes) <= {0, 5} and 0 in codes, [r.stderr for r in runs]
        for run in runs:
            assert "Traceback" not in run.stderr
            if run.exit_code == 5:
                assert run.stderr.startswith("Error: ") and "busy" in run.stderr
        expected_revisions += codes.count(0)
        revisions = chain(db, event["id"])
        assert [r[0] for r in revisions] == list(range(1, expected_revisions + 1))
        now = head(sitlog, event["id"])
        assert now["revision"] == expected_revisions
        # The later writer built on the earlier one's revision: both changes are in the head.
        if codes[0] == 0:
            assert now["killed"]["text"] == killed
        if codes[1] == 0:
            assert now["note"] == note
        assert {r[1] for r in revisions[-codes.count(0) :]} == {
            who for who, code in zip(("alice", "bob"), codes, strict=True) if code == 0
        }


def test_amend_past_the_busy_timeout_is_exit_5_and_writes_nothing(
    sitlog_proc: Sitlog, sitlog: Sitlog, actors: None, db: Path
) -> None:
    event = logged(sitlog, "strike", "Idlib", "--by", "SAA")
    before = revision_rows(db)
    with closing(sqlite3.connect(db, isolation_level=None)) as lock:
        lock.execute("BEGIN IMMEDIATE")
        run = sitlog_proc("amend", event["id"], "--means", "air", "--reason", "x", SITLOG_BUSY_TIMEOUT="0.2")
        lock.execute("ROLLBACK")
    assert run.exit_code == 5
    assert run.stderr.startswith("Error: database ") and "busy" in run.stderr and "Traceback" not in run.stderr
    assert revision_rows(db) == before
    retried = sitlog_proc("amend", event["id"], "--means", "air", "--reason", "x")
    assert retried.exit_code == 0, retried.stderr
    assert [r[2] for r in revision_rows(db)] == [1, 2]


# --- many writers and readers at once (issue 15) ------------------------------------------------------------

# One process running `log` again and again (each run a whole command: its own store, its own transaction)
# and noting every id that ended with exit 0, after the command returned.
WRITER = """
import sys
import typer
from sitlog.cli import app
command = typer.main.get_command(app)
acked, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(acked, "w", encoding="utf-8") as out:
    for n in range(count):
        event_id = f"w{worker}-{n}"
        args = ["log", "strike", "Ariha", "--by", "SAA", "--id", event_id, "--operator", f"op{worker}"]
        try:
            code = command.main(args, prog_name="sitlog", standalone_mode=False) or 0
        except SystemExit as exc:
            code = exc.code
        out.write(f"{code} {event_id}\\n")
        out.flush()
"""

# A reader looping reports until told to stop, a pause between runs (an analyst, not a second writer's
# worth of CPU on a two-core machine); one line per run: its exit code.
READER = """
import os, sys, time
import typer
from sitlog.cli import app
command = typer.main.get_command(app)
stop, codes = sys.argv[1], sys.argv[2]
reports = (["status", "--json"], ["events", "-n", "20", "--json"], ["summary", "--day", "2024-11-28", "--json"])
with open(codes, "w", encoding="utf-8") as out, open(os.devnull, "w") as sink:
    sys.stdout = sink
    while not os.path.exists(stop):
        for args in reports:
            try:
                code = command.main(args, prog_name="sitlog", standalone_mode=False) or 0
            except SystemExit as exc:
                code = exc.code
            out.write(f"{code}\\n")
            out.flush()
            time.sleep(0.2)
"""


@pytest.mark.slow
@pytest.mark.reliability
def test_eight_writers_and_two_readers_lose_nothing(
    env: dict[str, str], db: Path, tmp_path: Path, reliability: Callable[[str], Ledger]
) -> None:
    writes = reliability("8 processes × 250 `log` calls at once, 2 readers looping reports: every event stored")
    reads = reliability("reports read while 8 processes log (status, events, summary): every run exit 0")
    stop = tmp_path / "stop"
    spawn = {"env": {**os.environ, **env}, "stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "text": True}
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / f"acked{w}"), str(w), "250"], **spawn)
        for w in range(8)
    ]
    readers = [
        subprocess.Popen([sys.executable, "-c", READER, str(stop), str(tmp_path / f"reads{r}")], **spawn)
        for r in range(2)
    ]
    errors = [proc.communicate(timeout=900)[1] for proc in writers]
    stop.touch()
    errors += [proc.communicate(timeout=120)[1] for proc in readers]
    assert all(proc.returncode == 0 for proc in writers + readers), [e[-500:] for e in errors]
    assert not any("locked" in e or "Traceback" in e for e in errors), [e[-500:] for e in errors]
    with closing(sqlite3.connect(db)) as conn:
        stored = {r[0] for r in conn.execute("SELECT event_id FROM events")}
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    acked = [line.split() for w in range(8) for line in (tmp_path / f"acked{w}").read_text().splitlines()]
    assert len(acked) == 2000
    for code, event_id in acked:
        writes.trial(code == "0" and event_id in stored, lost=int(code == "0" and event_id not in stored))
    assert all(code == "0" for code, _ in acked) and len(stored) == 2000
    codes = [line for r in range(2) for line in (tmp_path / f"reads{r}").read_text().split()]
    for code in codes:
        reads.trial(code == "0")
    assert codes and set(codes) == {"0"}


@pytest.mark.reliability
def test_a_held_lock_is_exit_5_after_the_busy_timeout(
    env: dict[str, str], db: Path, tmp_path: Path, reliability: Callable[[str], Ledger]
) -> None:
    from tests.hostile import clean_error, run_batch

    ledger = reliability("another process holds the write lock: writes exit 5 after the busy timeout, reads go on")
    source = tmp_path / "one.jsonl"
    assert run_batch([["log", "strike", "Ariha", "--by", "SAA"], ["export", "-o", str(source)]], env)[1].exit_code == 0
    before = revision_rows(db)
    writes = [["log", "strike", "Idlib", "--by", "SAA"], ["places", "add", "Zabun", "--admin1", "Idlib"],
              ["actors", "add", "Sheikh Aqil"], ["import", str(source)], ["undo", "--yes"]]  # fmt: skip
    reads = [["events", "--json"], ["status"], ["check"]]
    with closing(sqlite3.connect(db, isolation_level=None)) as lock:
        lock.execute("BEGIN IMMEDIATE")
        runs = run_batch(writes + reads, {**env, "SITLOG_BUSY_TIMEOUT": "0.3"})
        lock.execute("ROLLBACK")
    for run in runs[: len(writes)]:
        clean_error(run, 5)
        assert "busy" in run.stderr and "try again" in run.stderr
        ledger.trial(True)
    for run in runs[len(writes) :]:
        assert run.exit_code == 0, run.stderr
        ledger.trial(True)
    assert revision_rows(db) == before
