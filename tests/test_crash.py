"""Crashes (issue 15): SIGKILL at random moments during a 100,000-event import, during bursts of `log` and
during a migration; SIGINT at any moment, start-up included. Afterwards SQLite's integrity check passes,
an import is there whole or not at all, every command that exited 0 is stored, and `sitlog check` is clean.

Real processes and real kills; the moments are random (seeded, printed on failure).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from sitlog.store import SCHEMA_VERSION
from tests.conftest import Ledger, Run
from tests.hostile import downgrade_before_handles, integrity, schema_rows

Sitlog = Callable[..., Run]
Reliability = Callable[[str], Ledger]

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
SEED = int(os.environ.get("SITLOG_CRASH_SEED", "15"))


def start(args: list[str], env: dict[str, str], **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sitlog", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


def count(db: Path, table: str = "events") -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def checked_clean(sitlog: Sitlog, db: Path) -> bool:
    run = sitlog("--db", str(db), "check")
    return run.exit_code == 0 and "Traceback" not in run.stderr


@pytest.fixture(scope="module")
def import_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A sitlog jsonl export of 100,000 events (110,000 revisions, 300 places) and its event count."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from bench_import import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    path = tmp_path_factory.mktemp("import") / "events.jsonl"
    generate(path, 100_000)
    return path, 100_000


@pytest.fixture(scope="module")
def imported(
    import_file: tuple[Path, int], template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, float]:
    """The import run once to the end (the database and how long it took): the scale for the kill times."""
    path, events = import_file
    db = tmp_path_factory.mktemp("full") / "sitlog.db"
    shutil.copyfile(template_db, db)
    started = time.monotonic()
    proc = start(["--db", str(db), "import", str(path)], {"SITLOG_OPERATOR": "tester"})
    out, err = proc.communicate(timeout=600)
    took = time.monotonic() - started
    assert proc.returncode == 0, err
    assert count(db) == events
    return db, took


def test_sigkill_during_a_100k_import_leaves_all_or_nothing(
    sitlog: Sitlog,
    reliability: Reliability,
    import_file: tuple[Path, int],
    imported: tuple[Path, float],
    template_db: Path,
    tmp_path: Path,
) -> None:
    ledger = reliability("SIGKILL at a random moment during an import of 100,000 events")
    path, events = import_file
    _, took = imported
    rng = random.Random(SEED)
    trials = 10
    for trial in range(trials):
        db = tmp_path / f"kill{trial}.db"
        shutil.copyfile(template_db, db)
        # Spread over the whole import, the final commit included: trial k dies in the k-th tenth.
        moment = took * (trial + rng.random()) / trials * 1.05
        proc = start(["--db", str(db), "import", str(path)], {"SITLOG_OPERATOR": "tester"})
        time.sleep(moment)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        finished = proc.returncode == 0
        stored = count(db)
        whole = stored in (0, events) and (stored == events or not finished)
        ok = integrity(db) == ["ok"] and whole and checked_clean(sitlog, db)
        ledger.trial(ok, lost=events - stored if finished else 0)
        assert ok, (trial, round(moment, 2), proc.returncode, stored, integrity(db)[:3])
        db.unlink()


# One process logging event after event (each a whole `sitlog log` run: its own store, its own commit) and
# writing the id of each that ended with exit 0 to a file, after the command returned.
BURST = """
import sys
import typer
from sitlog.cli import app
command = typer.main.get_command(app)
acked, prefix = sys.argv[1], sys.argv[2]
with open(acked, "a", encoding="utf-8") as out:
    for n in range(100000):
        event_id = f"{prefix}-{n}"
        try:
            code = command.main(["log", "strike", "Ariha", "--by", "SAA", "--id", event_id],
                                prog_name="sitlog", standalone_mode=False) or 0
        except SystemExit as exc:
            code = exc.code
        if code == 0:
            out.write(event_id + "\\n")
            out.flush()
