"""Order and filters on `events` and `export` (issue 13): newest first, sort, tag, source, grade, operator,
claims, recorded time — all in SQL, the same on both commands."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest

from tests.conftest import Run

Sitlog = Callable[..., Run]


@pytest.fixture
def logged(sitlog: Sitlog, actors: None) -> list[str]:
    """Six events; returns their ids in time order (recording order differs: see SITLOG_NOW)."""
    runs = [
        # (recorded at, operator, arguments)
        ("2024-11-28T09:00", "amal", ["strike", "Idlib", "--by", "SAA", "--at", "2024-11-25T08:00", "--grade", "A1",
                                      "--source", "OCHA flash update", "--tag", "air", "--tag", "idlib"]),
        ("2024-11-28T08:00", "amal", ["control", "Ariha", "--by", "HTS", "--at", "2024-11-26", "--grade", "B3",
                                      "--source", "press report", "--claimed-by", "HTS"]),
        ("2024-11-28T07:00", "basel", ["clash", "Ariha", "--actor", "HTS", "--actor", "SAA", "--at",
                                       "2024-11-27T06:00", "--grade", "C2", "--source", "Press Report 50%_off"]),
        ("2024-11-28T10:00", "basel", ["casualties", "Idlib", "--killed", "7", "--at", "2024-11-27T10:00",
                                       "--grade", "B2", "--tag", "idlib"]),
        ("2024-11-28T11:00", "amal", ["displacement", "Ariha", "--families", "hundreds", "--at",
                                      "2024-11-28T09:00", "--claimed", "--grade", "F6"]),
        ("2024-11-28T06:00", "amal", ["strike", "Ariha", "--by", "SAA", "--at", "2024-11-28T10:00"]),
    ]  # fmt: skip
    ids = []
    for recorded, operator, args in runs:
        run = sitlog("log", *args, "--json", SITLOG_NOW=f"{recorded}:00+00:00", SITLOG_OPERATOR=operator)
        assert run.exit_code == 0, run.stderr
        ids.append(run.json()["id"])
    return ids


def _ids(run: Run) -> list[str]:
    assert run.exit_code == 0, run.stderr
    return [e["id"] for e in run.json()]


@pytest.mark.parametrize(
    ("options", "picked"),
    [
        ([], [0, 1, 2, 3, 4, 5]),
        (["--limit", "2"], [0, 1]),  # the oldest two: the first N of the order shown
        (["-n", "2"], [5, 4]),  # the newest two, newest first
        (["--newest", "2", "--reverse"], [4, 5]),  # the newest two, oldest first
        (["--reverse"], [5, 4, 3, 2, 1, 0]),
        (["--reverse", "--limit", "1"], [5]),
        (["--sort", "recorded"], [5, 2, 1, 0, 3, 4]),
        (["--sort", "recorded", "--reverse", "--limit", "2"], [4, 3]),
        (["--sort", "grade"], [0, 3, 1, 2, 4, 5]),  # A1 B2 B3 C2 F6, ungraded last
        (["--sort", "kind", "--limit", "2"], [3, 2]),
        (["--tag", "idlib"], [0, 3]),
        (["--tag", "idlib", "--tag", "air"], [0]),
        (["--tag", "nothing"], []),
        (["--source", "press"], [1, 2]),  # any case
        (["--source", "50%_"], [2]),  # LIKE wildcards are text
        (["--source", "%"], [2]),
        (["--grade", "B2"], [3]),
        (["--grade", "b"], [1, 3]),  # any credibility
        (["--grade", "2"], [2, 3]),  # any reliability
        (["--min-grade", "B2"], [0, 3]),  # A1..B2 only: both reliability and credibility
        (["--min-grade", "C3"], [0, 1, 2, 3]),
        (["--operator", "basel"], [2, 3]),
        (["--claimed"], [1, 4]),
        (["--assessed"], [0, 2, 3, 5]),
        (["--recorded-since", "2024-11-28T09:00"], [0, 3, 4]),
        (["--recorded-until", "2024-11-28T08:00"], [1, 2, 5]),  # inclusive, like --until
        (["--operator", "amal", "--assessed", "--place", "Ariha"], [5]),
    ],
)
def test_events_order_and_filters(sitlog: Sitlog, logged: list[str], options: list[str], picked: list[int]) -> None:
    assert _ids(sitlog("events", "--json", *options)) == [logged[i] for i in picked]


@pytest.mark.parametrize(
    "options", [["--tag", "idlib"], ["--min-grade", "B2"], ["--claimed"], ["--operator", "basel"], ["-n", "2"]]
)
def test_export_takes_the_same_filters(sitlog: Sitlog, logged: list[str], options: list[str]) -> None:
    listed = set(_ids(sitlog("events", "--json", *options)))
    run = sitlog("export", "-f", "csv", *options)
    assert run.exit_code == 0, run.stderr
    exported = {row["id"] for row in csv.DictReader(io.StringIO(run.stdout))}
    assert exported == listed and listed
    lines = sitlog("export", *options).stdout.splitlines()
    revised = {r["id"] for r in map(json.loads, lines) if r["record"] == "revision"}
    assert revised == listed


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--grade", "G9"], "grade must be A1..F6"),
        (["--min-grade", "B"], "grade must be A1..F6"),
        (["--sort", "colour"], "--sort must be one of at, recorded, place, kind, grade, id"),
        (["-n", "2", "--limit", "3"], "give -n/--newest or --limit, not both"),
        (["--recorded-since", "the day after never"], ""),
    ],
)
def test_bad_filters_are_one_line_errors(sitlog: Sitlog, logged: list[str], options: list[str], message: str) -> None:
    for command in ("events", "export"):
        run = sitlog(command, *options)
        assert run.exit_code in (2, 3), run.stderr
        assert run.stdout == "" and run.stderr.startswith("Error: ") and message in run.stderr
        assert len(run.stderr.splitlines()) == 1


def test_filters_are_sql_not_python() -> None:
    """Each filter is a WHERE clause over the store (so --limit counts matching events, not scanned ones)."""
    from sitlog.store import EventFilter
    from sitlog.store.events import Events

    flt = EventFilter(tags=("a",), source="x", grade="B", min_grade="B2", operator="o", claimed=True)
    where, params = Events.filter_sql(None, flt)  # type: ignore[arg-type]
    assert len(where) == 7 and params[-6:] == ["%x%", "B", "B", "2", "o", 1]
