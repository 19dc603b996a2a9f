"""`sitlog places` and `sitlog actors`: add, alias, list, import."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Run


def _place(sitlog: Callable[..., Run], query: str) -> dict[str, object]:
    found = sitlog("places", "list", query, "--json").json()
    assert len(found) == 1, found
    place = found[0]
    assert isinstance(place, dict)
    return place


# The places added here are ones the village layer (issue 10) lacks; Anadan, Kafr Naha and Hawar-like
# names, used before, are bundled now.
def test_places_add_with_every_option(sitlog: Callable[..., Run]) -> None:
    run = sitlog("places", "add", "Sheikh Aqil", "--alias", "Shaykh Aqel", "--alias", "الشيخ عقيل", "--admin1",
                 "Aleppo", "--admin2", "Jebel Saman", "--admin3", "Haritan", "--pcode", "C8121", "--lat", "36.2484",
                 "--lon", "37.0178", "--json")  # fmt: skip
    assert run.exit_code == 0, run.stderr
    assert run.stderr == f"added place Sheikh Aqil (Jebel Saman, Aleppo) (id {run.json()['id']})\n"
    added = run.json()
    assert added["aliases"] == ["Shaykh Aqel", "الشيخ عقيل"]
    assert (added["admin1"], added["admin2"], added["admin3"], added["pcode"]) == ("Aleppo", "Jebel Saman", "Haritan",
                                                                                   "C8121")  # fmt: skip
    assert (added["lat"], added["lon"], added["source"]) == (36.2484, 37.0178, "operator")
    assert (added["admin1_pcode"], added["admin2_pcode"], added["admin3_pcode"]) == ("SY02", "SY0200", "SY020003")
    assert _place(sitlog, "الشيخ عقيل") == added


def test_places_add_without_coordinates_has_none(sitlog: Callable[..., Run]) -> None:
    assert sitlog("places", "add", "Jamiyat al-Maari", "--admin1", "Aleppo").exit_code == 0
    place = _place(sitlog, "Jamiyat al-Maari")
    assert (place["lat"], place["lon"]) == (None, None)  # never pretend coordinates we do not have


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bala", "--lat", "36.1"], "give both --lat and --lon"),
        (["Bala", "--lat", "91", "--lon", "37"], "latitude 91.0 is outside"),
        (["Bala", "--lat", "36", "--lon", "181"], "longitude 181.0 is outside"),
        (["  "], "a place needs a name"),
        (["Idlib", "--admin1", "Idleb", "--admin2", "Idleb"], "already exists in Idleb"),
    ],
)
def test_places_add_bad_input(sitlog: Callable[..., Run], args: list[str], message: str) -> None:
    run = sitlog("places", "add", *args)
    assert run.exit_code == 3 and message in run.stderr and run.stderr.startswith("Error: ")


# Sheikh Aqil, not Kafr Basin as before issue 10: the village layer bundles both Kafr Basins.
def test_same_name_in_same_admin1_is_exit_3_but_other_admin1_is_fine(sitlog: Callable[..., Run]) -> None:
    assert sitlog("places", "add", "Sheikh Aqil", "--admin1", "Aleppo").exit_code == 0
    again = sitlog("places", "add", "Shaykh Aqil", "--admin1", "aleppo")
    assert again.exit_code == 3 and "already exists in Aleppo: Sheikh Aqil (Aleppo)" in again.stderr
    assert sitlog("places", "add", "Sheikh Aqil", "--admin1", "Idleb").exit_code == 0
    assert len(sitlog("places", "list", "Sheikh Aqil", "--json").json()) == 2


def test_places_alias(sitlog: Callable[..., Run], actors: None) -> None:
    assert sitlog("places", "add", "Sheikh Aqil", "--admin1", "Aleppo").exit_code == 0
    run = sitlog("places", "alias", "Sheikh Aqil", "الشيخ عقيل")
    assert run.exit_code == 0 and run.stderr == "الشيخ عقيل now names Sheikh Aqil (Aleppo)\n"
    logged = sitlog("log", "control", "الشيخ عقيل", "--by", "HTS", "--json")
    assert logged.json()["place"] == "Sheikh Aqil"
    assert "(alias)" in logged.stderr
    missing = sitlog("places", "alias", "Nowhereville", "x")
    assert missing.exit_code == 3 and "unknown place 'Nowhereville'" in missing.stderr


def test_places_list_query_formats_and_admin1(sitlog: Callable[..., Run]) -> None:
    listed = sitlog("places", "list", "idleb", "--json").json()
    assert "Idlib" in [p["name"] for p in listed]
    in_idleb = sitlog("places", "list", "--admin1", "Idlib", "--json").json()
    assert in_idleb and {p["admin1"] for p in in_idleb} == {"Idleb"}
    table = sitlog("places", "list", "Ariha").stdout.splitlines()
    assert table[0].split() == ["id", "name", "aliases", "admin1", "admin2", "pcode", "lat", "lon"]
    rows = list(csv.reader(io.StringIO(sitlog("places", "list", "Ariha", "-f", "csv").stdout)))
    assert rows[0][:2] == ["id", "name"] and rows[1][1] == "Ariha"
    assert sitlog("places", "list", "Nowhereville", "--json").json() == []


def test_places_import_csv_and_jsonl(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    sheet = tmp_path / "villages.csv"
    sheet.write_text(
        "name,aliases,admin1,admin2,lat,lon\n"
        "Sheikh Aqil,Shaykh Aqel;الشيخ عقيل,Aleppo,Jebel Saman,36.2484,37.0178\n"
        '"Jamiyat al-Maari","Jamiyet al-Maari",Aleppo,Jebel Saman,,\n',
        encoding="utf-8",
    )
    run = sitlog("places", "import", str(sheet))
    assert run.exit_code == 0 and run.stderr == f"added 2 places from {sheet}\n"
    assert _place(sitlog, "Jamiyet al-Maari")["name"] == "Jamiyat al-Maari"
    assert _place(sitlog, "Shaykh Aqel")["lat"] == 36.2484
    lines = tmp_path / "more.jsonl"
    record = {"name": "Kafr Zabun", "aliases": ["Kfar Zabbun"], "admin1": "Aleppo"}
    lines.write_text(json.dumps(record) + "\n\n", "utf-8")
    assert sitlog("places", "import", str(lines)).exit_code == 0
    assert _place(sitlog, "Kfar Zabbun")["name"] == "Kafr Zabun"


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("name,aliases,admin1\nBala,,Aleppo\nBala,,Aleppo\n", ".csv", "line 3: place 'Bala' already exists"),
        ("name,colour\nBala,red\n", ".csv", "line 2: unknown column(s): colour"),
        ("name,lat,lon\nBala,north,37\n", ".csv", "line 2: lat 'north' is not a number"),
        ('{"name": "Bala"}\nnot json\n', ".jsonl", "line 2: not JSON"),
        ('{"aliases": ["x"]}\n', ".jsonl", "line 1: a place needs a name"),
    ],
)
def test_places_import_is_all_or_nothing(
    sitlog: Callable[..., Run], tmp_path: Path, content: str, suffix: str, message: str
) -> None:
    before = len(sitlog("places", "list", "--json").json())
    path = tmp_path / f"bad{suffix}"
    path.write_text(content, encoding="utf-8")
    run = sitlog("places", "import", str(path))
    assert run.exit_code == 3 and message in run.stderr
    assert len(sitlog("places", "list", "--json").json()) == before


def test_places_import_missing_file(sitlog: Callable[..., Run], tmp_path: Path) -> None:
    run = sitlog("places", "import", str(tmp_path / "nope.csv"))
    assert run.exit_code == 3 and "cannot read" in run.stderr


# --- actors -----------------------------------------------------------------------------------------


def test_actors_add_with_type_parent_side(sitlog: Callable[..., Run], actors: None) -> None:
    run = sitlog("actors", "add", "Northern Storm Brigade", "--alias", "Liwa Asifat al-Shamal", "--type", "militia",
                 "--parent", "Hayat Tahrir al-Sham", "--side", "opposition", "--json")  # fmt: skip
    assert run.exit_code == 0, run.stderr
    assert run.stderr == "added actor Northern Storm Brigade (militia)\n"
    expected = {"name": "Northern Storm Brigade", "aliases": ["Liwa Asifat al-Shamal"], "type": "militia",
                "parent": "HTS", "side": "opposition", "members": []}  # fmt: skip
    assert run.json() == {"id": run.json()["id"], **expected}


@pytest.mark.parametrize("actor_type", ["state", "rebel", "militia", "external", "civilians", "other"])
def test_every_actor_type(sitlog: Callable[..., Run], actor_type: str) -> None:
    run = sitlog("actors", "add", f"Group {actor_type}", "--type", actor_type, "--json")
    assert run.exit_code == 0 and run.json()["type"] == actor_type


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["hts"], "actor 'hts' already exists as 'HTS'"),
        (["X", "--type", "gang"], "--type must be one of state, rebel"),
        (["X", "--parent", "Nobody At All"], "unknown actor 'Nobody At All'"),
        ([""], "an actor needs a name"),
    ],
)
def test_actors_add_bad_input(sitlog: Callable[..., Run], actors: None, args: list[str], message: str) -> None:
    run = sitlog("actors", "add", *args)
    assert run.exit_code == 3 and message in run.stderr


def test_actors_alias_and_list(sitlog: Callable[..., Run], actors: None) -> None:
    run = sitlog("actors", "alias", "SAA", "Government forces")
    assert run.exit_code == 0 and run.stderr == "Government forces now names Syrian Arab Army\n"
    taken = sitlog("actors", "alias", "Syrian Arab Army", "Hayat Tahrir al-Sham")
    assert taken.exit_code == 3 and "already names actor 'HTS'" in taken.stderr
    listed = {a["name"]: a for a in sitlog("actors", "list", "--json").json()}  # the bundled actor pack (issue 10)
    assert {"HTS", "Syrian Arab Army"} <= set(listed)
    assert listed["Syrian Arab Army"]["aliases"][0] == "SAA" and listed["Syrian Arab Army"]["aliases"][-1] == (
        "Government forces")  # fmt: skip
    assert [a["name"] for a in sitlog("actors", "list", "government forces", "--json").json()] == ["Syrian Arab Army"]
    table = sitlog("actors", "list").stdout.splitlines()
    assert table[0].split() == ["id", "name", "aliases", "type", "parent", "side", "members"]
    logged = sitlog("log", "strike", "Ariha", "--by", "government forces", "--json")
    assert logged.json()["actors"] == ["Syrian Arab Army"]
