"""Round trips: what goes out of one database comes back into another unchanged, in every format."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import Run

FIXTURES = Path(__file__).parent / "fixtures"
NOTE = 'said "we hold it", [bold]x[/bold]\nsecond line, with a comma'


def ok(run: Run) -> Run:
    assert run.exit_code == 0, run.stderr
    return run


def log_scenario(sitlog: Callable[..., Run]) -> None:
    """A small log with every kind, names to resolve, windows, a claim, an amendment and a retraction."""
    # HTS, SAA, Kafr Basin (Aleppo) and Anjara come with the bundled packs since issue 10: aliases only.
    for args in (
        ("actors", "add", "Northern Storm Brigade", "--parent", "HTS", "--type", "rebel"),
        ("places", "alias", "Kafr Basin, Aleppo", "Kfar Bissin"),
        ("log", "control", "Anjara", "--by", "SAA", "--at", "2020-03-06", "--id", "anjara-before"),
        ("log", "control", "Anjarah", "--by", "HTS", "--at", "2024-11-27T09:00+02:00", "--grade", "B2",
         "--source", "Reuters, AFP", "--id", "anjara-taken"),
        ("log", "control", "Kfar Bissin", "--by", "SAA", "--status", "contested", "--against", "HTS",
         "--at", "2024-11-27", "--id", "kafr-basin"),
        ("log", "clash", "Aleppo", "--actor", "HTS", "--actor", "SAA", "--at", "2024-11-27T08:00", "--id", "clash"),
        ("log", "casualties", "Aleppo", "--killed", "5-9", "--side", "HTS", "--person", "Abu Obeida",
         "--role", "military chief", "--at", "2024-11-27", "--note", NOTE, "--id", "commander"),
        ("log", "casualties", "Aleppo", "--killed", "dozens", "--side", "HTS", "--claimed-by",
         "pro-government media", "--at", "2024-11-27", "--id", "claim"),
        ("log", "strike", "Ariha", "--by", "SAA", "--means", "air", "--at", "2024-11-27T10:00", "--tag", "russia",
         "--id", "strike"),
        ("log", "strike", "Sarmada", "--new-place", "--by", "SAA", "--at", "2024-11-27T11:00", "--id", "double"),
        ("log", "displacement", "Sarmada", "--families", "hundreds", "--to", "Idlib", "--at", "2024-W48",
         "--id", "fled"),
        ("amend", "clash", "--outcome", "HTS advanced", "--reason", "later report"),
        ("retract", "double", "--reason", "same strike as the Ariha one", "--duplicate-of", "strike"),
    ):  # fmt: skip
        ok(sitlog(*args))


def other_db(tmp_path: Path, name: str = "other.db") -> dict[str, str]:
    return {"SITLOG_DB": str(tmp_path / name)}


def without(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in keys} for row in rows]


def test_jsonl_round_trip_reproduces_every_event_revision_place_and_actor(
    sitlog: Callable[..., Run], tmp_path: Path
) -> None:
    log_scenario(sitlog)
    exported = ok(sitlog("export"))
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    revisions = [r for r in records if r["record"] == "revision"]
    assert {r["id"] for r in revisions} >= {"clash", "double", "fled"}
    assert [r["revision"] for r in revisions if r["id"] == "clash"] == [1, 2]

    imported = ok(sitlog("import", "-", input=exported.stdout, **other_db(tmp_path)))
    assert "9 added, 2 revised, 0 unchanged, 0 rejected" in imported.stderr
    again = ok(sitlog("export", **other_db(tmp_path)))
    assert again.stdout == exported.stdout  # every revision, place and actor, ids included
    for command in (("events", "--all", "--json"), ("places", "list", "--json"), ("actors", "list", "--json")):
        assert ok(sitlog(*command, **other_db(tmp_path))).json() == ok(sitlog(*command)).json()
    for event_id in ("clash", "double", "commander"):
        here = ok(sitlog("show", event_id, "--revisions", "--json")).json()
        there = ok(sitlog("show", event_id, "--revisions", "--json", **other_db(tmp_path))).json()
        assert here["event"] == there["event"]
        # Only the change set differs: the whole import is one change set in the other database.
        assert without(here["revisions"], "changeset", "command") == without(there["revisions"], "changeset", "command")
        assert {r["command"] for r in there["revisions"]} == {"import"}


def test_reimporting_adds_nothing_in_either_database(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    log_scenario(sitlog)
    exported = ok(sitlog("export")).stdout
    before = ok(sitlog("events", "--all", "--json")).json()
    same = ok(sitlog("import", "-", input=exported))
    assert "0 added, 0 revised, 11 unchanged" in same.stderr
    assert ok(sitlog("events", "--all", "--json")).json() == before
    ok(sitlog("import", "-", input=exported, **other_db(tmp_path)))
    twice = ok(sitlog("import", "-", input=exported, **other_db(tmp_path)))
    assert "0 added, 0 revised, 11 unchanged" in twice.stderr


def test_merging_two_operators_logs_converges_both_ways(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    """A←B then B←A: both hold every revision of both sides and the same latest state of every event."""
    log_scenario(sitlog)
    b = other_db(tmp_path, "b.db")
    ok(sitlog("import", "-", input=ok(sitlog("export")).stdout, **b))
    # Both amend the same event, at different times; each logs something new.
    ok(sitlog("amend", "commander", "--killed", "7", "--reason", "A's update", SITLOG_NOW="2024-11-28T13:00:00+00:00"))
    ok(sitlog("amend", "commander", "--killed", "9", "--reason", "B's update", SITLOG_OPERATOR="bob",
              SITLOG_NOW="2024-11-28T14:00:00+00:00", **b))  # fmt: skip
    ok(sitlog("log", "strike", "Atarib", "--by", "HTS", "--means", "drone", "--at", "2024-11-28", "--id", "a-new"))
    ok(sitlog("log", "clash", "Hawar", "--new-place", "--actor", "HTS", "--actor", "SAA", "--at", "2024-11-28",
              "--id", "b-new", SITLOG_OPERATOR="bob", **b))  # fmt: skip
    from_a, from_b = ok(sitlog("export")).stdout, ok(sitlog("export", **b)).stdout

    a_gets = ok(sitlog("import", "-", input=from_b))
    assert "1 added, 1 revised" in a_gets.stderr and "1 new place" in a_gets.stderr
    # B's own amendment (14:00) is newer than A's (13:00), which arrives after it: B re-states its
    # newest revision on top, so that both end on what was recorded last.
    b_gets = ok(sitlog("import", "-", input=from_a, **b))
    assert "1 added, 1 revised" in b_gets.stderr and "1 merge revision" in b_gets.stderr

    def state(env: dict[str, str], *bookkeeping: str) -> list[dict[str, Any]]:
        events = ok(sitlog("events", "--all", "--json", **env)).json()
        # Events at the same moment list in arrival order, which differs between the two databases.
        # Handles are local to each database: the same event gets each database's next one.
        return sorted(without(events, "place_id", "revision", "handle", *bookkeeping), key=lambda e: str(e["id"]))

    def history(env: dict[str, str]) -> set[str]:
        lines = ok(sitlog("export", **env)).stdout.splitlines()
        revisions = [json.loads(line) for line in lines if '"record": "revision"' in line]
        return {json.dumps(without([r], "place_id", "revision")[0], sort_keys=True) for r in revisions}

    assert state({}, "operator", "recorded_at", "reason") == state(b, "operator", "recorded_at", "reason")
    assert {e["id"]: e["killed"]["text"] for e in state(b) if e["id"] == "commander"} == {"commander": "9"}
    assert history({}) < history(b)  # B also has its merge revision
    for env in ({}, b):
        assert "PROBLEM" not in ok(sitlog("check", **env)).stdout  # exit 0: heads agree with the revisions
    # One more exchange each way brings A the merge revision; after that the two are the same.
    assert "0 added, 1 revised" in ok(sitlog("import", "-", input=ok(sitlog("export", **b)).stdout)).stderr
    assert "0 added, 0 revised" in ok(sitlog("import", "-", input=ok(sitlog("export")).stdout, **b)).stderr
    assert state({}) == state(b) and history({}) == history(b)
    assert len([r for r in history({}) if '"id": "commander"' in r]) == 4  # logged, A's, B's, the merge
    # Undoing B's merging import takes back A's new event and leaves B's newest figure on top.
    ok(sitlog("undo", "--yes", **b))
    after = {e["id"]: e for e in state(b)}
    assert after["a-new"]["retracted"] and after["commander"]["killed"]["text"] == "9"


def test_csv_round_trip_keeps_each_events_latest_revision(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    log_scenario(sitlog)
    exported = ok(sitlog("export", "--format", "csv", "--all", "--hxl"))
    imported = ok(sitlog("import", "-", input=exported.stdout, **other_db(tmp_path)))
    # Every place and actor of the scenario is bundled since issue 10: all linked, none created.
    assert "9 added, 0 revised, 0 unchanged, 0 rejected;" in imported.stderr and "0 new places" in imported.stderr
    assert "new actor" not in imported.stderr
    again = ok(sitlog("export", "--format", "csv", "--all", "--hxl", **other_db(tmp_path)))

    def rows(text: str) -> list[dict[str, str]]:
        return without(list(csv.DictReader(io.StringIO(text))), "place_id", "revision")  # type: ignore[arg-type]

    assert rows(again.stdout) == rows(exported.stdout)
    assert "0 added, 0 revised, 9 unchanged" in ok(sitlog("import", "-", input=exported.stdout)).stderr


def test_acled_round_trip_keeps_every_row_acled_can_express(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    log_scenario(sitlog)
    exported = ok(sitlog("export", "--format", "acled"))
    imported = ok(sitlog("import", "-", "--format", "acled", input=exported.stdout, **other_db(tmp_path)))
    assert "0 rejected" in imported.stderr
    again = ok(sitlog("export", "--format", "acled", **other_db(tmp_path)))
    kept = ("event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1", "actor2",
            "location", "latitude", "longitude", "geo_precision", "fatalities", "source", "timestamp")  # fmt: skip

    def rows(text: str) -> list[dict[str, str]]:
        return [{k: row[k] for k in kept} for row in csv.DictReader(io.StringIO(text))]

    first = rows(exported.stdout)
    expressible = [r for r in first if (r["event_type"], r["sub_event_type"]) != ("Strategic developments", "Other")]
    # Issue 9: what ACLED does not code (the displacement) is left out and said so. The first known holder,
    # logged without --baseline, stays a Strategic developments/Other row (issue 11): not ACLED-expressible.
    assert "left out of the ACLED export" in exported.stderr and len(first) == 5
    assert len(expressible) == 4
    assert rows(again.stdout) == expressible


def test_acled_fixture_export_is_a_fixed_point(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    ok(sitlog("import", str(FIXTURES / "acled.csv")))
    first = ok(sitlog("export", "-f", "acled")).stdout
    ok(sitlog("import", "-", input=first, **other_db(tmp_path)))
    assert ok(sitlog("export", "-f", "acled", **other_db(tmp_path))).stdout == first


def test_ucdp_import_survives_a_jsonl_round_trip(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    ok(sitlog("import", str(FIXTURES / "ucdp_ged.csv")))
    exported = ok(sitlog("export")).stdout
    ok(sitlog("import", "-", input=exported, **other_db(tmp_path)))
    assert ok(sitlog("export", **other_db(tmp_path))).stdout == exported
    assert (
        ok(sitlog("summary", "--day", "2024-11-27", "--json", **other_db(tmp_path))).json()
        == ok(sitlog("summary", "--day", "2024-11-27", "--json")).json()
    )


def test_json_export_holds_what_jsonl_holds(sitlog: Callable[..., Run]) -> None:
    log_scenario(sitlog)
    document = ok(sitlog("export", "--format", "json")).json()
    records = [json.loads(line) for line in ok(sitlog("export")).stdout.splitlines()]
    assert document["format"] == "sitlog" and document["version"] == records[0]["version"]
    assert document["places"] == without([r for r in records if r["record"] == "place"], "record")
    assert document["actors"] == without([r for r in records if r["record"] == "actor"], "record")
    revisions = without([r for r in records if r["record"] == "revision"], "record")
    assert sorted((r for e in document["events"] for r in e["revisions"]), key=lambda r: json.dumps(r)) == sorted(
        revisions, key=lambda r: json.dumps(r)
    )
    heads = ok(sitlog("events", "--all", "--json")).json()
    # Handles are local to a database and stay out of exports.
    assert without(document["events"], "revisions") == [{**e, "at": e["at"]} for e in without(heads, "handle")]


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=40
).filter(lambda t: t.strip() != "")


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=_TEXT, source=_TEXT, tag=_TEXT.filter(lambda t: ";" not in t and t == t.strip()))
@example(note="a\r\nb", source="s\rt", tag="0\r\n0")  # CRLF inside a field: once lost by the test's own harness
def test_free_text_survives_jsonl_and_csv_round_trips(
    sitlog: Callable[..., Run],
    tmp_path_factory: pytest.TempPathFactory,
    template_db: Path,
    note: str,
    source: str,
    tag: str,
) -> None:
    """Notes, sources and tags with quotes, commas, line breaks, markup and control characters come back as typed."""

    def fresh(name: str, file: str) -> dict[str, str]:
        # A copy of the migrated template: since issue 10 migrating a new database loads 5,300 places.
        path = tmp_path_factory.mktemp(name) / file
        shutil.copyfile(template_db, path)
        return {"SITLOG_DB": str(path)}

    home = fresh("src", "a.db")
    # SAA comes with the bundled actor pack (issue 10): no `actors add` (it would now be exit 3).
    ok(sitlog("log", "strike", "Ariha", "--by", "SAA", "--at", "2024-11-27", "--note", note, "--source", source,
              "--tag", tag, "--id", "x", **home))  # fmt: skip
    logged = ok(sitlog("events", "--json", **home)).json()
    for fmt in ("jsonl", "csv"):
        target = fresh(fmt, "b.db")
        # Through a file: the in-process runner's captured stdout turns CRLF into LF, a real pipe does not.
        exported = tmp_path_factory.mktemp("out") / f"export.{fmt}"
        ok(sitlog("export", "--format", fmt, "-o", str(exported), **home))
        ok(sitlog("import", str(exported), "--format", fmt, **target))
        there = ok(sitlog("events", "--json", **target)).json()
        assert without(there, "place_id", "revision") == without(logged, "place_id", "revision"), fmt
    assert logged[0]["note"] == note and logged[0]["tags"] == [tag]  # as typed (a source is trimmed by log)
