"""Faithful machine formats (issue 13): every flag of a table in every format, report CSVs with machine values."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable

import pytest

from tests.conftest import Run

Sitlog = Callable[..., Run]
INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
DAY = re.compile(r"\d{4}-\d\d-\d\d")


@pytest.fixture
def flagged(sitlog: Sitlog, actors: None) -> dict[str, str]:
    """Three events: assessed, claimed by HTS, and retracted."""
    ids = {}
    for name, extra in (("assessed", []), ("claimed", ["--claimed-by", "HTS"]), ("retracted", [])):
        run = sitlog("log", "strike", "Ariha", "--by", "SAA", "--at", "2024-11-27T06:00", "--json", *extra)
        assert run.exit_code == 0, run.stderr
        ids[name] = run.json()["id"]
    assert sitlog("retract", ids["retracted"], "--reason", "duplicate").exit_code == 0
    return ids


def _rows(text: str, delimiter: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_and_tsv_carry_claimed_and_retracted(sitlog: Sitlog, flagged: dict[str, str], fmt: str) -> None:
    rows = {r["id"]: r for r in _rows(sitlog("events", "--all", "-f", fmt).stdout, "," if fmt == "csv" else "\t")}
    assert (rows[flagged["assessed"]]["claimed"], rows[flagged["assessed"]]["retracted"]) == ("false", "false")
    assert (rows[flagged["claimed"]]["claimed"], rows[flagged["claimed"]]["claimed_by"]) == ("true", "HTS")
    assert rows[flagged["retracted"]]["retracted"] == "true"
    assert all(INSTANT.fullmatch(r["at"]) and INSTANT.fullmatch(r["recorded_at"]) for r in rows.values())


@pytest.mark.parametrize("fmt", ["markdown", "table"])
def test_markdown_and_piped_tables_carry_the_flags(sitlog: Sitlog, flagged: dict[str, str], fmt: str) -> None:
    out = sitlog("events", "--all", "-f", fmt).stdout
    lines = {key: next(line for line in out.splitlines() if event_id in line) for key, event_id in flagged.items()}
    header = out.splitlines()[0]
    assert "claimed" in header and "retracted" in header
    assert "HTS" in lines["claimed"] and "yes" not in lines["assessed"]
    assert re.search(r"\byes\b", lines["retracted"])


def test_json_and_jsonl_carry_the_flags(sitlog: Sitlog, flagged: dict[str, str]) -> None:
    by_id = {e["id"]: e for e in sitlog("events", "--all", "--json").json()}
    assert by_id[flagged["claimed"]]["claimed"] is True and by_id[flagged["retracted"]]["retracted"] is True
    lines = [json.loads(line) for line in sitlog("events", "--all", "-f", "jsonl").stdout.splitlines()]
    assert [e["id"] for e in lines] == list(by_id)


def test_history_tables_show_retracted_only_with_all(sitlog: Sitlog, flagged: dict[str, str]) -> None:
    assert "retracted" not in sitlog("history", "Ariha", "-f", "markdown").stdout
    out = sitlog("history", "Ariha", "--all", "-f", "markdown").stdout
    line = next(line for line in out.splitlines() if flagged["retracted"] in line)
    assert line.rstrip(" |").endswith("yes")


@pytest.fixture
def town(sitlog: Sitlog, actors: None) -> None:
    for args in (
        ("control", "Anjara", "--by", "SAA", "--at", "2024-10", "--new-place"),
        ("control", "Anjara", "--by", "HTS", "--status", "contested", "--against", "SAA", "--at", "2024-11-27T06:00"),
        ("casualties", "Anjara", "--killed", "10-15", "--at", "2024-11-27T08:00"),
        ("casualties", "Anjara", "--killed", "dozens", "--at", "2024-11-27T09:00", "--claimed-by", "HTS"),
    ):
        assert sitlog("log", *args).exit_code == 0


SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


@pytest.mark.parametrize(
    "command", [["status"], ["history", "Anjara"], ["summary", "--since", "2024-11-26", "--until", "2024-11-27"]]
)
def test_report_csvs_are_machine_values(sitlog: Sitlog, town: None, command: list[str]) -> None:
    out = sitlog(*command, "-f", "csv").stdout
    header = out.splitlines()[0].split(",")
    assert all(SNAKE.fullmatch(name) for name in header), header
    assert not set(out) & set("█·…→") and " y " not in out and " mo" not in out
    for row in _rows(out, ","):
        for key in ("since", "from", "until", "day"):
            if row.get(key):
                assert DAY.fullmatch(row[key]) or INSTANT.fullmatch(row[key]), (key, row[key])


def test_summary_csv_has_low_and_high_columns(sitlog: Sitlog, town: None) -> None:
    rows = _rows(sitlog("summary", "--day", "2024-11-27", "-f", "csv").stdout, ",")
    assert len(rows) == 1
    day = rows[0]
    # The claim (dozens) stays out of the totals, as in the JSON; an unknown high is empty.
    assert (day["killed_low"], day["killed_high"], day["claims"]) == ("10", "15", "1")
    as_json = sitlog("summary", "--day", "2024-11-27", "--json").json()["days"][0]
    assert int(day["events"]) == as_json["events"] and int(day["control"]) == as_json["by_kind"]["control"]


def test_status_and_history_csv_match_their_json(sitlog: Sitlog, town: None) -> None:
    status = _rows(sitlog("status", "-f", "csv").stdout, ",")[0]
    entry = sitlog("status", "--json").json()[0]
    assert (status["since"], status["claimed"], status["against"]) == (entry["since"], "false", "Syrian Arab Army")
    spans = _rows(sitlog("history", "Anjara", "-f", "csv").stdout, ",")
    control = sitlog("history", "Anjara", "--json").json()["control"]
    assert [s["from"] for s in spans] == [c["from"] for c in control]
    assert [float(s["duration_days"]) for s in spans] == [c["duration_days"] for c in control]
