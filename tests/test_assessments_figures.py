"""Issue 11, part 2: unknown is not zero, one event per fact, local days, bad input — through the CLI.

The choices behind option names and JSON shapes are listed at the top of tests/test_assessments.py;
the ones this module pins:

- Unknown is not zero. A summary figure (``killed``, ``injured``, ``captured``, ``displaced_people``,
  ``displaced_families``) that no assessed event of the day (or range) carried is ``null`` in JSON,
  ``–`` in table/markdown and an empty cell in csv/tsv; an empty day is all ``null``. Claims never
  make a figure known. Each day and the total get ``events_with``: how many assessed events carried
  each figure (the same five keys).
- Corroboration. ``log … --corroborates ID`` (id or unique prefix) and ``sitlog corroborate ID
  --source TEXT [--grade XN]`` add a source to the existing event as a new revision (so ``undo``
  reverts it and nothing is deleted); no event is created; ``--json`` prints the corroborated event.
  Event JSON gains ``sources``: a list of ``{source, grade, operator, recorded_at}``, the first
  being the original report. ``log`` warns on stderr ("likely duplicate of ID", suggesting
  ``--corroborates``) when an event of the same kind, place and report-zone day names the same
  person (compared as names are: case- and accent-insensitively), holder (control) or actor set
  (clash, strike, advance); it still logs. Summary ``persons`` items get ``sources`` (a count).
  ``events --min-sources N`` (N ≥ 1).
- Local days. A day-precision event starts at local midnight of its day in the report zone: it
  orders against exact events, opens its span and counts for ``--at`` from there.
- Bad input is exit 3, one ``Error:`` line, nothing written. Issue 11 asks exit 3 also for an
  unknown id given to ``--corroborates`` (a reference inside a write command, like an unknown name),
  where ``amend``/``show`` of an unknown id stay exit 4.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Run

Sitlog = Callable[..., Run]
SAA = "Syrian Arab Army"
FIGURES = ("killed", "injured", "captured", "displaced_people", "displaced_families")
PLACE = "western Aleppo countryside"


def logged(sitlog: Sitlog, *args: str, **env: str) -> dict[str, Any]:
    run = sitlog("log", *args, "--json", **env)
    assert run.exit_code == 0, run.stderr
    event: dict[str, Any] = run.json()
    return event


def ok(run: Run) -> Any:
    assert run.exit_code == 0, run.stderr
    return run.json()


def event_count(sitlog: Sitlog) -> int:
    return len(ok(sitlog("events", "--all", "--json")))


def cell(table: str, row_start: str, column: str) -> str:
    """One cell of a plain table: the text under ``column``'s header in the row starting with ``row_start``."""
    lines = table.splitlines()
    header = next(line for line in lines if f" {column} " in f" {line} ")
    start = f" {header} ".index(f" {column} ")
    end = header.find("  ", start + len(column))
    row = next(line for line in lines if line.startswith(row_start))
    return row[start : end if end != -1 else None].strip()


# --- unknown is not zero -------------------------------------------------------------------------------


@pytest.fixture
def fighting(sitlog: Sitlog, actors: None) -> None:
    """A day of intense fighting with deaths reported and no injury figure; a claim of injured."""
    logged(sitlog, "casualties", PLACE, "--new-place", "--killed", "3", "--side", "SAA", "--at", "2024-11-27")
    logged(sitlog, "casualties", PLACE, "--killed", "10+", "--side", "HTS", "--at", "2024-11-27T10:00")
    logged(sitlog, "casualties", PLACE, "--injured", "dozens", "--side", "HTS", "--claimed-by", "SANA",
           "--at", "2024-11-27T11:00")  # fmt: skip


def test_a_figure_nobody_reported_is_null_and_summaries_count_who_carried_it(sitlog: Sitlog, fighting: None) -> None:
    [day] = ok(sitlog("summary", "--day", "2024-11-27", "--json"))["days"]
    assert (day["killed"]["low"], day["killed"]["high"]) == (13, None)
    assert day["injured"] is None and day["captured"] is None
    assert day["displaced_people"] is None and day["displaced_families"] is None
    assert day["events_with"] == {"killed": 2, "injured": 0, "captured": 0, "displaced_people": 0,
                                  "displaced_families": 0}  # fmt: skip
    [claim] = day["claims"]
    assert claim["injured"]["text"] == "dozens"


def test_an_empty_day_and_a_range_total_are_unknown_not_zero(sitlog: Sitlog, fighting: None) -> None:
    data = ok(sitlog("summary", "--since", "2024-11-26", "--until", "2024-11-28", "--json"))
    empty = data["days"][0]
    assert all(empty[name] is None for name in FIGURES) and set(empty["events_with"].values()) == {0}
    total = data["total"]
    assert total["killed"]["low"] == 13 and total["injured"] is None
    assert total["events_with"]["killed"] == 2