"""


def test_sigkill_during_bursts_of_log_loses_no_acknowledged_event(
    sitlog: Sitlog, reliability: Reliability, env: dict[str, str], db: Path, tmp_path: Path
) -> None:
    ledger = reliability("SIGKILL at a random moment during a burst of `log` commands")
    rng = random.Random(SEED + 1)
    acked = tmp_path / "acked.txt"
    for trial in range(12):
        proc = subprocess.Popen([sys.executable, "-c", BURST, str(acked), f"k{trial}"], env={**os.environ, **env},
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        time.sleep(rng.uniform(0.4, 1.6))
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
        acknowledged = set(acked.read_text().split())
        with closing(sqlite3.connect(db)) as conn:
            stored = {r[0] for r in conn.execute("SELECT event_id FROM events")}
        lost = len(acknowledged - stored)
        ok = lost == 0 and integrity(db) == ["ok"] and "Traceback" not in err and checked_clean(sitlog, db)
        ledger.trial(ok, lost=lost)
        assert ok, (trial, lost, err[-800:])
    assert acknowledged  # the bursts did log (how much depends on the machine's load)


def test_sigkill_during_a_migration_leaves_the_original_intact(
    sitlog: Sitlog, reliability: Reliability, imported: tuple[Path, float], tmp_path: Path
) -> None:
    ledger = reliability("SIGKILL at a random moment during `sitlog migrate` of 100,000 events")
    full, _ = imported
    old = tmp_path / "old.db"
    shutil.copyfile(full, old)
    version = downgrade_before_handles(old)
    events = count(old)
    rng = random.Random(SEED + 2)
    folder = tmp_path / "m"
    started = time.monotonic()
    folder.mkdir()
    shutil.copyfile(old, folder / "sitlog.db")
    done = subprocess.run([sys.executable, "-m", "sitlog", "--db", str(folder / "sitlog.db"), "migrate"],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    shutil.rmtree(folder)
    trials = 10
    for trial in range(trials):
        folder.mkdir()
        db = folder / "sitlog.db"
        shutil.copyfile(old, db)
        moment = took * (trial + rng.random()) / trials * 1.05
        proc = start(["--db", str(db), "migrate"], {})
        time.sleep(moment)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        rows = schema_rows(db)
        whole = len(rows) in (version, SCHEMA_VERSION) and count(db) == events
        if len(rows) == SCHEMA_VERSION:
            whole = whole and count(db, "handles") == events
        backups = [p for p in folder.iterdir() if p.name.endswith(".bak")]
        for backup in backups:  # a backup under its final name is always whole
            whole = whole and integrity(backup) == ["ok"] and count(backup) == events
            whole = whole and len(schema_rows(backup)) == version
        ok = integrity(db) == ["ok"] and whole and (len(rows) == version or bool(backups))
        ledger.trial(ok)
        assert ok, (trial, round(moment, 2), proc.returncode, len(rows), [b.name for b in backups])
        shutil.rmtree(folder)


# --- SIGINT ---------------------------------------------------------------------------------------------------


def test_sigint_at_any_moment_exits_130_without_a_traceback(
    sitlog: Sitlog, reliability: Reliability, env: dict[str, str], db: Path, tmp_path: Path
) -> None:
    """From the moment Python has found the sitlog package (``-X importtime`` says when: before that, in
    the first tens of milliseconds, Ctrl-C belongs to Python's own start-up), through the imports, the
    store, the write and the exit."""
    ledger = reliability("SIGINT at a random moment (sitlog's start-up included) of log, places add, import, export")
    assert sitlog("log", "strike", "Ariha", "--by", "SAA").exit_code == 0
    out = tmp_path / "out"
    out.mkdir()
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from bench_import import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    batch = tmp_path / "batch.jsonl"
    generate(batch, 3000)
    rng = random.Random(SEED + 3)
    for trial in range(20):
        args = [
            ["log", "strike", "Saraqib", "--by", "SAA"],
            ["places", "add", f"Zabun {chr(65 + trial)}", "--admin1", "Idlib"],  # a new name each time
            ["import", str(batch)],
            ["export", "-o", str(out / "events.jsonl")],
        ][trial % 4]
        before = count(db)
        proc = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "sitlog", *args], env={**os.environ, **env},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.rstrip().endswith("| sitlog"):
                break
        time.sleep(rng.uniform(0.0, 0.9))
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        err = "".join(line for line in err.splitlines(True) if not line.startswith("import time:"))
        # 0: done before the signal; 130: interrupted (``Interrupted`` when sitlog's handler saw it).
        half = [p.name for p in out.iterdir() if p.name != "events.jsonl"]
        whole_export = True
        if (out / "events.jsonl").exists():
            lines = (out / "events.jsonl").read_text().splitlines()
            whole_export = lines[0].startswith('{"record": "sitlog"') and lines[-1].endswith("}")
        added = count(db) - before
        ok = (
            proc.returncode in (0, 130) and "Traceback" not in err
            and (proc.returncode == 0 or err in ("", "Interrupted\n") or err.endswith("\nInterrupted\n"))
            and not half and whole_export and integrity(db) == ["ok"]
            and added in {"log": (0, 1), "import": (0, 3000)}.get(args[0], (0,))
        )  # fmt: skip
        ledger.trial(ok)
        assert ok, (trial, args, proc.returncode, err[-800:], half)


def test_sigint_inside_sqlite_calling_python_is_still_a_ctrl_c(
    reliability: Reliability, template_db: Path, tmp_path: Path
) -> None:
    """An export's lines are built by SQLite calling sitlog's Python encoders; Python runs a signal handler only
    between its own bytecodes, so a Ctrl-C during the export lands inside one of those calls, and SQLite
    reports it as ``OperationalError: user-defined function raised exception``. It must still end as a
    Ctrl-C: exit 130, ``Interrupted``, no traceback, no file left behind."""
    ledger = reliability("SIGINT while SQLite runs sitlog's Python functions (export)")
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from bench_import import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    data, db = tmp_path / "events.jsonl", tmp_path / "sitlog.db"
    generate(data, 20_000)
    shutil.copyfile(template_db, db)
    env = {**os.environ, "SITLOG_OPERATOR": "tester", "SITLOG_TZ": "UTC"}
    assert subprocess.run([sys.executable, "-m", "sitlog", "--db", str(db), "import", str(data)], env=env,
                          capture_output=True).returncode == 0  # fmt: skip
    out = tmp_path / "out"
    out.mkdir()
    interrupted = 0
    for trial in range(6):
        proc = start(["--db", str(db), "export", "-o", str(out / "e.jsonl")], {"SITLOG_TZ": "UTC"})
        time.sleep(0.25 + 0.05 * trial)  # past start-up (about 0.2 s): inside the export
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        interrupted += proc.returncode == 130
        left = [p.name for p in out.iterdir() if p.name != "e.jsonl"]
        ok = proc.returncode in (0, 130) and "Traceback" not in err and not left
        ok = ok and (proc.returncode == 0 or err.endswith("Interrupted\n"))
        ledger.trial(ok)
        assert ok, (trial, proc.returncode, err[-600:], left)
    assert interrupted, "no trial was interrupted: the export finished before the signal every time"
