"""Issue 9: published UCDP and ACLED files in, faithful figures out (import cases, best, ACLED export).

Most of these fail until issue 9 is implemented. JSON shapes the issue leaves open, as chosen here
(additive, in the style of docs/json.md):

- A quantity is ``{low, best, high, text}``; ``best`` is null unless the source gives a most likely
  figure (UCDP's ``best``). It is never made up from words (``dozens``) nor from a range (``5-9``).
- A total is ``{low, best, high, without_best}``: ``best`` is the sum of the bests of the parts that
  have one and ``without_best`` counts the parts that have none (so ``best`` with ``without_best``
  0 is a complete best estimate). ``high`` stays null as soon as one part's high is unknown.
- A UCDP row whose published figures disagree (``low ≤ best ≤ high`` does not hold) imports: its
  quantity is ``{low: min, best: best, high: max}`` of the three, its ``text`` keeps the published
  figures, the event is marked (a tag or its note says "adjusted"), and the import summary counts it:
  ``N adjusted`` on stderr, ``"adjusted": N`` in ``--json``.
- Associated actors: an event imported from ACLED carries ``sides``: ``[{"actor": NAME,
  "associated": [NAMES]}, ...]``, one entry per side in the source's order (actor1 first). Intra-group
  fighting is two sides with the same actor. ``export --format acled`` writes them back as
  ``assoc_actor_1``/``assoc_actor_2`` (``; ``-joined).
- HXL csv export: the column tagged exactly ``#affected+killed`` holds assessed figures only; a
  claimed figure goes under a tag that starts with ``#affected+killed`` and has ``+claimed``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run
from tests.ged_extract import ged_rows, write_ged
from tests.test_import import events
from tests.test_roundtrip import FIXTURES, ok
from tests.test_schemas import SCHEMAS, validate

Sitlog = Callable[..., Run]
CASES = FIXTURES / "cases"
UCDP = FIXTURES / "ucdp_ged.csv"


def acled_rows(sitlog: Sitlog, *args: str) -> dict[str, dict[str, str]]:
    text = ok(sitlog("export", "--format", "acled", *args)).stdout
    return {row["event_id_cnty"]: row for row in csv.DictReader(io.StringIO(text))}


def nothing_stored(sitlog: Sitlog) -> bool:
    return ok(sitlog("events", "--all", "--json")).json() == []


def marked_adjusted(event: dict[str, Any]) -> bool:
    return any("adjusted" in tag for tag in event["tags"]) or "adjusted" in (event["note"] or "")


# --- every case in tests/fixtures/cases (README.md there) ------------------------------------------


def test_case_ucdp_best_outside_low_high_imports_kept_and_marked(sitlog: Sitlog, tmp_path: Path) -> None:
    path = CASES / "ucdp-best-outside-low-high.csv"
    run = ok(sitlog("import", str(path), "--json"))
    assert run.json()["rejected"] == 0 and run.json()["adjusted"] == 1
    assert "1 adjusted" in run.stderr
    found = events(sitlog)
    odd = found["ucdp:992002:casualties"]  # published low 0, best 3, high 0
    assert {k: odd["killed"][k] for k in ("low", "best", "high")} == {"low": 0, "best": 3, "high": 3}
    assert "best 3" in odd["killed"]["text"]
    assert marked_adjusted(odd) and not marked_adjusted(found["ucdp:992001:casualties"])
    day = ok(sitlog("summary", "--day", "2024-11-27", "--json")).json()["days"][0]
    assert day["killed"] == {"low": 3, "best": 6, "high": 6, "without_best": 0}  # min..max of each row
    # --skip-bad has nothing to skip: such a row is data, not a malformed row to drop.
    other = {"SITLOG_DB": str(tmp_path / "other.db")}
    again = ok(sitlog("import", str(path), "--skip-bad", "--json", **other)).json()
    assert again["rejected"] == 0 and again["adjusted"] == 1


def test_case_ucdp_hxl_row_with_an_empty_first_cell_is_skipped(sitlog: Sitlog) -> None:
    run = ok(sitlog("import", str(CASES / "ucdp-hxl-row-empty-first-cell.csv"), "--json"))
    assert run.json()["rejected"] == 0
    found = events(sitlog)
    assert {"ucdp:990001", "ucdp:990001:casualties", "ucdp:990002"} <= set(found)
    assert not any(key.startswith("ucdp:#") or key == "ucdp:" for key in found)
    assert found["ucdp:990001:casualties"]["killed"]["best"] == 5
    assert found["ucdp:990002"]["kind"] == "casualties" and found["ucdp:990002"]["killed"]["low"] == 4


def canonical(sitlog: Sitlog, name: str) -> str:
    """The stored name of the actor ``name`` (an ACLED name may be an alias of a bundled actor: issue 10)."""
    [actor] = [a for a in ok(sitlog("actors", "list", "--json")).json() if name in (a["name"], *a["aliases"])]
    return str(actor["name"])


def test_case_acled_same_actor_clash_is_intra_group_fighting(sitlog: Sitlog) -> None:
    ok(sitlog("import", str(CASES / "acled-same-actor-clash.csv")))
    found = events(sitlog)
    infighting = found["acled:QA2001"]
    sna = canonical(sitlog, "Syrian National Army")
    assert infighting["kind"] == "clash" and sna in infighting["actors"]
    assert infighting["sides"] == [
        {"actor": sna, "associated": ["Sultan Murad Division"]},
        {"actor": sna, "associated": ["Hamza Division"]},
    ]
    assert found["acled:QA2001:casualties"]["killed"]["low"] == 2
    assert found["acled:QA2002"]["kind"] == "clash"
    row = acled_rows(sitlog)["QA2001"]  # ACLED rows go out under their own ACLED id
    assert (row["actor1"], row["actor2"]) == (sna, sna)
    assert (row["assoc_actor_1"], row["assoc_actor_2"]) == ("Sultan Murad Division", "Hamza Division")
    assert (row["event_type"], row["fatalities"]) == ("Battles", "2")


def test_case_acled_associated_actors_are_kept_and_exported_again(sitlog: Sitlog) -> None:
    ok(sitlog("import", str(CASES / "acled-associated-actors.csv")))
    clash = events(sitlog)["acled:QA1401"]
    assert clash["sides"] == [
        {"actor": canonical(sitlog, "Hayat Tahrir al-Sham"), "associated": ["Northern Storm Brigade", "Jaysh al-Izza"]},
        {
            "actor": "Military Forces of Syria (2000-2024)",
            "associated": ["Iranian Revolutionary Guard Corps", "Hezbollah"],
        },
    ]
    row = acled_rows(sitlog)["QA1401"]
    assert row["assoc_actor_1"] == "Northern Storm Brigade; Jaysh al-Izza"
    assert row["assoc_actor_2"] == "Iranian Revolutionary Guard Corps; Hezbollah"  # the side is not lost


def test_case_acled_impossible_year_is_refused_with_line_and_column(sitlog: Sitlog) -> None:
    path = CASES / "acled-impossible-year.csv"
    run = sitlog("import", str(path))
    assert run.exit_code == 3
    assert run.stderr.startswith("Error: ") and run.stderr.count("\n") == 1
    assert f"{path} line 2, column event_date" in run.stderr and "nothing was imported" in run.stderr
    assert nothing_stored(sitlog)
    skipped = ok(sitlog("import", str(path), "--skip-bad", "--json"))
    assert f"skipped {path} line 2, column event_date" in skipped.stderr
    assert skipped.json()["rejected"] == 1 and skipped.json()["added"] == 0
    assert nothing_stored(sitlog)


def test_case_acled_bare_cr_line_ends_never_give_a_traceback(sitlog_proc: Sitlog) -> None:
    path = CASES / "acled-cr-line-ends.csv"
    run = sitlog_proc("import", str(path))
    assert "Traceback" not in run.stderr and run.exit_code in (0, 3), run.stderr
    listed = {e["id"]: e for e in json.loads(sitlog_proc("events", "--json").stdout)}
    if run.exit_code == 0:  # read correctly
        assert listed["acled:QA1001"]["kind"] == "clash" and listed["acled:QA1001"]["place"] == "Kafr Basin"
        assert (listed["acled:QA1002"]["kind"], listed["acled:QA1002"]["means"]) == ("strike", "air")
        assert listed["acled:QA1001:casualties"]["killed"]["low"] == 4
    else:  # or a clear one-line refusal that names the problem
        assert run.stderr.startswith("Error: ") and run.stderr.count("\n") == 1 and str(path) in run.stderr
        assert "carriage return" in run.stderr.lower() or "line end" in run.stderr.lower()
        assert listed == {}


# --- malformed files: exit 3 naming file, line (and column), database unchanged, no traceback -------


def _malformed(name: str) -> tuple[bytes, str, str]:
    """(file content, where the error must point, a word the message must hold)."""
    lines = UCDP.read_text("utf-8").splitlines(keepends=True)
    header, row = lines[0], next(line for line in lines if line.startswith("900002,"))  # one line, "Arīḥā town"
    if name == "latin-1":
        return (header + row.replace("Arīḥā town", "Saraqéb town")).encode("latin-1"), "line 2", "convert"
    if name == "unclosed-quote":
        return (header + row + '900097,2024,1,3,,,,"never closed\n').encode(), "line 3", "quote"
    if name == "short-row":
        return (header + row + "900096,2024,1,3\n").encode(), "line 3", "fields"
    if name == "bad-day":
        bad = row.replace("2024-11-27,2024-11-27", "2024-02-30,2024-02-30")
        return (header + bad).encode(), "line 2, column date_start", "2024-02-30"
    assert name == "huge-fatalities"
    acled = (FIXTURES / "acled.csv").read_text("utf-8").splitlines(keepends=True)
    attack = next(line for line in acled if line.startswith("SYR900005"))  # Violence against civilians, 1 killed
    huge = attack.replace(",1,,1732", ",99999999999999999999999,,1732")
    assert huge != attack
    return (acled[0] + huge).encode(), "line 2, column fatalities", "implausibl"


@pytest.mark.parametrize("name", ["latin-1", "unclosed-quote", "short-row", "bad-day", "huge-fatalities"])
def test_a_malformed_file_is_one_clear_error_and_changes_nothing(
    sitlog_proc: Sitlog, tmp_path: Path, name: str
) -> None:
    content, where, word = _malformed(name)
    path = tmp_path / f"{name}.csv"
    path.write_bytes(content)
    places_before = json.loads(sitlog_proc("places", "list", "--json").stdout)
    run = sitlog_proc("import", str(path))
    assert run.exit_code == 3 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.startswith("Error: ") and run.stderr.count("\n") == 1
    assert f"{path} {where}" in run.stderr, run.stderr
    assert word.lower() in run.stderr.replace(str(path), "FILE").lower(), run.stderr
    assert json.loads(sitlog_proc("events", "--all", "--json").stdout) == []
    assert json.loads(sitlog_proc("places", "list", "--json").stdout) == places_before


def test_bom_crlf_quoted_breaks_and_an_hxl_row_read_as_published(sitlog: Sitlog, tmp_path: Path) -> None:
    rows = ged_rows(20)
    path = write_ged(tmp_path / "hdx.csv", rows, "201", hxl=True, bom=True, line_end="\r\n")
    assert ok(sitlog("import", str(path), "--json")).json()["rejected"] == 0
    found = events(sitlog)
    assert {f"ucdp:{r['id']}" for r in rows} <= set(found)
    assert found["ucdp:700000"]["source"] and "\n" not in found["ucdp:700000"]["place"]


# --- best: a first-class field -------------------------------------------------------------------


def test_every_quantity_has_best_and_best_is_never_made_up(sitlog: Sitlog, actors: None) -> None:
    ok(sitlog("import", str(UCDP)))
    ok(sitlog("log", "casualties", "Aleppo", "--killed", "5-9", "--side", "HTS", "--at", "2024-11-27",
              "--id", "range"))  # fmt: skip
    ok(sitlog("log", "casualties", "Aleppo", "--killed", "dozens", "--side", "HTS", "--at", "2024-11-27",
              "--claimed-by", "pro-government media", "--id", "words"))  # fmt: skip
    found = events(sitlog)
    assert found["ucdp:900001:casualties"]["killed"] == {"low": 6, "best": 8, "high": 12, "text": "6-12 (best 8)"}
    assert found["ucdp:900004:casualties"]["killed"]["best"] == 1
    assert found["range"]["killed"] == {"low": 5, "best": None, "high": 9, "text": "5-9"}
    assert found["words"]["killed"]["best"] is None
    for event in found.values():
        validate("event", event)
    common = json.loads((SCHEMAS / "common.schema.json").read_text("utf-8"))["$defs"]
    assert "best" in common["quantity"]["properties"] and "best" in common["quantity"]["required"]
    assert {"best", "without_best"} <= set(common["range"]["properties"])
    claim = ok(sitlog("summary", "--day", "2024-11-27", "--json")).json()["days"][0]["claims"][0]
    assert claim["killed"]["best"] is None


def test_summary_totals_carry_best_and_count_the_parts_without(sitlog: Sitlog, actors: None) -> None:
    ok(sitlog("import", str(UCDP)))
    # Day-precise UCDP rows of 27 Nov: 900001 (6/8/12), 900002 (4/4/6), 900004 (0/1/1), 900005 (2/2/2).
    day = ok(sitlog("summary", "--day", "2024-11-27", "--json")).json()
    assert day["days"][0]["killed"] == {"low": 12, "best": 15, "high": 21, "without_best": 0}
    ok(sitlog("log", "casualties", "Aleppo", "--killed", "5-9", "--side", "HTS", "--at", "2024-11-27"))
    after = ok(sitlog("summary", "--day", "2024-11-27", "--json")).json()
    assert after["days"][0]["killed"] == {"low": 17, "best": 15, "high": 30, "without_best": 1}
    assert after["total"]["killed"] == after["days"][0]["killed"]
    validate("summary", after)


def test_best_survives_csv_jsonl_and_their_round_trips(sitlog: Sitlog, tmp_path: Path) -> None:
    ok(sitlog("import", str(UCDP)))
    exported = {r["id"]: r for r in csv.DictReader(io.StringIO(ok(sitlog("export", "-f", "csv")).stdout))}
    assert exported["ucdp:900001:casualties"]["killed_best"] == "8"
    for fmt in ("jsonl", "csv"):
        other = {"SITLOG_DB": str(tmp_path / f"{fmt}.db")}
        ok(sitlog("import", "-", "--format", fmt, input=ok(sitlog("export", "-f", fmt)).stdout, **other))
        there = {e["id"]: e for e in ok(sitlog("events", "--all", "--json", **other)).json()}
        assert there["ucdp:900001:casualties"]["killed"]["best"] == 8, fmt


# --- ACLED export that ACLED users accept ----------------------------------------------------------


def test_a_control_baseline_is_no_battle_but_a_change_still_is(sitlog: Sitlog, actors: None) -> None:
    ok(sitlog("log", "control", "Ariha", "--by", "SAA", "--at", "2024-11-01", "--id", "baseline"))
    ok(sitlog("log", "control", "Ariha", "--by", "HTS", "--against", "SAA", "--at", "2024-11-28", "--id", "taken"))
    rows = acled_rows(sitlog)
    assert rows.get("baseline", {}).get("event_type") != "Battles"  # first known holder: an observation
    assert (rows["taken"]["event_type"], rows["taken"]["sub_event_type"]) == (
        "Battles",
        "Non-state actor overtakes territory",
    )


def test_strike_means_map_to_acled_sub_event_types_and_unknown_says_so(sitlog: Sitlog, actors: None) -> None:
    for means in ("air", "drone", "artillery", "missile", None):
        extra = ("--means", means) if means else ()
        ok(sitlog("log", "strike", "Ariha", "--by", "SAA", "--at", "2024-11-27", "--id", f"s-{means}", *extra))
    rows = acled_rows(sitlog)
    assert rows["s-air"]["sub_event_type"] == rows["s-drone"]["sub_event_type"] == "Air/drone strike"
    assert rows["s-artillery"]["sub_event_type"] == "Shelling/artillery/missile attack"
    assert rows["s-missile"]["sub_event_type"] == "Shelling/artillery/missile attack"
    unknown = rows["s-None"]
    assert unknown["sub_event_type"] != "Remote explosive/landmine/IED"
    assert "unknown" in (unknown["sub_event_type"] + " " + unknown["notes"]).lower()


def test_country_and_iso_are_filled_for_every_syrian_place(sitlog: Sitlog, actors: None) -> None:
    ok(sitlog("import", str(UCDP)))  # creates Ḩandarāt, Anadan, "Idlib governorate" (no P-code)
    ok(sitlog("places", "add", "Hawar", "--admin1", "Aleppo"))
    ok(sitlog("log", "strike", "Hawar", "--by", "SAA", "--means", "drone", "--at", "2024-11-27", "--id", "hawar"))
    rows = acled_rows(sitlog)
    assert {"hawar", "ucdp:900003", "ucdp:900004"} <= set(rows)
    for event_id, row in rows.items():
        assert (row["iso"], row["region"], row["country"]) == ("760", "Middle East", "Syria"), event_id


def test_one_acled_row_per_source_event_and_no_displacement_by_default(sitlog: Sitlog, tmp_path: Path) -> None:
    base = ged_rows(7)  # a clash (row 0) and one-sided violence (row 5) at one place on one day
    clash, onesided = dict(base[0]), dict(base[5])
    for row in (clash, onesided):
        row.update(where_coordinates="Anadan town", adm_1="Aleppo governorate", adm_2="Jabal Saman district",
                   latitude=36.2937, longitude=37.0443, date_prec=1, date_start=base[0]["date_start"],
                   date_end=base[0]["date_start"])  # fmt: skip
    ok(sitlog("import", str(write_ged(tmp_path / "ged.csv", [clash, onesided]))))
    ok(sitlog("log", "displacement", "Anadan", "--people", "300", "--at", str(clash["date_start"]), "--id", "fled"))
    rows = acled_rows(sitlog)
    assert set(rows) == {f"ucdp:{clash['id']}", f"ucdp:{onesided['id']}"}  # no displacement row
    civilians = rows[f"ucdp:{onesided['id']}"]
    assert civilians["event_type"] == "Violence against civilians"
    assert civilians["fatalities"] == str(min(onesided["low"], onesided["best"], onesided["high"]))
    battle = rows[f"ucdp:{clash['id']}"]
    assert battle["fatalities"] == str(min(clash["low"], clash["best"], clash["high"]))


def test_hxl_export_tags_claimed_figures_apart(sitlog: Sitlog, actors: None) -> None:
    ok(sitlog("log", "casualties", "Aleppo", "--killed", "5", "--side", "HTS", "--at", "2024-11-27"))
    ok(sitlog("log", "casualties", "Aleppo", "--killed", "dozens", "--side", "HTS", "--at", "2024-11-27",
              "--claimed-by", "pro-government media", "--id", "claim"))  # fmt: skip
    header, tags, *rows = list(csv.reader(io.StringIO(ok(sitlog("export", "-f", "csv", "--hxl")).stdout)))
    assessed = [i for i, tag in enumerate(tags) if tag == "#affected+killed"]
    assert len(assessed) == 1 and sum(int(r[assessed[0]] or 0) for r in rows) == 5
    claim_row = next(r for r in rows if r[header.index("id")] == "claim")
    claimed = [i for i, tag in enumerate(tags) if tag.startswith("#affected+killed") and "+claimed" in tag]
    assert any(claim_row[i] == "12" for i in claimed)


def test_acled_rows_of_unmodelled_types_keep_their_deaths(sitlog: Sitlog, tmp_path: Path) -> None:
    lines = (FIXTURES / "acled.csv").read_text("utf-8").splitlines()
    tail = ",Syria,Idlib,Idlib,,Saraqib,35.8647,36.8006,1,Test Wire,National,NOTE,FAT,,1732700000"
    extra = [
        "QA5001,2024-11-27,2024,1,Demonstrations,Protests,Excessive force against protesters,Protesters (Syria),,6,"
        "Military Forces of Syria (2000-2024),,1,16,,760,Middle East" + tail.replace("NOTE", "Protest fired on")
        .replace("FAT", "3"),
        "QA5002,2024-11-27,2024,1,Strategic developments,Strategic developments,Looting/property destruction,"
        "Hayat Tahrir al-Sham,,2,,,,20,,760,Middle East" + tail.replace("NOTE", "Looting").replace("FAT", "1"),
    ]  # fmt: skip
    path = tmp_path / "acled.csv"
    path.write_text("\n".join([*lines, *extra]) + "\n", "utf-8")
    ok(sitlog("import", str(path)))
    with open(path, newline="", encoding="utf-8") as handle:
        in_file = sum(int(r["fatalities"]) for r in csv.DictReader(handle))
    assert in_file == 15  # every row with deaths is dated 27 Nov 2024 to the day
    day = ok(sitlog("summary", "--day", "2024-11-27", "--json")).json()["days"][0]
    assert day["killed"]["low"] == in_file
    protest = events(sitlog)["acled:QA5001:casualties"]
    assert protest["killed"]["low"] == 3 and "Excessive force against protesters" in (protest["note"] or "")
