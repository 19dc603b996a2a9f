"""amend, retract and show through the CLI: new revisions, nothing overwritten, clear refusals."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run

Sitlog = Callable[..., Run]


def revision_rows(db: Path) -> list[tuple[Any, ...]]:
    """Every stored revision, full rows, in recording order."""
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT * FROM revisions ORDER BY seq").fetchall()


def logged(sitlog: Sitlog, *args: str, **env: str) -> dict[str, Any]:
    run = sitlog("log", *args, "--json", **env)
    assert run.exit_code == 0, run.stderr
    event: dict[str, Any] = run.json()
    return event


@pytest.fixture
def casualty(sitlog: Sitlog, actors: None) -> dict[str, Any]:
    return logged(
        sitlog, "casualties", "Aleppo", "--killed", "5", "--side", "HTS", "--at", "2024-11-27",
        "--source", "SOHR", "--grade", "C3", "--tag", "offensive",
    )  # fmt: skip


def test_amend_writes_next_revision_and_carries_the_rest(sitlog: Sitlog, casualty: dict[str, Any], db: Path) -> None:
    run = sitlog(
        "amend", casualty["id"], "--killed", "7", "--reason", "SOHR update", "--json",
        "--operator", "bob", SITLOG_NOW="2024-11-28T13:00:00+00:00",
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr
    event = run.json()
    assert event["revision"] == 2 and event["id"] == casualty["id"]
    assert event["killed"] == {"low": 7, "best": None, "high": 7, "text": "7"}
    assert event["operator"] == "bob" and event["recorded_at"] == "2024-11-28T13:00:00+00:00"
    assert event["reason"] == "SOHR update"
    for unchanged in ("place", "at", "precision", "side", "actors", "source", "grade", "tags", "claimed"):
        assert event[unchanged] == casualty[unchanged], unchanged
    assert "killed: 5 → 7" in run.stderr and run.stderr.startswith("amended")
    # Reports read the head; revision 1 is still stored as it was.
    listed = sitlog("events", "--json").json()
    assert [(e["id"], e["revision"], e["killed"]["low"]) for e in listed] == [(casualty["id"], 2, 7)]
    rows = revision_rows(db)
    assert [(r[1], r[2]) for r in rows] == [(casualty["id"], 1), (casualty["id"], 2)]
    first = sitlog("show", casualty["id"], "--known-at", "2024-11-28T12:30", "--json").json()
    assert first["revision"] == 1 and first["killed"]["text"] == "5" and first["operator"] == "tester"


def test_amend_changes_place_time_grade_actors_and_tags(sitlog: Sitlog, actors: None) -> None:
    control = logged(sitlog, "control", "Aleppo", "--by", "SAA", "--at", "2024-11-27", "--tag", "old")
    run = sitlog(
        "amend", control["id"][:12], "--place", "Saraqib", "--at", "2024-11-27T06:30", "--grade", "b2",
        "--by", "Hayat Tahrir al-Sham", "--status", "contested", "--against", "saa", "--tag", "a", "--tag", "b",
        "--claimed-by", "HTS media", "--reason", "misread the report", "--json",
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr
    event = run.json()
    assert event["place"] == "Saraqib" and event["place_id"] != control["place_id"]
    assert event["at"] == "2024-11-27T06:30:00+00:00" and event["precision"] == "exact"
    assert event["grade"] == "B2" and event["actors"] == ["HTS"] and event["against"] == ["Syrian Arab Army"]
    assert event["status"] == "contested" and event["tags"] == ["a", "b"]
    assert event["claimed"] is True and event["claimed_by"] == "HTS media"
    assert "'Hayat Tahrir al-Sham' → HTS (alias)" in run.stderr
    assert [e["place"] for e in sitlog("events", "--place", "Aleppo", "--json").json()] == []
    assert [e["id"] for e in sitlog("events", "--place", "Saraqib", "--json").json()] == [control["id"]]


def test_amend_can_change_the_kind(sitlog: Sitlog, actors: None) -> None:
    control = logged(sitlog, "control", "Idlib", "--by", "HTS", "--part", "south")
    run = sitlog(
        "amend", control["id"], "--kind", "clash", "--actor", "HTS", "--actor", "SAA", "--outcome", "repelled",
        "--reason", "a raid, not a capture", "--json",
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr
    event = run.json()
    assert event["kind"] == "clash" and event["actors"] == ["HTS", "Syrian Arab Army"]
    assert event["outcome"] == "repelled" and "status" not in event and "part" not in event
    # The new kind's own rules apply.
    missing = sitlog("amend", control["id"], "--kind", "strike", "--reason", "x")
    assert missing.exit_code == 3 and "needs --by" in missing.stderr


@pytest.mark.parametrize(
    ("option", "value", "applies_to"),
    [("--by", "SAA", "control or strike or advance"), ("--means", "air", "strike"), ("--people", "40", "displacement")],
)
def test_kind_specific_option_for_another_kind_is_exit_3(
    sitlog: Sitlog, casualty: dict[str, Any], db: Path, option: str, value: str, applies_to: str
) -> None:
    before = revision_rows(db)
    run = sitlog("amend", casualty["id"], option, value, "--reason", "x")
    assert run.exit_code == 3
    assert run.stderr.strip() == (
        f"Error: {option} does not apply to a casualties event (it is for {applies_to} events)"
    )
    assert run.stdout == "" and revision_rows(db) == before


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--killed", "lots"), "--killed: bad quantity 'lots'"),
        (("--grade", "Z9"), "grade must be A1..F6"),
        (("--place", "Xyzzyville"), "unknown place 'Xyzzyville'"),
        (("--side", "Nobody At All"), "unknown actor 'Nobody At All'"),
        (("--at", "the day after"), "cannot read time 'the day after'"),
        (("--killed", ""), "casualties need at least one of"),
    ],
)
def test_bad_amendment_is_exit_3_and_writes_nothing(
    sitlog: Sitlog, casualty: dict[str, Any], db: Path, args: tuple[str, ...], fragment: str
) -> None:
    before = revision_rows(db)
    run = sitlog("amend", casualty["id"], *args, "--reason", "x")
    assert run.exit_code == 3, run.stderr
    assert run.stderr.startswith("Error: ") and fragment in run.stderr and "Traceback" not in run.stderr
    assert revision_rows(db) == before


def test_empty_value_clears_a_field(sitlog: Sitlog, casualty: dict[str, Any]) -> None:
    logged_note = sitlog("amend", casualty["id"], "--note", "hospital source", "--injured", "3", "--reason", "more")
    assert logged_note.exit_code == 0, logged_note.stderr
    run = sitlog("amend", casualty["id"], "--note", "", "--tag", "", "--injured", "", "--reason", "tidy", "--json")
    assert run.exit_code == 0, run.stderr
    event = run.json()
    assert event["note"] is None and event["tags"] == [] and event["injured"] is None
    assert event["killed"]["low"] == 5 and event["revision"] == 3


def test_amend_usage_errors(sitlog: Sitlog, casualty: dict[str, Any], db: Path) -> None:
    before = revision_rows(db)
    nothing = sitlog("amend", casualty["id"], "--reason", "x")
    assert nothing.exit_code == 2 and "nothing to amend" in nothing.stderr
    no_reason = sitlog("amend", casualty["id"], "--killed", "9")
    assert no_reason.exit_code == 2 and "--reason" in no_reason.stderr
    blank_reason = sitlog("amend", casualty["id"], "--killed", "9", "--reason", "  ")
    assert blank_reason.exit_code == 2 and "--reason cannot be empty" in blank_reason.stderr
    new_place_alone = sitlog("amend", casualty["id"], "--new-place", "--reason", "x")
    assert new_place_alone.exit_code == 2 and "--new-place goes with --place" in new_place_alone.stderr
    assert revision_rows(db) == before


def test_amend_to_what_it_already_says_records_nothing(sitlog: Sitlog, casualty: dict[str, Any], db: Path) -> None:
    before = revision_rows(db)
    run = sitlog("amend", casualty["id"], "--killed", "5", "--grade", "c3", "--reason", "retry")
    assert run.exit_code == 0
    assert "already reads so (revision 1); nothing recorded" in run.stderr
    assert revision_rows(db) == before


def test_amend_with_new_place(sitlog: Sitlog, casualty: dict[str, Any]) -> None:
    # Jamiyat al-Maari, not Anjarah as before issue 10: the village layer bundles Anjara.
    unknown = sitlog("amend", casualty["id"], "--place", "Jamiyat al-Maari", "--reason", "x")
    assert unknown.exit_code == 3 and "--new-place" in unknown.stderr
    run = sitlog("amend", casualty["id"], "--place", "Jamiyat al-Maari", "--new-place", "--reason", "x", "--json")
    assert run.exit_code == 0 and run.json()["place"] == "Jamiyat al-Maari"
    assert "new place Jamiyat al-Maari" in run.stderr


def test_retract_hides_from_reports_but_show_keeps_it(sitlog: Sitlog, casualty: dict[str, Any], db: Path) -> None:
    before = revision_rows(db)
    run = sitlog("retract", casualty["id"], "--reason", "double report", "--json")
    assert run.exit_code == 0, run.stderr
    event = run.json()
    assert event["retracted"] is True and event["revision"] == 2 and event["reason"] == "double report"
    assert event["killed"] == casualty["killed"]
    assert revision_rows(db)[: len(before)] == before
    assert sitlog("events", "--json").json() == []
    assert [e["retracted"] for e in sitlog("events", "--all", "--json").json()] == [True]
    shown = sitlog("show", casualty["id"])
    assert shown.exit_code == 0 and "RETRACTED: double report" in shown.stdout
    again = sitlog("retract", casualty["id"], "--reason", "still double")
    assert again.exit_code == 0 and "nothing recorded" in again.stderr
    assert len(revision_rows(db)) == 2


def test_retract_duplicate_of(sitlog: Sitlog, casualty: dict[str, Any]) -> None:
    other = logged(sitlog, "casualties", "Aleppo", "--killed", "5", "--at", "2024-11-27", "--id", "acled:SYR1")
    itself = sitlog("retract", other["id"], "--reason", "dup", "--duplicate-of", "acled:SYR1")
    assert itself.exit_code == 3 and "duplicate of itself" in itself.stderr
    unknown = sitlog("retract", other["id"], "--reason", "dup", "--duplicate-of", "01ZZZZZZ")
    assert unknown.exit_code == 4 and "no event with id or handle '01ZZZZZZ'" in unknown.stderr
    run = sitlog("retract", "acled:SYR", "--reason", "same as SOHR's", "--duplicate-of", casualty["id"][:14], "--json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["duplicate_of"] == casualty["id"]


def test_amending_a_retracted_event_needs_unretract(sitlog: Sitlog, casualty: dict[str, Any]) -> None:
    assert sitlog("retract", casualty["id"], "--reason", "unsure").exit_code == 0
    refused = sitlog("amend", casualty["id"], "--killed", "6", "--reason", "x")
    assert refused.exit_code == 3 and "--unretract" in refused.stderr
    back = sitlog("amend", casualty["id"], "--unretract", "--killed", "6", "--reason", "confirmed", "--json")
    assert back.exit_code == 0, back.stderr
    assert back.json()["retracted"] is False and back.json()["revision"] == 3
    assert [e["killed"]["low"] for e in sitlog("events", "--json").json()] == [6]


def test_show_revisions_is_a_readable_diff(sitlog: Sitlog, casualty: dict[str, Any]) -> None:
    assert sitlog("amend", casualty["id"], "--killed", "10-15", "--reason", "new figures").exit_code == 0
    later = {"SITLOG_NOW": "2024-11-28T15:00:00+00:00", "SITLOG_OPERATOR": "bob"}
    assert sitlog("retract", casualty["id"], "--reason", "wrong town", **later).exit_code == 0
    table = sitlog("show", casualty["id"], "--revisions")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert any("tester" in line and "new figures" in line and "killed: 5 → 10-15" in line for line in lines)
    assert any("bob" in line and "wrong town" in line and "retracted: no → yes" in line for line in lines)
    assert any("log casualties" in line and "created" in line for line in lines)
    data = sitlog("show", casualty["id"], "--revisions", "--json").json()
    assert data["event"]["revision"] == 3 and data["event"]["retracted"] is True
    assert [r["revision"] for r in data["revisions"]] == [1, 2, 3]
    assert data["revisions"][1]["changes"] == [
        {
            "field": "killed",
            "old": {"low": 5, "best": None, "high": 5, "text": "5"},
            "new": {"low": 10, "best": None, "high": 15, "text": "10-15"},
        }
    ]
    assert data["revisions"][2]["operator"] == "bob" and data["revisions"][2]["command"] == "retract"
    assert data["revisions"][2]["recorded_at"] == "2024-11-28T15:00:00+00:00"
    jsonl = sitlog("show", casualty["id"], "--revisions", "--format", "jsonl")
    assert len(jsonl.stdout.splitlines()) == 3
    csv = sitlog("show", casualty["id"], "--format", "csv")
    assert csv.stdout.splitlines()[0] == "field,value" and "killed,10-15" in csv.stdout.splitlines()


def test_id_prefix_matching_two_events_is_exit_3_listing_both(sitlog: Sitlog, actors: None, db: Path) -> None:
    for n in ("101", "102"):
        logged(sitlog, "strike", "Idlib", "--by", "SAA", "--id", f"ucdp:{n}")
    before = revision_rows(db)
    for command in (("show",), ("amend", "--means", "air", "--reason", "x"), ("retract", "--reason", "x")):
        run = sitlog(command[0], "ucdp:10", *command[1:])
        assert run.exit_code == 3, command
        assert "ucdp:101" in run.stderr and "ucdp:102" in run.stderr
    assert revision_rows(db) == before
    assert sitlog("show", "ucdp:101", "--json").json()["id"] == "ucdp:101"


def test_unknown_id_is_exit_4(sitlog: Sitlog, casualty: dict[str, Any]) -> None:
    for command in (("show",), ("amend", "--killed", "1", "--reason", "x"), ("retract", "--reason", "x")):
        run = sitlog(command[0], "NOSUCHID", *command[1:])
        assert run.exit_code == 4, command
        assert run.stderr.strip() == (
            "Error: no event with id or handle 'NOSUCHID'; `sitlog events` lists ids and handles "
            "(`last` is your last logged event)"
        )


def test_amend_lowercase_ulid_prefix(sitlog: Sitlog, casualty: dict[str, Any]) -> None:
    run = sitlog("amend", casualty["id"][:16].lower(), "--killed", "8", "--reason", "x", "--json")
    assert run.exit_code == 0 and run.json()["id"] == casualty["id"]


def test_control_status_and_part_follow_log_rules(sitlog: Sitlog, actors: None) -> None:
    control = logged(sitlog, "control", "Idlib", "--by", "HTS")
    partial = sitlog("amend", control["id"], "--part", "south", "--reason", "only the south", "--json")
    assert partial.exit_code == 0 and (partial.json()["status"], partial.json()["part"]) == ("partial", "south")
    held = sitlog("amend", control["id"], "--status", "held", "--reason", "all of it now", "--json")
    assert held.exit_code == 0 and (held.json()["status"], held.json()["part"]) == ("held", None)
    bad = sitlog("amend", control["id"], "--status", "besieged", "--reason", "x")
    assert bad.exit_code == 3 and "--status must be one of held, contested, partial" in bad.stderr


def test_show_revisions_json_matches_its_schema(sitlog: Sitlog, actors: None) -> None:
    from tests.test_schemas import validate, validator

    control = logged(sitlog, "control", "Idlib", "--by", "HTS")
    amended = sitlog("amend", control["id"], "--kind", "clash", "--actor", "HTS", "--actor", "SAA", "--reason", "r")
    assert amended.exit_code == 0, amended.stderr
    assert sitlog("retract", control["id"], "--reason", "dup").exit_code == 0
    data = sitlog("show", control["id"], "--revisions", "--json").json()
    validate("show", data)
    validate("event", sitlog("show", control["id"], "--json").json())
    broken = {**data, "revisions": [{**data["revisions"][1], "changes": [{"field": "kind"}]}]}
    assert not validator("show").is_valid(broken)


def test_amend_displacement_destination_with_new_place(sitlog: Sitlog, actors: None) -> None:
    moved = logged(sitlog, "displacement", "Saraqib", "--families", "40", "--to", "Idlib")
    unknown = sitlog("amend", moved["id"], "--to", "Sarmada Camp 7", "--reason", "x")
    assert unknown.exit_code == 3 and "unknown place" in unknown.stderr
    run = sitlog("amend", moved["id"], "--to", "Sarmada Camp 7", "--new-place", "--reason", "camp named", "--json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["to"] == "Sarmada Camp 7" and run.json()["place"] == "Saraqib"
    cleared = sitlog("amend", moved["id"], "--to", "", "--reason", "destination unknown", "--json")
    assert cleared.exit_code == 0 and cleared.json()["to"] is None
