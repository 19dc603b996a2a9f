"""Hostile arguments (issue 15): wrong types, huge numbers, dates out of range, undecodable bytes and terminal
escapes, given to every option of every command — exit codes only from SPEC's list, one ``Error:`` line on
stderr, nothing on stdout before it, and nothing stored by a refused command.

Most cases run in-process (CliRunner) for speed; the cases the issue found (``--limit 99999999999999999999``,
``--note $'caf\\xe9'``, ``--tz Asia``, ``SITLOG_TZ=Europe``) also run as real processes on raw bytes.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.main import get_command
from typer.testing import CliRunner

from sitlog.cli import app
from tests.conftest import Ledger, Run
from tests.hostile import one_line_error, run_sitlog

pytestmark = pytest.mark.reliability

LATIN1 = b"caf\xe9"  # café as a Latin-1 terminal sends it: not UTF-8
UNDECODABLE = os.fsdecode(LATIN1)  # what Python makes of such an argument (a surrogate escape)


def commands() -> list[tuple[tuple[str, ...], Any]]:
    """Every leaf command of the CLI with its path (``("log", "control")``)."""
    found: list[tuple[tuple[str, ...], Any]] = []

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, (*path, name))
        else:
            found.append((path, cmd))

    walk(get_command(app), ())
    return found


# `serve` runs until interrupted when its values are acceptable: it is swept in real processes with a
# deadline instead (tests/test_serve.py::test_hostile_values_are_one_line_errors_or_a_loopback_server).
SERVERS = {("serve",)}
COMMANDS = [(path, cmd) for path, cmd in commands() if path not in SERVERS]
# Positional arguments a command needs to get past parsing, by name (the hostile value replaces one of them).
POSITIONAL = {
    "place": "Ariha", "event_id": "seed", "name": "Ariha", "alias": "Ariha al-Jadida", "query": "Ar",
    "file": "seed.jsonl", "dest": "backup.db", "expression": "now", "changeset": "last", "duplicate": "Zabun",
    "into": "Ariha",
}  # fmt: skip
SLOW = {("demo",), ("chart", "summary"), ("chart", "history")}  # seconds each: swept, not fuzzed


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables if t != "handles"}


def base_args(path: tuple[str, ...], cmd: Any, hostile_param: Any = None, value: str = "") -> list[str]:
    args = list(path)
    for param in cmd.params:
        if type(param).__name__.endswith("Argument"):
            args.append(value if param is hostile_param else POSITIONAL.get(param.name or "", "Ariha"))
    if hostile_param is not None and not type(hostile_param).__name__.endswith("Argument"):
        args += [hostile_param.opts[-1], value]
    return args


def value_params(cmd: Any) -> Iterator[Any]:
    """The parameters that take a value (arguments and options that are not flags)."""
    for param in cmd.params:
        if not (getattr(param, "is_flag", False) or getattr(param, "count", False)):
            yield param


@pytest.fixture
def seeded(sitlog: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database with one event ``seed`` at Ariha, a place Zabun, and a jsonl file to import; cwd is tmp_path,
    so that file names given to backup/export/chart land there."""
    monkeypatch.chdir(tmp_path)
    assert sitlog("log", "strike", "Ariha", "--by", "SAA", "--at", "2024-11-27", "--id", "seed").exit_code == 0
    assert sitlog("places", "add", "Zabun", "--admin1", "Aleppo").exit_code == 0
    exported = sitlog("export")
    (tmp_path / "seed.jsonl").write_text(exported.stdout, "utf-8")
    return tmp_path


def check(run: Run, db: Path, before: dict[str, int]) -> str | None:
    problem = one_line_error(run.exit_code, run.stdout, run.stderr)
    if problem is None and run.exit_code != 0 and counts(db) != before:
        problem = "a refused command changed the database"
    return problem


NUMBERS = ["99999999999999999999", "-99999999999999999999", "9223372036854775808", "1e400", "-1e400", "nan", "inf",
           "-inf", "-1", "0", "1" * 5000, "0x10", "1_000", "１２", "4294967296.5"]  # fmt: skip
DATES = ["0000-01-01", "0001-01-01", "10000-01-01", "9999-12-31T23:59", "2042-13-45", "20224-11-27", "2024-02-30",
         "1899-12-31", "2024-11-27T25:00", "2024-11-27T23:59:60", "99999 days ago", "99999999999999999999 hours ago",
         "1000000000 weeks ago", "2024-W99", "2024-W00", "2024-00", "yesterday 99:99", "0224-11-27",
         "2024-11-27T06:30+25:00", "+002024-11-27", "2024-11-27T06:30:00.9999999999"]  # fmt: skip
