"""--known-at: the answer as it would have been given then, whatever was corrected since."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Run
from tests.test_corrections import logged, revision_rows

Sitlog = Callable[..., Run]


def at(hour: int, minute: int = 0) -> dict[str, str]:
    """Run a command as if it were this time on 28 Nov 2024 (UTC)."""
    return {"SITLOG_NOW": f"2024-11-28T{hour:02d}:{minute:02d}:00+00:00"}


def ok(run: Run) -> Run:
    assert run.exit_code == 0, run.stderr
    return run


def test_events_known_at_follows_each_revision(sitlog: Sitlog, actors: None) -> None:
    event = logged(sitlog, "casualties", "Aleppo", "--killed", "5", "--at", "2024-11-27", **at(8))
    ok(sitlog("amend", event["id"], "--killed", "7", "--reason", "update", **at(9)))
    ok(sitlog("retract", event["id"], "--reason", "wrong town", **at(10)))

    def known(when: str, *extra: str) -> list[tuple[int, int, bool]]:
        rows = ok(sitlog("events", "--json", "--known-at", when, *extra)).json()
        return [(e["revision"], e["killed"]["low"], e["retracted"]) for e in rows]

    assert known("2024-11-28T07:59") == []
    assert known("2024-11-28T08:00") == [(1, 5, False)]
    assert known("2024-11-28T08:59:59") == [(1, 5, False)]
    assert known("2024-11-28T09:30") == [(2, 7, False)]
    assert known("2024-11-28T10:30") == []
    assert known("2024-11-28T10:30", "--all") == [(3, 7, True)]
    assert known("now") == [] and known("2024-11-28T09:30", "--all") == [(2, 7, False)]


def test_known_at_before_an_undo_gives_the_earlier_answer(sitlog: Sitlog, actors: None) -> None:
    event = logged(sitlog, "strike", "Idlib", "--by", "SAA", "--means", "air", **at(8))
    ok(sitlog("amend", event["id"], "--means", "drone", "--reason", "video shows a drone", **at(9)))
    ok(sitlog("undo", "--yes", **at(10)))
    means = {
        when: [e["means"] for e in ok(sitlog("events", "--json", "--known-at", when)).json()]
        for when in ("2024-11-28T08:30", "2024-11-28T09:30", "2024-11-28T10:30")
    }
    assert means == {"2024-11-28T08:30": ["air"], "2024-11-28T09:30": ["drone"], "2024-11-28T10:30": ["air"]}


def test_show_known_at(sitlog: Sitlog, actors: None) -> None:
    event = logged(sitlog, "displacement", "Saraqib", "--families", "40", **at(8))
    ok(sitlog("amend", event["id"], "--families", "60", "--reason", "OCHA", **at(9)))
    then = ok(sitlog("show", event["id"], "--known-at", "2024-11-28T08:30", "--revisions", "--json")).json()
    assert then["event"]["families"]["low"] == 40 and [r["revision"] for r in then["revisions"]] == [1]
    before = sitlog("show", event["id"], "--known-at", "2024-11-28T07:00")
    assert before.exit_code == 4 and "had not been recorded by 2024-11-28T07:00:00+00:00" in before.stderr


def test_a_sequence_of_corrections_loses_nothing(sitlog: Sitlog, actors: None, db: Path) -> None:
    """After log/amend/retract/undo, every earlier revision is stored as it was and known-at still answers."""
    first = logged(sitlog, "control", "Aleppo", "--by", "SAA", "--at", "2024-11-27", **at(6))
    second = logged(sitlog, "casualties", "Idlib", "--killed", "dozens", "--claimed-by", "HTS", **at(6, 30))
    ok(sitlog("amend", second["id"], "--killed", "12-20", "--reason", "assessed", **at(7)))
    baseline_rows = revision_rows(db)
    baseline_time = "2024-11-28T07:30"

    def snapshot(when: str) -> dict[str, Any]:
        listed = ok(sitlog("events", "--all", "--json", "--known-at", when)).json()
        shown = {
            e["id"]: ok(sitlog("show", e["id"], "--revisions", "--json", "--known-at", when)).json() for e in listed
        }
        return {"events": listed, "shown": shown}

    baseline = snapshot(baseline_time)

    ok(sitlog("amend", first["id"], "--by", "HTS", "--reason", "captured", **at(8)))
    ok(sitlog("retract", second["id"], "--reason", "double count", **at(9)))
    third = logged(sitlog, "strike", "Saraqib", "--by", "SAA", **at(10))
    ok(sitlog("undo", "--yes", **at(11)))  # retracts the strike
    ok(sitlog("undo", "--yes", **at(11, 30)))  # re-applies it
    ok(sitlog("amend", third["id"], "--place", "Aleppo", "--reason", "x", "--operator", "bob", **at(12)))
    ok(sitlog("undo", "--yes", "--any-operator", **at(12, 30)))
    ok(sitlog("amend", first["id"], "--status", "contested", "--against", "SAA", "--reason", "y", **at(13)))

    rows = revision_rows(db)
    assert rows[: len(baseline_rows)] == baseline_rows
    assert len(rows) > len(baseline_rows)
    assert snapshot(baseline_time) == baseline
    # ...and the present differs, so the comparison above is not vacuous.
    assert ok(sitlog("events", "--all", "--json")).json() != baseline["events"]
    checked = ok(sitlog("check", "--json")).json()  # head table and revision chains agree
    assert checked["ok"] is True, checked


def reports(sitlog: Sitlog, *extra: str, **env: str) -> dict[str, Any]:
    """status, both towns' histories (retracted included) and the 27 Nov summary, as JSON."""
    return {
        "status": ok(sitlog("status", "--json", *extra, **env)).json(),
        "aleppo": ok(sitlog("history", "Aleppo", "--all", "--json", *extra, **env)).json(),
        "saraqib": ok(sitlog("history", "Saraqib", "--all", "--json", *extra, **env)).json(),
        "summary": ok(sitlog("summary", "--day", "2024-11-27", "--json", *extra, **env)).json(),
    }


