"""End to end: a short logging session, in-process and as real processes (`python -m sitlog`, `sitlog`)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sitlog import __version__
from sitlog.store import SCHEMA_VERSION
from tests.conftest import Run


def test_log_then_list_roundtrip(sitlog: Callable[..., Run], actors: None) -> None:
    logged = sitlog("log", "control", "Anjarah", "--new-place", "--by", "hts", "--at", "2024-11-27", "--json")
    assert logged.exit_code == 0, logged.stderr
    event = logged.json()
    # Anjara is bundled since issue 10 (OCHA C1144): --new-place resolves it instead of creating "Anjarah".
    assert event["place"] == "Anjara" and event["actors"] == ["HTS"] and event["precision"] == "day"
    listed = sitlog("events", "--json")
    assert [e["id"] for e in listed.json()] == [event["id"]]
    assert "logged control" in logged.stderr


def test_python_m_sitlog_version(sitlog_proc: Callable[..., Run]) -> None:
    run = sitlog_proc("--version")
    assert run.exit_code == 0 and run.stderr == ""
    assert run.stdout == f"sitlog {__version__} (schema {SCHEMA_VERSION}, SQLite {sqlite3.sqlite_version})\n"


@pytest.mark.fresh_db
def test_a_logging_session_in_real_processes(sitlog_proc: Callable[..., Run], db: Path) -> None:
    # HTS, SAA, Kafr Basin (Aleppo) and Anjara come with the bundled packs since issue 10: no adds.
    steps = [
        ("places", "alias", "Kafr Basin, Aleppo", "Kfar Bissin"),
        ("log", "control", "Kfar Bissin", "--by", "HTS", "--status", "contested", "--against", "SAA",
         "--at", "2024-11-27", "--grade", "B2"),
        ("log", "casualties", "Anjara", "--new-place", "--killed", "dozens", "--side", "HTS",
         "--claimed-by", "pro-government media"),
        ("log", "strike", "Idleb", "--by", "SAA", "--means", "air", "--at", "2024-11-27T09:00+02:00"),
    ]  # fmt: skip
    for step in steps:
        run = sitlog_proc(*step)
        assert run.exit_code == 0, (step, run.stderr)
        assert run.stdout == ""  # data only on request; receipts and notes on stderr
    csv_out = sitlog_proc("events", "--since", "2024-11-27", "--format", "csv")
    lines = csv_out.stdout.splitlines()
    # Issue 13: the events CSV carries machine values (precision, claimed_by, retracted, tags, who, when).
    assert (
        lines[0]
        == "id,at,precision,kind,place,what,claimed,claimed_by,retracted,grade,source,tags,operator,recorded_at,note,"
        "handle"
    )
    assert [line.split(",")[3:5] for line in lines[1:]] == [
        ["control", "Kafr Basin"],
        ["strike", "Idlib"],
        ["casualties", "Anjara"],
    ]
    assert db.stat().st_mode & 0o777 == 0o600


def test_console_script_is_installed(tmp_path: Path, env: dict[str, str]) -> None:
    script = shutil.which("sitlog", path=str(Path(sys.executable).parent))
    assert script is not None
    proc = subprocess.run([script, "--version"], capture_output=True, text=True, env={**os.environ, **env}, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith(f"sitlog {__version__} ")


def test_no_arguments_prints_help(sitlog_proc: Callable[..., Run]) -> None:
    # Issue 12: `sitlog` alone prints a short overview (not the whole usage) on stdout and succeeds.
    run = sitlog_proc()
    assert run.exit_code == 0 and run.stderr == ""
    assert "sitlog --help" in run.stdout and "sitlog log " in run.stdout
    assert "Traceback" not in run.stderr