TEXTS = ["", " ", "-", "--", ";", "; ;", ",", "\x1b[2J\x1b]0;pwned\x07", "[bold]x[/]", "[/]", "\u202eevil", "\x9b31m",
         UNDECODABLE, "x" * 100_000, "حلب", "🏳️‍🌈", "\r\n", "Ariha, Nowhere", "=", "-n"]  # fmt: skip
# Real argv cannot carry NUL: it is left out of the generated text (files and imports carry it instead).
ARG_TEXT = st.text(st.characters(blacklist_characters="\x00"), max_size=60)
HOSTILE = st.one_of(st.sampled_from(NUMBERS + DATES + TEXTS), ARG_TEXT)


@pytest.mark.slow
@pytest.mark.parametrize("path, cmd", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_option_of_every_command_refuses_hostile_values_cleanly(
    sitlog: Callable[..., Run],
    seeded: Path,
    db: Path,
    reliability: Callable[[str], Ledger],
    path: tuple[str, ...],
    cmd: Any,
) -> None:
    ledger = reliability("hostile values for every option of every command (swept)")
    # The generated test below draws from many more (NUMBERS, DATES, TEXTS); these four are every option's minimum.
    values = ["99999999999999999999", "0000-01-01", "\x1b[2J;\u202e[bold]", UNDECODABLE]
    if path in SLOW:
        values = values[:1] + values[-1:]
    failures = []
    for param in value_params(cmd):
        for value in values:
            before = counts(db)
            args = base_args(path, cmd, param, value)
            run = sitlog(*args)
            problem = check(run, db, before)
            ledger.trial(problem is None)
            if problem:
                failures.append(f"{args[: len(path) + 3]}…: {problem}")
    assert not failures, "\n".join(failures[:10])


FUZZED = [(p, c) for p, c in COMMANDS if p not in SLOW and any(value_params(c))]


@pytest.mark.slow
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_generated_hostile_arguments_never_crash(
    sitlog: Callable[..., Run],
    seeded: Path,
    db: Path,
    reliability: Callable[[str], Ledger],
    data: st.DataObject,
) -> None:
    """One to three hostile values on a random command, in any of its value-taking parameters."""
    ledger = reliability("generated hostile arguments (Hypothesis, every command)")
    path, cmd = data.draw(st.sampled_from(FUZZED), label="command")
    params = list(value_params(cmd))
    args = list(path)
    chosen = data.draw(st.lists(st.sampled_from(params), min_size=1, max_size=3, unique_by=id), label="params")
    for param in cmd.params:
        if type(param).__name__.endswith("Argument"):
            args.append(data.draw(HOSTILE) if param in chosen else POSITIONAL.get(param.name or "", "Ariha"))
    for param in chosen:
        if not type(param).__name__.endswith("Argument"):
            args += [param.opts[-1], data.draw(HOSTILE, label=param.name)]
    before = counts(db)
    run = sitlog(*args)
    problem = check(run, db, before)
    ledger.trial(problem is None)
    assert problem is None, (args, problem)


@pytest.mark.parametrize(
    "env_name, value",
    [("SITLOG_NOW", v) for v in ("0001-01-01", "10000-01-01", "99999 days ago", "nan", "\x1b[2J")]
    + [("SITLOG_TZ", v) for v in ("Asia", "Europe", "A" * 300, "../../etc/passwd", "/etc/localtime", "UTC\x1b[2J")]
    + [("SITLOG_BUSY_TIMEOUT", v) for v in ("1e400", "nan", "-1", "99999999999999999999")]
    + [("SITLOG_FORMAT", v) for v in ("html", "\x1b[2J", "")]
    + [("SITLOG_GRADE", "Z9"), ("SITLOG_AT", "0000-01-01"), ("SITLOG_OPERATOR", " ")],
)
def test_hostile_environment_values_name_the_variable(
    sitlog: Callable[..., Run], seeded: Path, reliability: Callable[[str], Ledger], env_name: str, value: str
) -> None:
    ledger = reliability("hostile SITLOG_* environment values")
    for args in (("events",), ("log", "strike", "Ariha", "--by", "SAA")):
        run = sitlog(*args, **{env_name: value})
        problem = one_line_error(run.exit_code, run.stdout, run.stderr)
        if problem is None and run.exit_code != 0 and env_name not in run.stderr:
            problem = f"the error does not name {env_name}: {run.stderr!r}"
        if problem is None and "\x1b" in run.stderr:
            problem = "an escape sequence reached stderr raw"
        ledger.trial(problem is None)
        assert problem is None, problem


# --- real processes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["events", "--limit", "99999999999999999999"],
        ["export", "-f", "csv", "--limit", "99999999999999999999"],
        ["export", "--limit", "99999999999999999999"],
        ["export", "-f", "geojson", "-n", "99999999999999999999"],
        ["events", "--min-sources", "99999999999999999999"],
        ["places", "near", "Ariha", "--limit", "99999999999999999999"],
        ["events", "--width", "99999999999999999999"],
        ["events", "--limit", "-1"],
        ["events", "--limit", "ten"],
        ["log", "control"],
        ["events", "--bogus"],
    ],
    ids=lambda a: " ".join(a),
)
def test_bad_numbers_are_one_line_and_nothing_on_stdout(
    env: dict[str, str], tmp_path: Path, reliability: Callable[[str], Ledger], args: list[str]
) -> None:
    """``export`` used to write its CSV header before the overflow: now nothing reaches stdout."""
    ledger = reliability("huge and malformed numbers, real process (stdout untouched)")
    proc = run_sitlog(["log", "strike", "Ariha", "--by", "SAA"], env, tmp_path)
    assert proc.exit_code == 0, proc.err
    proc = run_sitlog(args, env, tmp_path)
    problem = one_line_error(proc.exit_code, proc.stdout, proc.stderr)
    if problem is None and proc.exit_code != 2:
        problem = f"exit {proc.exit_code}, not 2 (a usage error)"
    ledger.trial(problem is None)
    assert problem is None, problem
    assert "--help" in proc.err  # says where the usage is, in the same line


