"""status, history, summary, check and backup through the real CLI: what an analyst sees."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Run

Sitlog = Callable[..., Run]
FORMATS = ["table", "json", "jsonl", "csv", "tsv", "markdown"]


def logged(sitlog: Sitlog, *args: str, **env: str) -> str:
    """Log an event and return its id."""
    run = sitlog("log", *args, "--json", **env)
    assert run.exit_code == 0, run.stderr
    event_id: str = run.json()["id"]
    return event_id


@pytest.fixture
def town(sitlog: Sitlog, actors: None) -> None:
    """Anjara: government-held, captured by HTS, then retaken; a clash and casualties in between.

    Since issue 10 Anjara is bundled (OCHA C1144, with coordinates); the fixture adds the alias it used to."""
    assert sitlog("places", "alias", "Anjara", "Anjarah").exit_code == 0
    logged(sitlog, "control", "Anjara", "--by", "SAA", "--at", "2020-03-06")
    logged(sitlog, "control", "Anjara", "--by", "HTS", "--at", "2024-11-27T09:00", "--grade", "B2", "--source", "press")
    logged(sitlog, "clash", "Anjara", "--actor", "HTS", "--actor", "SAA", "--at", "2024-11-28T08:00")
    logged(sitlog, "casualties", "Anjara", "--killed", "4", "--side", "SAA", "--at", "2024-11-28T09:00")


# --- status --------------------------------------------------------------------------------------------


def test_status_lists_holder_status_since_and_the_event_it_rests_on(sitlog: Sitlog, town: None) -> None:
    run = sitlog("status", "--json")
    assert run.exit_code == 0, run.stderr
    [entry] = run.json()
    assert entry["place"] == "Anjara" and entry["holder"] == "HTS" and entry["status"] == "held"
    assert entry["since"] == "2024-11-27T09:00:00+00:00" and entry["against"] == [] and entry["part"] is None
    shown = sitlog("events", "--kind", "control", "--json").json()
    assert entry["event_id"] == shown[-1]["id"]


def test_status_before_a_place_first_control_event_leaves_it_out(sitlog: Sitlog, town: None) -> None:
    logged(sitlog, "control", "Aleppo", "--by", "SAA", "--at", "2024-01-10")
    places = [e["place"] for e in sitlog("status", "--at", "2023-06-01", "--json").json()]
    assert places == ["Anjara"]
    assert sitlog("status", "--at", "2019-12-31", "--json").json() == []


def test_status_at_a_past_moment_gives_the_holder_then(sitlog: Sitlog, town: None) -> None:
    [before] = sitlog("status", "--at", "2024-11-27T08:59", "--json").json()
    [after] = sitlog("status", "--at", "2024-11-27T09:00", "--json").json()
    assert (before["holder"], after["holder"]) == ("Syrian Arab Army", "HTS")


def test_clashes_do_not_change_control(sitlog: Sitlog, town: None) -> None:
    logged(sitlog, "clash", "Anjara", "--actor", "SAA", "--actor", "HTS", "--outcome", "SAA repelled")
    [entry] = sitlog("status", "--json").json()
    assert entry["holder"] == "HTS"


def test_same_instant_control_later_recorded_wins_and_check_reports_it(sitlog: Sitlog, town: None) -> None:
    first = logged(sitlog, "control", "Bala", "--new-place", "--by", "HTS", "--at", "2024-11-27T10:00")
    second = logged(sitlog, "control", "Bala", "--by", "SAA", "--at", "2024-11-27T10:00",
                    SITLOG_NOW="2024-11-28T13:00:00+00:00")  # fmt: skip
    entry = next(e for e in sitlog("status", "--json").json() if e["place"] == "Bala")
    assert entry["holder"] == "Syrian Arab Army" and entry["event_id"] == second
    check = sitlog("check")
    assert check.exit_code == 3
    assert "Bala" in check.stdout and first in check.stdout and second in check.stdout
    assert check.stderr.startswith("Error: check found 1 problem")


def test_many_reports_at_one_instant_are_one_short_line_in_check(sitlog: Sitlog, town: None) -> None:
    """A bulk import can stack dozens of disagreeing reports at one instant: check names a few and counts the rest."""
    ids = []
    for i in range(9):
        new_place = ["--new-place"] if i == 0 else []
        ids.append(logged(sitlog, "control", "Bala", *new_place, "--by", "HTS" if i % 2 else "SAA",
                          "--at", "2024-11-27T10:00", SITLOG_NOW=f"2024-11-28T13:{i:02d}:00+00:00"))  # fmt: skip
    check = sitlog("check")
    assert check.exit_code == 3
    [line] = [line for line in check.stdout.splitlines() if "Bala" in line]
    assert "6 more" in line and sum(event_id in line for event_id in ids) == 4


def test_partial_and_contested_show_as_such_in_status_history_and_summary(sitlog: Sitlog, town: None) -> None:
    logged(sitlog, "control", "Anjara", "--by", "SAA", "--status", "partial", "--part", "south", "--against", "HTS",
           "--at", "2024-11-28T10:00")  # fmt: skip
    logged(sitlog, "control", "Bala", "--new-place", "--by", "SAA", "--status", "contested", "--against", "HTS",
           "--at", "2024-11-28T11:00")  # fmt: skip
    status = {e["place"]: e for e in sitlog("status", "--json").json()}
    assert (status["Anjara"]["status"], status["Anjara"]["part"]) == ("partial", "south")
    assert (status["Bala"]["status"], status["Bala"]["against"]) == ("contested", ["HTS"])
    spans = sitlog("history", "Anjara", "--json").json()["control"]
    assert [(s["holder"], s["status"], s["part"]) for s in spans] == [
        ("Syrian Arab Army", "held", None),
        ("HTS", "held", None),
        ("Syrian Arab Army", "partial", "south"),
    ]
    changes = sitlog("summary", "--day", "2024-11-28", "--json").json()["days"][0]["control_changes"]
    assert [(c["place"], c["from"], c["to"], c["status"], c["part"]) for c in changes] == [
        ("Anjara", "HTS", "Syrian Arab Army", "partial", "south"),
        ("Bala", None, "Syrian Arab Army", "contested", None),
    ]
    table = sitlog("status").stdout
    assert "partial (south)" in table and "contested" in table


def test_status_filters_by_actor_family_and_governorate(sitlog: Sitlog, town: None) -> None:
    assert sitlog("actors", "add", "Northern Storm Brigade", "--parent", "HTS", "--type", "rebel").exit_code == 0
    logged(sitlog, "control", "Idlib", "--by", "Northern Storm Brigade", "--at", "2024-11-27")
    logged(sitlog, "control", "Nubl", "--by", "SAA", "--status", "contested", "--against", "HTS", "--at", "2024-11-27")
    hts = [e["place"] for e in sitlog("status", "--actor", "Hayat Tahrir al-Sham", "--json").json()]
    assert hts == ["Anjara", "Idlib", "Nubl"]
    brigade = [e["place"] for e in sitlog("status", "--actor", "Northern Storm Brigade", "--json").json()]
    assert brigade == ["Idlib"]
    idlib = [e["place"] for e in sitlog("status", "--admin1", "Idlib", "--json").json()]
    assert idlib == ["Idlib"]
    unknown = sitlog("status", "--actor", "Nobody at all")
    assert unknown.exit_code == 4 and unknown.stderr.startswith("Error: unknown actor")


def test_status_known_at_uses_only_what_was_recorded_by_then(sitlog: Sitlog, town: None) -> None:
    logged(sitlog, "control", "Anjara", "--by", "SAA", "--at", "2024-11-27T12:00", SITLOG_NOW="2024-11-29T08:00:00Z")
    [now] = sitlog("status", "--json", SITLOG_NOW="2024-11-30T00:00:00Z").json()
    [then] = sitlog("status", "--known-at", "2024-11-28T12:00", "--json", SITLOG_NOW="2024-11-30T00:00:00Z").json()
    assert (now["holder"], then["holder"]) == ("Syrian Arab Army", "HTS")
    assert sitlog("status", "--known-at", "2020-01-01T00:00", "--json").json() == []


def test_status_known_at_far_ahead_agrees_with_the_head_table(sitlog: Sitlog, town: None) -> None:
    logged(sitlog, "control", "Bala", "--new-place", "--by", "HTS", "--at", "2024-11-27")
    logged(sitlog, "control", "Bala", "--by", "SAA", "--at", "2024-11-27T23:30", "--claimed")
    for at in ("2024-11-27", "2024-11-27T12:00", "now"):
        for zone in ("UTC", "America/Los_Angeles", "Asia/Damascus"):
            fast = sitlog("status", "--at", at, "--json", SITLOG_TZ=zone).json()
            slow = sitlog("status", "--at", at, "--known-at", "2030-01-01", "--json", SITLOG_TZ=zone).json()
            assert fast == slow, (at, zone)


# --- history -------------------------------------------------------------------------------------------


def test_history_shows_place_spans_and_every_event(sitlog: Sitlog, town: None) -> None:
    run = sitlog("history", "Anjarah", "--json")
    assert run.exit_code == 0, run.stderr
    data = run.json()
    assert data["place"]["name"] == "Anjara" and data["place"]["aliases"] == ["عنجارة", "Anjarah"]
    assert data["place"]["admin1"] == "Aleppo" and data["place"]["lat"] == 36.217733
    assert [(s["holder"], s["from"], s["until"]) for s in data["control"]] == [
        ("Syrian Arab Army", "2020-03-06", "2024-11-27T09:00:00+00:00"),
        ("HTS", "2024-11-27T09:00:00+00:00", None),
    ]
    assert data["control"][1]["duration_days"] == 1.12
    assert [e["kind"] for e in data["events"]] == ["control", "control", "clash", "casualties"]
    assert data["events"][1]["source"] == "press" and data["events"][1]["grade"] == "B2"


def test_history_capture_then_recapture_gives_two_spans(sitlog: Sitlog, actors: None) -> None:
    logged(sitlog, "control", "Bala", "--new-place", "--by", "HTS", "--at", "2024-11-27")
    logged(sitlog, "control", "Bala", "--by", "SAA", "--at", "2024-11-28T06:00")
    spans = sitlog("history", "Bala", "--json").json()["control"]
    assert [(s["holder"], s["until"]) for s in spans] == [
        ("HTS", "2024-11-28T06:00:00+00:00"),
        ("Syrian Arab Army", None),
    ]


def test_history_window_clips_spans_not_facts(sitlog: Sitlog, town: None) -> None:
    data = sitlog("history", "Anjara", "--since", "2024-11-28", "--json").json()
    assert [(s["holder"], s["from"], s["clipped"]) for s in data["control"]] == [
        ("HTS", "2024-11-28T00:00:00+00:00", True)
    ]
    assert [e["kind"] for e in data["events"]] == ["clash", "casualties"]
    early = sitlog("history", "Anjara", "--until", "2024-01-01", "--json").json()
    assert [(s["holder"], s["until"]) for s in early["control"]] == [("Syrian Arab Army", "2024-01-02T00:00:00+00:00")]


def test_history_unknown_place_is_exit_4_with_candidates(sitlog: Sitlog, town: None) -> None:
    run = sitlog("history", "Anjerat")
    assert run.exit_code == 4 and run.stdout == ""
    assert run.stderr.startswith("Error: unknown place") and "did you mean" in run.stderr and "Anjara" in run.stderr
    assert "Traceback" not in run.stderr


def test_history_table_reads_at_a_glance_and_shows_user_text_literally(sitlog: Sitlog, town: None) -> None:
    logged(sitlog, "strike", "Anjara", "--by", "SAA", "--at", "2024-11-28T10:00", "--note", "\x1b[31m[bold]x[/]")
    out = sitlog("history", "Anjara").stdout
    assert "Anjara · Aleppo / Jebel Saman / Daret Azza (C1144) · also عنجارة, Anjarah · 36.2177, 36.9449" in out
    assert "█" in out and "now" in out and "\\x1b[31m[bold]x[/]" in out and "\x1b" not in out


def test_retracted_events_are_left_out_of_every_report(sitlog: Sitlog, town: None) -> None:
    capture = sitlog("events", "--kind", "control", "--json").json()[-1]["id"]
    killed = sitlog("events", "--kind", "casualties", "--json").json()[0]["id"]
    for event_id in (capture, killed):
        assert sitlog("retract", event_id, "--reason", "was a raid").exit_code == 0
    [entry] = sitlog("status", "--json").json()
    assert entry["holder"] == "Syrian Arab Army"
    data = sitlog("history", "Anjara", "--json").json()
    assert [s["holder"] for s in data["control"]] == ["Syrian Arab Army"]
    assert capture not in [e["id"] for e in data["events"]]
    everything = sitlog("history", "Anjara", "--all", "--json").json()
    assert {capture, killed} <= {e["id"] for e in everything["events"] if e["retracted"]}
    day = sitlog("summary", "--day", "2024-11-28", "--json").json()["days"][0]
    assert day["killed"] is None and day["by_kind"]["casualties"] == 0  # unknown, not zero (issue 11)


# --- summary -------------------------------------------------------------------------------------------


def test_summary_of_a_day_with_no_events_is_an_empty_day(sitlog: Sitlog, town: None) -> None:
    run = sitlog("summary", "--day", "2023-05-05", "--json")
    assert run.exit_code == 0
    [day] = run.json()["days"]
    assert day["day"] == "2023-05-05" and day["events"] == 0 and day["control_changes"] == []
    assert day["killed"] is None and day["places"] == []  # nobody reported a figure: unknown, not zero


def test_summary_defaults_to_today_in_the_report_zone(sitlog: Sitlog, town: None) -> None:
    [day] = sitlog("summary", "--json").json()["days"]
    assert day["day"] == "2024-11-28" and day["by_kind"]["clash"] == 1


def test_summary_range_gives_days_and_a_total(sitlog: Sitlog, town: None) -> None:
    data = sitlog("summary", "--since", "2024-11-26", "--until", "2024-11-28", "--json").json()
    assert [d["day"] for d in data["days"]] == ["2024-11-26", "2024-11-27", "2024-11-28"]
    assert [d["events"] for d in data["days"]] == [0, 1, 2]
    assert data["total"]["events"] == 3 and data["total"]["killed"] == {
        "low": 4,
        "best": 0,
        "high": 4,
        "without_best": 1,
    }
    assert data["total"]["gains"] == {"HTS": ["Anjara"]} and data["total"]["day_count"] == 3
    table = sitlog("summary", "--since", "2024-11-26", "--until", "2024-11-28").stdout
    assert table.splitlines()[-0 - 1].startswith("total") or "total" in table


def test_summary_claims_beside_totals_and_unknown_high_is_null(sitlog: Sitlog, town: None) -> None:
    claim = ("--claimed-by", "pro-government media")
    logged(sitlog, "casualties", "Anjara", "--killed", "dozens", "--side", "HTS", *claim, "--at", "2024-11-28T12:00")
    logged(sitlog, "casualties", "Anjara", "--killed", "10+", "--side", "HTS", "--at", "2024-11-28T13:00")
    day = sitlog("summary", "--day", "2024-11-28", "--json").json()["days"][0]
    assert day["killed"] == {"low": 14, "best": 0, "high": None, "without_best": 2}
    [claim] = day["claims"]
    assert claim["party"] == "pro-government media" and claim["killed"] == {
        "low": 12,
        "best": None,
        "high": None,
        "text": "dozens",
    }
    assert "Claims (reported by a party, not assessed)" in sitlog("summary", "--day", "2024-11-28").stdout


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "America/Los_Angeles", "Asia/Damascus"])
def test_day_precision_events_fall_in_their_day_in_any_zone(sitlog: Sitlog, actors: None, zone: str) -> None:
    logged(sitlog, "casualties", "Bala", "--new-place", "--killed", "3", "--at", "2024-11-27")
    logged(sitlog, "control", "Bala", "--by", "HTS", "--at", "2024-11-27")
    data = sitlog("summary", "--since", "2024-11-26", "--until", "2024-11-28", "--json", SITLOG_TZ=zone).json()
    assert [d["events"] for d in data["days"]] == [0, 2, 0]
    history = sitlog("history", "Bala", "--since", "2024-11-27", "--until", "2024-11-27", "--json", SITLOG_TZ=zone)
    assert len(history.json()["events"]) == 2
    assert sitlog("status", "--at", "2024-11-26", "--json", SITLOG_TZ=zone).json() == []
    assert len(sitlog("status", "--at", "2024-11-27", "--json", SITLOG_TZ=zone).json()) == 1


def test_summary_counts_a_date_window_once_in_the_period_that_holds_it(sitlog: Sitlog, actors: None) -> None:
    # Issue 9: a month window no longer counts on its first day; no day holds it, the month does.
    strike = logged(sitlog, "strike", "Idlib", "--by", "SAA", "--means", "air", "--at", "2024-11")
    data = sitlog("summary", "--since", "2024-11-01", "--until", "2024-11-30", "--json").json()
    days, total = data["days"], data["total"]
    assert [d["day"] for d in days if d["events"]] == []
    assert all(d["windowed"]["event_ids"] == [strike] for d in days) and len(days) == 30
    assert total["by_kind"]["strike"] == 1 and total["windowed"]["events"] == 0
    assert total["imprecise"][0]["precision"] == "month"
    [month] = sitlog("summary", "--since", "2024-11-01", "--until", "2024-11-30", "--by", "month", "--json").json()[
        "days"
    ]
    assert month["events"] == 1 and (month["day"], month["until"]) == ("2024-11-01", "2024-11-30")


def test_summary_known_at(sitlog: Sitlog, town: None) -> None:
    logged(sitlog, "casualties", "Anjara", "--killed", "7", "--at", "2024-11-28T14:00", SITLOG_NOW="2024-11-29T09:00Z")
    late = sitlog("summary", "--day", "2024-11-28", "--json").json()["days"][0]
    early = sitlog("summary", "--day", "2024-11-28", "--known-at", "2024-11-28T12:00", "--json").json()["days"][0]
    assert (late["killed"]["low"], early["killed"]["low"]) == (11, 4)


# --- every report in every format ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("command", "marker"),
    [
        (("status",), "HTS"),
        (("history", "Anjara"), "Syrian Arab Army"),
        (("summary", "--since", "2024-11-27", "--until", "2024-11-28"), "2024-11-28"),
        (("check",), "integrity"),
    ],
)
def test_every_report_in_every_format(
    sitlog: Sitlog, town: None, command: tuple[str, ...], marker: str, fmt: str
) -> None:
    run = sitlog(*command, "--format", fmt)
    assert run.exit_code == 0, run.stderr
    out = run.stdout
    assert marker in out and "Traceback" not in out
    lines = out.splitlines()
    if fmt == "json":
        assert isinstance(json.loads(out), (list, dict))
    elif fmt == "jsonl":
        assert lines and all(isinstance(json.loads(line), dict) for line in lines)
    elif fmt in ("csv", "tsv"):
        rows = list(csv.reader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
        assert len(rows) >= 2 and len({len(r) for r in rows}) == 1
    elif fmt == "markdown":
        assert any(set(line) <= set("|- ") and "---" in line for line in lines)
        assert all(line.startswith(("|", "### ")) for line in lines if line)
    else:
        assert any(set(line) <= set("- ") and "---" in line for line in lines)


def test_status_csv_has_one_row_per_place(sitlog: Sitlog, town: None) -> None:
    logged(sitlog, "control", "Nubl", "--by", "SAA", "--at", "2024-11-01")
    rows = list(csv.DictReader(io.StringIO(sitlog("status", "-f", "csv").stdout)))
    assert [(r["place"], r["holder"]) for r in rows] == [("Anjara", "HTS"), ("Nubl", "Syrian Arab Army")]


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (("status", "--at", "31/12/2024"), 3, "ambiguous"),
        (("status", "--at", "soon"), 3, "cannot read time"),
        (("status", "--format", "xml"), 2, "--format must be one of"),
        (("history", "Anjara", "--since", "2024-11-28", "--until", "2024-11-27"), 3, "--since must be before"),
        (("summary", "--day", "2024-11-27", "--since", "2024-11-26"), 2, "either --day or"),
        (("summary", "--until", "2024-11-27"), 2, "--until needs --since"),
        (("summary", "--since", "2024-11-28", "--until", "2024-11-27"), 3, "is after --until"),
        (("summary", "--since", "1990-01-01", "--until", "2024-11-27"), 3, "at most"),
        (("summary", "--day", "2024-02-30"), 3, "not a real date"),
    ],
)
def test_bad_input_is_one_error_line_and_the_spec_exit_code(
    sitlog: Sitlog, town: None, args: tuple[str, ...], code: int, text: str
) -> None:
    run = sitlog(*args)
    assert run.exit_code == code, run.stderr
    assert run.stdout == "" and run.stderr.startswith("Error: ") and text in run.stderr
    assert run.stderr.count("\n") == 1


# --- check and backup ----------------------------------------------------------------------------------


def test_check_passes_on_a_healthy_database(sitlog: Sitlog, town: None) -> None:
    run = sitlog("check", "--json")
    assert run.exit_code == 0, run.stderr
    data = run.json()
    assert data["ok"] is True and {c["check"] for c in data["checks"]} >= {"integrity", "foreign keys", "head table"}
    assert "all 6 checks passed" in run.stderr


def test_check_finds_a_head_table_out_of_step(sitlog: Sitlog, town: None, db: Path) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE events SET at_utc = '2001-01-01T00:00:00Z' WHERE kind = 'clash'")
    conn.close()
    run = sitlog("check", "--json")
    assert run.exit_code == 3
    [heads] = [c for c in run.json()["checks"] if c["check"] == "head table"]
    assert heads["ok"] is False and "head columns differ" in heads["problems"][0]


def test_check_without_a_database_is_exit_6(sitlog: Sitlog, tmp_path: Path) -> None:
    run = sitlog("--db", str(tmp_path / "none.db"), "check")
    assert run.exit_code == 6 and "no sitlog database" in run.stderr
    assert not (tmp_path / "none.db").exists()


def test_backup_is_a_consistent_copy_and_never_overwrites(sitlog: Sitlog, town: None, tmp_path: Path) -> None:
    dest = tmp_path / "copy.db"
    run = sitlog("backup", str(dest))
    assert run.exit_code == 0, run.stderr
    assert "backed up 4 events (4 revisions)" in run.stderr and dest.stat().st_mode & 0o077 == 0
    original = sitlog("history", "Anjara", "--json").json()
    assert sitlog("--db", str(dest), "history", "Anjara", "--json").json() == original
    assert sitlog("--db", str(dest), "check").exit_code == 0
    again = sitlog("backup", str(dest))
    assert again.exit_code == 3 and "already exists" in again.stderr
    nowhere = sitlog("backup", str(tmp_path / "missing" / "copy.db"))
    assert nowhere.exit_code == 3 and "does not exist" in nowhere.stderr


def test_reports_work_as_a_real_subprocess(sitlog_proc: Sitlog, sitlog: Sitlog, town: None) -> None:
    run = sitlog_proc("status", "--format", "tsv")
    assert run.exit_code == 0, run.stderr
    assert run.stdout.splitlines()[1].split("\t")[:4] == ["Anjara", "Aleppo", "HTS", "held"]
    missing = sitlog_proc("history", "Nowhere Special")
    assert missing.exit_code == 4 and "Traceback" not in missing.stderr


def test_history_known_at_shows_what_the_log_said_then(sitlog: Sitlog, town: None) -> None:
    capture = sitlog("events", "--kind", "control", "--json").json()[-1]["id"]
    amended = sitlog("amend", capture, "--by", "SAA", "--status", "contested", "--against", "HTS",
                     "--reason", "it was a raid", SITLOG_NOW="2024-11-29T10:00:00Z")  # fmt: skip
    assert amended.exit_code == 0, amended.stderr
    now = sitlog("history", "Anjara", "--json", SITLOG_NOW="2024-11-30T00:00:00Z").json()
    then = sitlog("history", "Anjara", "--known-at", "2024-11-28T18:00", "--json", SITLOG_NOW="2024-11-30T00:00:00Z")
    assert [(s["holder"], s["status"]) for s in now["control"]] == [
        ("Syrian Arab Army", "held"),
        ("Syrian Arab Army", "contested"),
    ]
    assert [(s["holder"], s["status"]) for s in then.json()["control"]] == [
        ("Syrian Arab Army", "held"),
        ("HTS", "held"),
    ]
    assert [e["revision"] for e in then.json()["events"] if e["id"] == capture] == [1]


def test_reports_on_a_terminal_show_markup_literally(
    sitlog: Sitlog, town: None, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rich path (a terminal): user text with markup and escapes stays text, the timeline stays drawn."""
    from datetime import datetime, timezone

    from sitlog.cli.reports import history_report, status_report
    from sitlog.render import output as render
    from sitlog.store import Store

    logged(sitlog, "strike", "Anjara", "--by", "SAA", "--at", "2024-11-28T10:00", "--note", "[bold]x[/] \x1b[2J")
    monkeypatch.setenv("COLUMNS", "300")
    store = Store(db)
    now = datetime(2024, 11, 28, 12, tzinfo=timezone.utc)
    out = io.StringIO()
    for report in (status_report(store, timezone.utc, now, None, None, None),
                   history_report(store, timezone.utc, now, "Anjara", None, None, False, None)):  # fmt: skip
        render.emit(report, render.Format.TABLE, out, is_terminal=True)
    store.close()
    text = out.getvalue()
    # The only escapes left are sitlog's own styles (SGR ... m); the note's ESC [2J is shown as text.
    ours = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert "[bold]x[/]" in text and "\\x1b[2J" in text and "\x1b" not in ours.replace("\\x1b", "")
    assert "█" in text and "Control as of 2024-11-28 12:00" in text
