"""The summary added up in SQL (store/summary.py + domain.summary.summarize) is the summary of every event.

The reference is the way ``summary`` was computed before issue 14, kept as the pure function
``domain.summary.summary`` over ``Event`` objects: every event overlapping the days read whole
(``store.reports.day_events``), filtered by actor in Python, the control state before the first day from
``state_before``. Both must give the same JSON, in every zone, period, cut-off and actor filter, on a
varied log and on a generated one with windows, claims, amendments and retractions.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sitlog.domain import summary as summaries
from sitlog.domain.model import Event, Kind
from sitlog.errors import NotFound
from sitlog.ops import reports
from sitlog.store import Store
from sitlog.store import reports as store_reports
from sitlog.store.summary import local_day_sql, zone_offsets
from tests.conftest import Run
from tests.test_eventjson import varied  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parent.parent
ZONES: list[tzinfo] = [timezone.utc, ZoneInfo("Asia/Damascus"), ZoneInfo("America/St_Johns"),
                       ZoneInfo("Europe/London"), timezone(timedelta(hours=5, minutes=30))]  # fmt: skip


def reference(
    store: Store, tz: tzinfo, first: date, last: date, known_at: datetime | None, by: str = "day",
    actor: str | None = None, exact: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """``ops.reports.summary`` as it was: every event built, filtered and summed in Python."""
    periods = summaries.periods(first, last, by)
    events = store_reports.day_events(store, first, last, tz, known_at)
    if actor:
        who = store.actors.resolve(actor, NotFound).item
        ids = frozenset([who.id]) if exact else store.actors.family_ids(who)
        by_id = store.actors.by_id()
        names = {by_id[i].name for i in ids if i in by_id}
        events = [e for e in events if _involves(e, names)]
    controlled = {e.place_id for e in events if e.kind is Kind.CONTROL and not e.claimed}
    before = store_reports.state_before(store, controlled, first, tz, known_at)
    return summaries.summary(events, periods, before, tz)


def _involves(event: Event, names: set[str]) -> bool:
    parties = {*event.actors, *event.against, *(event.side,)}
    for side in event.sides:
        parties.add(side.actor)
        parties.update(side.associated)
    return not names.isdisjoint(parties)


def same(store: Store, tz: tzinfo, first: date, last: date, known_at: datetime | None = None, **kw: Any) -> None:
    got = reports.summary(store, tz, first, last, known_at, **kw)
    expected = reference(store, tz, first, last, known_at, **kw)
    assert got == expected
    assert got["total"]["events"] > 0


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bench/generate.py's log, small: 120 days (clocks change in March), 40 places, amendments, retractions,
    windows, claims. Its head table leaves ``claimed`` at 0: the summary must read claims off the revisions."""
    path = tmp_path_factory.mktemp("generated") / "bench.db"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(path), "--events", "4000",
                    "--places", "40", "--days", "120", "--seed", "7"], check=True, capture_output=True)  # fmt: skip
    return path


@pytest.mark.parametrize("tz", ZONES, ids=str)
@pytest.mark.parametrize("by", ["day", "week", "month"])
def test_generated_log(generated: Path, tz: tzinfo, by: str) -> None:
    store = Store(generated)
    same(store, tz, date(2023, 1, 1), date(2023, 5, 1), by=by)  # all of it
    same(store, tz, date(2023, 3, 5), date(2023, 4, 2), by=by)  # windows reach in and out; clocks change
    same(store, tz, date(2023, 3, 12), date(2023, 3, 12), by=by)  # one day, a short one in St John's
    store.close()


def test_generated_log_known_at_and_actor(generated: Path) -> None:
    store = Store(generated)
    tz = ZoneInfo("Asia/Damascus")
    same(store, tz, date(2023, 1, 10), date(2023, 2, 20), datetime(2023, 2, 1, 12, tzinfo=timezone.utc))
    same(store, tz, date(2023, 1, 10), date(2023, 2, 20), actor="Bench Army")
    same(store, tz, date(2023, 1, 10), date(2023, 2, 20), actor="Bench Rebels", exact=True, by="week")
    store.close()


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_varied_log(varied: Path, tz: tzinfo) -> None:  # noqa: F811
    store = Store(varied)
    for by in ("day", "week", "month"):
        same(store, tz, date(2024, 11, 1), date(2024, 12, 2), by=by)
    same(store, tz, date(2024, 11, 27), date(2024, 11, 27))
    same(store, tz, date(2024, 11, 26), date(2024, 11, 29), datetime(2024, 11, 28, 12, tzinfo=timezone.utc))
    same(store, tz, date(2024, 11, 20), date(2024, 11, 30), actor="HTS")
    same(store, tz, date(2024, 11, 20), date(2024, 11, 30), actor="SAA", exact=True)
    store.close()


def test_summary_on_the_command_line_is_unchanged(sitlog: Callable[..., Run], varied: Path) -> None:  # noqa: F811
    from sitlog.render.output import dumps

    store = Store(varied)
    expected = reference(store, timezone.utc, date(2024, 11, 25), date(2024, 11, 30), None)
    store.close()
    run = sitlog("summary", "--since", "2024-11-25", "--until", "2024-11-30", "--json")
    assert run.exit_code == 0, run.stderr
    assert run.stdout == dumps(expected) + "\n"


@pytest.mark.parametrize("zone", ["UTC", "Asia/Damascus", "America/St_Johns", "Europe/London", "Australia/Lord_Howe"])
def test_local_days_in_sql_are_the_zones_days(zone: str) -> None:
    import sqlite3

    tz = ZoneInfo(zone)
    start = datetime(2021, 6, 30, 13, tzinfo=timezone.utc)  # Damascus changed clocks until October 2022
    end = start + timedelta(days=800)
    assert len(zone_offsets(tz, start, end)) >= (1 if zone == "UTC" else 3)
    instants = [start + timedelta(minutes=37 * n) for n in range(0, 800 * 24 * 60 // 37)]
    # and every second around each change of offset
    for at, _offset in zone_offsets(tz, start, end)[1:]:
        instants += [at + timedelta(seconds=s) for s in range(-3, 3)]
    keys = [i.strftime("%Y-%m-%dT%H:%M:%SZ") for i in instants]
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (at_utc TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", [(k,) for k in keys])
    days = [row[0] for row in conn.execute(f"SELECT {local_day_sql('at_utc', tz, start, end)} FROM t ORDER BY rowid")]
    assert days == [i.astimezone(tz).date().isoformat() for i in instants]


def test_summary_json_and_jsonl_stream_the_same_text(sitlog: Callable[..., Run], varied: Path) -> None:  # noqa: F811
    """``--json``/``-f jsonl`` are written period by period; the text is what the whole summary gives."""
    from sitlog.render.output import dumps

    store = Store(varied)
    tz = ZoneInfo("Asia/Damascus")
    for args, by in ((("--since", "2024-11-20", "--until", "2024-12-05"), "day"), (("--day", "2024-11-27"), "day"),
                     (("--since", "2024-11-01", "--until", "2024-12-31", "--by", "month"), "month")):  # fmt: skip
        days = [a for a in args if a[0].isdigit()]
        first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
        expected = reference(store, tz, first, last, None, by=by)
        run = sitlog("summary", *args, "--json", SITLOG_TZ="Asia/Damascus")
        assert run.exit_code == 0, run.stderr
        assert run.stdout == dumps(expected) + "\n"
        lines = sitlog("summary", *args, "-f", "jsonl", SITLOG_TZ="Asia/Damascus").stdout
        assert lines == "".join(dumps(d, None) + "\n" for d in expected["days"])
    store.close()
