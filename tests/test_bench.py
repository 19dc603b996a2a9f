"""The benchmark suite cannot rot: a 1,000-event smoke run of ``bench/run.py`` end to end (issue 14).

Figures are checked for being there and being numbers, never for being fast: timings are not asserted.
Also checked: the floors import nothing but sqlite3 and argparse, a floor replay fetches exactly the rows
sitlog fetched, and ``bench_import.py``'s executemany baseline copies exactly the rows an import stored.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# The rows of issue 14's table, as its "what" column names them.
ISSUE_ROWS = [
    "sitlog --version",
    "sitlog log control",
    "history",
    "summary --day",
    "status --at",
    "status --known-at",
    "events --kind control --limit 50",
    "events --known-at",
    "events --all",
    "2-year `summary`",
    "export",
    "import",
    "shell completion",
]
FIGURE = re.compile(r"\d[\d,]*(\.\d+)?\s*(ms|s|k/s|/s|MB)\b")
RATIO = re.compile(r"^\d[\d,]*(\.\d+)?× ?(rate)?$")


def bench_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITLOG_")}
    env["PYTHONPATH"] = str(BENCH)
    return env


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """bench/run.py on 300- and 1,000-event databases, one pair per row: (the markdown written, stdout)."""
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "performance.md"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--events", "1000", "--scale", "300", "--pairs", "1",
         "--cache", str(tmp / "cache"), "--out", str(out)],
        capture_output=True, text=True, timeout=300, env=bench_env(tmp),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out.read_text(), proc.stdout


def section(text: str, title: str) -> list[list[str]]:
    """The rows (cells) of the first table under ``## title``, header and rule excluded."""
    lines = text.split(f"## {title}\n", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    table = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        table.append([c.strip() for c in line.strip().strip("|").split("|")])
    return table


def test_smoke_run_writes_the_issue_table_with_figures_for_every_row(smoke: tuple[str, str]) -> None:
    text, stdout = smoke
    assert stdout.strip().startswith(text.strip()[:200])  # the same markdown is printed
    table = section(text, "The issue's table")
    assert len(table) == len(ISSUE_ROWS)
    for name, cells in zip(ISSUE_ROWS, table, strict=True):
        what, sitlog, floor, ratio, pairs, target, met, filed = cells
        assert name in what
        assert FIGURE.search(sitlog), (what, sitlog)
        assert FIGURE.search(floor), (what, floor)
        assert RATIO.match(ratio), (what, ratio)
        assert pairs == "1"
        assert target and filed
        assert met == "yes" or met.startswith("**no**: "), (what, met)  # two sizes: growth is judged too


def test_smoke_run_writes_the_scaling_table_at_each_size(smoke: tuple[str, str]) -> None:
    text, _ = smoke
    header = next(line for line in text.split("## Scaling\n", 1)[1].splitlines() if line.startswith("|"))
    assert "300 events" in header and "1,000 events" in header
    table = section(text, "Scaling")
    assert len(table) == len(ISSUE_ROWS)
    for name, (what, answer, small, large, growth) in zip(ISSUE_ROWS, table, strict=True):
        assert name in what
        assert answer in ("fixed size", "grows with the log")
        assert FIGURE.search(small) and FIGURE.search(large), what
        assert RATIO.match(growth), (what, growth)


def test_smoke_run_describes_the_machine_and_the_command(smoke: tuple[str, str]) -> None:
    text, _ = smoke
    machine = next(line for line in text.splitlines() if line.startswith("- machine: "))
    assert re.search(r"\d+ cores, [\d.]+ GiB RAM", machine)
    assert "Python 3." in machine and "SQLite 3." in machine
    assert ".venv/bin/python bench/run.py --events 1000 --scale 300 --pairs 1" in text


def test_floors_import_only_sqlite3_and_argparse() -> None:
    tree = ast.parse((BENCH / "floor.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert imported == {"__future__", "sqlite3", "argparse"}


def test_a_replay_runs_the_same_statements_and_fetches_the_same_rows(tmp_path: Path, db: Path, env: dict) -> None:
    run = {**os.environ, **env, "PYTHONPATH": str(BENCH)}
    for args in (["log", "control", "Zabun", "--by", "Jamiyat al-Maari"], ["events", "--all"], ["history", "Zabun"]):
        if args[0] == "log":
            subprocess.run([sys.executable, "-m", "sitlog", "places", "add", "Zabun", "--lat", "36.1", "--lon", "37.1"],
                           env=run, check=True, capture_output=True)  # fmt: skip
            subprocess.run([sys.executable, "-m", "sitlog", "actors", "add", "Jamiyat al-Maari", "--type", "militia"],
                           env=run, check=True, capture_output=True)  # fmt: skip
        copy = tmp_path / "copy.db"  # the database as the command found it
        shutil.copyfile(db, copy)
        trace = tmp_path / f"{args[0]}.trace"
        subprocess.run([sys.executable, str(BENCH / "sqltrace.py"), str(trace), "--", *args], env=run, check=True,
                       capture_output=True)  # fmt: skip
        conn = sqlite3.connect(trace)
        fetched = conn.execute("SELECT coalesce(sum(rows), 0) FROM ops").fetchone()[0]
        statements = conn.execute("SELECT count(*) FROM ops WHERE op = 'execute'").fetchone()[0]
        conn.close()
        assert statements > 0
        replay = subprocess.run([sys.executable, str(BENCH / "floor.py"), "replay", str(trace), "--db", str(copy),
                                 "--fresh-ids"], env=run, capture_output=True, text=True)  # fmt: skip
        assert replay.returncode == 0, replay.stderr
        assert len(replay.stdout.splitlines()) == fetched
        copy.unlink()
    with sqlite3.connect(db) as conn:  # the replays went to copies: one event, logged by sitlog itself
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 1


def test_import_baseline_copies_exactly_the_rows_the_import_stored(tmp_path: Path, template_db: Path) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import bench_import
    finally:
        sys.path.remove(str(BENCH))
    data = tmp_path / "export.jsonl"
    revisions = bench_import.generate(data, 60)
    imported, raw = tmp_path / "imported.db", tmp_path / "raw.db"
    shutil.copyfile(template_db, imported)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITLOG_")}
    proc = subprocess.run([sys.executable, "-m", "sitlog", "--db", str(imported), "import", str(data)],
                          env={**env, "SITLOG_TZ": "UTC"}, capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    seconds, copied = bench_import.executemany_baseline(imported, template_db, raw)
    assert copied == revisions and seconds > 0
    a, b = sqlite3.connect(imported), sqlite3.connect(raw)
    for table in ("places", "place_names", "actors", "actor_names", "changesets", "revisions", "events", "handles"):
        rows_a = sorted(map(repr, a.execute(f"SELECT * FROM {table}")))
        rows_b = sorted(map(repr, b.execute(f"SELECT * FROM {table}")))
        assert rows_a == rows_b, table
    assert b.execute("PRAGMA foreign_key_check").fetchall() == []
    a.close()
    b.close()


def test_generated_databases_pass_check_and_keep_claims_out_of_status(tmp_path: Path) -> None:
    """bench/generate.py fills every derived head column: `sitlog check` passes and status reads no claim."""
    db = tmp_path / "bench.db"
    proc = subprocess.run([sys.executable, str(BENCH / "generate.py"), str(db), "--events", "3000", "--places", "40",
                           "--days", "20"], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITLOG_")}
    check = subprocess.run([sys.executable, "-m", "sitlog", "--db", str(db), "check"], env=env, capture_output=True,
                           text=True)  # fmt: skip
    assert check.returncode == 0, check.stdout[-2000:]
    conn = sqlite3.connect(db)
    claims = conn.execute("SELECT count(*) FROM events WHERE kind = 'control' AND claimed = 1").fetchone()[0]
    held_by_claims = conn.execute(
        "SELECT count(*) FROM control_current c JOIN events e ON e.event_id IN (c.x_event, c.w_event) "
        "WHERE e.claimed = 1"
    ).fetchone()[0]
    conn.close()
    assert claims > 0 and held_by_claims == 0


def test_the_import_generator_writes_a_log_check_passes(tmp_path: Path, template_db: Path) -> None:
    """The crash tests' 100,000-event file stands for a clean log: imported, `sitlog check` passes."""
    sys.path.insert(0, str(BENCH))
    try:
        import bench_import
    finally:
        sys.path.remove(str(BENCH))
    data, db = tmp_path / "export.jsonl", tmp_path / "sitlog.db"
    bench_import.generate(data, 3000)
    shutil.copyfile(template_db, db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITLOG_")}
    for args in (["import", str(data)], ["check"]):
        proc = subprocess.run([sys.executable, "-m", "sitlog", "--db", str(db), *args], env={**env, "SITLOG_TZ": "UTC"},
                              capture_output=True, text=True)  # fmt: skip
        assert proc.returncode == 0, (args, proc.stdout[-2000:], proc.stderr)
