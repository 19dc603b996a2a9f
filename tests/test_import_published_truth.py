"""Issue 9: windows told apart from days, and a truth test of summary totals on a generated GED extract.

Fails until issue 9 is implemented. JSON shapes chosen here (additive; see also the header of
tests/test_import_published.py for quantities and totals with ``best``):

- An event counts in a period's figures (a day entry, a ``--by week|month`` bucket, or ``total`` for
  the whole range) only when its whole window lies inside that period: a UCDP row dated
  ``2024-11-25..2024-11-29`` counts in the total of 25–29 Nov (and of the month), never in the
  figures of 25 Nov. An event whose window only overlaps the period is reported under ``windowed``:
  ``{events, event_ids, killed, injured, captured, displaced_people, displaced_families}``, always
  present (zeros when empty), with each such event counted once per period.
- ``summary --by day|week|month``: each entry of ``days`` is a bucket; ``day`` is its first day and
  ``until`` its last day (both clipped to ``--since``/``--until``).
- ``events --overlapping`` / ``export --overlapping`` (with ``--since``/``--until``): events whose
  window ``at..at_end`` overlaps the range, not only those whose window starts in it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run
from tests.ged_extract import ged_rows, write_ged
from tests.test_import import events
from tests.test_roundtrip import FIXTURES, ok
from tests.test_schemas import validate

Sitlog = Callable[..., Run]
UCDP = FIXTURES / "ucdp_ged.csv"
WINDOW = {"ucdp:900003", "ucdp:900003:casualties"}  # 2024-11-25..2024-11-29, killed 5/6/9
NOTHING = None  # no event carried the figure: unknown, not zero (issue 11; issue 9 had {0, 0, 0, 0})


def summary(sitlog: Sitlog, first: str, last: str, *args: str) -> dict[str, Any]:
    return ok(sitlog("summary", "--since", first, "--until", last, "--json", *args)).json()


def figure(low: int, best: int, high: int) -> dict[str, int]:
    return {"low": low, "best": best, "high": high, "without_best": 0}


# --- windows told apart from days ------------------------------------------------------------------


def test_a_window_does_not_count_on_its_first_day(sitlog: Sitlog) -> None:
    ok(sitlog("import", str(UCDP)))
    first = ok(sitlog("summary", "--day", "2024-11-25", "--json")).json()["days"][0]
    assert first["killed"] == NOTHING  # today the whole window's deaths land here
    assert set(first["windowed"]["event_ids"]) == WINDOW and first["windowed"]["events"] == 2
    assert first["windowed"]["killed"] == figure(5, 6, 9)
    document = ok(sitlog("summary", "--day", "2024-11-28", "--json")).json()
    inside = document["days"][0]
    assert inside["killed"] == NOTHING and inside["windowed"]["killed"] == figure(5, 6, 9)
    validate("summary", document)  # the schema describes the whole document, not one day entry


def test_a_range_total_counts_windows_inside_it_and_labels_those_that_overlap(sitlog: Sitlog) -> None:
    ok(sitlog("import", str(UCDP)))
    day_precise = figure(12, 15, 21)  # 900001, 900002, 900004, 900005 on 27 Nov
    whole = summary(sitlog, "2024-11-25", "2024-11-29")
    assert whole["total"]["killed"] == figure(17, 21, 30)  # the window lies inside the range
    assert whole["total"]["windowed"]["killed"] == NOTHING
    assert [d["day"] for d in whole["days"] if d["windowed"]["events"]] == [f"2024-11-{n}" for n in range(25, 30)]
    part = summary(sitlog, "2024-11-26", "2024-11-27")
    assert part["total"]["killed"] == day_precise
    assert part["total"]["windowed"]["killed"] == figure(5, 6, 9)  # once, not once per day
    assert set(part["total"]["windowed"]["event_ids"]) == WINDOW


def test_summary_by_month_buckets(sitlog: Sitlog) -> None:
    ok(sitlog("import", str(UCDP)))
    run = summary(sitlog, "2024-11-01", "2024-11-30", "--by", "month")
    assert [(b["day"], b["until"]) for b in run["days"]] == [("2024-11-01", "2024-11-30")]
    assert run["days"][0]["killed"] == figure(17, 21, 30) == run["total"]["killed"]
    assert run["days"][0]["windowed"]["events"] == 0
    assert (
        summary(sitlog, "2024-11-25", "2024-11-27", "--by", "day")["days"]
        == summary(sitlog, "2024-11-25", "2024-11-27")["days"]
    )


def test_events_and_export_overlapping_select_windows_that_cover_the_range(sitlog: Sitlog) -> None:
    ok(sitlog("import", str(UCDP)))
    on_28 = ok(sitlog("events", "--since", "2024-11-28", "--until", "2024-11-28", "--overlapping", "--json")).json()
    assert {e["id"] for e in on_28} == WINDOW
    on_27 = ok(sitlog("events", "--since", "2024-11-27", "--until", "2024-11-27", "--overlapping", "--json")).json()
    assert {e["id"] for e in on_27} == set(events(sitlog))  # every row: 27 Nov, or a window covering it
    assert ok(sitlog("events", "--since", "2024-11-30", "--overlapping", "--json")).json() == []
    exported = ok(sitlog("export", "-f", "csv", "--since", "2024-11-28", "--until", "2024-11-28", "--overlapping"))
    assert {r["id"] for r in csv.DictReader(io.StringIO(exported.stdout))} == WINDOW


# --- truth test: a generated extract in UCDP's real layouts against an independent sum -------------


def _figures(rows: list[dict[str, Any]]) -> dict[str, int] | None:
    """What the totals must say, computed here: min..max of each row's published low/best/high, and best;
    None when no row carries the figure (unknown is not zero)."""
    if not rows:
        return None
    return {
        "low": sum(min(r["low"], r["best"], r["high"]) for r in rows),
        "best": sum(r["best"] for r in rows),
        "high": sum(max(r["low"], r["best"], r["high"]) for r in rows),
        "without_best": 0,
    }


def _inside(rows: list[dict[str, Any]], first: date, last: date) -> list[dict[str, Any]]:
    return [r for r in rows if first <= r["date_start"] and r["date_end"] <= last]


def _overlapping(rows: list[dict[str, Any]], first: date, last: date) -> list[dict[str, Any]]:
    inside = {id(r) for r in _inside(rows, first, last)}
    return [r for r in rows if r["date_start"] <= last and r["date_end"] >= first and id(r) not in inside]


def _casualties_id(row: dict[str, Any]) -> str:
    return f"ucdp:{row['id']}" if row["type_of_violence"] == 3 else f"ucdp:{row['id']}:casualties"


LAYOUTS = {  # name: (write_ged options, extra import arguments)
    "ged-19.1": ({"layout": "191"}, ()),
    "ged-25.1-bom-crlf": ({"layout": "201", "bom": True, "line_end": "\r\n"}, ()),
    "hdx-hxl": ({"layout": "201", "hxl": True}, ()),
    "candidate-headerless": ({"layout": "201", "header": False}, ("--format", "ucdp")),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_truth_generated_ged_extract_totals_match_an_independent_sum(
    sitlog: Sitlog, tmp_path: Path, layout: str
) -> None:
    rows = ged_rows(300)
    options, extra = LAYOUTS[layout]
    path = write_ged(tmp_path / "ged.csv", rows, **options)
    disagreeing = [r for r in rows if not r["low"] <= r["best"] <= r["high"]]
    assert len(disagreeing) == 24 and any(r["date_start"] < r["date_end"] for r in rows)  # the extract is as meant

    result = ok(sitlog("import", str(path), "--json", *extra)).json()
    assert (result["rejected"], result["adjusted"]) == (0, len(disagreeing))

    # Each row's figures, as published (min..max for the range), on its casualties event.
    found = events(sitlog)
    for row in rows:
        event = found[_casualties_id(row)]
        killed = {k: event["killed"][k] for k in ("low", "best", "high")}
        assert killed == {k: v for k, v in (_figures([row]) or {}).items() if k != "without_best"}, row["id"]
        assert event["at"] == row["date_start"].isoformat()
        if row["date_start"] < row["date_end"]:
            assert event["at_end"] == row["date_end"].isoformat(), row["id"]

    # Per year: rows whose window lies in the year count; windows straddling it are labelled.
    for year in (2016, 2017):
        first, last = date(year, 1, 1), date(year, 12, 31)
        total = summary(sitlog, first.isoformat(), last.isoformat())["total"]
        assert total["killed"] == _figures(_inside(rows, first, last)), year
        assert total["windowed"]["killed"] == _figures(_overlapping(rows, first, last)), year

    # Per day across the turn of the year: day-precise rows, and the windows that overlap the day.
    first, last = date(2016, 12, 20), date(2017, 1, 10)
    report = summary(sitlog, first.isoformat(), last.isoformat())
    for entry in report["days"]:
        day = date.fromisoformat(entry["day"])
        assert entry["killed"] == _figures(_inside(rows, day, day)), day
        assert entry["windowed"]["killed"] == _figures(_overlapping(rows, day, day)), day
    assert [date.fromisoformat(d["day"]) for d in report["days"]] == [
        first + timedelta(days=n) for n in range((last - first).days + 1)
    ]
