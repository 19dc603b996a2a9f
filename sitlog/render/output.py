"""Drawing a ``Report``: tables on a terminal (rich), plain and markdown tables, JSON, JSONL, CSV, TSV.

Commands hand over a ``Report``: the JSON value scripts get, plus tables for people. JSON and CSV are
written with the standard library, never through rich; user text is shown literally everywhere.
"""

from __future__ import annotations

import csv
import json
import json.encoder
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from sitlog.render.screen import Ink

DEFAULT_PAGER = "less -FRX"


class Color(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


@dataclass(frozen=True)
class Display:
    """How a table meets a person: its width (``None``: the terminal's), colour, and whether to page."""

    width: int | None = None
    color: Color = Color.AUTO
    pager: bool = True


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    TSV = "tsv"
    MARKDOWN = "markdown"


@dataclass
class Table:
    """Rows of cells for people; cells are raw values (escaped for display at render time)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    title: str | None = None
    struck: set[int] = field(default_factory=set)  # row indexes shown struck through on a terminal


@dataclass
class Report:
    """What a read command produces: ``data`` for JSON, ``records`` for JSONL, ``tables`` for the rest."""

    data: Any
    tables: Sequence[Table]
    records: Sequence[Any] | None = None
    empty_note: str | None = None
    machine: Table | None = None  # CSV/TSV: machine values (booleans, low/high, RFC 3339) when the table is for people


class _Unknown:
    """A figure nobody reported: ``–`` in tables and markdown, an empty cell in csv/tsv."""

    def __str__(self) -> str:
        return "–"


UNKNOWN: Any = _Unknown()


def visible(value: Any) -> str:
    """A cell as text with control characters made visible (``\\x1b``), so user text cannot style or move."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _raw(value: Any) -> str:
    if value is None or value is UNKNOWN:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


_COMPACT = json.JSONEncoder(ensure_ascii=False)


def dumps(data: Any, indent: int | None = 2) -> str:
    """``data`` as JSON text: UTF-8 kept readable, control and bidi characters escaped (``json_safe``)."""
    from sitlog.domain.text import json_safe

    if indent is not None and isinstance(data, list) and data:
        # An indented dump runs json's pure-Python encoder (~100 ms for 10,000 records); a list is written
        # one compact record per line instead, through the C encoder: still valid JSON, and grep-friendly.
        pad = " " * indent
        return f"[\n{pad}" + f",\n{pad}".join(json_safe(_COMPACT.encode(d)) for d in data) + "\n]"
    if indent is not None:
        return "".join(map(json_safe, indented(data, indent)))
    return json_safe(json.dumps(data, ensure_ascii=False, indent=indent))


_FLAT: dict[str, Callable[[Any], str]] = {}  # item separator → an encoding of containers of scalars
_SCALARS = frozenset((str, int, float, bool, type(None)))
_CONTAINERS = (dict, list, tuple)


def indented(data: Any, indent: int = 2, level: int = 0) -> Iterator[str]:
    """The text ``json.dumps(data, ensure_ascii=False, indent=indent)`` gives, in pieces (one per item of a
    top-level list or dict, or of a dict's list), mostly through json's C encoder: a container holding only
    scalars is encoded in one call with the separators of its depth (json's own indenting encoder is pure
    Python: ~30 s for the 100 MB of a two-year summary). ``level``: the depth it sits at in a larger document."""
    yield from _pieces(data, indent, level, 2)


def _pieces(data: Any, indent: int, level: int, depth: int) -> Iterator[str]:
    """``data`` at ``level`` in pieces, split ``depth`` levels down (deeper containers come whole)."""
    if depth == 0 or not isinstance(data, _CONTAINERS) or not data or _flat(data):
        yield indented_text(data, indent, level)
        return
    inner = "\n" + " " * (indent * (level + 1))
    if isinstance(data, dict):
        if not all(type(k) is str for k in data):
            yield indented_text(data, indent, level)
            return
        yield "{"
        separator = inner
        for key, value in data.items():
            yield separator + _string(key) + ": "
            yield from _pieces(value, indent, level + 1, depth - 1)
            separator = "," + inner
        yield "\n" + " " * (indent * level) + "}"
        return
    yield "["
    separator = inner
    for value in data:
        yield separator
        yield from _pieces(value, indent, level + 1, depth - 1)
        separator = "," + inner
    yield "\n" + " " * (indent * level) + "]"


_string: Callable[[str], str] = json.encoder.encode_basestring  # what json writes for a text (ensure_ascii off)


def _flat_encoder(item_separator: str) -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=False, separators=(item_separator, ": ")).encode``, without building
    json's C encoder again on every call (it does, per call: a microsecond on each of ~300,000 records)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the plain way
        return json.JSONEncoder(ensure_ascii=False, separators=(item_separator, ": ")).encode
    fallback = json.JSONEncoder(ensure_ascii=False, separators=(item_separator, ": "))
    encoder = make(None, fallback.default, _string, None, ": ", item_separator, False, False, True)
    return lambda data: "".join(encoder(data, 0))


