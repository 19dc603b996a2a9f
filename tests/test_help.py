"""Help that teaches (issue 12): panels, examples, metavars, required marks, the overview, the man page,
global options anywhere, and errors that say what to do next."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import typer

from sitlog.cli.root import whole_app
from tests.conftest import Run

Sitlog = Callable[..., Run]
ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"


def leaf_paths(command: typer.core.TyperGroup | object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    subs = getattr(command, "commands", None)
    if not subs:
        return [path]
    return [p for name, sub in subs.items() for p in leaf_paths(sub, (*path, name))]


def sitlog_exe(env: dict[str, str], *args: str) -> Run:
    exe = Path(sys.executable).parent / "sitlog"
    proc = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env, "COLUMNS": "80"})  # fmt: skip
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.mark.parametrize("name", ["help.txt", "help_log_control.txt"])
def test_golden_help_at_80_columns(env: dict[str, str], name: str) -> None:
    args = ["--help"] if name == "help.txt" else ["log", "control", "--help"]
    run = sitlog_exe(env, *args)  # the installed script: its name is what usage lines show
    assert run.exit_code == 0 and run.stderr == ""
    path = GOLDEN / name
    if os.environ.get("SITLOG_UPDATE_GOLDEN"):
        path.write_text(run.stdout, encoding="utf-8")
    assert run.stdout == path.read_text(encoding="utf-8")
    assert max(len(line) for line in run.stdout.splitlines()) <= 80


def test_panels_in_order_with_log_first(sitlog: Sitlog) -> None:
    out = sitlog("--help").stdout
    headings = [line.rstrip(":") for line in out.splitlines() if line.endswith(":") and not line.startswith(" ")]
    assert headings == ["Options", "Record", "Correct", "Report", "Exchange", "Admin"]
    record = out.split("Record:\n")[1].splitlines()
    assert record[0].split()[0] == "log"
    for command in ("amend", "status", "export", "config", "when", "session"):
        assert f"\n  {command} " in out


@pytest.mark.parametrize("path", leaf_paths(whole_app()))
def test_every_command_has_one_example(sitlog: Sitlog, path: tuple[str, ...]) -> None:
    out = sitlog(*path, "--help", COLUMNS="200").stdout
    assert out.count("Example:") == 1, path
    example = out.split("Example:\n")[1].splitlines()[0].strip()
    assert example.startswith(f"sitlog {' '.join(path)}"), (path, example)


def test_real_metavars_and_required_marks(sitlog: Sitlog) -> None:
    control = sitlog("log", "control", "--help", COLUMNS="200").stdout
    for text in ("{PLACE}", "--by ACTOR", "--against ACTOR", "--at WHEN", "--grade GRADE", "--status STATUS"):
        assert text in control, text
    # Not required since issue 11: contested names no holder (--against twice).
    assert "[required]" not in next(line for line in control.splitlines() if "--by ACTOR" in line)
    assert "--from ACTOR" in control
    strike = sitlog("log", "strike", "--help", COLUMNS="200").stdout
    assert "[required]" in next(line for line in strike.splitlines() if "--by ACTOR" in line)
    advance = sitlog("log", "advance", "--help", COLUMNS="200").stdout
    for text in ("--toward PLACE", "--near PLACE", "--distance KM", "--corroborates ID"):
        assert text in advance, text
    assert "[required]" in next(line for line in advance.splitlines() if "--by ACTOR" in line)
    casualties = sitlog("log", "casualties", "--help", COLUMNS="200").stdout
    assert "--killed Q" in casualties and "--side ACTOR" in casualties
    events = sitlog("events", "--help", COLUMNS="200").stdout
    assert "--since WHEN" in events and "--place PLACE" in events and "--format FORMAT" in events
    amend = sitlog("amend", "--help", COLUMNS="200").stdout
    # amend's first column is wide since issue 11 (--baseline / --no-baseline): the mark may wrap.
    reason = amend.split("--reason TEXT", 1)[1].split("\n  -", 1)[0]
    assert "[required]" in reason


def test_sitlog_alone_prints_an_overview_and_succeeds(env: dict[str, str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "sitlog"], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=60)  # fmt: skip
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith("sitlog — a situation log") and "sitlog log --file" in proc.stdout
    assert len(proc.stdout.splitlines()) < 24 and max(len(line) for line in proc.stdout.splitlines()) <= 80


def test_global_options_after_the_command(sitlog: Sitlog, actors: None, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    logged = sitlog(
        "log", "control", "Aleppo", "--by", "Liwa al-Quds", "--db", str(other), "--tz", "Asia/Damascus", "--json"
    )
    assert (
        logged.exit_code == 3 and "unknown actor 'Liwa al-Quds'" in logged.stderr
    )  # the other database has no Liwa al-Quds (the bundled actor pack does not either)
    assert sitlog("actors", "add", "Liwa al-Quds", f"--db={other}").exit_code == 0
    logged = sitlog("log", "control", "Aleppo", "--by", "Liwa al-Quds", "--at", "2024-11-27 10:00", "--db", str(other),
                    "--tz", "Asia/Damascus", "--json")  # fmt: skip
    assert logged.exit_code == 0 and logged.json()["at"] == "2024-11-27T10:00:00+03:00"
    assert len(sitlog("events", "--json", "--db", str(other)).json()) == 1
    assert sitlog("events", "--json").json() == []
    # A value spelled like a global option is written --note=--db (the hoisting reads words, not options).
    assert sitlog("log", "control", "Aleppo", "--by", "Liwa al-Quds", "--note=--db", "--db", str(other)).exit_code == 0
    assert sitlog("events", "--db", str(other), "--json").json()[-1]["note"] == "--db"
    missing = sitlog("events", "--db")
    assert missing.exit_code == 2 and "--db needs a value" in missing.stderr


def test_errors_say_what_to_do_next(sitlog: Sitlog, actors: None) -> None:
    misplaced = sitlog("--by", "HTS", "log", "control", "Aleppo")
    assert misplaced.exit_code == 2
    assert "Error: --by is not an option of sitlog itself: put it after the command (sitlog log … --by …)" in (
        misplaced.stderr
    )
    actor = sitlog("log", "control", "Aleppo", "--by", "Nobody At All")
    assert actor.exit_code == 3 and "--new-actor" in actor.stderr
    unknown = sitlog("show", "zzzz")
    assert unknown.exit_code == 4 and "`sitlog events` lists ids and handles" in unknown.stderr
    variable = sitlog("events", SITLOG_TZ="Nowhere/Land")
    assert variable.exit_code == 2 and variable.stderr.startswith("Error: environment variable SITLOG_TZ:")


def test_man_page_is_generated_from_the_app() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_man.py"), "-"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (ROOT / "docs" / "sitlog.1").read_text(encoding="utf-8"), "run scripts/gen_man.py"
    assert proc.stdout.startswith(".TH SITLOG 1")
    for heading in (".SH RECORD COMMANDS", ".SH CORRECT COMMANDS", ".SH EXIT STATUS", ".B sitlog log control"):
        assert heading in proc.stdout
