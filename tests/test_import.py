"""``sitlog import``: UCDP and ACLED files, sitlog's own, all or nothing, idempotent, one change set."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run
from tests.test_roundtrip import FIXTURES, log_scenario, ok

UCDP = FIXTURES / "ucdp_ged.csv"
UCDP_BAD = FIXTURES / "ucdp_ged_bad_row.csv"
ACLED = FIXTURES / "acled.csv"


def fixture_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def events(sitlog: Callable[..., Run], *args: str) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in ok(sitlog("events", "--all", "--json", *args)).json()}


def sizes(sitlog: Callable[..., Run]) -> tuple[int, int, int]:
    return (
        len(ok(sitlog("events", "--all", "--json")).json()),
        len(ok(sitlog("places", "list", "--json")).json()),
        len(ok(sitlog("actors", "list", "--json")).json()),
    )


def test_ucdp_rows_become_clashes_and_linked_casualties(sitlog: Callable[..., Run], actors: None) -> None:
    run = ok(sitlog("import", str(UCDP)))
    assert "(ucdp): 9 added, 0 revised, 0 unchanged, 0 rejected" in run.stderr
    assert run.stdout == ""
    found = events(sitlog)
    rows = fixture_rows(UCDP)
    for row in rows:
        ucdp_id = row["id"]
        made = {k: e for k, e in found.items() if k == f"ucdp:{ucdp_id}" or k.startswith(f"ucdp:{ucdp_id}:")}
        assert made and all(f"ucdp:{ucdp_id}" in e["tags"] for e in made.values())
        main = made[f"ucdp:{ucdp_id}"]
        assert main["at"] == row["date_start"][:10]
        if row["type_of_violence"] == "3":
            assert main["kind"] == "casualties" and main["side"] == "civilians"
            assert main["actors"] == [row["side_a"]]
        else:
            assert main["kind"] == "clash" and len(main["actors"]) == 2
            casualties = made[f"ucdp:{ucdp_id}:casualties"]
            killed = casualties["killed"]
            assert (killed["low"], killed["high"]) == (int(row["low"]), int(row["high"]))
            assert f"best {row['best']}" in casualties["note"]
    # The side named by its alias resolves to the known actor; the quoted source keeps its commas.
    assert found["ucdp:900001"]["actors"] == ["Government of Syria", "HTS"]
    assert found["ucdp:900001"]["source"] == rows[0]["source_article"]
    assert found["ucdp:900005:casualties"]["side"] == "HTS"
    # The date window and its precision are kept.
    window = found["ucdp:900003"]
    assert (window["at"], window["at_end"], window["precision"]) == ("2024-11-25", "2024-11-29", "week")


def test_ucdp_places_are_matched_through_the_gazetteer_or_created(sitlog: Callable[..., Run]) -> None:
    ariha = [p for p in ok(sitlog("places", "list", "Ariha", "--json")).json() if p["name"] == "Ariha"]
    ok(sitlog("import", str(UCDP)))
    found = events(sitlog)
    assert found["ucdp:900002"]["place_id"] == ariha[0]["id"]  # "Arīḥā town", Idlib governorate
    places = {p["name"]: p for p in ok(sitlog("places", "list", "--json")).json()}
    assert places["Ḩandarāt"]["lat"] == 36.281 and places["Ḩandarāt"]["admin1"] == "Aleppo"
    # Since issue 10 "Anadan town" links to the bundled village (OCHA C1121), in OCHA's "Jebel Saman".
    assert (places["Anadan"]["admin2"], places["Anadan"]["pcode"]) == ("Jebel Saman", "C1121")
    assert "Idlib governorate" in places and places["Idlib governorate"]["lat"] is None  # no invented point
    assert found["ucdp:900001"]["place_id"] == found["ucdp:900005"]["place_id"]  # one place, two rows


def test_daily_summary_killed_equals_the_sums_of_ucdp_low_best_and_high(sitlog: Callable[..., Run]) -> None:
    # Issue 9: a day's figures hold the rows of that day only; a multi-day window is reported under
    # "windowed" on every day it covers, never in the figures of its first day.
    ok(sitlog("import", str(UCDP)))
    figures = ("low", "best", "high")
    expected: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys((*figures, "without_best"), 0))
    windows: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys((*figures, "without_best"), 0))
    precise: set[str] = set()
    for row in fixture_rows(UCDP):
        first, last = date.fromisoformat(row["date_start"][:10]), date.fromisoformat(row["date_end"][:10])
        days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
        precise.update(days if first == last else ())
        for day in days:
            target = expected[day] if first == last else windows[day]
            expected[day]  # noqa: B018 - a day holding only a window is still summarised
            for key in figures:
                target[key] += int(row[key])
    for day, killed in expected.items():
        entry = ok(sitlog("summary", "--day", day, "--json")).json()["days"][0]
        # Unknown is not zero (issue 11): a figure no row of the day (or no window over it) carried is null.
        assert entry["killed"] == (killed if day in precise else None), day
        assert entry["windowed"]["killed"] == (windows[day] if day in windows else None), day


def test_reimport_adds_nothing(sitlog: Callable[..., Run]) -> None:
    ok(sitlog("import", str(UCDP)))
    before = (events(sitlog), sizes(sitlog))
    again = ok(sitlog("import", str(UCDP)))
    assert "0 added, 0 revised, 9 unchanged, 0 rejected" in again.stderr
    assert (events(sitlog), sizes(sitlog)) == before


def test_a_changed_row_becomes_a_new_revision(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    ok(sitlog("import", str(UCDP)))
    text = UCDP.read_text("utf-8").replace(",0,2,0,0,2,2,2\n", ",0,3,0,0,3,3,4\n")  # a later release of 900005
    changed = tmp_path / "ged-next.csv"
    changed.write_text(text, "utf-8")
    run = ok(sitlog("import", str(changed)))
    assert "0 added, 1 revised, 8 unchanged" in run.stderr
    event = events(sitlog)["ucdp:900005:casualties"]
    assert event["revision"] == 2 and event["killed"] == {"low": 3, "best": 3, "high": 4, "text": "3-4 (best 3)"}


def test_a_bad_row_in_the_middle_rejects_the_whole_file(sitlog: Callable[..., Run], actors: None) -> None:
    before = sizes(sitlog)
    run = sitlog("import", str(UCDP_BAD))
    bad_line = next(n for n, line in enumerate(UCDP_BAD.read_text("utf-8").splitlines(), 1) if "2024-11-31" in line)
    assert run.exit_code == 3
    assert run.stderr.startswith("Error: ") and run.stderr.count("\n") == 1
    assert f"line {bad_line}, column date_start" in run.stderr and "Traceback" not in run.stderr
    assert sizes(sitlog) == before  # no event, place or actor from the good rows before it


def test_skip_bad_imports_the_rest_and_reports_each_skipped_row(sitlog: Callable[..., Run]) -> None:
    run = ok(sitlog("import", str(UCDP_BAD), "--skip-bad", "--json"))
    bad_line = next(n for n, line in enumerate(UCDP_BAD.read_text("utf-8").splitlines(), 1) if "2024-11-31" in line)
    assert f"skipped {UCDP_BAD} line {bad_line}, column date_start" in run.stderr
    assert run.json()["rejected"] == 1 and run.json()["added"] == 7
    assert "ucdp:900003" not in events(sitlog) and "ucdp:900004" in events(sitlog)


def test_dry_run_writes_nothing(sitlog: Callable[..., Run]) -> None:
    before = sizes(sitlog)
    run = ok(sitlog("import", str(UCDP), "--dry-run", "--json"))
    assert run.stderr.startswith("dry run, nothing written:") and "9 added" in run.stderr
    # 2 new places, not 3 as before issue 10: Anadan is bundled now (linked, not created).
    assert run.json()["added"] == 9 and run.json()["new_places"] == 2 and run.json()["changeset"] is None
    assert sizes(sitlog) == before


def test_stdin_import_in_a_real_process(sitlog_proc: Callable[..., Run]) -> None:
    run = sitlog_proc("import", "-", input=UCDP.read_text("utf-8"))
    assert run.exit_code == 0, run.stderr
    assert "imported stdin (ucdp): 9 added" in run.stderr
    listed = sitlog_proc("events", "--json")
    assert len(json.loads(listed.stdout)) == 9


def test_the_import_is_one_change_set_that_undo_reverts(sitlog: Callable[..., Run]) -> None:
    ok(sitlog("import", str(UCDP)))
    undone = ok(sitlog("undo", "--yes"))
    assert "import" in undone.stderr
    assert ok(sitlog("events", "--json")).json() == []
    assert all(e["retracted"] for e in events(sitlog).values())


def test_acled_rows_map_to_sitlog_kinds(sitlog: Callable[..., Run]) -> None:
    run = ok(sitlog("import", str(ACLED)))
    assert (
        "6 added" in run.stderr
        and "1 row of types sitlog does not record ignored (Protests/Peaceful protest: 1)" in (run.stderr)
    )
    found = events(sitlog)
    taken = found["acled:SYR900001"]
    # "Hayat Tahrir al-Sham" is an alias of the bundled HTS since issue 10 (the actor pack).
    assert taken["kind"] == "control" and taken["actors"] == ["HTS"]
    assert taken["against"] == ["Military Forces of Syria (2000-2024)"]
    assert '"Urum al-Sughra",\nafter clashes' in taken["note"]  # quoted commas and a line break survive
    assert found["acled:SYR900001:casualties"]["killed"]["low"] == 7
    strike = found["acled:SYR900002"]
    assert (strike["kind"], strike["means"], strike["at"]) == ("strike", "air", "2024-11-27")  # "27 November 2024"
    assert found["acled:SYR900002:casualties"]["side"] == "civilians"
    clash = found["acled:SYR900003"]
    assert (clash["kind"], clash["precision"]) == ("clash", "week")
    assert "acled:SYR900003:casualties" not in found  # no fatalities, no casualties event
    attack = found["acled:SYR900005"]
    assert attack["kind"] == "casualties" and attack["side"] == "civilians" and attack["place"] == "Saraqib"
    actor_names = {a["name"] for a in ok(sitlog("actors", "list", "--json")).json()}
    assert "Civilians (Syria)" not in actor_names and "Military Forces of Russia (2000-)" in actor_names
    assert "0 added, 0 revised, 6 unchanged" in ok(sitlog("import", str(ACLED))).stderr


def test_an_acled_row_edited_upstream_becomes_a_revision(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    ok(sitlog("import", str(ACLED)))
    edited = ACLED.read_text("utf-8").replace(
        'killing 3 civilians.",3,,1732752000', 'killing 4 civilians.",4,,1732838400'
    )
    path = tmp_path / "acled-later.csv"
    path.write_text(edited, "utf-8")
    assert "0 added, 2 revised, 4 unchanged" in ok(sitlog("import", str(path))).stderr
    assert events(sitlog)["acled:SYR900002:casualties"]["killed"]["low"] == 4
    assert "0 added, 0 revised, 6 unchanged" in ok(sitlog("import", str(ACLED))).stderr  # older: history only
    assert events(sitlog)["acled:SYR900002:casualties"]["killed"]["low"] == 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("name,when\nx,y\n", "cannot tell the format"),
        ('{"record": "sitlog", "version": 1}\n{"record": "revision", "id": "x"}\n', "line 2, column kind"),
        ('{"record": "sitlog", "version": 1}\nnot json\n', "line 2: not JSON"),
        ('{"record": "sitlog", "version": 99}\n', "newer sitlog"),
    ],
)
def test_unreadable_input_is_exit_3_with_one_line(sitlog: Callable[..., Run], content: str, message: str) -> None:
    run = sitlog("import", "-", input=content)
    assert run.exit_code == 3
    assert message in run.stderr and run.stderr.startswith("Error: ") and run.stderr.count("\n") == 1


def test_usage_mistakes(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    assert sitlog("import", str(UCDP), "--format", "xlsx").exit_code == 2
    missing = sitlog("import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 3 and "cannot read" in missing.stderr
    wrong = sitlog("import", str(ACLED), "--format", "ucdp")
    assert wrong.exit_code == 3 and "missing column" in wrong.stderr


def test_jsonl_bad_record_in_the_middle_leaves_the_database_unchanged(
    sitlog: Callable[..., Run], tmp_path: Path
) -> None:
    log_scenario(sitlog)
    lines = ok(sitlog("export")).stdout.splitlines()
    position = next(i for i, line in enumerate(lines) if '"id": "commander"' in line)
    lines[position] = lines[position].replace('"precision": "day"', '"precision": "fortnight"')
    target = {"SITLOG_DB": str(tmp_path / "target.db")}
    run = sitlog("import", "-", input="\n".join(lines) + "\n", **target)
    assert run.exit_code == 3 and f"line {position + 1}, column precision" in run.stderr
    assert ok(sitlog("events", "--all", "--json", **target)).json() == []
    listed = ok(sitlog("actors", "list", "--json")).json()
    bundled = {a["name"] for a in listed if a["name"] != "Northern Storm Brigade"}
    assert {a["name"] for a in ok(sitlog("actors", "list", "--json", **target)).json()} == bundled  # the pack only


def test_places_distinct_in_the_file_stay_distinct(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    """Here one "Kafr Basin" with no governorate; the file has two, in Aleppo and in Idlib."""
    source = {"SITLOG_DB": str(tmp_path / "source.db")}
    # HTS and both Kafr Basins come with the bundled packs since issue 10: nothing to add in the source.
    for admin1, event_id in (("Aleppo", "in-aleppo"), ("Idleb", "in-idlib")):
        ok(sitlog("log", "control", f"Kafr Basin, {admin1}", "--by", "HTS", "--at", "2024-11-27", "--id", event_id,
                  **source))  # fmt: skip
    ok(sitlog("places", "add", "Kafr Basin"))
    ok(sitlog("import", "-", input=ok(sitlog("export", **source)).stdout))
    found = events(sitlog)
    assert found["in-aleppo"]["place_id"] != found["in-idlib"]["place_id"]
    governorates = {p["id"]: p["admin1"] for p in ok(sitlog("places", "list", "Kafr Basin", "--json")).json()}
    assert governorates[found["in-idlib"]["place_id"]] == "Idleb"
    assert governorates[found["in-aleppo"]["place_id"]] in (None, "Aleppo")


def test_dry_run_of_a_jsonl_export_counts_like_the_real_import(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    log_scenario(sitlog)
    exported = ok(sitlog("export")).stdout
    target = {"SITLOG_DB": str(tmp_path / "target.db")}
    dry = ok(sitlog("import", "-", "--dry-run", "--json", input=exported, **target)).json()
    assert ok(sitlog("events", "--all", "--json", **target)).json() == []
    real = ok(sitlog("import", "-", "--json", input=exported, **target)).json()
    assert {k: v for k, v in dry.items() if k not in ("dry_run", "changeset")} == {
        k: v for k, v in real.items() if k not in ("dry_run", "changeset")
    }
    assert dry["dry_run"] and not real["dry_run"] and real["changeset"]


def test_jsonl_actors_the_database_already_has_need_no_actor_record(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    """A jsonl file naming a bundled actor (SAA) without carrying its actor record still imports; an actor
    neither the file nor the database knows is a row error naming it."""
    assert sitlog("log", "strike", "Ariha", "--by", "SAA", "--at", "2024-11-27").exit_code == 0
    exported = tmp_path / "all.jsonl"
    assert sitlog("export", "-f", "jsonl", "-o", str(exported)).exit_code == 0
    lines = [line for line in exported.read_text("utf-8").splitlines() if '"record": "actor"' not in line]
    bare = tmp_path / "bare.jsonl"
    bare.write_text("\n".join(lines) + "\n", "utf-8")
    fresh = tmp_path / "fresh.db"
    run = sitlog("--db", str(fresh), "import", str(bare))
    assert run.exit_code == 0, run.output
    listed = json.loads(sitlog("--db", str(fresh), "events", "--json").stdout)
    assert [e["actors"] for e in listed] == [["Syrian Arab Army"]]
    bare.write_text("\n".join(line.replace('"Syrian Arab Army"', '"Liwa Zzyzx"') for line in lines) + "\n", "utf-8")
    run = sitlog("--db", str(tmp_path / "other.db"), "import", str(bare))
    assert run.exit_code == 3 and "unknown actor 'Liwa Zzyzx'" in run.stderr