def _flat(data: Any) -> bool:
    """Whether a container holds scalars only (checked by type in C for the common types)."""
    values = data.values() if isinstance(data, dict) else data
    if _SCALARS.issuperset(map(type, values)):
        return True
    return not any(isinstance(v, _CONTAINERS) for v in values)


def indented_text(data: Any, indent: int = 2, level: int = 0) -> str:
    """``indented`` in one string."""
    if not isinstance(data, _CONTAINERS):
        return _COMPACT.encode(data)
    opening, closing = ("{", "}") if isinstance(data, dict) else ("[", "]")
    if not data:
        return opening + closing
    inner = "\n" + " " * (indent * (level + 1))
    outer = "\n" + " " * (indent * level)
    if isinstance(data, dict) and not all(type(k) is str for k in data):  # json turns such keys to text its way
        return json.dumps(data, ensure_ascii=False, indent=indent).replace("\n", outer)
    if _flat(data):
        encode = _FLAT.get(inner) or _FLAT.setdefault(inner, _flat_encoder("," + inner))
        return opening + inner + encode(data)[1:-1] + outer + closing
    if isinstance(data, dict):
        parts = [_string(k) + ": " + indented_text(v, indent, level + 1) for k, v in data.items()]
    else:
        parts = [indented_text(v, indent, level + 1) for v in data]
    return opening + inner + ("," + inner).join(parts) + outer + closing


def emit(
    report: Report,
    fmt: Format,
    out: TextIO | None = None,
    is_terminal: bool | None = None,
    display: Display | None = None,
) -> None:
    """Write ``report`` to stdout in ``fmt``.

    A table goes to a terminal laid out for its width (and through the pager when taller than the screen);
    piped, it is a plain full-width table, unless ``--width`` or ``--color always`` asks for the screen layout.
    """
    out = out or sys.stdout
    display = display or Display()
    if fmt is Format.JSON:
        if isinstance(report.data, list):
            out.write(dumps(report.data) + "\n")
        else:  # written piece by piece: a long summary is never one string
            from sitlog.domain import text

            write = out.write
            for piece in indented(report.data):
                write(text.json_safe(piece))
            write("\n")
    elif fmt is Format.JSONL:
        records = report.records if report.records is not None else report.data
        for record in records if isinstance(records, list) else [records]:
            out.write(dumps(record, indent=None) + "\n")
    elif fmt in (Format.CSV, Format.TSV):
        if report.machine is not None or report.tables:
            table = report.machine if report.machine is not None else report.tables[0]
            # RFC 4180 line ends: with a bare "\n" terminator the csv module leaves a field holding a lone
            # "\r" unquoted, and that row no longer reads back as written.
            writer = csv.writer(out, delimiter="," if fmt is Format.CSV else "\t", lineterminator="\r\n")
            writer.writerow(table.columns)
            writer.writerows([_raw(c) for c in row] for row in table.rows)
    elif fmt is Format.MARKDOWN:
        _markdown(report, out)
    else:
        terminal = out.isatty() if is_terminal is None else is_terminal
        if terminal or display.width is not None or display.color is Color.ALWAYS:
            _screen(report, out, terminal, display)
        else:
            _plain(report, out)
    out.flush()


def _plain(report: Report, out: TextIO) -> None:
    first = True
    for table in report.tables:
        if not first:
            out.write("\n")
        first = False
        if table.title:
            out.write(visible(table.title) + "\n")
        if table.rows:
            out.writelines(_aligned([visible(c) for c in table.columns], table.rows))
        else:
            out.write("(none)\n")
    if not report.tables and report.empty_note:
        out.write(report.empty_note + "\n")


def _markdown(report: Report, out: TextIO) -> None:
    """GitHub-flavoured tables for briefings, drawn by tabulate (they are short; long output goes plain)."""
    from tabulate import tabulate

    for i, table in enumerate(report.tables):
        if i:
            out.write("\n")
        if table.title:
            out.write(f"### {visible(table.title)}\n\n")
        cells = [[visible(c).replace("|", "\\|") for c in row] for row in table.rows]
        headers = [visible(c).replace("|", "\\|") for c in table.columns]
        out.write(tabulate(cells, headers=headers, tablefmt="github", disable_numparse=True) + "\n")


