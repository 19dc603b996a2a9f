"""Issue 11, part 1: assessed vs claimed control, the control vocabulary, baselines, advances, the demo.

Only through the CLI (the package layout is moving). Part 2 (figures, corroboration, local days, bad
input) is tests/test_assessments_figures.py.

Choices where issue 11 leaves names and shapes open (additive to docs/json.md; record them there):

- Layers. ``status``, ``history`` and ``summary`` answer from *assessed* events only (ISW/CTP:
  "assessed control"). A claim (``--claimed``/``--claimed-by``) never becomes a holder, a span, a
  control change or a gain. Claims sit beside the assessment:
  * ``status --json``: every entry has ``claims``: a list of ``{holder, status, part, party, at,
    grade, event_id}`` for claimed control events at the place not older than the assessment it
    rests on (``[]`` when none). A place known only from claims is listed with ``holder`` null,
    ``status`` null and its ``claims`` — never as held by the claimant.
  * ``status --claims`` (table/csv/markdown): one extra row per claim under its place, marked
    ``claimed`` in the ``claim`` column (with the party); without ``--claims`` the table shows
    assessments only. JSON always carries ``claims`` (scripts get one shape).
  * ``history --json``: ``control`` spans are assessed only; a ``claims`` list (same items) beside
    them; the claim event itself stays in ``events`` with ``claimed: true``.
  * ``summary``: ``control_changes``/``gains``/``losses`` are assessed; a control claim is listed
    in ``claims`` with its ``holder`` (as today).
- Contested with no holder: ``log control P --status contested --against A --against B`` (no
  ``--by``). Event ``actors: []``, ``against: [A, B]`` (as typed); status/history ``holder: null``;
  ``status --actor A`` includes it. Contested needs two distinct parties (holder + against).
- ``--from ACTOR`` on ``log control``: who held the place before, when no earlier control event
  says so. Event JSON ``from``; summary change ``from``; ``losses``; ACLED ``actor2``. An earlier
  control event wins over ``--from`` (``log`` warns when they disagree).
- ``--baseline`` on ``log control``: a "held as of" observation (event JSON ``baseline: true``). It
  sets who holds the place (status, history spans) and is counted as an event, but is never a
  control change, gain or loss in ``summary``, and never a row in the ACLED export (a note on
  stderr says how many baselines were left out).
- ``log advance --toward PLACE | --near PLACE --by ACTOR [--distance KM] [--direction D]``: the
  place is given by ``--toward`` (distance = how far the force advanced toward it) or ``--near``
  (distance = how far from it the force stands). Event JSON: ``place``, ``actors: [ACTOR]``,
  ``relation: "toward"|"near"``, ``distance_km: {low, high, text}`` or null (``a few`` → low 2, high
  null; ``nearly 10`` → high 10, low not stated), ``direction``. Kind ``advance`` in ``--kind``,
  ``by_kind``, a summary ``advances`` list, GeoJSON features; never a span or a change.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run

Sitlog = Callable[..., Run]
SAA = "Syrian Arab Army"


def logged(sitlog: Sitlog, *args: str, **env: str) -> dict[str, Any]:
    """Log an event and return it as stored (the ``--json`` receipt)."""
    run = sitlog("log", *args, "--json", **env)
    assert run.exit_code == 0, run.stderr
    event: dict[str, Any] = run.json()
    return event


def ok(run: Run) -> Any:
    assert run.exit_code == 0, run.stderr
    return run.json()


@pytest.fixture
def anadan(sitlog: Sitlog, actors: None) -> dict[str, str]:
    """Anadan: SAA holds it (assessed, B2), then HTS claims it on its Telegram channel (F6)."""
    held = logged(sitlog, "control", "Anadan", "--new-place", "--by", "SAA", "--at", "2020-03-01", "--grade", "B2")
    claim = logged(sitlog, "control", "Anadan", "--by", "HTS", "--claimed-by", "HTS Telegram", "--grade", "F6",
                   "--at", "2024-11-27T10:00")  # fmt: skip
    return {"held": held["id"], "claim": claim["id"]}


# --- assessed and claimed layers -----------------------------------------------------------------------


def test_a_claim_never_replaces_the_assessed_holder_in_status(sitlog: Sitlog, anadan: dict[str, str]) -> None:
    [entry] = ok(sitlog("status", "--json"))
    assert (entry["place"], entry["holder"], entry["status"]) == ("Anadan", SAA, "held")
    assert entry["event_id"] == anadan["held"] and entry["claimed"] is False
    [claim] = entry["claims"]
    assert (claim["holder"], claim["party"], claim["grade"]) == ("HTS", "HTS Telegram", "F6")
    assert claim["event_id"] == anadan["claim"]


def test_status_table_shows_claims_only_with_claims_and_on_their_own_row(
    sitlog: Sitlog, anadan: dict[str, str]
) -> None:
    plain = sitlog("status")
    assert plain.exit_code == 0, plain.stderr
    [row] = [line for line in plain.stdout.splitlines() if line.startswith("Anadan")]
    assert SAA in row and "HTS" not in row and "HTS Telegram" not in plain.stdout
    shown = sitlog("status", "--claims")
    assert shown.exit_code == 0, shown.stderr
    assessed = [line for line in shown.stdout.splitlines() if SAA in line]
    claimed = [line for line in shown.stdout.splitlines() if "HTS Telegram" in line]
    assert len(assessed) == 1 and len(claimed) == 1 and assessed != claimed
    assert "claimed" in claimed[0] and anadan["claim"] in claimed[0] and SAA not in claimed[0]
    rows = list(csv.DictReader(io.StringIO(sitlog("status", "--claims", "-f", "csv").stdout)))
    assert [(r["place"], r["holder"]) for r in rows] == [("Anadan", SAA), ("Anadan", "HTS")]


def test_a_claim_makes_no_span_in_history_and_is_listed_beside(sitlog: Sitlog, anadan: dict[str, str]) -> None:
    data = ok(sitlog("history", "Anadan", "--json"))
    assert [(s["holder"], s["until"]) for s in data["control"]] == [(SAA, None)]
    assert [(c["holder"], c["party"], c["event_id"]) for c in data["claims"]] == [
        ("HTS", "HTS Telegram", anadan["claim"])
    ]
    assert [(e["id"], e["claimed"]) for e in data["events"]] == [(anadan["held"], False), (anadan["claim"], True)]


def test_a_claim_is_no_change_in_summary_and_an_assessment_after_it_is_none_either(
    sitlog: Sitlog, anadan: dict[str, str]
) -> None:
    logged(sitlog, "control", "Anadan", "--by", "SAA", "--at", "2024-11-27T15:00", "--grade", "B2")
    [day] = ok(sitlog("summary", "--day", "2024-11-27", "--json"))["days"]
    assert day["control_changes"] == [] and day["gains"] == {} and day["losses"] == {}
    [claim] = day["claims"]
    assert (claim["kind"], claim["holder"], claim["party"]) == ("control", "HTS", "HTS Telegram")


def test_a_place_known_only_from_a_claim_has_no_assessed_holder(sitlog: Sitlog, actors: None) -> None:
    claim = logged(sitlog, "control", "Bala", "--new-place", "--by", "HTS", "--claimed-by", "HTS Telegram",
                   "--at", "2024-11-27")  # fmt: skip
    [entry] = ok(sitlog("status", "--json"))
    assert (entry["place"], entry["holder"], entry["status"]) == ("Bala", None, None)
    assert [c["event_id"] for c in entry["claims"]] == [claim["id"]]
    assert ok(sitlog("history", "Bala", "--json"))["control"] == []


# --- control vocabulary --------------------------------------------------------------------------------


def test_contested_with_no_holder(sitlog: Sitlog, actors: None) -> None:
    # Since issue 10 the village layer bundles two Kafr Basins (C1135 Aleppo, C4111 Idleb): name the Aleppo one.
    logged(sitlog, "control", "Kafr Basin, Aleppo", "--new-place", "--by", "SAA", "--at", "2020-03-01")
    event = logged(sitlog, "control", "Kafr Basin, Aleppo", "--status", "contested", "--against", "HTS",
                   "--against", "SAA", "--at", "2024-11-27")  # fmt: skip
    assert (event["actors"], event["status"], event["against"]) == ([], "contested", ["HTS", SAA])
    [entry] = ok(sitlog("status", "--json"))
    assert (entry["holder"], entry["status"], entry["against"]) == (None, "contested", ["HTS", SAA])
    assert [e["place"] for e in ok(sitlog("status", "--actor", "HTS", "--json"))] == ["Kafr Basin"]
    spans = ok(sitlog("history", "Kafr Basin, Aleppo", "--json"))["control"]
    assert [(s["holder"], s["status"]) for s in spans] == [(SAA, "held"), (None, "contested")]
    [change] = ok(sitlog("summary", "--day", "2024-11-27", "--json"))["days"][0]["control_changes"]
    assert (change["from"], change["to"], change["status"]) == (SAA, None, "contested")
    assert "contested" in sitlog("status").stdout


def test_from_names_the_loser_when_no_earlier_control_event_exists(sitlog: Sitlog, actors: None) -> None:
    event = logged(sitlog, "control", "Bala", "--new-place", "--by", "HTS", "--from", "SAA", "--at", "2024-11-27")
    assert event["from"] == SAA and event["actors"] == ["HTS"]
    [day] = ok(sitlog("summary", "--day", "2024-11-27", "--json"))["days"]
    assert [(c["from"], c["to"]) for c in day["control_changes"]] == [(SAA, "HTS")]
    assert day["gains"] == {"HTS": ["Bala"]} and day["losses"] == {SAA: ["Bala"]}
    rows = list(csv.DictReader(io.StringIO(sitlog("export", "-f", "acled").stdout)))
    assert [(r["actor1"], r["actor2"], r["sub_event_type"]) for r in rows] == [
        ("HTS", SAA, "Non-state actor overtakes territory")
    ]


def test_a_baseline_sets_the_holder_but_is_never_a_change_nor_a_battle(sitlog: Sitlog, actors: None) -> None:
    base = logged(sitlog, "control", "Anjara", "--new-place", "--by", "SAA", "--baseline", "--at", "2020-03-01",
                  "--source", "front line of the March 2020 ceasefire")  # fmt: skip
    capture = logged(sitlog, "control", "Anjara", "--by", "HTS", "--at", "2024-11-27")
    assert base["baseline"] is True and capture["baseline"] is False
    then = ok(sitlog("status", "--at", "2024-01-01", "--json"))
    assert [(e["holder"], e["event_id"]) for e in then] == [(SAA, base["id"])]
    [day] = ok(sitlog("summary", "--day", "2020-03-01", "--json"))["days"]
    assert day["events"] == 1 and day["control_changes"] == [] and day["gains"] == {} and day["losses"] == {}
    [change] = ok(sitlog("summary", "--day", "2024-11-27", "--json"))["days"][0]["control_changes"]
    assert (change["from"], change["to"], change["event_id"]) == (SAA, "HTS", capture["id"])
    acled = sitlog("export", "-f", "acled")
    assert acled.exit_code == 0, acled.stderr
    rows = list(csv.DictReader(io.StringIO(acled.stdout)))
    assert [r["event_id_cnty"] for r in rows] == [capture["id"]]
    assert rows[0]["actor2"] == SAA and "baseline" in acled.stderr


# --- advances ------------------------------------------------------------------------------------------


def log_advances(sitlog: Sitlog) -> dict[str, dict[str, Any]]:
    """The two seed sentences: ~10 km from the outskirts of Aleppo; within a few km of Nubl."""
    logged(sitlog, "control", "Nubl", "--by", "SAA", "--at", "2020-03-01")
    ten = logged(sitlog, "advance", "--toward", "Aleppo", "--by", "HTS", "--distance", "nearly 10",
                 "--at", "2024-11-27", "--note", "from the outskirts of Aleppo city")  # fmt: skip
    near = logged(sitlog, "advance", "--near", "Nubl", "--by", "HTS", "--distance", "a few",
                  "--direction", "west", "--at", "2024-11-27")  # fmt: skip
    return {"ten": ten, "near": near}


def test_an_advance_records_actor_place_distance_and_direction(sitlog: Sitlog, actors: None) -> None:
    advances = log_advances(sitlog)
    ten, near = advances["ten"], advances["near"]
    assert (ten["kind"], ten["place"], ten["actors"], ten["relation"]) == ("advance", "Aleppo", ["HTS"], "toward")
    assert ten["distance_km"]["text"] == "nearly 10" and ten["distance_km"]["high"] == 10
    assert ten["direction"] is None
    assert (near["place"], near["relation"], near["direction"]) == ("Nubl", "near", "west")
    assert near["distance_km"] == {"low": 2, "high": None, "text": "a few"}


def test_an_advance_never_changes_control(sitlog: Sitlog, actors: None) -> None:
    log_advances(sitlog)
    status = ok(sitlog("status", "--json"))
    assert [(e["place"], e["holder"]) for e in status] == [("Nubl", SAA)]
    history = ok(sitlog("history", "Nubl", "--json"))
    assert [s["holder"] for s in history["control"]] == [SAA]
    assert [e["kind"] for e in history["events"]] == ["control", "advance"]
    [day] = ok(sitlog("summary", "--day", "2024-11-27", "--json"))["days"]
    assert day["control_changes"] == [] and day["by_kind"]["advance"] == 2
    assert sorted((a["place"], a["actor"]) for a in day["advances"]) == [("Aleppo", "HTS"), ("Nubl", "HTS")]
    assert "advance" in sitlog("summary", "--day", "2024-11-27").stdout


def test_advances_are_listed_filtered_and_mapped(sitlog: Sitlog, actors: None) -> None:
    advances = log_advances(sitlog)
    listed = ok(sitlog("events", "--kind", "advance", "--json"))
    assert [e["id"] for e in listed] == [advances["ten"]["id"], advances["near"]["id"]]
    geo = sitlog("export", "-f", "geojson", "--kind", "advance")
    assert geo.exit_code == 0, geo.stderr
    features = {f["properties"]["place"]: f for f in geo.json()["features"]}
    assert features["Nubl"]["properties"]["kind"] == "advance"
    # Nubl's point is OCHA's since issue 10 (m007 updates the first pack's row in place: C1655).
    assert features["Nubl"]["geometry"]["coordinates"] == [36.991608, 36.376845]
    assert features["Nubl"]["properties"]["distance_km"] == "a few"
    acled = csv.DictReader(io.StringIO(sitlog("export", "-f", "acled").stdout))
    assert all(r["event_type"] != "Battles" for r in acled)


# --- the demo, faithful ----------------------------------------------------------------------------------


@pytest.fixture
def demo_db(sitlog: Sitlog, tmp_path: Path) -> Callable[..., Run]:
    path = tmp_path / "demo.db"
    assert sitlog("demo", "--db", str(path), "--json").exit_code == 0

    def run(*args: str) -> Run:
        return sitlog("--db", str(path), *args, SITLOG_TZ="Asia/Damascus")

    return run


def test_demo_ceasefire_lines_are_baselines_not_changes(demo_db: Callable[..., Run]) -> None:
    [day] = ok(demo_db("summary", "--day", "2020-03-01", "--json"))["days"]
    assert day["control_changes"] == [] and day["gains"] == {} and day["losses"] == {}
    old = [e for e in ok(demo_db("events", "--kind", "control", "--json")) if e["at"].startswith("2020")]
    assert len(old) == 11 and all(e["baseline"] for e in old)
    battles = [r for r in csv.DictReader(io.StringIO(demo_db("export", "-f", "acled").stdout))
               if r["event_date"].startswith("2020")]  # fmt: skip
    assert battles == []
    [today] = ok(demo_db("summary", "--day", "2024-11-27", "--json"))["days"]
    captured = {c["place"] for c in today["control_changes"] if (c["from"], c["to"]) == (SAA, "HTS")}
    assert len(captured) == 7


def test_demo_contested_towns_name_no_holder(demo_db: Callable[..., Run]) -> None:
    status = {e["place"]: e for e in ok(demo_db("status", "--at", "2024-11-27T21:00", "--json"))}
    for place in ("Kafr Basin", "Sheikh Aqil"):
        assert (status[place]["holder"], status[place]["status"]) == (None, "contested")
        assert {"HTS", SAA} <= set(status[place]["against"])
    assert status["Anadan"]["holder"] == SAA


def test_demo_records_advances_not_an_invented_clash(demo_db: Callable[..., Run]) -> None:
    assert ok(demo_db("events", "--place", "Nubl", "--kind", "clash", "--json")) == []
    advances = ok(demo_db("events", "--kind", "advance", "--json"))
    assert {"Nubl", "Zahraa"} & {e["place"] for e in advances}
    assert any(e["distance_km"] and e["distance_km"]["text"] == "nearly 10" for e in advances)
    assert any(e["distance_km"] and e["distance_km"]["text"] == "a few" for e in advances)


def test_demo_dozens_claim_belongs_to_the_bombardment_of_idlib(demo_db: Callable[..., Run]) -> None:
    [day] = ok(demo_db("summary", "--day", "2024-11-27", "--json"))["days"]
    [dozens] = [c for c in day["claims"] if (c.get("killed") or {}).get("text") == "dozens"]
    assert dozens["party"] == "pro-government media"
    assert dozens["place"] in {"Idlib", "Ariha", "Sarmada"}
