"""`sitlog log KIND`: every kind with every option, the receipt on stderr, the event on stdout, --id retries."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import Run

COMMON = [
    "--at", "2024-11-27T06:30",
    "--source", "SOHR",
    "--grade", "B2",
    "--claimed-by", "HTS media",
    "--note", "seen from the hill",
    "--tag", "front", "--tag", "west-aleppo",
    "--operator", "amal",
]  # fmt: skip


@pytest.fixture
def places(sitlog: Callable[..., Run], actors: None) -> None:
    # Both come with the bundled packs since issue 10 (Kafr Basin: OCHA C1135 "Kafr Bssin", Aleppo; Iran-backed
    # militias: the actor pack); the press spelling "Kfar Bissin" is made an alias as the fixture did before.
    assert sitlog("places", "alias", "Kafr Basin, Aleppo", "Kfar Bissin").exit_code == 0
    assert sitlog("actors", "list", "Iran-backed militias").exit_code == 0


def _logged(run: Run) -> dict[str, object]:
    assert run.exit_code == 0, run.stderr
    assert run.stderr.count("\n") == 1  # one receipt line
    data = run.json()
    assert isinstance(data, dict)
    return data


def _common_fields_hold(event: dict[str, object]) -> None:
    assert event["at"] == "2024-11-27T06:30:00+00:00" and event["precision"] == "exact"
    assert (event["source"], event["grade"], event["note"]) == ("SOHR", "B2", "seen from the hill")
    assert event["claimed"] is True and event["claimed_by"] == "HTS media"
    assert event["tags"] == ["front", "west-aleppo"] and event["operator"] == "amal"
    assert event["recorded_at"] == "2024-11-28T12:00:00+00:00"
    assert event["revision"] == 1 and event["retracted"] is False


def test_control_with_every_option(sitlog: Callable[..., Run], places: None) -> None:
    run = sitlog("log", "control", "Kfar Bissin", "--by", "hts", "--status", "contested", "--part", "south",
                 "--against", "SAA", "--against", "Iran-backed militias", *COMMON, "--json")  # fmt: skip
    event = _logged(run)
    _common_fields_hold(event)
    assert (event["kind"], event["place"], event["actors"]) == ("control", "Kafr Basin", ["HTS"])
    assert (event["status"], event["part"]) == ("contested", "south")
    assert event["against"] == ["Syrian Arab Army", "Iran-backed militias"]
    # The receipt: what, where, the resolved time and precision, and how each name was read.
    receipt = run.stderr
    named = f"{event['handle']} ({event['id']})"  # the short handle first: what an operator types
    assert receipt.startswith(f"logged control {named} at Kafr Basin, 2024-11-27T06:30:00+00:00 (exact)")
    assert "HTS contested (south) against Syrian Arab Army, Iran-backed militias (claim)" in receipt
    assert "'Kfar Bissin' → Kafr Basin (Jebel Saman, Aleppo) (alias)" in receipt
    assert "'SAA' → Syrian Arab Army (alias)" in receipt


@pytest.mark.parametrize(
    ("options", "status"),
    [
        ([], "held"),
        (["--status", "partial"], "partial"),
        (["--part", "north"], "partial"),
        (["--status", "HELD"], "held"),
    ],
)
def test_control_status(sitlog: Callable[..., Run], places: None, options: list[str], status: str) -> None:
    event = _logged(sitlog("log", "control", "Anadan", "--new-place", "--by", "HTS", *options, "--json"))
    assert event["status"] == status


def test_clash_with_every_option(sitlog: Callable[..., Run], places: None) -> None:
    run = sitlog("log", "clash", "Kafr Basin, Aleppo", "--actor", "HTS", "--actor", "SAA", "--actor",
                 "Iran-backed militias", "--outcome", "attack repelled", *COMMON, "--json")  # fmt: skip
    event = _logged(run)
    _common_fields_hold(event)
    assert event["actors"] == ["HTS", "Syrian Arab Army", "Iran-backed militias"]
    assert event["outcome"] == "attack repelled"
    assert "HTS vs Syrian Arab Army vs Iran-backed militias: attack repelled" in run.stderr


def test_casualties_with_every_option(sitlog: Callable[..., Run], places: None) -> None:
    run = sitlog("log", "casualties", "Kafr Basin, Aleppo", "--killed", "dozens", "--injured", "10-15", "--captured",
                 "40+", "--side", "HTS", "--person", "Abu Obeida", "--role", "military chief", *COMMON,
                 "--json")  # fmt: skip
    event = _logged(run)
    _common_fields_hold(event)
    assert event["killed"] == {"low": 12, "best": None, "high": None, "text": "dozens"}
    assert event["injured"] == {"low": 10, "best": None, "high": 15, "text": "10-15"}
    assert event["captured"] == {"low": 40, "best": None, "high": None, "text": "40+"}
    assert (event["side"], event["actors"]) == ("HTS", ["HTS"])
    assert (event["person"], event["role"]) == ("Abu Obeida", "military chief")
    assert "killed dozens, injured 10-15, captured 40+, side HTS, person Abu Obeida (military chief)" in run.stderr


@pytest.mark.parametrize("side", ["civilians", "unknown", "Civilians"])
def test_casualties_side_words_are_not_actors(sitlog: Callable[..., Run], places: None, side: str) -> None:
    event = _logged(sitlog("log", "casualties", "Ariha", "--killed", "3", "--side", side, "--json"))
    assert (event["side"], event["actors"]) == (side.lower(), [])
    assert event["injured"] is None and event["captured"] is None


def test_strike_with_every_option(sitlog: Callable[..., Run], places: None) -> None:
    run = sitlog("log", "strike", "Ariha", "--by", "SAA", "--means", "artillery", *COMMON, "--json")
    event = _logged(run)
    _common_fields_hold(event)
    assert (event["actors"], event["means"]) == (["Syrian Arab Army"], "artillery")
    assert "by Syrian Arab Army (artillery)" in run.stderr


@pytest.mark.parametrize("means", ["air", "drone", "artillery", "missile", "other"])
def test_every_means(sitlog: Callable[..., Run], places: None, means: str) -> None:
    assert _logged(sitlog("log", "strike", "Ariha", "--by", "SAA", "--means", means, "--json"))["means"] == means


def test_displacement_with_every_option(sitlog: Callable[..., Run], places: None) -> None:
    run = sitlog("log", "displacement", "Kafr Basin, Aleppo", "--people", "thousands", "--families", "hundreds",
                 "--to", "Idleb", *COMMON, "--json")  # fmt: skip
    event = _logged(run)
    _common_fields_hold(event)
    assert event["people"] == {"low": 1000, "best": None, "high": None, "text": "thousands"}
    assert event["families"] == {"low": 100, "best": None, "high": None, "text": "hundreds"}
    assert event["to"] == "Idlib" and event["actors"] == []
    assert "people thousands, families hundreds, to Idlib" in run.stderr


def test_new_place_also_creates_the_destination(sitlog: Callable[..., Run], places: None) -> None:
    # Kafr Zabun (made up), not Atmeh as before issue 10: the village layer bundles Atmeh (as Atma).
    run = sitlog("log", "displacement", "Kafr Basin, Aleppo", "--families", "hundreds", "--to", "Kafr Zabun, Idleb",
                 "--new-place", "--json")  # fmt: skip
    event = _logged(run)
    assert event["to"] == "Kafr Zabun" and "new place Kafr Zabun (Idleb)" in run.stderr
    assert event["place"] == "Kafr Basin"  # the known place is resolved, not created again


def test_claimed_without_party_and_without_json(sitlog: Callable[..., Run], places: None) -> None:
    run = sitlog("log", "strike", "Ariha", "--by", "SAA", "--claimed")
    assert run.exit_code == 0 and run.stdout == ""  # no --json: data stays off stdout
    assert "(claim)" in run.stderr
    event = sitlog("events", "--json").json()[0]
    assert (event["claimed"], event["claimed_by"]) == (True, None)


def test_operator_comes_from_env_by_default(sitlog: Callable[..., Run], places: None) -> None:
    assert _logged(sitlog("log", "strike", "Ariha", "--by", "SAA", "--json"))["operator"] == "tester"
    # Another place: the same strike at Ariha on the same day would (rightly) be warned of as a likely duplicate.
    env_op = sitlog("log", "strike", "Idlib", "--by", "SAA", "--json", SITLOG_OPERATOR="basel")
    assert _logged(env_op)["operator"] == "basel"


def test_new_place_with_admin_qualifier(sitlog: Callable[..., Run], places: None) -> None:
    # Jamiyat al-Maari, not Urum al-Sughra as before issue 10: the village layer bundles Urum al-Sughra.
    run = sitlog("log", "control", "Jamiyat al-Maari, Aleppo", "--new-place", "--by", "HTS", "--json")
    event = _logged(run)
    assert event["place"] == "Jamiyat al-Maari"
    listed = sitlog("places", "list", "Jamiyat", "--json").json()
    assert [(p["name"], p["admin1"]) for p in listed] == [("Jamiyat al-Maari", "Aleppo")]


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["control", "Ariha"], "needs --by ACTOR"),
        (["strike", "Ariha"], "needs --by ACTOR"),
        (["clash", "Ariha"], "at least two different --actor"),
        (["clash", "Ariha", "--actor", "HTS"], "at least two different --actor"),
        (["clash", "Ariha", "--actor", "HTS", "--actor", "Hayat Tahrir al-Sham"], "at least two different --actor"),
        (["casualties", "Ariha"], "at least one of --killed"),
        (["casualties", "Ariha", "--killed", "3", "--role", "medic"], "--role describes a --person"),
        (["displacement", "Ariha", "--to", "Idlib"], "--people Q or --families Q"),
        (["control", "Ariha", "--by", "HTS", "--status", "besieged"], "--status must be one of held"),
        (["strike", "Ariha", "--by", "HTS", "--means", "laser"], "--means must be one of air"),
        (["strike", "Nowhereville", "--by", "HTS"], "unknown place 'Nowhereville'"),
        (["strike", "Ariha", "--by", "Nobody At All"], "unknown actor 'Nobody At All'"),
        (["casualties", "Ariha", "--killed", "3", "--side", "Nobody At All"], "unknown actor"),
        (["displacement", "Ariha", "--people", "3", "--to", "Nowhereville"], "unknown place 'Nowhereville'"),
        (["strike", "Ariha", "--by", "HTS", "--id", "has space"], "bad event id"),
    ],
)
def test_bad_input_is_exit_3_with_one_error_line_and_nothing_stored(
    sitlog: Callable[..., Run], places: None, args: list[str], message: str
) -> None:
    run = sitlog("log", *args)
    assert run.exit_code == 3, run.stderr
    assert run.stderr.startswith("Error: ") and message in run.stderr and run.stderr.count("\n") == 1
    assert run.stdout == "" and "Traceback" not in run.stderr
    assert sitlog("events", "--json").json() == []


# --- idempotent retries -----------------------------------------------------------------------------


def test_same_id_same_content_is_a_no_op(sitlog: Callable[..., Run], places: None) -> None:
    args = ["log", "casualties", "Ariha", "--killed", "dozens", "--at", "2024-11-27", "--id", "sohr-2024-1127-07"]
    first = sitlog(*args, "--json")
    assert first.exit_code == 0
    again = sitlog(*args, "--json", SITLOG_NOW="2024-11-28T12:05:00+00:00", SITLOG_OPERATOR="someone-else")
    assert again.exit_code == 0
    assert "already recorded 100 (sohr-2024-1127-07)" in again.stderr
    assert again.json() == first.json()  # the stored event, unchanged
    assert len(sitlog("events", "--json").json()) == 1


def test_retry_without_at_minutes_later_is_still_the_same_event(sitlog: Callable[..., Run], places: None) -> None:
    args = ["log", "strike", "Ariha", "--by", "SAA", "--id", "01JDSA8WG0HWANTP6DV36YCC54"]
    assert sitlog(*args).exit_code == 0
    again = sitlog(*args, SITLOG_NOW="2024-11-28T12:03:00+00:00")
    assert again.exit_code == 0 and "already recorded" in again.stderr
    assert len(sitlog("events", "--json").json()) == 1


def test_same_id_other_content_is_exit_3(sitlog: Callable[..., Run], places: None) -> None:
    assert sitlog("log", "strike", "Ariha", "--by", "SAA", "--id", "r-1").exit_code == 0
    clash = sitlog("log", "strike", "Ariha", "--by", "HTS", "--id", "r-1")
    assert clash.exit_code == 3 and "already used for different content" in clash.stderr
    other_time = sitlog("log", "strike", "Ariha", "--by", "SAA", "--id", "r-1", "--at", "2024-11-01")
    assert other_time.exit_code == 3
    assert [e["actors"] for e in sitlog("events", "--json").json()] == [["Syrian Arab Army"]]


def test_ulid_id_is_accepted_in_any_case(sitlog: Callable[..., Run], places: None) -> None:
    event = _logged(sitlog("log", "strike", "Ariha", "--by", "SAA", "--id", "01jdsa8wg0hwantp6dv36ycc54", "--json"))
    assert event["id"] == "01JDSA8WG0HWANTP6DV36YCC54"


# --- real processes --------------------------------------------------------------------------------


def test_log_in_a_real_process(sitlog_proc: Callable[..., Run]) -> None:
    assert sitlog_proc("actors", "list", "HTS").exit_code == 0  # HTS comes with the actor pack
    run = sitlog_proc("log", "control", "Kfar Bissin", "--new-place", "--by", "HTS", "--at", "2024-11-27", "--json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["precision"] == "day" and run.json()["place"] == "Kfar Bissin"
    assert run.stderr.startswith("logged control ") and "new place Kfar Bissin" in run.stderr
    bad = sitlog_proc("log", "clash", "Kfar Bissin", "--actor", "HTS")
    assert bad.exit_code == 3 and bad.stderr == "Error: a clash needs at least two different --actor ACTOR\n"


def test_new_place_outside_syria_on_a_syrian_governorate_warns(sitlog: Callable[..., Run], actors: None) -> None:
    """Issue 10: --new-place --lat/--lon outside Syria's box on a Syrian admin1 is stored with a warning."""
    run = sitlog("log", "strike", "Jamiyat al-Maari", "--by", "SAA", "--new-place", "--admin1", "Aleppo",
                 "--lat", "63.2", "--lon", "37.0", "--json")  # fmt: skip
    assert run.exit_code == 0, run.stderr
    assert "new place Jamiyat al-Maari (Aleppo)" in run.stderr and "Warning:" in run.stderr
    assert "outside Syria" in run.stderr
