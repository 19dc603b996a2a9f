"""When-expressions: ISO 8601 and relative forms, precision, the report zone and the pinned clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitlog.domain.model import Precision
from sitlog.domain.timeparse import parse_when, report_zone, since_instant, until_instant
from sitlog.errors import InvalidInput
from tests.conftest import Run

NOW = datetime(2024, 11, 28, 12, 0, tzinfo=timezone.utc)
UTC = timezone.utc
DAMASCUS = ZoneInfo("Asia/Damascus")


@pytest.mark.parametrize(
    ("text", "instant", "precision"),
    [
        ("now", "2024-11-28T12:00:00+00:00", Precision.EXACT),
        ("NOW", "2024-11-28T12:00:00+00:00", Precision.EXACT),
        ("2024-11-27T06:30", "2024-11-27T06:30:00+00:00", Precision.EXACT),
        ("2024-11-27 06:30", "2024-11-27T06:30:00+00:00", Precision.EXACT),
        ("2024-11-27T06:30:15", "2024-11-27T06:30:15+00:00", Precision.EXACT),
        ("2024-11-27T06:30+03:00", "2024-11-27T03:30:00+00:00", Precision.EXACT),
        ("2024-11-27T06:30Z", "2024-11-27T06:30:00+00:00", Precision.EXACT),
        ("yesterday 14:30", "2024-11-27T14:30:00+00:00", Precision.EXACT),
        ("today 06:05", "2024-11-28T06:05:00+00:00", Precision.EXACT),
        ("2h ago", "2024-11-28T10:00:00+00:00", Precision.EXACT),
        ("90 minutes ago", "2024-11-28T10:30:00+00:00", Precision.EXACT),
        ("3 days ago", "2024-11-25T12:00:00+00:00", Precision.EXACT),
        ("1 week ago", "2024-11-21T12:00:00+00:00", Precision.EXACT),
    ],
)
def test_exact_forms(text: str, instant: str, precision: Precision) -> None:
    when = parse_when(text, NOW, UTC)
    assert when.instant == datetime.fromisoformat(instant)
    assert when.precision is precision and when.day is None


@pytest.mark.parametrize(
    ("text", "day", "precision"),
    [
        ("2024-11-27", date(2024, 11, 27), Precision.DAY),
        ("20241127", date(2024, 11, 27), Precision.DAY),  # ISO basic form: still a date, not midnight
        ("2024-W48-3", date(2024, 11, 27), Precision.DAY),
        ("today", date(2024, 11, 28), Precision.DAY),
        ("Yesterday", date(2024, 11, 27), Precision.DAY),
        ("2024-W48", date(2024, 11, 25), Precision.WEEK),
        ("2024-11", date(2024, 11, 1), Precision.MONTH),
    ],
)
def test_date_only_forms_are_windows_never_an_invented_time(text: str, day: date, precision: Precision) -> None:
    when = parse_when(text, NOW, UTC)
    assert (when.day, when.precision) == (day, precision)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-02-30", "not a real date"),
        ("2023-02-29", "not a real date"),
        ("2024-02-30T10:00", "not a real date"),
        ("2024-11-27T25:00", "not a real date"),
        ("03/04/2024", "ambiguous"),
        ("3.4.24", "ambiguous"),
        ("today 25:00", "not a real time"),
        ("3 parsecs ago", "unknown unit"),
        ("2024-W60", "not a real ISO week"),
        ("", "cannot be empty"),
        ("soon", "cannot read time"),
        ("-1h ago", "cannot read time"),
        ("0224-11-27", "outside the years"),
        ("9999-12-31T23:59:59-05:00", "outside the years"),
        ("99999999999 days ago", "too far back"),
        ("1000000 weeks ago", "too far back"),
    ],
)
def test_bad_times_are_invalid_input(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_when(text, NOW, UTC)


def test_wall_times_are_in_the_report_zone() -> None:
    assert parse_when("2024-11-27T06:30", NOW, DAMASCUS).instant == datetime(2024, 11, 27, 3, 30, tzinfo=UTC)
    # 01:30 in Damascus on the 29th is still the 28th in UTC: "today" follows the report zone.
    late = datetime(2024, 11, 28, 22, 30, tzinfo=UTC)
    assert parse_when("today", late, DAMASCUS).day == date(2024, 11, 29)
    assert parse_when("yesterday 23:00", late, DAMASCUS).instant == datetime(2024, 11, 28, 20, tzinfo=UTC)


def test_since_and_until_bounds_of_a_date_cover_its_local_day() -> None:
    day = parse_when("2024-11-27", NOW, DAMASCUS)
    assert since_instant(day, DAMASCUS) == datetime(2024, 11, 26, 21, tzinfo=UTC)
    assert until_instant(day, DAMASCUS) == datetime(2024, 11, 27, 21, tzinfo=UTC)
    month = parse_when("2024-02", NOW, UTC)
    assert until_instant(month, UTC) == datetime(2024, 3, 1, tzinfo=UTC)
    exact = parse_when("2024-11-27T06:30", NOW, UTC)
    assert until_instant(exact, UTC) - exact.instant == timedelta(seconds=1)


def test_report_zone_names() -> None:
    assert report_zone("UTC") is timezone.utc
    assert report_zone("Asia/Damascus") == DAMASCUS
    assert report_zone(None) is not None
    with pytest.raises(InvalidInput, match="unknown time zone"):
        report_zone("Mars/Olympus")


@given(st.text(max_size=40))
def test_parse_when_fails_only_with_invalid_input(text: str) -> None:
    try:
        when = parse_when(text, NOW, DAMASCUS)
    except InvalidInput:
        return
    assert when.instant.tzinfo is not None


@given(
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2100, 12, 30), timezones=st.just(UTC)),
    st.sampled_from([UTC, DAMASCUS, ZoneInfo("America/New_York"), timezone(timedelta(hours=5, minutes=45))]),
)
def test_iso_instants_round_trip(instant: datetime, zone: timezone) -> None:
    local = instant.astimezone(zone).replace(microsecond=0)
    for text in (local.isoformat(), local.isoformat(sep=" ")):
        when = parse_when(text, NOW, UTC)
        assert when.instant == local and when.precision is Precision.EXACT


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_iso_dates_round_trip_as_days(day: date) -> None:
    when = parse_when(day.isoformat(), NOW, DAMASCUS)
    assert (when.day, when.precision) == (day, Precision.DAY)
    assert when.to_json(DAMASCUS) == day.isoformat()


# --- through the CLI --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "shown", "precision"),
    [
        ("2024-11-27", "2024-11-27", "day"),
        ("yesterday", "2024-11-27", "day"),
        ("yesterday 14:30", "2024-11-27T14:30:00+00:00", "exact"),
        ("2h ago", "2024-11-28T10:00:00+00:00", "exact"),
        ("2024-11-27T06:30+03:00", "2024-11-27T03:30:00+00:00", "exact"),
    ],
)
def test_at_is_stored_with_its_precision_and_told_in_the_receipt(
    sitlog: Callable[..., Run], actors: None, at: str, shown: str, precision: str
) -> None:
    run = sitlog("log", "strike", "Ariha", "--by", "SAA", "--at", at, "--json")
    assert run.exit_code == 0, run.stderr
    assert (run.json()["at"], run.json()["precision"]) == (shown, precision)
    assert f"{shown} ({precision})" in run.stderr


def test_at_defaults_to_the_pinned_now(sitlog: Callable[..., Run], actors: None) -> None:
    run = sitlog("log", "strike", "Ariha", "--by", "SAA", "--json", SITLOG_NOW="2024-11-27T08:15:00+02:00")
    assert run.json()["at"] == "2024-11-27T06:15:00+00:00"
    assert run.json()["recorded_at"] == "2024-11-27T06:15:00+00:00"


@pytest.mark.parametrize("at", ["2024-02-30", "03/04/2024", "next tuesday"])
def test_bad_at_is_exit_3_and_stores_nothing(sitlog: Callable[..., Run], actors: None, at: str) -> None:
    run = sitlog("log", "strike", "Ariha", "--by", "SAA", "--at", at)
    assert run.exit_code == 3
    assert run.stderr.startswith("Error: ") and "Traceback" not in run.stderr
    assert sitlog("events", "--json").json() == []


def test_tz_option_and_env_set_the_report_zone(sitlog: Callable[..., Run], actors: None) -> None:
    logged = sitlog(
        "--tz", "Asia/Damascus", "log", "strike", "Ariha", "--by", "SAA", "--at", "2024-11-27T06:30", "--json"
    )
    assert logged.json()["at"] == "2024-11-27T06:30:00+03:00"
    # The same stored instant read in another zone.
    assert sitlog("events", "--json").json()[0]["at"] == "2024-11-27T03:30:00+00:00"
    assert sitlog("events", "--json", SITLOG_TZ="America/New_York").json()[0]["at"] == "2024-11-26T22:30:00-05:00"


def test_unknown_zone_is_exit_3(sitlog: Callable[..., Run]) -> None:
    run = sitlog("--tz", "Mars/Olympus", "events")
    assert run.exit_code == 3 and "unknown time zone" in run.stderr


def test_bad_sitlog_now_is_exit_2_naming_the_variable(sitlog: Callable[..., Run]) -> None:
    # Issue 12: a bad SITLOG_* value is a usage error (exit 2, was 3) that names the variable.
    run = sitlog("events", SITLOG_NOW="whenever")
    assert run.exit_code == 2
    assert run.stderr.startswith("Error: environment variable SITLOG_NOW: cannot read time 'whenever'")
