"""``sitlog demo``: the bundled 27 Nov 2024 scenario, loaded and reported, the same every time."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run

Sitlog = Callable[..., Run]
CAPTURED = ["Qabtan al-Jabal", "Urum al-Sughra", "Anjara", "Bala", "Jamiyat al-Maari", "al-Salloum", "Hawar"]


@pytest.fixture(scope="module")
def demo_json() -> dict[str, Any]:
    """One in-process demo run's JSON, shared by the read-only assertions below."""
    from typer.testing import CliRunner

    from sitlog.cli import app

    result = CliRunner().invoke(app, ["demo", "--json"], env={"SITLOG_TZ": "Asia/Damascus", "COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_demo_status_tells_the_first_day_of_the_offensive(demo_json: dict[str, Any]) -> None:
    status = {e["place"]: e for e in demo_json["status"]}
    assert {p for p, e in status.items() if e["holder"] == "HTS"} == set(CAPTURED)
    for place in ("Kafr Basin", "Sheikh Aqil"):  # "remain contested": the report names no holder (issue 11)
        assert (status[place]["holder"], status[place]["status"], status[place]["against"]) == (
            None,
            "contested",
            ["HTS", "Syrian Arab Army"],
        )
    assert (status["Kafr Naha"]["status"], status["Kafr Naha"]["part"]) == ("partial", "south")
    # The advance stalled at Anadan: a clash there changes nothing, the 2020 line still holds.
    assert (status["Anadan"]["holder"], status["Anadan"]["since"]) == ("Syrian Arab Army", "2020-03-01")


def test_demo_history_of_a_captured_town(demo_json: dict[str, Any]) -> None:
    history = demo_json["history"]
    assert history["place"]["name"] == "Urum al-Sughra"
    assert set(history["place"]["aliases"]) >= {"Urma al-Sughra", "Urm al-Sughra"}
    # Bundled since issue 10 (the OCHA village layer, "Little Orm"): a P-code and coordinates, no longer none.
    assert history["place"]["pcode"] == "C1027"
    assert (history["place"]["lat"], history["place"]["lon"]) == (36.132626, 36.899592)
    assert [(s["holder"], s["from"], s["until"]) for s in history["control"]] == [
        ("Syrian Arab Army", "2020-03-01", "2024-11-27"),
        ("HTS", "2024-11-27", None),
    ]
    assert [e["kind"] for e in history["events"]] == ["control", "control", "clash"]


def test_demo_summary_keeps_the_claim_apart(demo_json: dict[str, Any]) -> None:
    [day] = demo_json["summary"]["days"]
    assert day["day"] == "2024-11-27"
    assert day["killed"] == {"low": 1, "best": 0, "high": 1, "without_best": 1} and day["injured"] is None  # unknown
    assert day["displaced_families"] == {"low": 100, "best": 0, "high": None, "without_best": 1}
    [claim] = day["claims"]
    assert claim["party"] == "pro-government media" and claim["killed"]["text"] == "dozens"
    assert [(p["name"], p["fate"]) for p in day["persons"]] == [("Abu Obeida", ["killed"])]
    assert day["gains"]["HTS"] == sorted(CAPTURED, key=str.casefold)
    # The Nubl "clash" is gone (an advance now); the bombardment of "other towns in southern Idlib" is a strike.
    assert day["by_kind"] == {"control": 10, "clash": 4, "casualties": 2, "strike": 4, "displacement": 1,
                              "advance": 3}  # fmt: skip
    assert [c["place"] for c in day["claims"]] == ["Idlib"]  # the dozens claim, tied to the bombardment


def test_demo_prints_three_reports_and_is_reproducible(sitlog: Sitlog) -> None:
    first = sitlog("demo")
    second = sitlog("demo")
    assert first.exit_code == 0, first.stderr
    assert first.stdout == second.stdout
    out = first.stdout
    assert "Control as of 2024-11-27" in out and "Urum al-Sughra · Aleppo" in out and "Summary 2024-11-27" in out
    assert "Claims (reported by a party, not assessed)" in out
    assert "37 events of 27 Nov 2024 loaded in a temporary database" in first.stderr


def test_demo_db_keeps_a_database_to_explore(sitlog: Sitlog, tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    run = sitlog("demo", "--db", str(path), "--json")
    assert run.exit_code == 0, run.stderr
    assert f"kept in {path}" in run.stderr
    again = sitlog("--db", str(path), "status", "--at", "2024-11-27T21:00:00+03:00", "--json")
    assert again.json() == run.json()["status"]
    # The aliases the report used resolve to the places the scenario created.
    kafr = sitlog("--db", str(path), "history", "Kfar Bissin", "--json").json()
    assert kafr["place"]["name"] == "Kafr Basin"
    assert sitlog("--db", str(path), "check").exit_code == 0
    refused = sitlog("demo", "--db", str(path))
    assert refused.exit_code == 3 and "already exists" in refused.stderr


def test_demo_actors_and_places_follow_the_domain_notes(sitlog: Sitlog, tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    assert sitlog("demo", "--db", str(path), "-f", "csv").exit_code == 0
    actors = {a["name"]: a for a in sitlog("--db", str(path), "actors", "list", "--json").json()}
    # The bundled actor pack (issue 10) has these two with more aliases; the scenario's own are among them.
    assert "Hayat Tahrir al-Sham" in actors["HTS"]["aliases"] and "SAA" in actors["Syrian Arab Army"]["aliases"]
    assert (
        actors["Northern Storm Brigade"]["parent"] == "HTS" and actors["46th Regiment"]["parent"] == "Syrian Arab Army"
    )
    assert {"Iran-backed militias", "Hezbollah", "Russian forces"} <= set(actors)  # the pack's names (issue 10)
    assert "pro-Iranian militias" in actors["Iran-backed militias"]["aliases"]
    sheikh = sitlog("--db", str(path), "history", "Al-Shaykh Aqil", "--json").json()
    assert sheikh["place"]["name"] == "Sheikh Aqil"


def test_scenario_file_is_data_with_fixed_ids() -> None:
    lines = (files("sitlog") / "data" / "demo_scenario.jsonl").read_text("utf-8").splitlines()
    events = [json.loads(line)["event"] for line in lines if '"event"' in line]
    assert len(events) == 37 and len({e["id"] for e in events}) == 37
    assert all(len(e["id"]) == 26 for e in events)


def test_demo_runs_as_a_real_subprocess(sitlog_proc: Sitlog) -> None:
    run = sitlog_proc("demo", "--format", "markdown")
    assert run.exit_code == 0, run.stderr
    assert "### Control as of 2024-11-27" in run.stdout and "| Anadan" in run.stdout


GOLDEN = Path(__file__).resolve().parent / "golden" / "demo.txt"


def test_demo_plain_output_matches_the_golden_file(sitlog: Sitlog) -> None:
    """The whole plain-text demo, width pinned; regenerate with SITLOG_UPDATE_GOLDEN=1 and review the diff."""
    run = sitlog("demo", SITLOG_TZ="Asia/Damascus", COLUMNS="120")
    assert run.exit_code == 0, run.stderr
    if os.environ.get("SITLOG_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(run.stdout, encoding="utf-8")
    assert run.stdout == GOLDEN.read_text(encoding="utf-8")