def test_unknown_figures_show_as_a_dash_in_tables_and_empty_in_csv(sitlog: Sitlog, fighting: None) -> None:
    table = sitlog("summary", "--day", "2024-11-27")
    assert table.exit_code == 0, table.stderr
    assert cell(table.stdout, "2024-11-27", "injured") == "–"
    assert cell(table.stdout, "2024-11-27", "captured") == "–"
    assert cell(table.stdout, "2024-11-27", "killed") == "13+"
    [row] = list(csv.DictReader(io.StringIO(sitlog("summary", "--day", "2024-11-27", "-f", "csv").stdout)))
    assert row["injured_low"] == row["injured_high"] == "" and row["killed_low"] == "13"  # machine CSV (issue 13)


# --- corroboration: one event per fact -----------------------------------------------------------------


@pytest.fixture
def obeida(sitlog: Sitlog, actors: None) -> str:
    """Abu Obeida's death, first reported by Reuters."""
    event = logged(sitlog, "casualties", PLACE, "--new-place", "--killed", "1", "--side", "HTS",
                   "--person", "Abu Obeida", "--source", "Reuters", "--grade", "B2", "--at", "2024-11-27")  # fmt: skip
    event_id: str = event["id"]
    return event_id


def test_corroborates_adds_a_source_to_the_event_instead_of_a_new_one(sitlog: Sitlog, obeida: str) -> None:
    before = event_count(sitlog)
    run = sitlog("log", "casualties", PLACE, "--killed", "1", "--side", "HTS", "--person", "Abu Obeida",
                 "--source", "Al Jazeera", "--grade", "B2", "--at", "2024-11-27", "--corroborates", obeida[:10],
                 "--json")  # fmt: skip
    assert run.exit_code == 0, run.stderr
    assert run.json()["id"] == obeida and obeida in run.stderr
    assert event_count(sitlog) == before
    event = ok(sitlog("show", obeida, "--json"))
    assert [s["source"] for s in event["sources"]] == ["Reuters", "Al Jazeera"]
    assert event["revision"] == 2
    [day] = ok(sitlog("summary", "--day", "2024-11-27", "--json"))["days"]
    assert (day["killed"]["low"], day["killed"]["high"]) == (1, 1)
    assert [(p["name"], p["sources"]) for p in day["persons"]] == [("Abu Obeida", 2)]


def test_corroborate_command_adds_a_graded_source_and_undo_takes_it_back(sitlog: Sitlog, obeida: str) -> None:
    before = event_count(sitlog)
    run = sitlog("corroborate", obeida[:10], "--source", "SOHR", "--grade", "C3")
    assert run.exit_code == 0, run.stderr
    assert obeida in run.stderr and event_count(sitlog) == before
    sources = ok(sitlog("show", obeida, "--json"))["sources"]
    assert [(s["source"], s["grade"]) for s in sources] == [("Reuters", "B2"), ("SOHR", "C3")]
    assert sitlog("undo", "--yes").exit_code == 0  # no terminal to confirm on: --yes, as every undo test
    assert [s["source"] for s in ok(sitlog("show", obeida, "--json"))["sources"]] == ["Reuters"]


def test_log_warns_of_a_likely_duplicate_and_names_it(sitlog: Sitlog, obeida: str) -> None:
    again = sitlog("log", "casualties", PLACE, "--killed", "1", "--person", "abu obeida", "--source", "AFP",
                   "--at", "2024-11-27T15:00")  # fmt: skip
    assert again.exit_code == 0, again.stderr
    assert "likely duplicate" in again.stderr and obeida in again.stderr and "--corroborates" in again.stderr
    other = sitlog("log", "casualties", PLACE, "--killed", "1", "--person", "Abu Yusuf", "--at", "2024-11-27")
    assert other.exit_code == 0 and "duplicate" not in other.stderr
    later = sitlog("log", "casualties", PLACE, "--killed", "1", "--person", "Abu Obeida", "--at", "2024-12-03")
    assert later.exit_code == 0 and "duplicate" not in later.stderr


def test_events_min_sources(sitlog: Sitlog, obeida: str) -> None:
    single = logged(sitlog, "strike", "Idlib", "--by", "SAA", "--source", "Reuters", "--at", "2024-11-27")
    assert sitlog("corroborate", obeida, "--source", "Al Jazeera").exit_code == 0
    assert [e["id"] for e in ok(sitlog("events", "--min-sources", "2", "--json"))] == [obeida]
    assert {e["id"] for e in ok(sitlog("events", "--min-sources", "1", "--json"))} == {obeida, single["id"]}
    assert sitlog("events", "--min-sources", "0").exit_code == 2


