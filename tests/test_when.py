"""When-expressions, complete (issue 12): every new form, DST gaps and overlaps, far-future warnings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitlog.domain.when import resolve
from sitlog.errors import InvalidInput
from tests.conftest import Run

Sitlog = Callable[..., Run]
NOW = datetime(2024, 11, 28, 12, 0, tzinfo=timezone.utc)  # a Thursday
BERLIN, DAMASCUS = ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Damascus")


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("tomorrow", "2024-11-29", "day"),
        ("tomorrow 09:15", "2024-11-29T09:15:00+01:00", "exact"),
        ("thursday", "2024-11-28", "day"),  # today is a Thursday: the latest one is today
        ("last thursday", "2024-11-21", "day"),  # ...and "last" means before today
        ("monday", "2024-11-25", "day"),
        ("last monday", "2024-11-25", "day"),
        ("Last  Mon 14:30", "2024-11-25T14:30:00+01:00", "exact"),
        ("sun", "2024-11-24", "day"),
        ("27 Nov 2024", "2024-11-27", "day"),
        ("27 November 2024", "2024-11-27", "day"),
        ("Nov 27 2024", "2024-11-27", "day"),
        ("Nov. 27, 2024", "2024-11-27", "day"),
        ("27 nov", "2024-11-27", "day"),
        ("27 Nov 2024 21:00", "2024-11-27T21:00:00+01:00", "exact"),
        ("27 Nov 2024 at 6:05", "2024-11-27T06:05:00+01:00", "exact"),
        ("now-2h", "2024-11-28T11:00:00+01:00", "exact"),
        ("now - 90m", "2024-11-28T11:30:00+01:00", "exact"),
        ("now+1d", "2024-11-29T13:00:00+01:00", "exact"),
        ("2024-11-27", "2024-11-27", "day"),  # the old forms still read as before
        ("yesterday 14:30", "2024-11-27T14:30:00+01:00", "exact"),
    ],
)
def test_forms(text: str, expected: str, precision: str) -> None:
    resolved = resolve(text, NOW, BERLIN)
    assert (resolved.when.to_json(BERLIN), resolved.when.precision.value) == (expected, precision)
    assert resolved.warnings == ()


@pytest.mark.parametrize(
    "text", ["31 Feb 2024", "27 Nov 2024 25:00", "now-2 fortnights", "lastmonday", "blursday", "27 Brumaire 2024"]
)
def test_what_cannot_be_read(text: str) -> None:
    with pytest.raises(InvalidInput):
        resolve(text, NOW, BERLIN)


@pytest.mark.parametrize(
    ("text", "tz", "expected", "warning"),
    [
        # Berlin, 31 Mar 2024: 02:00 → 03:00; 27 Oct 2024: 03:00 → 02:00.
        ("2024-03-31T02:30", BERLIN, "2024-03-31T03:30:00+02:00",
         "2024-03-31T02:30 does not exist in Europe/Berlin (clocks went forward): read as 2024-03-31T03:30+02:00"),
        ("31 Mar 2024 02:30", BERLIN, "2024-03-31T03:30:00+02:00", "does not exist in Europe/Berlin"),
        ("2024-10-27 02:30", BERLIN, "2024-10-27T02:30:00+02:00",
         "2024-10-27T02:30 happens twice in Europe/Berlin (clocks went back): took the first, "
         "2024-10-27T02:30+02:00; write 2024-10-27T02:30+01:00 for the second"),
        # Damascus (before its 2022 switch to permanent +03): 26 Mar 2021 00:00 → 01:00;
        # 29 Oct 2021 00:00 → 28 Oct 23:00.
        ("2021-03-26T00:30", DAMASCUS, "2021-03-26T01:30:00+03:00",
         "2021-03-26T00:30 does not exist in Asia/Damascus (clocks went forward): read as 2021-03-26T01:30+03:00"),
        ("28 Oct 2021 23:30", DAMASCUS, "2021-10-28T23:30:00+03:00",
         "happens twice in Asia/Damascus (clocks went back): took the first, 2021-10-28T23:30+03:00; "
         "write 2021-10-28T23:30+02:00 for the second"),
    ],
)  # fmt: skip
def test_dst_gaps_and_overlaps_warn_and_say_what_was_chosen(
    text: str, tz: ZoneInfo, expected: str, warning: str
) -> None:
    resolved = resolve(text, NOW, tz)
    assert resolved.when.to_json(tz) == expected
    assert len(resolved.warnings) == 1 and warning in resolved.warnings[0]


@pytest.mark.parametrize("text", ["2024-03-31T01:30", "2024-03-31T03:30", "2024-10-27 03:30", "2024-03-31"])
def test_no_warning_beside_a_dst_change(text: str) -> None:
    assert resolve(text, NOW, BERLIN).warnings == ()


def test_an_offset_typed_is_never_second_guessed() -> None:
    resolved = resolve("2024-10-27T02:30+01:00", NOW, BERLIN)
    assert resolved.when.to_json(BERLIN) == "2024-10-27T02:30:00+01:00" and resolved.warnings == ()


def test_far_future_warns_only_when_asked() -> None:
    assert resolve("2042-11-27", NOW, BERLIN).warnings == ()
    (warning,) = resolve("2042-11-27", NOW, BERLIN, warn_future=True).warnings
    assert warning.startswith("'2042-11-27' is 6572 days after now (2024-11-28): a typo?")
    assert resolve("tomorrow", NOW, BERLIN, warn_future=True).warnings == ()  # within a day: fine
    assert len(resolve("now+3d", NOW, BERLIN, warn_future=True).warnings) == 1


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31)))
def test_wall_times_read_back_or_warn(wall: datetime) -> None:
    """Any wall time in Berlin reads back as itself, unless a warning says what was chosen instead."""
    wall = wall.replace(second=0, microsecond=0)
    resolved = resolve(wall.isoformat(timespec="minutes"), NOW, BERLIN)
    back = resolved.when.instant.astimezone(BERLIN).replace(tzinfo=None)
    assert back == wall or resolved.warnings


def test_when_command(sitlog: Sitlog) -> None:
    run = sitlog("when", "27 Nov 2024 14:30", "--json", SITLOG_TZ="Asia/Damascus")
    assert run.exit_code == 0 and run.stderr == ""
    assert run.json() == {
        "expression": "27 Nov 2024 14:30", "at": "2024-11-27T14:30:00+03:00", "precision": "exact",
        "zone": "Asia/Damascus", "utc": "2024-11-27T11:30:00+00:00", "until": None, "warnings": [],
    }  # fmt: skip
    table = sitlog("when", "2024-03-31T02:30", "--tz", "Europe/Berlin")
    assert table.exit_code == 0 and "2024-03-31T03:30:00+02:00" in table.stdout
    assert table.stderr.startswith("Warning: 2024-03-31T02:30 does not exist in Europe/Berlin")
    bad = sitlog("when", "blursday")
    assert bad.exit_code == 3 and bad.stderr.startswith("Error: cannot read time 'blursday'") and bad.stdout == ""


def test_log_warns_about_a_future_date_and_still_logs(sitlog: Sitlog, actors: None) -> None:
    run = sitlog("log", "control", "Aleppo", "--by", "HTS", "--at", "27 Nov 2042", "--json")
    assert run.exit_code == 0 and run.json()["at"] == "2042-11-27"
    assert "Warning: '27 Nov 2042' is 6572 days after now (2024-11-28): a typo? (2042 for 2024)" in run.stderr
    assert sitlog("log", "control", "Aleppo", "--by", "HTS", "--at", "last monday").stderr.count("Warning") == 0
