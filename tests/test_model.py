"""The domain model: quantities, grades, ids, event shapes and the per-kind rules.

Pure functions are tested directly (with Hypothesis where the input is free text); what a user types
is also driven through the real CLI, which must answer a bad value with exit 3 and one `Error:` line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitlog.domain.model import (
    Event,
    Kind,
    Precision,
    Quantity,
    Range,
    When,
    day_bounds,
    from_utc_key,
    new_event_id,
    parse_client_id,
    parse_grade,
    utc_key,
    validate_event,
)
from sitlog.errors import InvalidInput
from tests.conftest import Run

# --- quantities -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("7", 7, 7),
        ("0", 0, 0),
        ("10-15", 10, 15),
        ("10 - 15", 10, 15),
        ("10–15", 10, 15),
        ("10 to 15", 10, 15),
        ("40+", 40, None),
        ("1,000", 1000, 1000),
        ("several", 3, None),
        ("tens", 10, None),
        ("dozens", 12, None),
        ("Dozens", 12, None),
        ("hundreds", 100, None),
        ("thousands", 1000, None),
        ("٣", 3, 3),  # Arabic-Indic digits as reports write them
    ],
)
def test_quantity_parse_keeps_the_words_and_a_conservative_low(text: str, low: int, high: int | None) -> None:
    q = Quantity.parse(text)
    assert (q.low, q.high, q.text) == (low, high, text.strip())


@pytest.mark.parametrize("text", ["-3", "", "  ", "ten", "15-10", "1.5", "3-", "+5", "²", "x7", "10-15-20", "9" * 5000])
def test_quantity_parse_refuses_negative_and_malformed(text: str) -> None:
    with pytest.raises(InvalidInput):
        Quantity.parse(text)


@given(st.text(max_size=40))
def test_quantity_parse_never_fails_other_than_invalid_input(text: str) -> None:
    try:
        q = Quantity.parse(text)
    except InvalidInput:
        return
    assert q.low >= 0 and (q.high is None or q.high >= q.low)
    assert Quantity.parse(q.text) == q  # the kept text reads back the same


@given(st.integers(min_value=0, max_value=10**8), st.integers(min_value=0, max_value=10**8))
def test_quantity_numbers_and_ranges_round_trip(a: int, b: int) -> None:
    low, high = min(a, b), max(a, b)
    assert Quantity.parse(str(a)) == Quantity(a, a, str(a))
    ranged = Quantity.parse(f"{low}-{high}")
    assert (ranged.low, ranged.high) == (low, high)
    assert Quantity.from_json(ranged.to_json()) == ranged
    assert Quantity.parse(f"{low}+") == Quantity(low, None, f"{low}+")


def test_range_sum_is_unknown_high_once_any_part_is() -> None:
    total = Range().add(Quantity.parse("7")).add(Quantity.parse("10-15"))
    assert total.to_json() == {"low": 17, "best": 0, "high": 22, "without_best": 2}
    assert total.add(Quantity.parse("dozens")).to_json() == {"low": 29, "best": 0, "high": None, "without_best": 3}
    assert total.add(None) == total


def test_killed_dozens_through_the_cli_keeps_the_words(sitlog: Callable[..., Run], actors: None) -> None:
    run = sitlog("log", "casualties", "Ariha", "--killed", "dozens", "--side", "HTS", "--json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["killed"] == {"low": 12, "best": None, "high": None, "text": "dozens"}
    assert "killed dozens" in run.stderr


@pytest.mark.parametrize("value", ["-3", "lots", "15-10", "3.5"])
def test_bad_quantity_through_the_cli_is_exit_3_and_nothing_is_stored(
    sitlog: Callable[..., Run], actors: None, value: str
) -> None:
    run = sitlog("log", "casualties", "Ariha", f"--killed={value}")
    assert run.exit_code == 3
    assert run.stderr.startswith("Error: --killed: ") and run.stderr.count("\n") == 1
    assert run.stdout == ""
    assert sitlog("events", "--json").json() == []


# --- grades ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("grade", [f"{r}{c}" for r in "ABCDEF" for c in "123456"])
def test_every_admiralty_grade_is_valid(grade: str) -> None:
    assert parse_grade(grade) == grade
    assert parse_grade(f" {grade.lower()} ") == grade


@pytest.mark.parametrize("grade", ["G1", "A7", "A0", "", "B", "B22", "2B", "AA"])
def test_grades_outside_a1_f6_are_refused(grade: str) -> None:
    with pytest.raises(InvalidInput):
        parse_grade(grade)


@pytest.mark.parametrize("grade", ["G1", "A7", ""])
def test_bad_grade_through_the_cli_is_exit_3(sitlog: Callable[..., Run], actors: None, grade: str) -> None:
    run = sitlog("log", "strike", "Ariha", "--by", "SAA", "--grade", grade)
    assert run.exit_code == 3
    assert "grade must be A1..F6" in run.stderr and "Traceback" not in run.stderr


def test_grade_is_stored_upper_case(sitlog: Callable[..., Run], actors: None) -> None:
    run = sitlog("log", "strike", "Ariha", "--by", "SAA", "--grade", "c3", "--json")
    assert run.exit_code == 0 and run.json()["grade"] == "C3"


# --- ids ------------------------------------------------------------------------------------------


def test_new_event_ids_are_ulids_ordered_by_time() -> None:
    t = datetime(2024, 11, 27, 6, 30, tzinfo=timezone.utc)
    first, later = new_event_id(t), new_event_id(t + timedelta(milliseconds=1))
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", first)
    assert first < later
    assert new_event_id(t) != new_event_id(t)  # 80 random bits


@pytest.mark.parametrize(
    ("given_id", "stored"),
    [
        ("01jdsa8wg0hwantp6dv36ycc54", "01JDSA8WG0HWANTP6DV36YCC54"),  # ULIDs are case-insensitive
        ("ucdp:12345", "ucdp:12345"),
        ("0190a6b2-7c4e-7d3f-9a1b-2c3d4e5f6a7b", "0190a6b2-7c4e-7d3f-9a1b-2c3d4e5f6a7b"),
    ],
)
def test_client_ids(given_id: str, stored: str) -> None:
    assert parse_client_id(given_id) == stored


@pytest.mark.parametrize("bad", ["", "has space", "-leading", "x" * 129, "a/b"])
def test_bad_client_ids_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_client_id(bad)


# --- time values ----------------------------------------------------------------------------------


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31), timezones=st.just(timezone.utc)))
def test_utc_key_round_trips_and_sorts_as_text(instant: datetime) -> None:
    key = utc_key(instant)
    assert len(key) == 20 and key.endswith("Z")
    assert from_utc_key(key) == instant.replace(microsecond=0)


def test_day_bounds_follow_the_zone_across_dst() -> None:
    start, end = day_bounds(date(2024, 3, 31), ZoneInfo("Europe/Berlin"))  # 23-hour day
    assert end - start == timedelta(hours=23)
    assert start == datetime(2024, 3, 30, 23, tzinfo=timezone.utc)


def test_window_counts_on_its_first_day_in_any_zone() -> None:
    when = When.window(date(2024, 11, 27), Precision.WEEK, date(2024, 12, 3))
    assert when.local_day(ZoneInfo("Pacific/Kiritimati")) == date(2024, 11, 27)
    assert when.local_day(ZoneInfo("America/Los_Angeles")) == date(2024, 11, 27)
    assert when.to_json(timezone.utc) == "2024-11-27"


# --- events ---------------------------------------------------------------------------------------


def _event(**changes: object) -> Event:
    base = Event(
        id="01JDSA8WG0HWANTP6DV36YCC54",
        kind=Kind.CONTROL,
        place_id=1,
        place="Anadan",
        when=When.exact(datetime(2024, 11, 27, 6, 30, tzinfo=timezone.utc)),
        actors=("HTS",),
    )
    return base.with_changes(**changes)


def test_event_json_has_the_spec_shape_per_kind() -> None:
    common = {"id", "kind", "place", "place_id", "at", "precision", "actors", "source", "grade", "claimed",
              "claimed_by", "note", "tags", "operator", "recorded_at", "revision", "retracted", "sources"}  # fmt: skip
    per_kind = {
        Kind.CONTROL: {"status", "part", "against", "baseline", "from"},
        Kind.ADVANCE: {"relation", "distance_km", "direction"},
        Kind.CLASH: {"outcome"},
        Kind.CASUALTIES: {"killed", "injured", "captured", "side", "person", "role"},
        Kind.STRIKE: {"means"},
        Kind.DISPLACEMENT: {"people", "families", "to"},
    }
    for kind, extra in per_kind.items():
        data = _event(kind=kind).to_json(timezone.utc)
        assert set(data) == common | extra, kind


def test_event_json_times_carry_the_report_zone_offset() -> None:
    data = _event().to_json(ZoneInfo("Asia/Damascus"))
    assert data["at"] == "2024-11-27T09:30:00+03:00"
    assert data["precision"] == "exact"


def test_content_ignores_bookkeeping_only() -> None:
    event = _event(note="a")
    assert event.content() == event.with_changes(operator="other", revision=2).content()
    assert event.content() != event.with_changes(note="b").content()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"actors": ()}, "--by"),
        ({"kind": Kind.CLASH, "actors": ("HTS", "HTS")}, "two different --actor"),
        ({"kind": Kind.CASUALTIES}, "--killed"),
        ({"kind": Kind.STRIKE, "actors": ()}, "--by"),
        ({"kind": Kind.DISPLACEMENT}, "--people"),
        ({"kind": Kind.CASUALTIES, "killed": Quantity.exact(1), "role": "commander"}, "--person"),
    ],
)
def test_validate_event_names_the_missing_option(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        validate_event(_event(**changes))
