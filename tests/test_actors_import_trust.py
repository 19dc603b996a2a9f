"""Issue 10 — actors you can trust (pack, `actors set`, `--new-actor`, roll-up, coalitions) and import
reconciliation of UCDP place names with the bundled gazetteer. CLI only; written before the code.

Choices where issue 10 leaves the shape open (see also tests/test_places_trust.py):
- A bundled actor pack is loaded into every new database, like the place pack: the seed report's
  parties resolve with no ``actors add`` (tests here never use the ``actors`` fixture, which adds
  HTS/SAA by hand).
- ``actors set NAME [--name NEW] [--type T] [--parent ACTOR | --no-parent] [--side S] [--json]``;
  a parent that would make a cycle (itself included) is exit 3 with nothing changed.
- ``log … --new-actor [--actor-type T]`` creates every unknown actor the command names (type default
  ``other``) and says so on stderr (``new actor NAME (TYPE)``), mirroring ``--new-place``. Without it,
  an unknown actor is exit 3 with "did you mean …" and "create it with --new-actor or `sitlog actors
  add`". All unresolved names of one command are reported in one error.
- ``events --actor A`` and ``export --actor A`` include A's sub-units (by parent, at any depth) and
  the events of coalitions A belongs to; ``--exact`` keeps the old behaviour (A itself only).
- A UCDP side naming several groups (``Ahrar al-Sham, FSA, HTS, Jaysh al-Islam``) becomes one actor
  whose JSON has ``members`` (member names, each resolved or created); other actors have
  ``members: []``.
- The import summary (``--json``) gains ``linked_places`` and ``ambiguous_places`` beside
  ``new_places`` (distinct places, not rows). Imported admin1 names are the 14 OCHA governorates.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run

Sitlog = Callable[..., Run]
FIXTURES = Path(__file__).parent / "fixtures"
OCHA_GOVERNORATES = {"Al-Hasakeh", "Aleppo", "Ar-Raqqa", "As-Sweida", "Damascus", "Dar'a", "Deir-ez-Zor", "Hama",
                     "Homs", "Idleb", "Lattakia", "Quneitra", "Rural Damascus", "Tartous"}  # fmt: skip


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def events(sitlog: Sitlog, *args: str) -> list[dict[str, Any]]:
    run = sitlog("events", "--json", *args)
    assert run.exit_code == 0, run.stderr
    result: list[dict[str, Any]] = run.json()
    return result


def actor(sitlog: Sitlog, name: str) -> dict[str, Any]:
    """The one actor whose name or alias is exactly ``name``."""
    found = [a for a in sitlog("actors", "list", "--json").json() if name in (a["name"], *a["aliases"])]
    assert len(found) == 1, (name, found)
    result: dict[str, Any] = found[0]
    return result


def ucdp_file(path: Path, rows: list[dict[str, Any]]) -> Path:
    """A UCDP GED CSV in the fixture's column layout, one clash per row."""
    with open(FIXTURES / "ucdp_ged.csv", newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    out = io.StringIO()
    writer = csv.DictWriter(out, header)
    writer.writeheader()
    for row in rows:
        full = dict.fromkeys(header, "")
        full.update(year="2016", active_year="1", type_of_violence="1", side_a="Government of Syria",
                    side_b="Hayat Tahrir al-Sham", where_prec="1", country="Syria", date_prec="1",
                    date_start="2016-06-01", date_end="2016-06-01", deaths_a="1", deaths_b="0",
                    deaths_civilians="0", deaths_unknown="0", low="1", best="1", high="1")  # fmt: skip
        full.update({k: str(v) for k, v in row.items()})
        full["geom_wkt"] = f"POINT ({full['longitude']} {full['latitude']})" if full["latitude"] else ""
        writer.writerow(full)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


# --- the bundled actor pack ----------------------------------------------------------------------

# Names an operator types, grouped by the actor they must reach; the type where it is unambiguous.
PACK = [
    (("Syrian Arab Army", "SAA"), "state"),
    (("HTS", "Hayat Tahrir al-Sham", "Hay'at Tahrir al-Sham"), "rebel"),
    (("SNA", "Syrian National Army"), None),
    (("SDF", "Syrian Democratic Forces"), None),
    (("Russian forces",), "external"),
    (("Hezbollah", "Hizbullah"), None),
    (("Iran-backed militias",), None),
    (("IS", "Islamic State", "ISIS"), None),
    (("Turkish forces",), "external"),
]


def test_bundled_actor_pack_resolves_with_no_actors_add(sitlog: Sitlog) -> None:
    canonical: dict[str, str] = {}
    for names, _type in PACK:
        for name in names:
            run = sitlog("log", "strike", "Ariha", "--by", name, "--json")
            assert run.exit_code == 0, f"{name!r}: {run.stderr}"
            canonical[name] = run.json()["actors"][0]
    for names, _type in PACK:
        assert len({canonical[n] for n in names}) == 1, names  # one actor per group
    assert len({canonical[names[0]] for names, _ in PACK}) == len(PACK)  # and nine distinct actors
    types = {a["name"]: a["type"] for a in sitlog("actors", "list", "--json").json()}
    for names, expected in PACK:
        assert types[canonical[names[0]]] != "other", names  # every pack actor is typed
        if expected:
            assert types[canonical[names[0]]] == expected, names


# --- actors set ----------------------------------------------------------------------------------


@pytest.fixture
def family(sitlog: Sitlog) -> None:
    """An operations room, a faction under it, a unit under that; none of them in the pack."""
    for args in (("Al-Fath al-Mubin", "--type", "rebel"), ("Jaysh al-Izza", "--type", "rebel"),
                 ("Jaysh al-Izza Sniper Battalion",)):  # fmt: skip
        run = sitlog("actors", "add", *args)
        assert run.exit_code == 0, run.stderr


def test_actors_set_type_parent_side(sitlog: Sitlog, family: None) -> None:
    run = sitlog("actors", "set", "Jaysh al-Izza Sniper Battalion", "--type", "militia", "--parent", "Jaysh al-Izza",
                 "--side", "opposition", "--json")  # fmt: skip
    assert run.exit_code == 0, run.stderr
    assert (run.json()["type"], run.json()["parent"], run.json()["side"]) == ("militia", "Jaysh al-Izza", "opposition")
    assert sitlog("actors", "set", "Jaysh al-Izza", "--parent", "Al-Fath al-Mubin").exit_code == 0
    assert actor(sitlog, "Jaysh al-Izza")["parent"] == "Al-Fath al-Mubin"
    assert sitlog("actors", "set", "Jaysh al-Izza", "--no-parent").exit_code == 0
    assert actor(sitlog, "Jaysh al-Izza")["parent"] is None


@pytest.mark.parametrize(
    ("name", "parent"),
    [("Al-Fath al-Mubin", "Jaysh al-Izza Sniper Battalion"), ("Jaysh al-Izza", "Jaysh al-Izza")],
)
def test_a_parent_cycle_is_exit_3_and_changes_nothing(sitlog: Sitlog, family: None, name: str, parent: str) -> None:
    assert sitlog("actors", "set", "Jaysh al-Izza", "--parent", "Al-Fath al-Mubin").exit_code == 0
    assert sitlog("actors", "set", "Jaysh al-Izza Sniper Battalion", "--parent", "Jaysh al-Izza").exit_code == 0
    before = sitlog("actors", "list", "--json").json()
    run = sitlog("actors", "set", name, "--parent", parent)
    assert run.exit_code == 3 and "cycle" in run.stderr, run.stderr
    assert sitlog("actors", "list", "--json").json() == before


# --- unknown actors: --new-actor, hints, every bad name at once -----------------------------------


def test_new_actor_with_a_type_mirrors_new_place(sitlog: Sitlog) -> None:
    run = sitlog("log", "clash", "Ariha", "--actor", "Liwa al-Quds", "--actor", "Jaysh al-Izza", "--new-actor",
                 "--actor-type", "militia", "--json")  # fmt: skip
    assert run.exit_code == 0, run.stderr
    assert "new actor Liwa al-Quds (militia)" in run.stderr and "new actor Jaysh al-Izza (militia)" in run.stderr
    assert run.json()["actors"] == ["Liwa al-Quds", "Jaysh al-Izza"]
    assert actor(sitlog, "Liwa al-Quds")["type"] == "militia"
    again = sitlog("log", "strike", "Ariha", "--by", "Liwa al-Quds", "--new-actor", "--json")
    assert again.exit_code == 0 and "new actor" not in again.stderr  # resolved, not created twice


def test_unknown_actor_hints_did_you_mean_and_how_to_create_it(sitlog: Sitlog) -> None:
    assert sitlog("actors", "add", "Liwa al-Quds", "--type", "militia").exit_code == 0
    run = sitlog("log", "strike", "Ariha", "--by", "Liwa al-Qusd")  # letters swapped: not a spelling
    assert run.exit_code == 3
    assert "unknown actor 'Liwa al-Qusd'" in run.stderr and "did you mean: Liwa al-Quds" in run.stderr
    assert "create it with --new-actor or `sitlog actors add`" in run.stderr
    assert events(sitlog) == []


def test_a_command_reports_all_its_unresolved_names_at_once(sitlog: Sitlog) -> None:
    run = sitlog("log", "clash", "Qzxville", "--actor", "Zzyzx Front", "--actor", "Liwa Qwerty")
    assert run.exit_code == 3
    assert run.stderr.count("Error:") == 1
    for name in ("'Qzxville'", "'Zzyzx Front'", "'Liwa Qwerty'"):
        assert name in run.stderr, run.stderr
    assert "--new-place" in run.stderr and "--new-actor" in run.stderr
    assert events(sitlog) == []


# --- roll-up: sub-units and coalitions ------------------------------------------------------------


def test_actor_filters_include_sub_units_and_exact_does_not(sitlog: Sitlog, family: None) -> None:
    assert sitlog("actors", "set", "Jaysh al-Izza", "--parent", "Al-Fath al-Mubin").exit_code == 0
    assert sitlog("actors", "set", "Jaysh al-Izza Sniper Battalion", "--parent", "Jaysh al-Izza").exit_code == 0
    ids = {who: sitlog("log", "strike", "Ariha", "--by", who, "--json").json()["id"]
           for who in ("Al-Fath al-Mubin", "Jaysh al-Izza", "Jaysh al-Izza Sniper Battalion")}  # fmt: skip
    assert {e["id"] for e in events(sitlog, "--actor", "Al-Fath al-Mubin")} == set(ids.values())
    assert {e["id"] for e in events(sitlog, "--actor", "Jaysh al-Izza")} == {
        ids["Jaysh al-Izza"], ids["Jaysh al-Izza Sniper Battalion"]}  # fmt: skip
    assert [e["id"] for e in events(sitlog, "--actor", "Al-Fath al-Mubin", "--exact")] == [ids["Al-Fath al-Mubin"]]
    exported = sitlog("export", "-f", "csv", "--actor", "Al-Fath al-Mubin")
    assert exported.exit_code == 0, exported.stderr
    assert {r["id"] for r in csv.DictReader(io.StringIO(exported.stdout))} == set(ids.values())


COALITION = "Ahrar al-Sham, FSA, HTS, Jaysh al-Islam"


def test_an_imported_coalition_is_an_actor_with_members(sitlog: Sitlog, tmp_path: Path) -> None:
    path = ucdp_file(tmp_path / "ged.csv", [
        dict(id=920001, side_b=COALITION, where_coordinates="Ariha town", adm_1="Idlib governorate",
             latitude=35.8137, longitude=36.6096),
        dict(id=920002, side_b="Jaysh al-Islam", where_coordinates="Duma town", adm_1="Rif Dimashq governorate",
             latitude=33.5719, longitude=36.4027),
    ])  # fmt: skip
    run = sitlog("import", str(path), "--format", "ucdp")
    assert run.exit_code == 0, run.stderr
    coalition = actor(sitlog, COALITION)
    assert "members" in coalition, coalition
    assert {"Ahrar al-Sham", "FSA", "Jaysh al-Islam"} <= set(coalition["members"])
    assert len(coalition["members"]) == 4
    assert actor(sitlog, "HTS")["name"] in coalition["members"]  # the pack's HTS, not a new "HTS"
    for member in ("Ahrar al-Sham", "FSA", "HTS", "Hayat Tahrir al-Sham"):
        assert "ucdp:920001" in {e["id"] for e in events(sitlog, "--actor", member)}, member
    assert {e["id"] for e in events(sitlog, "--actor", "Jaysh al-Islam", "--kind", "clash")} == {
        "ucdp:920001", "ucdp:920002"}  # fmt: skip
    assert [e["id"] for e in events(sitlog, "--actor", "FSA", "--exact")] == []


# --- import reconciliation over a generated UCDP-layout file --------------------------------------

# (id, where_coordinates, adm_1, adm_2, lat, lon, OCHA community P-code or None = a new place, admin1)
ROWS = [
    (910001, "Anadan town", "Aleppo governorate", "Jabal Saman district", 36.2937, 37.0443, "C1121", "Aleppo"),
    (910002, "Anadan town", "Aleppo governorate", "Jabal Saman district", 36.2930, 37.0400, "C1121", "Aleppo"),
    (910003, "Ariha town", "Idlib governorate", "Ariha district", 35.8137, 36.6096, "C4278", "Idleb"),
    (910004, "Idlib city", "Idlib governorate", "Idlib district", 35.9306, 36.6339, "C3871", "Idleb"),
    (910005, "Sarmada town", "Idleb governorate", "Harim district", 36.1802, 36.7185, "C4121", "Idleb"),
    (
        910006,
        "Kafr Basin village",
        "Idlib governorate",
        "Maarrat al-Numan district",
        35.5587,
        36.6832,
        "C4111",
        "Idleb",
    ),
    (910007, "Kfar Bissin village", "Aleppo governorate", "Jabal Saman district", 36.2708, 36.9991, "C1135", "Aleppo"),
    (910008, "Duma town", "Rif Dimashq governorate", "Duma district", 33.5719, 36.4027, "C2338", "Rural Damascus"),
    (910009, "Duma village", "Hamah governorate", "Hamah district", 35.3410, 37.0012, "C3076", "Hama"),
    (910010, "Nawa town", "Daraa governorate", "Izra district", 32.8865, 36.0391, "C6124", "Dar'a"),
    (910011, "Nawa village", "Hama governorate", "Salamiyah district", 35.1975, 37.0577, "C3255", "Hama"),
    (910012, "Suran town", "Hamah governorate", "Hamah district", 35.2926, 36.7504, "C3026", "Hama"),
    (910013, "Suran village", "Aleppo governorate", "Azaz district", 36.5649, 37.2105, "C1664", "Aleppo"),
    (910014, "Suran village", "Aleppo governorate", "al-Bab district", 36.2634, 37.3728, "C1197", "Aleppo"),
    (
        910015,
        "Adman village",
        "Dayr al-Zawr governorate",
        "Dayr al-Zawr district",
        35.4819,
        40.3960,
        "C5081",
        "Deir-ez-Zor",
    ),
    (
        910016,
        "Daman village",
        "Dayr al-Zawr governorate",
        "Dayr al-Zawr district",
        35.2343,
        40.5363,
        "C5108",
        "Deir-ez-Zor",
    ),
    (910017, "Zahraa town", "Aleppo governorate", "Azaz district", 36.3617, 37.0090, "C1646", "Aleppo"),
    (910018, "Nayrab airport", "Aleppo governorate", "Jabal Saman district", 36.1850, 37.2240, None, "Aleppo"),
    (910019, "Western Hamah Governorate", "Hamah governorate", "", 35.20, 36.40, None, "Hama"),
    (910020, "Eastern Hamah Governorate", "Hamah governorate", "", 35.10, 38.20, None, "Hama"),
    (910021, "Western Aleppo Governorate", "Aleppo governorate", "", 36.20, 36.90, None, "Aleppo"),
    (910022, "Eastern Aleppo Governorate", "Aleppo governorate", "", 36.20, 38.00, None, "Aleppo"),
    (910023, "Daraa city", "Dar'a governorate", "Daraa district", 32.6189, 36.1021, "C5993", "Dar'a"),
]


@pytest.fixture
def reconciled(sitlog: Sitlog, tmp_path: Path) -> dict[str, Any]:
    rows = [dict(id=i, where_coordinates=w, adm_1=a1, adm_2=a2, latitude=lat, longitude=lon)
            for i, w, a1, a2, lat, lon, _p, _a in ROWS]  # fmt: skip
    run = sitlog("import", str(ucdp_file(tmp_path / "ged.csv", rows)), "--format", "ucdp", "--json")
    assert run.exit_code == 0, run.stderr
    places = {p["id"]: p for p in sitlog("places", "list", "--json").json()}
    place_of_row = {int(e["id"].split(":")[1]): places[e["place_id"]] for e in events(sitlog, "--kind", "clash")}
    return {"summary": run.json(), "stderr": run.stderr, "place": place_of_row}


def test_imported_places_link_to_bundled_ones_and_get_pcodes(reconciled: dict[str, Any]) -> None:
    for row_id, where, _a1, _a2, lat, lon, pcode, admin1 in ROWS:
        place = reconciled["place"][row_id]
        assert (place["pcode"], place["admin1"]) == (pcode, admin1), (where, place)
        if pcode is None:  # a new place keeps the file's coordinates
            assert (place["lat"], place["lon"]) == (lat, lon), (where, place)
            assert place["source"] == "ucdp"


def test_imported_admin1_names_are_the_14_ocha_governorates(reconciled: dict[str, Any]) -> None:
    assert {p["admin1"] for p in reconciled["place"].values()} <= OCHA_GOVERNORATES


def test_no_place_holds_points_more_than_5_km_apart(reconciled: dict[str, Any]) -> None:
    points: dict[int, list[tuple[str, float, float]]] = defaultdict(list)
    for row_id, where, _a1, _a2, lat, lon, _p, _a in ROWS:
        place = reconciled["place"][row_id]
        points[place["id"]].append((where, lat, lon))
        assert km(lat, lon, place["lat"], place["lon"]) <= 5, (where, place)
    for pid, pts in points.items():
        for (w1, la1, lo1), (w2, la2, lo2) in combinations(pts, 2):
            assert km(la1, lo1, la2, lo2) <= 5, (pid, w1, w2)


def test_same_names_in_other_governorates_stay_apart(reconciled: dict[str, Any]) -> None:
    pid = {row_id: p["id"] for row_id, p in reconciled["place"].items()}
    assert pid[910001] == pid[910002]  # one Anadan
    for group in ((910008, 910009), (910010, 910011), (910012, 910013, 910014), (910015, 910016),
                  (910019, 910020), (910021, 910022), (910006, 910007)):  # fmt: skip
        assert len({pid[i] for i in group}) == len(group), group


def test_import_summary_counts_linked_created_and_ambiguous(sitlog: Sitlog, reconciled: dict[str, Any]) -> None:
    summary = reconciled["summary"]
    assert {"linked_places", "ambiguous_places"} <= set(summary), summary
    assert (summary["linked_places"], summary["new_places"], summary["ambiguous_places"]) == (17, 5, 0)
    assert "17 places linked" in reconciled["stderr"] and "5 new places" in reconciled["stderr"]
    assert sitlog("history", "Idlib").exit_code == 0  # still one Idlib after the import
    assert sitlog("history", "Duma, Hama", "--json").json()["place"]["pcode"] == "C3076"


def test_summary_actor_filter_rolls_up_and_exact_does_not(sitlog: Sitlog, tmp_path: Path) -> None:
    """``summary --actor`` takes the same roll-up as ``events --actor``: the demo's Northern Storm Brigade
    (a unit under HTS) lost its commander; he counts under HTS, and not under HTS --exact."""
    db = str(tmp_path / "demo.db")
    assert sitlog("demo", "--db", db).exit_code == 0
    day = ("summary", "--day", "2024-11-27", "--json", "--db", db)

    def summary(*extra: str) -> dict[str, Any]:
        run = sitlog(*day, *extra)
        assert run.exit_code == 0, run.stderr
        [entry] = run.json()["days"]
        return dict(entry)

    everything, rolled, exact = summary(), summary("--actor", "HTS"), summary("--actor", "HTS", "--exact")
    unit = summary("--actor", "Northern Storm Brigade")
    assert [p["name"] for p in rolled["persons"]] == ["Abu Obeida"] and exact["persons"] == []
    assert unit["events"] >= 1 and rolled["events"] == exact["events"] + unit["events"]
    assert everything["events"] > rolled["events"] > exact["events"] > 0
    missing = sitlog(*day, "--actor", "Nobody At All")
    assert missing.exit_code == 4 and missing.stderr.startswith("Error: unknown actor")
