"""Defaults that stick (issue 12): config file, SITLOG_* variables, the logging session, and their precedence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run

Sitlog = Callable[..., Run]


@pytest.fixture
def config(env: dict[str, str]) -> Callable[[str], Path]:
    """Write the test's config file."""

    def write(text: str) -> Path:
        path = Path(env["SITLOG_CONFIG"])
        path.write_text(text, "utf-8")
        return path

    return write


def settings(sitlog: Sitlog, *args: str, **env: str) -> dict[str, Any]:
    run = sitlog(*args, "config", "--json", **env)
    assert run.exit_code == 0, run.stderr
    return {s["key"]: (s["value"], s["origin"]) for s in run.json()["settings"]}


def logged(sitlog: Sitlog, *args: str, **env: str) -> dict[str, Any]:
    run = sitlog("log", *args, "--json", **env)
    assert run.exit_code == 0, run.stderr
    data = run.json()
    assert isinstance(data, dict)
    return data


def test_config_shows_path_values_and_origins(sitlog: Sitlog, config: Callable[[str], Path], db: Path) -> None:
    path = config('operator = "amal"\ngrade = "B2"\nformat = "csv"\n')
    run = sitlog("config", "--json", SITLOG_GRADE="C3")
    assert run.exit_code == 0 and run.json()["config_file"] == str(path)
    got = settings(sitlog, SITLOG_GRADE="C3")
    assert got["operator"] == ("tester", "env")  # SITLOG_OPERATOR is set by the test environment
    assert got["grade"] == ("C3", "env") and got["format"] == ("csv", "file")
    assert got["source"] == (None, "default") and got["at"] == ("now", "default")
    assert got["db"] == (str(db), "env") and got["tz"] == ("UTC", "env")
    assert settings(sitlog, "--tz", "Asia/Damascus")["tz"] == ("Asia/Damascus", "option")
    table = sitlog("config", "-f", "table").stdout
    assert f"config file: {path}" in table and "SITLOG_GRADE" not in table


def test_precedence_option_over_env_over_file(sitlog: Sitlog, actors: None, config: Callable[[str], Path]) -> None:
    config('operator = "from-file"\nsource = "file source"\ngrade = "B2"\nat = "2024-11-26"\n')
    from_file = logged(sitlog, "control", "Aleppo", "--by", "SAA", SITLOG_OPERATOR="")
    assert (from_file["operator"], from_file["source"], from_file["grade"]) == ("from-file", "file source", "B2")
    assert (from_file["at"], from_file["precision"]) == ("2024-11-26", "day")
    from_env = logged(sitlog, "control", "Aleppo", "--by", "SAA", SITLOG_GRADE="C3", SITLOG_AT="2024-11-27")
    assert (from_env["operator"], from_env["grade"], from_env["at"]) == ("tester", "C3", "2024-11-27")
    typed = logged(sitlog, "control", "Aleppo", "--by", "SAA", "--grade", "A1", "--operator", "typed",
                   "--at", "2024-11-25", SITLOG_GRADE="C3")  # fmt: skip
    assert (typed["operator"], typed["grade"], typed["at"]) == ("typed", "A1", "2024-11-25")
    # amend never takes log defaults: it would silently rewrite those fields
    amended = sitlog("amend", typed["id"], "--note", "x", "--reason", "r", "--json")
    assert amended.json()["grade"] == "A1" and amended.json()["at"] == "2024-11-25"


def test_format_from_file_and_env(sitlog: Sitlog, actors: None, config: Callable[[str], Path]) -> None:
    logged(sitlog, "control", "Aleppo", "--by", "SAA")
    config('format = "csv"\n')
    assert sitlog("events").stdout.startswith("id,at,precision,kind,")  # the machine CSV (issue 13)
    assert sitlog("events", SITLOG_FORMAT="jsonl").stdout.startswith("{")
    assert sitlog("events", "-f", "tsv").stdout.startswith("id\tat\t")


