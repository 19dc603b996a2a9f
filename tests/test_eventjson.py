"""The event JSON SQLite builds (store/eventjson.py) is byte for byte what the Python encoder writes.

Exports and listings of any length take the SQL-built text; ``show``, ``log --json`` and everything else
take ``Event.to_json`` through ``json.dumps``. The two must never drift: these tests read every revision
of a varied log both ways — every kind, unicode and control characters, nulls, claims, windows, several
sources, sides, distances, best estimates, amendments and retractions — in several zones.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitlog.domain.model import Event, Kind
from sitlog.domain.text import json_safe
from sitlog.exchange import ExportFormat, ExportRequest, export
from sitlog.exchange.jsonl import revision_record
from sitlog.store import EventFilter, Store
from sitlog.store.eventjson import EventJson, fixed_offset
from sitlog.store.events import EVENT_SELECT
from tests.conftest import Run

FIXTURES = Path(__file__).parent / "fixtures"
ZONES: list[tzinfo] = [
    timezone.utc,
    ZoneInfo("UTC"),
    ZoneInfo("Asia/Damascus"),  # +02/+03 with DST until 2022, then +03 all year
    ZoneInfo("America/St_Johns"),  # -03:30 / -02:30
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-4)),
    ZoneInfo("Etc/GMT-3"),
]
NOTE = 'said "we hold it" \\ [bold]x[/bold]\n\tsecond line\x1b[31m red\x7f \u2028 \U0001f525 中文 ملاحظة'


def ok(run: Run) -> Run:
    assert run.exit_code == 0, run.stderr
    return run


@pytest.fixture
def varied(sitlog: Callable[..., Run], db: Path) -> Path:
    """A log with every kind and most of what an event can carry."""
    log_varied(sitlog)
    return db


def log_varied(sitlog: Callable[..., Run]) -> None:
    """Log the ``varied`` events through the CLI ``sitlog`` runs."""
    for args in (
        ("actors", "add", "Liwa al-Quds", "--type", "militia"),
        ("actors", "add", "Jamiyat al-Maari", "--type", "other"),
        ("actors", "add", "قوات الصناديد", "--type", "militia"),
        ("log", "control", "Zabun", "--new-place", "--by", "Liwa al-Quds", "--at", "2020-03-06", "--id", "zb-1",
         "--baseline"),
        ("log", "control", "Zabun", "--by", "HTS", "--at", "2024-11-27T09:00+02:00", "--grade", "B2",
         "--source", "Reuters, AFP", "--note", NOTE, "--tag", "front", "--tag", "شمال", "--id", "zb-2"),
        ("log", "control", "Zabun", "--status", "contested", "--against", "HTS", "--against", "SAA",
         "--at", "2024-11-28", "--id", "zb-3"),
        ("log", "control", "Zabun", "--by", "SAA", "--status", "partial", "--part", "south", "--against", "HTS",
         "--at", "2024-11-29T10:00", "--claimed-by", "Liwa al-Quds", "--id", "zb-4"),
        ("log", "control", "al-Salloum", "--new-place", "--by", "HTS", "--from", "SAA", "--at", "2024-W48",
         "--id", "sal-1"),
        ("log", "clash", "Zabun", "--actor", "HTS", "--actor", "قوات الصناديد", "--outcome", "ongoing ⚔",
         "--at", "2024-11-27T08:00", "--id", "cl-1"),
        ("log", "clash", "Zabun", "--actor", "HTS", "--actor", "SAA", "--at", "2024-11", "--id", "cl-2"),
        ("log", "casualties", "Zabun", "--killed", "5-9", "--injured", "dozens", "--captured", "3",
         "--side", "HTS", "--person", "Sheikh Aqil", "--role", "commander", "--at", "2024-11-27", "--id", "ca-1"),
        ("log", "casualties", "Zabun", "--killed", "several", "--side", "civilians", "--claimed",
         "--at", "2024-11-27T12:00", "--id", "ca-2"),
        ("log", "strike", "Zabun", "--by", "SAA", "--means", "drone", "--at", "2024-11-27T10:00", "--id", "st-1"),
        ("log", "strike", "al-Salloum", "--by", "Jamiyat al-Maari", "--at", "2024-11-27T11:00", "--id", "st-2"),
        ("log", "displacement", "Zabun", "--families", "hundreds", "--people", "40+", "--to", "al-Salloum",
         "--at", "2024-W48", "--id", "di-1"),
        ("log", "advance", "--toward", "Zabun", "--by", "HTS", "--distance", "5.5", "--direction", "west",
         "--at", "2024-11-26T22:30", "--id", "ad-1"),
        ("log", "advance", "--near", "al-Salloum", "--by", "SAA", "--distance", "nearly 10", "--at", "2024-11-26",
         "--id", "ad-2"),
        ("log", "clash", "Zabun", "--actor", "HTS", "--actor", "SAA", "--at", "2024-11-27T08:05",
         "--source", "SOHR", "--grade", "C3", "--corroborates", "cl-1"),
        ("amend", "st-1", "--means", "air", "--note", "amended: it was a jet", "--reason", "later report"),
        ("retract", "st-2", "--reason", "never happened"),
        ("amend", "ca-1", "--killed", "7", "--reason", "hospital figure"),
        ("import", str(FIXTURES / "ucdp_ged.csv"), "--format", "ucdp"),
        ("import", str(FIXTURES / "acled.csv"), "--format", "acled"),
        ("import", str(FIXTURES / "cases" / "acled-associated-actors.csv"), "--format", "acled"),
    ):  # fmt: skip
        ok(sitlog(*args))


def _events(store: Store) -> list[tuple[int, Event]]:
    rows = store.conn.execute(f"{EVENT_SELECT} ORDER BY r.seq").fetchall()
    return [(row[0], store.events.from_row(row)) for row in rows]


def _sql_texts(store: Store, tz: tzinfo, record: bool) -> dict[int, str]:
    built = EventJson(store.conn, tz, record=record, handle=not record, to_place_id=record)
    sql = (
        f"SELECT r.seq, {built.sql} FROM revisions r JOIN places p ON p.id = r.place_id "
        "LEFT JOIN places tp ON tp.id = r.to_place_id LEFT JOIN handles hd ON hd.event_id = r.event_id"
    )
    return dict(store.conn.execute(sql).fetchall())


def test_the_varied_log_has_what_it_should(varied: Path) -> None:
    store = Store(varied)
    events = [e for _seq, e in _events(store)]
    assert {e.kind.value for e in events} == {"control", "clash", "casualties", "strike", "displacement", "advance"}
    assert any(len(e.sources) > 1 for e in events), "a corroborated event"
    assert any(e.sides for e in events), "ACLED sides"
    assert any(q is not None and q.best is not None for e in events for q in (e.killed, e.injured))
    assert any(e.when.end is not None for e in events), "a UCDP date window"
    assert any(e.retracted and e.reason for e in events) and any(e.revision > 1 for e in events)
    assert any(e.distance_km is not None and isinstance(e.distance_km.low, float) for e in events)
    assert any(e.note == NOTE for e in events) and any(e.baseline for e in events)
    assert any(e.from_actor for e in events) and any(e.to for e in events)
    store.close()


def test_revision_records_match_the_python_encoder(varied: Path) -> None:
    store = Store(varied)
    texts = _sql_texts(store, timezone.utc, record=True)
    events = _events(store)
    assert len(texts) == len(events) > 30
    for seq, event in events:
        expected = json.dumps({"record": "revision", **revision_record(event)}, ensure_ascii=False)
        assert texts[seq] == expected, event.id
    store.close()


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_event_json_matches_the_python_encoder_in_every_zone(varied: Path, tz: tzinfo) -> None:
    store = Store(varied)
    texts = _sql_texts(store, tz, record=False)
    for seq, event in _events(store):
        assert texts[seq] == json.dumps(event.to_json(tz), ensure_ascii=False), (event.id, str(tz))
    store.close()


def test_fixed_offsets() -> None:
    assert fixed_offset(timezone.utc) == timedelta(0)
    assert fixed_offset(ZoneInfo("Etc/UTC")) == timedelta(0)
    assert fixed_offset(ZoneInfo("Etc/GMT-3")) == timedelta(hours=3)
    assert fixed_offset(ZoneInfo("Europe/London")) is None  # zero in winter only
    assert fixed_offset(ZoneInfo("Asia/Damascus")) is None


# Any text a person may type (no lone surrogates: they cannot be stored as UTF-8).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=TEXT, source=st.one_of(st.none(), TEXT), part=st.one_of(st.none(), TEXT), quantity_text=TEXT)
def test_any_text_is_escaped_as_python_escapes_it(
    varied: Path, note: str, source: str | None, part: str | None, quantity_text: str
) -> None:
    store = Store(varied)
    quantity = json.dumps({"low": 3, "high": None, "text": quantity_text}, ensure_ascii=False)
    with store.transaction():
        store.conn.execute("UPDATE revisions SET note = ?, source = ?, part = ?", (note, source, part))
        store.conn.execute("UPDATE revisions SET killed = ? WHERE killed IS NOT NULL", (quantity,))
    texts = _sql_texts(store, ZoneInfo("Asia/Damascus"), record=False)
    for seq, event in _events(store):
        assert texts[seq] == json.dumps(event.to_json(ZoneInfo("Asia/Damascus")), ensure_ascii=False)
    store.close()


def _python_jsonl(store: Store, flt: EventFilter, now: datetime) -> str:
    """The jsonl export as the Python encoder writes it (the implementation before issue 14)."""
    from sitlog.exchange.jsonl import _gazetteer, header_record
    from sitlog.store.export import export_revisions

    req = ExportRequest(ExportFormat.JSONL, flt, timezone.utc, now)
    lines = [header_record(store, now)]
    places, actors = _gazetteer(store, req)
    lines += [{"record": "place", **p} for p in places] + [{"record": "actor", **a} for a in actors]
    lines += [{"record": "revision", **revision_record(e)} for e in export_revisions(store, flt)]
    # Exports spell control, bidi and invisible characters as \\uXXXX (issue 15): the same values.
    return "".join(json_safe(json.dumps(line, ensure_ascii=False)) + "\n" for line in lines)


def _python_json(store: Store, flt: EventFilter, now: datetime) -> str:
    """The json export as the Python encoder writes it (the implementation before issue 14)."""
    from sitlog.exchange.jsonl import _gazetteer, header_record
    from sitlog.store.export import export_revisions

    revisions: dict[str, list[dict[str, Any]]] = {}
    for event in export_revisions(store, flt):
        revisions.setdefault(event.id, []).append(revision_record(event))
    places, actors = _gazetteer(store, ExportRequest(ExportFormat.JSON, flt, timezone.utc, now))
    head = header_record(store, now)
    head.pop("record")
    text = json.dumps({"format": "sitlog", **head}, ensure_ascii=False)[:-1]
    text += ', "places": ' + json.dumps(list(places), ensure_ascii=False)
    text += ', "actors": ' + json.dumps(list(actors), ensure_ascii=False) + ', "events": ['
    items = []
    for event in store.events.select(flt):
        data = event.to_json(timezone.utc)
        data.pop("handle", None)
        data["revisions"] = revisions.get(event.id, [])
        items.append(json.dumps(data, ensure_ascii=False))
    return json_safe(text + "".join(("," if i else "") + "\n" + item for i, item in enumerate(items)) + "\n]}\n")


FILTERS = [
    EventFilter(include_retracted=True),
    EventFilter(include_retracted=True, known_at=datetime(2024, 11, 28, 12, tzinfo=timezone.utc)),
    EventFilter(include_retracted=True, kind=Kind.STRIKE, limit=3),
    EventFilter(include_retracted=False, since=datetime(2024, 11, 27, tzinfo=timezone.utc), descending=True),
]


@pytest.mark.parametrize("flt", FILTERS, ids=range(len(FILTERS)))
@pytest.mark.parametrize("fmt", [ExportFormat.JSONL, ExportFormat.JSON], ids=str)
def test_exports_match_the_python_encoder(varied: Path, flt: EventFilter, fmt: ExportFormat) -> None:
    store = Store(varied)
    now = datetime(2024, 11, 30, tzinfo=timezone.utc)
    expected = (_python_jsonl if fmt is ExportFormat.JSONL else _python_json)(store, flt, now)
    for out in (io.StringIO(), io.TextIOWrapper(io.BytesIO(), encoding="utf-8")):
        count = export(store, ExportRequest(fmt, flt, timezone.utc, now), out, lambda _note: None)
        out.flush()
        text = out.getvalue() if isinstance(out, io.StringIO) else out.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
        assert text == expected
        assert count == (text.count('"record": "revision"') if fmt is ExportFormat.JSONL else text.count('"revisions"'))
    if fmt is ExportFormat.JSON:
        assert len(json.loads(expected)["events"]) == count
    else:  # JSON lines end at "\n" only (a U+2028 in a note is not a line end)
        assert len([json.loads(line) for line in expected.split("\n") if line]) > count
    store.close()


def test_handles_spelled_in_sql_match_handle_of() -> None:
    import sqlite3

    from sitlog.domain.handles import handle_of
    from sitlog.store.eventjson import handle_sql

    conn = sqlite3.connect(":memory:")
    numbers = [*range(1, 3000), *(32**k - 1024 + d for k in (3, 4, 5, 6) for d in (-1, 0, 1)), 10**9]
    numbers = [n for n in numbers if n >= 1 and len(handle_of(n)) <= 6]
    spelled = conn.execute(
        f"SELECT n, {handle_sql('n')} FROM (SELECT value AS n FROM json_each(?))", (json.dumps(numbers),)
    ).fetchall()
    assert spelled == [(n, handle_of(n)) for n in numbers]