@pytest.mark.parametrize(
    "args, option",
    [
        (["log", "strike", "Ariha", "--by", "SAA", "--note", LATIN1], "--note"),
        (["log", "strike", "Ariha", "--by", "SAA", "--tag", b"news", "--tag", LATIN1], "--tag"),
        (["log", "strike", "Ariha", "--by", "SAA", b"--source=" + LATIN1], "--source"),
        (["log", "strike", LATIN1, "--new-place", "--by", "SAA"], "PLACE"),
        (["log", "clash", "Ariha", "--actor", "SAA", "--actor", LATIN1, "--new-actor"], "--actor"),
        (["places", "add", LATIN1], "NAME"),
        (["actors", "add", b"Liwa " + LATIN1], "NAME"),
        (["events", "--place", LATIN1], "--place"),
        (["amend", "seed", "--note", LATIN1, "--reason", "typo"], "--note"),
        (["amend", "seed", "--note", "fine", "--reason", LATIN1], "--reason"),
        (["log", "strike", "Ariha", "--by", "SAA", "--at", LATIN1], "--at"),
        (["--tz", LATIN1, "events"], "--tz"),
    ],
    ids=lambda a: a if isinstance(a, str) else None,
)
def test_an_argument_that_is_not_utf8_is_refused_naming_it(
    env: dict[str, str],
    db: Path,
    tmp_path: Path,
    reliability: Callable[[str], Ledger],
    args: list[str | bytes],
    option: str,
) -> None:
    """``--note $'caf\\xe9'`` from a Latin-1 terminal: refused (exit 2) naming the option and showing the byte,
    never stored as a guess, never a traceback."""
    ledger = reliability("an argument that is not UTF-8 (Latin-1 terminal), real process")
    seed = run_sitlog(["log", "strike", "Ariha", "--by", "SAA", "--id", "seed"], env, tmp_path)
    assert seed.exit_code == 0, seed.err
    before = counts(db)
    proc = run_sitlog(args, env, tmp_path)
    problem = one_line_error(proc.exit_code, proc.stdout, proc.stderr)
    if problem is None and not (proc.exit_code == 2 and option in proc.err and "\\xe9" in proc.err):
        problem = f"exit {proc.exit_code}: {proc.err!r}"
    if problem is None and counts(db) != before:
        problem = "stored"
    ledger.trial(problem is None)
    assert problem is None, problem
    assert "UTF-8" in proc.err