def _aligned(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Iterator[str]:
    """Lines of a left-aligned plain table of ``rows`` (cells made visible here), as tabulate's ``simple`` draws
    it but ~10x faster on long output (10,000 events) and aligned by display width (wide CJK, zero-width
    marks) where tabulate counts characters. Two passes, nothing kept: widths, then the lines one by one."""
    widths = [_width(c) + 2 for c in columns]
    for row in rows:
        for i, value in enumerate(row):
            cell = visible(value)
            w = len(cell) if cell.isascii() else _width(cell)
            if w > widths[i]:
                widths[i] = w

    def line(row: Sequence[str]) -> str:
        padded = [c + " " * (w - (len(c) if c.isascii() else _width(c))) for c, w in zip(row, widths, strict=True)]
        return "  ".join(padded).rstrip() + "\n"

    yield line(columns)
    yield "  ".join("-" * w for w in widths) + "\n"
    for row in rows:
        yield line([visible(c) for c in row])


def _width(text: str) -> int:
    """Terminal columns ``text`` takes: wide East Asian characters 2, combining and format marks 0."""
    if text.isascii():
        return len(text)
    from unicodedata import combining, east_asian_width

    return sum(
        0 if combining(c) or c in "\u200b\u200c\u200d\u200e\u200f" else 2 if east_asian_width(c) in "WF" else 1
        for c in text
    )


def ink(terminal: bool, color: Color) -> Ink:
    """``--color`` wins; on ``auto`` styles only on a terminal, and no colours with ``NO_COLOR`` set."""
    from sitlog.render.screen import Ink

    if color is not Color.AUTO:
        return Ink(color is Color.ALWAYS, color is Color.ALWAYS)
    return Ink(terminal, terminal and not os.environ.get("NO_COLOR"))


def _screen(report: Report, out: TextIO, terminal: bool, display: Display) -> None:
    import shutil

    from sitlog.render.screen import screen_lines

    size = shutil.get_terminal_size()
    width = display.width or size.columns
    styles = ink(terminal, display.color)
    lines: list[str] = []
    for i, table in enumerate(report.tables):
        if i:
            lines.append("")
        if table.rows:
            cells = [[visible(c) for c in row] for row in table.rows]
            lines += screen_lines(table.title, list(table.columns), cells, table.struck, width, styles)
        else:
            lines += [visible(table.title or "")] if table.title else []
            lines.append("(none)")
    if not report.tables and report.empty_note:
        lines.append(report.empty_note)
    text = "".join(line + "\n" for line in lines)
    if terminal and display.pager and out is sys.stdout and len(lines) >= size.lines and page(text):
        return
    out.write(text)


def page(text: str) -> bool:
    """Show ``text`` through ``$PAGER`` (default ``less -FRX``); False when there is no pager to run."""
    import shlex
    import subprocess

    command = os.environ.get("PAGER", DEFAULT_PAGER)
    try:
        argv = shlex.split(command)
    except ValueError:
        return False
    if not argv or argv == ["cat"]:
        return False
    env = {**os.environ}
    env.setdefault("LESS", "FRX")  # as git does: quit on one screen, keep colours, leave the text on screen
    try:
        pager = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env, text=True, encoding="utf-8")
    except OSError:
        return False
    assert pager.stdin is not None
    try:
        pager.stdin.write(text)
        pager.stdin.close()
    except BrokenPipeError:
        pass  # the reader quit the pager early
    while True:
        try:
            pager.wait()
            return True
        except KeyboardInterrupt:
            continue  # Ctrl-C belongs to the pager (less uses it to stop a search)


def message(text: str, err: TextIO | None = None) -> None:
    """A line for people on stderr (receipts, notes, errors), with control characters made visible."""
    stream = err or sys.stderr
    # A line break becomes a space before escaping, so a typed backslash-n (C:\new) stays as typed.
    stream.write(visible(text.replace("\r\n", " ").replace("\n", " ")) + "\n")
    stream.flush()


# --- progress bar (data exchange, issue 5) ------------------------------------------------------------


@contextmanager
def progress(total: int | None, label: str) -> Iterator[Callable[[int], None]]:
    """A transient progress bar on stderr while a long import runs; nothing unless stderr is a terminal."""
    if not sys.stderr.isatty():
        yield lambda _done: None
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(file=sys.stderr, no_color="NO_COLOR" in os.environ)
    columns = (TextColumn(escape(visible(label))), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("import", total=total)
        yield lambda done: bar.update(task, completed=done)