@pytest.fixture
def takeover(sitlog: Sitlog, actors: None) -> str:
    """SAA held Aleppo; HTS took it on 27 Nov (recorded 09:00). Returns the takeover's id."""
    logged(sitlog, "control", "Aleppo", "--by", "SAA", "--at", "2024-11-26", **at(8))
    logged(sitlog, "casualties", "Aleppo", "--killed", "5", "--at", "2024-11-27T10:00", **at(9))
    return str(logged(sitlog, "control", "Aleppo", "--by", "HTS", "--at", "2024-11-27T10:00", **at(9))["id"])


def test_amending_a_control_event_rederives_status_history_and_summary(sitlog: Sitlog, takeover: str) -> None:
    def holders() -> list[tuple[str, str, str, list[str]]]:
        rows = ok(sitlog("status", "--json")).json()
        return sorted((s["place"], s["holder"], s["status"], s["against"]) for s in rows)

    def spans(place: str) -> list[str]:
        return [span["holder"] for span in ok(sitlog("history", place, "--json")).json()["control"]]

    def changes() -> list[tuple[str, str | None, str]]:
        day = ok(sitlog("summary", "--day", "2024-11-27", "--json")).json()["days"][0]
        return [(c["place"], c["from"], c["to"]) for c in day["control_changes"]]

    assert holders() == [("Aleppo", "HTS", "held", [])]
    assert spans("Aleppo") == ["Syrian Arab Army", "HTS"] and changes() == [("Aleppo", "Syrian Arab Army", "HTS")]

    ok(sitlog("amend", takeover, "--status", "contested", "--against", "SAA", "--reason", "not yet taken", **at(10)))
    assert holders() == [("Aleppo", "HTS", "contested", ["Syrian Arab Army"])]

    ok(sitlog("amend", takeover, "--place", "Saraqib", "--reason", "wrong town", **at(11)))
    assert holders() == [
        ("Aleppo", "Syrian Arab Army", "held", []),
        ("Saraqib", "HTS", "contested", ["Syrian Arab Army"]),
    ]
    assert spans("Aleppo") == ["Syrian Arab Army"] and spans("Saraqib") == ["HTS"]
    assert changes() == [("Saraqib", None, "HTS")]

    ok(sitlog("retract", takeover, "--reason", "never happened", **at(11, 30)))
    assert holders() == [("Aleppo", "Syrian Arab Army", "held", [])] and changes() == []
    history = ok(sitlog("history", "Saraqib", "--all", "--json")).json()
    assert [(e["id"], e["retracted"]) for e in history["events"]] == [(takeover, True)] and history["control"] == []

    ok(sitlog("undo", "--yes", **at(11, 45)))  # the retraction
    assert holders() == [
        ("Aleppo", "Syrian Arab Army", "held", []),
        ("Saraqib", "HTS", "contested", ["Syrian Arab Army"]),
    ]


def test_known_at_gives_the_earlier_status_history_and_summary(sitlog: Sitlog, takeover: str, db: Path) -> None:
    then = "2024-11-28T09:30"
    baseline = reports(sitlog, **at(9, 30))  # what an analyst asking at 09:30 was told
    assert reports(sitlog, "--known-at", then, **at(9, 30)) == baseline
    rows = revision_rows(db)

    ok(sitlog("amend", takeover, "--place", "Saraqib", "--reason", "wrong town", **at(10)))
    logged(sitlog, "control", "Aleppo", "--by", "HTS", "--at", "2024-11-27T18:00", "--part", "west", **at(10, 30))
    ok(sitlog("retract", takeover, "--reason", "never happened", **at(11)))
    ok(sitlog("undo", "--yes", **at(11, 15)))
    ok(sitlog("amend", takeover, "--by", "SAA", "--reason", "swap", **at(11, 30)))

    assert revision_rows(db)[: len(rows)] == rows
    assert reports(sitlog, "--known-at", then) == baseline  # asked at 12:00 "as known at 09:30"
    assert reports(sitlog, **at(9, 30)) != baseline  # the corrections did change the answer itself
    before_anything = reports(sitlog, "--known-at", "2024-11-28T07:00")
    assert before_anything["status"] == [] and before_anything["aleppo"]["events"] == []


@pytest.mark.parametrize("zone", ["UTC", "Asia/Damascus", "America/New_York"])
def test_known_at_a_date_means_by_the_end_of_that_day_in_the_report_zone(
    sitlog: Sitlog, actors: None, zone: str
) -> None:
    # Recorded at 18:00 local time on 28 Nov in the report zone.
    recorded = datetime(2024, 11, 28, 18, 0, tzinfo=ZoneInfo(zone)).isoformat()
    event = logged(sitlog, "strike", "Ariha", "--by", "SAA", "--at", "2024-11-28", SITLOG_NOW=recorded, SITLOG_TZ=zone)
    seen = {
        day: [e["id"] for e in ok(sitlog("events", "--known-at", day, "--json", SITLOG_TZ=zone)).json()]
        for day in ("2024-11-27", "2024-11-28")
    }
    assert seen == {"2024-11-27": [], "2024-11-28": [event["id"]]}