def test_file_names_that_are_not_utf8_are_fine(
    env: dict[str, str], db: Path, tmp_path: Path, reliability: Callable[[str], Ledger]
) -> None:
    """A file name is bytes on Linux: export to one and import from it."""
    ledger = reliability("file names that are not UTF-8 (export -o, import FILE)")
    assert run_sitlog(["log", "strike", "Ariha", "--by", "SAA", "--id", "seed"], env, tmp_path).exit_code == 0
    name = b"export-" + LATIN1 + b".jsonl"
    out = run_sitlog(["export", "-o", name], env, tmp_path)
    target = {**env, "SITLOG_DB": str(tmp_path / "other.db")}
    back = run_sitlog(["import", name], target, tmp_path)
    shown = run_sitlog(["show", "seed", "--json"], target, tmp_path)
    ok = out.exit_code == 0 and back.exit_code == 0 and os.path.exists(tmp_path / os.fsdecode(name))
    ok = ok and shown.exit_code == 0 and json.loads(shown.stdout)["id"] == "seed"
    ledger.trial(ok, lost=0 if ok else 1)
    assert ok, (out.err, back.err, shown.err)
    # A database whose path is not UTF-8 works, logging session included.
    steps = [["--db", b"db-" + LATIN1, *step] for step in (["log", "strike", "Ariha", "--by", "SAA", "--id", "x"],
             ["session", "start", "--source", "Reuters"], ["session", "show"], ["events", "--json"])]  # fmt: skip
    runs = [run_sitlog(step, env, tmp_path) for step in steps]
    ok = all(r.exit_code == 0 for r in runs) and b"Reuters" in runs[2].stdout + runs[2].stderr
    ledger.trial(ok)
    assert ok, [r.err for r in runs]


@pytest.mark.parametrize(
    "name, value",
    [("SITLOG_OPERATOR", LATIN1), ("SITLOG_SOURCE", LATIN1), ("SITLOG_FORMAT", LATIN1), ("SITLOG_TZ", LATIN1)],
)
def test_an_environment_value_that_is_not_utf8_is_refused_naming_it(
    env: dict[str, str], db: Path, tmp_path: Path, reliability: Callable[[str], Ledger], name: str, value: bytes
) -> None:
    ledger = reliability("a SITLOG_* value that is not UTF-8, real process")
    Path(db).unlink(missing_ok=True)
    proc = run_sitlog(["log", "strike", "Ariha", "--by", "SAA"], env, tmp_path, extra_env={name: value})
    problem = one_line_error(proc.exit_code, proc.stdout, proc.stderr)
    if problem is None and not (proc.exit_code == 2 and name in proc.err):
        problem = f"exit {proc.exit_code}: {proc.err!r}"
    ledger.trial(problem is None)
    assert problem is None, problem
    assert not Path(db).exists()  # refused before any database was opened or created


@pytest.mark.parametrize(
    "args, extra, code, words",
    [
        (["--tz", "Asia", "events"], {}, 3, ("'Asia'", "IANA")),
        (["events"], {"SITLOG_TZ": "Europe"}, 2, ("SITLOG_TZ", "'Europe'")),
        (["--tz", "A" * 300, "events"], {}, 3, ("300 characters",)),
        (["events", "--tz", "../../../../etc/passwd"], {}, 3, ("unknown time zone",)),
        (["events", "--tz", "America"], {}, 3, ("'America'",)),
        (["events"], {"SITLOG_TZ": "Asia/Damascus/"}, 2, ("SITLOG_TZ",)),
    ],
)
def test_zones_that_are_regions_paths_or_too_long_are_refused(
    env: dict[str, str],
    tmp_path: Path,
    reliability: Callable[[str], Ledger],
    args: list[str],
    extra: dict[str, str],
    code: int,
    words: tuple[str, ...],
) -> None:
    ledger = reliability("time zones that are regions, paths or 300 characters, real process")
    proc = run_sitlog(args, env, tmp_path, extra_env=extra)
    problem = one_line_error(proc.exit_code, proc.stdout, proc.stderr)
    if problem is None and not (proc.exit_code == code and all(w in proc.err for w in words)):
        problem = f"exit {proc.exit_code}: {proc.err!r}"
    ledger.trial(problem is None)
    assert problem is None, problem


def test_a_real_zone_still_works(sitlog: Callable[..., Run]) -> None:
    for zone in ("Asia/Damascus", "America/Argentina/ComodRivadavia", "Etc/GMT+3", "UTC", "EST5EDT"):
        assert sitlog("--tz", zone, "when", "2024-11-27T06:30").exit_code == 0, zone


def test_in_process_runs_see_the_same_checks() -> None:
    """The argument check runs inside the click group, so CliRunner (and `log --file` lines) get it too."""
    result = CliRunner().invoke(app, ["events", "--place", UNDECODABLE])
    assert result.exit_code == 2 and "--place is not UTF-8 text ('caf\\xe9')" in result.stderr


def test_a_group_without_its_command_still_shows_its_help() -> None:
    """Only usage *errors* become one line: ``sitlog places`` alone is a request for the group's help."""
    for group in ("places", "actors", "session", "chart"):
        result = CliRunner().invoke(app, [group])
        assert result.exit_code == 2 and "Usage:" in result.output and "Commands:" in result.output, group
