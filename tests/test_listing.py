"""``events`` streams: rows come from SQL (store/listing.py) and go out as they arrive (render/stream.py).

- The cells the listing reads are the cells ``events_report`` makes from whole ``Event`` objects, in
  every zone and for every kind (the descriptions of casualties and displacement are built in SQL).
- Up to ``STREAM_AFTER`` rows a table is drawn as any table is; past it, plain and markdown tables keep
  the widths of the first rows and never cut a later, wider cell; csv/tsv/json/jsonl are unchanged.
- ``events --json``/``--jsonl`` give what ``json.dumps`` of ``Event.to_json`` gives.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sitlog.render.events import EVENT_COLUMNS, EVENT_CSV_COLUMNS, describe, events_report
from sitlog.render.output import Format, _raw
from sitlog.render.stream import Listing, emit_json, emit_listing
from sitlog.store import EventFilter, Store
from sitlog.store.listing import event_cells, event_json
from tests.conftest import Run
from tests.test_eventjson import varied  # noqa: F401  (the fixture)

ZONES: list[tzinfo] = [timezone.utc, ZoneInfo("Asia/Damascus"), timezone(timedelta(hours=-3, minutes=-30))]
FILTERS = [
    EventFilter(include_retracted=True),
    EventFilter(),
    EventFilter(include_retracted=True, sort="place", descending=True, limit=9),
    EventFilter(known_at=datetime(2024, 11, 28, 12, tzinfo=timezone.utc)),
]


def ok(run: Run) -> Run:
    assert run.exit_code == 0, run.stderr
    return run


@pytest.mark.parametrize("flt", FILTERS, ids=range(len(FILTERS)))
@pytest.mark.parametrize("tz", ZONES, ids=str)
@pytest.mark.parametrize("machine", [False, True], ids=["table", "csv"])
def test_cells_are_those_of_whole_events(varied: Path, flt: EventFilter, tz: tzinfo, machine: bool) -> None:  # noqa: F811
    store = Store(varied)
    events = list(store.events.select(flt))
    report = events_report(events, tz, with_json=False, machine=machine)
    clean = _raw if machine else (lambda c: "" if c is None else c)  # what rendering makes of a cell
    expected = [tuple(clean(c) for c in row) for row in report.tables[0].rows]
    got = [row for batch in event_cells(store, flt, tz, describe, machine, batch=4) for row in batch]
    assert got == expected and len(got) == len(events)
    if flt.limit is None and flt.known_at is None:
        kinds = {e.kind.value for e in events}
        assert {"casualties", "displacement", "control", "advance"} <= kinds
    store.close()


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_json_texts_are_the_events_json(varied: Path, tz: tzinfo) -> None:  # noqa: F811
    store = Store(varied)
    flt = EventFilter(include_retracted=True)
    texts = [t.decode("utf-8") for batch in event_json(store, flt, tz, batch=5) for t in batch]
    assert texts == [json.dumps(e.to_json(tz), ensure_ascii=False) for e in store.events.select(flt)]
    store.close()


def test_events_json_and_jsonl_on_the_command_line(sitlog: Callable[..., Run], varied: Path) -> None:  # noqa: F811
    from sitlog.render.output import dumps

    store = Store(varied)
    expected = [e.to_json(timezone.utc) for e in store.events.select(EventFilter(include_retracted=True))]
    store.close()
    assert ok(sitlog("events", "--all", "--json")).stdout == dumps(expected) + "\n"
    assert ok(sitlog("events", "--all", "-f", "jsonl")).stdout == "".join(dumps(e, None) + "\n" for e in expected)
    assert sitlog("events", "--place", "Nowhere Else", "--json").exit_code == 4  # an unknown place
    assert ok(sitlog("events", "--kind", "advance", "--since", "2030-01-01", "--json")).stdout == "[]\n"
    assert ok(sitlog("events", "--kind", "advance", "--since", "2030-01-01", "-f", "jsonl")).stdout == ""
    newest = ok(sitlog("events", "--all", "-n", "3", "--reverse", "--json")).json()
    assert [e["id"] for e in newest] == [e["id"] for e in expected[-3:]]


def _rows(n: int, wide_at: int | None = None) -> list[tuple[str, ...]]:
    rows = [(f"e{i:04d}", "2024-11-27", "clash", "Zabun", f"HTS vs SAA {i % 7}", "", "") for i in range(n)]
    if wide_at is not None:
        rows[wide_at] = (f"e{wide_at:04d}", "2024-11-27", "clash", "Zabun", "a much longer description " * 3, "", "")
    return rows


COLUMNS = ("id", "at", "kind", "place", "what", "claimed", "retracted")


def _emit(rows: list[tuple[str, ...]], fmt: Format, stream_after: int, batch: int = 3) -> str:
    out = io.StringIO()
    batches = [rows[i : i + batch] for i in range(0, len(rows), batch)]
    emit_listing(Listing(COLUMNS, batches, struck=6), fmt, out, is_terminal=False, stream_after=stream_after)
    return out.getvalue()


@pytest.mark.parametrize("fmt", [Format.TABLE, Format.MARKDOWN, Format.CSV, Format.TSV], ids=str)
def test_a_short_listing_is_drawn_as_any_table(fmt: Format) -> None:
    rows = _rows(8, wide_at=5)
    assert _emit(rows, fmt, stream_after=8) == _emit(rows, fmt, stream_after=1000)
    from sitlog.render.output import Report, Table, emit

    out = io.StringIO()
    emit(Report([], [Table(COLUMNS, rows)]), fmt, out, is_terminal=False)
    assert _emit(rows, fmt, stream_after=8) == out.getvalue()


def test_a_long_plain_listing_keeps_the_first_rows_widths_and_cuts_nothing() -> None:
    rows = _rows(20, wide_at=15)
    text = _emit(rows, Format.TABLE, stream_after=10)
    lines = text.splitlines()
    assert len(lines) == 2 + 20
    head = _emit(rows[:10], Format.TABLE, stream_after=10).splitlines()
    assert lines[:12] == head  # the first rows as a table of them alone
    width = len(lines[3])
    assert all(len(line) == width for i, line in enumerate(lines[2:]) if i != 15)  # aligned
    assert lines[17].startswith("e0015  2024-11-27  clash") and ("a much longer description " * 3).strip() in lines[17]
    assert len(lines[17]) > width  # the wide cell is whole: its row is longer, the others keep their place


def test_a_long_listing_escapes_and_aligns_what_it_streams() -> None:
    rows = _rows(12)
    rows[11] = ("e0011", "2024-11-27", "clash", "حلب", "ansi \x1b[31m", "", "")
    lines = _emit(rows, Format.TABLE, stream_after=4).splitlines()
    assert "\\x1b[31m" in lines[-1] and "\x1b" not in "".join(lines)
    assert lines[-1].index("clash") == lines[-2].index("clash")


def test_a_long_markdown_listing_stays_a_table() -> None:
    rows = _rows(12, wide_at=9)
    rows[10] = ("e0010", "2024-11-27", "clash", "a|b", "x", "", "")
    lines = _emit(rows, Format.MARKDOWN, stream_after=5).splitlines()
    assert len(lines) == 2 + 12 and all(line.startswith("| ") and line.endswith(" |") for line in lines[2:])
    assert lines[:7] == _emit(rows[:5], Format.MARKDOWN, stream_after=5).splitlines()
    assert "a\\|b" in lines[12] and lines[12].count(" | ") == len(COLUMNS) - 1
    assert len(lines[5]) == len(lines[6]) == len(lines[13])


@pytest.mark.parametrize("fmt", [Format.CSV, Format.TSV], ids=str)
def test_csv_streams_every_row_unchanged(fmt: Format) -> None:
    rows = _rows(30, wide_at=20)
    text = _emit(rows, fmt, stream_after=5)
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter="," if fmt is Format.CSV else "\t"))
    assert parsed == [list(COLUMNS), *map(list, rows)]


def test_json_arrays_stream_as_dumps_writes_them() -> None:
    from sitlog.render.output import dumps

    records: list[dict[str, Any]] = [{"id": f"e{i}", "note": "ملاحظة \u2028"} for i in range(7)]
    texts = [json.dumps(r, ensure_ascii=False).encode("utf-8") for r in records]
    for out in (io.StringIO(), io.TextIOWrapper(io.BytesIO(), encoding="utf-8")):
        emit_json([texts[:3], [], texts[3:]], Format.JSON, out)
        got = out.getvalue() if isinstance(out, io.StringIO) else out.buffer.getvalue().decode()  # type: ignore[attr-defined]
        assert got == dumps(records) + "\n"
    out = io.StringIO()
    emit_json([[]], Format.JSON, out)
    assert out.getvalue() == "[]\n"
    out = io.StringIO()
    emit_json([texts[:2], texts[2:]], Format.JSONL, out)
    assert out.getvalue() == "".join(dumps(r, None) + "\n" for r in records)


def test_the_events_command_streams_long_listings(sitlog: Callable[..., Run], varied: Path) -> None:  # noqa: F811
    """Through the command: csv parses to the table's rows; the plain table has one line per event."""
    table = ok(sitlog("events", "--all")).stdout.splitlines()
    rows = list(csv.DictReader(io.StringIO(ok(sitlog("events", "--all", "-f", "csv")).stdout, newline="")))
    assert len(table) == 2 + len(rows) and [r["id"] for r in rows] == [line.split()[0] for line in table[2:]]
    assert list(rows[0]) == list(EVENT_CSV_COLUMNS) and table[0].split() == list(EVENT_COLUMNS)


def test_a_long_listing_on_a_screen_keeps_its_layout() -> None:
    from sitlog.render.output import Display
    from sitlog.render.screen import width_of

    rows = [(f"01JDQ{i:021d}", "2024-11-27T10:00:00+03:00", "clash", "Zabun", "HTS vs SAA", "", "") for i in range(12)]
    rows[9] = (rows[9][0], rows[9][1], "clash", "Zabun", "a description far too long for the screen " * 4, "", "yes")
    out = io.StringIO()
    listing = Listing(COLUMNS, [rows[:5], rows[5:]], struck=6)
    emit_listing(listing, Format.TABLE, out, is_terminal=False, display=Display(width=70), stream_after=4)
    lines = out.getvalue().splitlines()
    # The first rows had nothing retracted, so the column gave its room away; a later row's mark is noted.
    assert " ".join(lines[2 + 12 :]).startswith("(not shown at 70 columns: retracted;")
    assert all(width_of(line) <= 70 for line in lines)
    assert lines[2].startswith(rows[0][0])  # ids whole: a prefix unique among the first rows may not be unique later
    assert "…" in lines[2 + 9] and lines[2 + 9].startswith(rows[9][0])
    assert lines[2 + 9].index("clash") == lines[2 + 10].index("clash")