def test_session_carries_source_grade_and_date(sitlog: Sitlog, actors: None, config: Callable[[str], Path]) -> None:
    config('grade = "F6"\nsource = "file"\n')
    started = sitlog("session", "start", "--source", "Reuters 27 Nov", "--grade", "b2", "--at", "yesterday")
    assert started.exit_code == 0 and "session started" in started.stderr
    shown = sitlog("session", "show", "--json").json()
    assert (shown["source"], shown["grade"], shown["at"]) == ("Reuters 27 Nov", "B2", "2024-11-27")
    event = logged(sitlog, "strike", "Ariha", "--by", "SAA", SITLOG_SOURCE="env source")
    assert (event["source"], event["grade"], event["at"]) == ("Reuters 27 Nov", "B2", "2024-11-27")
    # "yesterday" was resolved when the session started: a day later it still means 27 Nov.
    later = logged(sitlog, "strike", "Ariha", "--by", "SAA", "--grade", "C3", SITLOG_NOW="2024-11-29T12:00:00+00:00")
    assert (later["grade"], later["at"]) == ("C3", "2024-11-27")
    got = settings(sitlog)
    assert got["source"] == ("Reuters 27 Nov", "session") and got["grade"] == ("B2", "session")
    # One session per database.
    other = {"SITLOG_DB": str(Path(sitlog("config", "--json").json()["config_file"]).parent / "other.db")}
    assert sitlog("session", "show", "--json", **other).stdout.strip() == "null"
    assert sitlog("session", "end").exit_code == 0
    assert sitlog("session", "show").stderr.startswith("no session open")
    after = logged(sitlog, "strike", "Ariha", "--by", "SAA")
    assert (after["source"], after["grade"], after["precision"]) == ("file", "F6", "exact")


def test_session_start_checks_what_it_stores(sitlog: Sitlog) -> None:
    assert sitlog("session", "start").exit_code == 2
    bad = sitlog("session", "start", "--grade", "Z9")
    assert bad.exit_code == 3 and bad.stderr.startswith("Error: grade must be")
    assert sitlog("session", "show", "--json").stdout.strip() == "null"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SITLOG_GRADE", "Z9", "Error: environment variable SITLOG_GRADE: grade must be A1..F6"),
        ("SITLOG_TZ", "Mars/Olympus", "Error: environment variable SITLOG_TZ: unknown time zone 'Mars/Olympus'"),
        ("SITLOG_AT", "2024-13-01", "Error: environment variable SITLOG_AT: '2024-13-01' is not a real date"),
        ("SITLOG_FORMAT", "yaml", "Error: environment variable SITLOG_FORMAT: format must be one of"),
        ("SITLOG_NOW", "soon", "Error: environment variable SITLOG_NOW: cannot read time 'soon'"),
    ],
)
def test_a_bad_variable_is_named_and_exits_2(
    sitlog: Sitlog, db: Path, variable: str, value: str, expected: str
) -> None:
    before = db.read_bytes()
    run = sitlog("log", "control", "Aleppo", "--by", "SAA", **{variable: value})
    assert run.exit_code == 2 and run.stderr.startswith(expected) and run.stderr.count("\n") == 1
    assert run.stdout == "" and db.read_bytes() == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('grade = "Q1"\n', "({key}): grade must be A1..F6".format(key="grade")),
        ("colour = 'red'\n", "unknown key 'colour'"),
        ("grade = 2\n", "grade must be a non-empty string"),
        ("grade = \n", "not valid TOML"),
        ('format = "yaml"\n', "format must be one of"),
    ],
)
def test_a_bad_config_file_is_named_and_exits_2(
    sitlog_proc: Sitlog, config: Callable[[str], Path], text: str, expected: str
) -> None:
    path = config(text)
    run = sitlog_proc("events")
    assert run.exit_code == 2, run.stderr
    assert run.stderr.startswith(f"Error: config file {path}") and expected in run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
