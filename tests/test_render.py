"""The output layer: tables for people (rich on a terminal, plain off it), JSON/CSV for scripts."""

from __future__ import annotations

import csv
import io
import json
import re
from unicodedata import combining, east_asian_width

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitlog.render.output import Color, Display, Format, Report, Table, emit, message, visible

MANY = 237  # more rows than the 200 a terminal table used to stop at

HOSTILE = "[bold]x[/] [/] \x1b[31mred\x1b[0m \x07 حلب ✓"


def _render(report: Report, fmt: Format, terminal: bool | None = None, display: Display | None = None) -> str:
    out = io.StringIO()
    emit(report, fmt, out, is_terminal=terminal, display=display or Display(color=Color.NEVER))
    return out.getvalue()


def _report(rows: list[list[object]], title: str | None = None) -> Report:
    table = Table(("id", "note"), rows, title)
    return Report([{"id": r[0], "note": r[1]} for r in rows], [table])


def test_visible_escapes_control_characters_only() -> None:
    assert visible(HOSTILE) == "[bold]x[/] [/] \\x1b[31mred\\x1b[0m \\x07 حلب ✓"
    assert visible("line\nbreak\ttab") == "line\\nbreak\\ttab"
    assert (visible(None), visible(True), visible(3)) == ("", "yes", "3")


@given(st.text(max_size=60))
def test_visible_text_never_carries_a_control_character(text: str) -> None:
    shown = visible(text)
    assert shown.isprintable()
    if text.isprintable():
        assert shown == text


def test_terminal_table_shows_markup_and_escapes_literally() -> None:
    out = _render(_report([[1, HOSTILE]]), Format.TABLE, terminal=True)
    assert "[bold]x[/] [/] \\x1b[31mred\\x1b[0m \\x07 حلب" in out
    assert "\x1b" not in out and "\x07" not in out
    coloured = _render(_report([[1, HOSTILE]]), Format.TABLE, terminal=True, display=Display(color=Color.ALWAYS))
    assert "\x1b[1m" in coloured  # the header is bold: the only escapes are sitlog's own
    assert "\x1b[31m" not in coloured and "\x07" not in coloured


def test_terminal_table_shows_every_row() -> None:
    # Issue 13 replaced the 200-row cap (which showed the oldest rows) by the pager: nothing is cut.
    rows: list[list[object]] = [[i, f"row {i}"] for i in range(MANY)]
    out = _render(_report(rows), Format.TABLE, terminal=True)
    assert out.splitlines()[-1].split() == [str(MANY - 1), "row", str(MANY - 1)]
    assert len(out.splitlines()) == 2 + MANY and "more rows" not in out


def test_short_terminal_table_has_no_note() -> None:
    out = _render(_report([[1, "a"]]), Format.TABLE, terminal=True)
    assert "more rows" not in out and "not shown" not in out
    assert out.splitlines()[:2] == ["id  note", "──  ────"]  # laid out for the screen


def test_plain_table_is_unwrapped_uncapped_and_undecorated() -> None:
    long_note = "word " * 80
    rows: list[list[object]] = [[i, long_note] for i in range(MANY)]
    out = _render(_report(rows, title="events"), Format.TABLE, terminal=False)
    lines = out.splitlines()
    assert lines[0] == "events"
    assert len(lines) == 3 + len(rows)  # title, header, rule, one line per row
    assert "\x1b" not in out and not set(out) & set("│┃━─┏┗")


def test_plain_table_aligns_by_display_width() -> None:
    out = _render(_report([["漢字", "wide"], ["ab", "narrow"], ["e\u0301", "mark"]]), Format.TABLE, terminal=False)

    def columns(text: str) -> int:
        return sum(0 if combining(c) else 2 if east_asian_width(c) == "W" else 1 for c in text)

    lines = out.splitlines()[2:]
    starts = {columns(line[: line.index(word)]) for line, word in zip(lines, ["wide", "narrow", "mark"], strict=True)}
    assert starts == {6}  # every second column starts in the same terminal column


def test_empty_table_says_none() -> None:
    assert _render(_report([]), Format.TABLE, terminal=False) == "(none)\n"


def test_markdown_escapes_pipes_and_controls() -> None:
    out = _render(_report([[1, "a|b\x1b"]]), Format.MARKDOWN)
    assert out.splitlines()[2] == "| 1    | a\\|b\\x1b |"


def test_json_escapes_and_csv_keeps_bytes() -> None:
    report = _report([[1, HOSTILE]])
    as_json = _render(report, Format.JSON)
    assert "\x1b" not in as_json and json.loads(as_json)[0]["note"] == HOSTILE
    as_csv = _render(report, Format.CSV)
    assert list(csv.reader(io.StringIO(as_csv, newline="")))[1] == ["1", HOSTILE]
    for awkward in ("a\rb", "a\r\nb", "a\nb", 'say "x", then'):
        written = _render(_report([[1, awkward]]), Format.CSV)
        assert list(csv.reader(io.StringIO(written, newline="")))[1] == ["1", awkward]
    lines = _render(report, Format.JSONL).splitlines()
    assert [json.loads(line) for line in lines] == report.data


def test_multiple_tables_in_plain_and_csv() -> None:
    report = Report({}, [Table(("a",), [[1]], "first"), Table(("b",), [[2]], "second")])
    plain = _render(report, Format.TABLE, terminal=False)
    assert plain.startswith("first\n") and "\nsecond\n" in plain
    assert _render(report, Format.CSV) == "a\r\n1\r\n"  # CSV carries the main table only


def test_no_color_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    report = Report([], [Table(("holder",), [["HTS"], ["SAA"]], struck={0})])
    # NO_COLOR takes colour away (no-color.org), not strike-through: a retracted row still reads as struck.
    no_color = _render(report, Format.TABLE, terminal=True, display=Display())
    assert not re.search(r"\x1b\[[0-9;]*3[0-9;]*m", no_color.replace("\x1b[9m", "").replace("\x1b[1m", ""))
    assert "9m" in no_color
    assert "\x1b[" not in _render(report, Format.TABLE, terminal=True, display=Display(color=Color.NEVER))
    monkeypatch.delenv("NO_COLOR")
    assert "38;5;" in _render(report, Format.TABLE, terminal=True, display=Display())


def test_message_is_one_visible_line() -> None:
    err = io.StringIO()
    message("Error: bad \x1b[2J\nnote in C:\\new", err)
    assert err.getvalue() == "Error: bad \\x1b[2J note in C:\\new\n"


def test_range_text_shows_a_totals_best_and_the_parts_without_one() -> None:
    from sitlog.render.reports import range_text

    assert range_text({"low": 12, "best": 0, "high": None, "without_best": 1}) == "12+"  # no best: none shown
    assert range_text({"low": 12, "best": 15, "high": 21, "without_best": 0}) == "12-21 (best 15)"
    assert range_text({"low": 17, "best": 15, "high": 30, "without_best": 1}) == "17-30 (best 15; 1 part without)"