# --- local days ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "days", "shown"),
    [("Asia/Damascus", 0.88, "21 h 0 min"), ("America/New_York", 0.54, "13 h 0 min")],
)
def test_a_day_precision_span_starts_at_local_midnight(
    sitlog: Sitlog, actors: None, zone: str, days: float, shown: str
) -> None:
    """Now is 18:00 UTC on the capture day: 21:00 in Damascus (+03), 13:00 in New York (−05)."""
    logged(sitlog, "control", "Bala", "--new-place", "--by", "HTS", "--at", "2024-11-27")
    env = {"SITLOG_TZ": zone, "SITLOG_NOW": "2024-11-27T18:00:00Z"}
    [span] = ok(sitlog("history", "Bala", "--json", **env))["control"]
    assert (span["holder"], span["from"], span["duration_days"]) == ("HTS", "2024-11-27", days)
    assert shown in sitlog("history", "Bala", **env).stdout
    assert len(ok(sitlog("status", "--at", "2024-11-27T00:30", "--json", **env))) == 1
    assert ok(sitlog("status", "--at", "2024-11-26T23:30", "--json", **env)) == []


def test_a_day_precision_capture_follows_an_exact_report_of_the_local_evening_before(
    sitlog: Sitlog, actors: None
) -> None:
    """New York: SAA seen holding Bala at 20:00 on the 26th (01:00 UTC on the 27th); HTS took it on the 27th."""
    ny = {"SITLOG_TZ": "America/New_York"}
    held = logged(sitlog, "control", "Bala", "--new-place", "--by", "SAA", "--at", "2024-11-26T20:00", **ny)
    capture = logged(sitlog, "control", "Bala", "--by", "HTS", "--at", "2024-11-27", **ny)
    assert [e["event_id"] for e in ok(sitlog("status", "--at", "2024-11-26T21:00", "--json", **ny))] == [held["id"]]
    for at in ("2024-11-27T01:00", "2024-11-27T23:00", "now"):
        [entry] = ok(sitlog("status", "--at", at, "--json", **ny))
        assert (entry["holder"], entry["event_id"]) == ("HTS", capture["id"]), at
    spans = ok(sitlog("history", "Bala", "--json", **ny))["control"]
    assert [s["holder"] for s in spans] == [SAA, "HTS"]


# --- bad input -----------------------------------------------------------------------------------------


@pytest.fixture
def bala(sitlog: Sitlog, actors: None) -> None:
    logged(sitlog, "control", "Bala", "--new-place", "--by", "SAA", "--at", "2020-03-01")


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("control", "Bala", "--by", "HTS", "--from", "Hayat Tahrir al-Sham"), "--from"),
        (("control", "Bala", "--status", "contested", "--against", "HTS"), "two"),
        (("control", "Bala", "--by", "SAA", "--status", "contested"), "two"),
        (("control", "Bala", "--status", "contested", "--against", "HTS", "--against", "Hayat Tahrir al-Sham"), "two"),
        (("advance", "--toward", "Nubl", "--by", "HTS", "--distance", "-5"), "negative"),
        (("casualties", "Bala", "--killed", "1", "--corroborates", "01JDZZZZZZZZZZZZZZZZZZZZZZ"), "no event"),
    ],
)
def test_bad_input_is_exit_3_one_line_and_nothing_written(
    sitlog: Sitlog, bala: None, args: tuple[str, ...], text: str
) -> None:
    before = event_count(sitlog)
    run = sitlog("log", *args)
    assert run.exit_code == 3, run.stderr
    assert run.stdout == "" and run.stderr.startswith("Error: ") and run.stderr.count("\n") == 1
    assert text in run.stderr
    assert event_count(sitlog) == before


def test_corroborating_a_retracted_event_is_refused(sitlog: Sitlog, obeida: str) -> None:
    assert sitlog("retract", obeida, "--reason", "wrong person").exit_code == 0
    revisions = len(ok(sitlog("show", obeida, "--revisions", "--json"))["revisions"])
    before = event_count(sitlog)
    for run in (
        sitlog("corroborate", obeida, "--source", "AFP"),
        sitlog("log", "casualties", PLACE, "--killed", "1", "--person", "Abu Obeida", "--corroborates", obeida),
    ):
        assert run.exit_code == 3, run.stderr
        assert run.stderr.startswith("Error: ") and run.stderr.count("\n") == 1 and "retracted" in run.stderr
    assert event_count(sitlog) == before
    assert len(ok(sitlog("show", obeida, "--revisions", "--json"))["revisions"]) == revisions
