"""Listings of any length, written as their rows arrive: ``events`` of a million rows starts at once.

A listing up to ``STREAM_AFTER`` rows is drawn exactly as ``output.emit`` draws a table (every column
as wide as its widest cell). A longer one cannot wait for its last row to know its widths, so, as
``git log`` and ``hledger register`` do, it takes them from its first ``STREAM_AFTER`` rows and streams
the rest with the same layout:

- plain (piped) and markdown tables: a later cell wider than its column is never cut (a script gets
  every character); it pushes the rest of its own row to the right;
- on a terminal: the screen layout of the first rows (event ids in full, since a prefix unique among
  the first rows may not be unique among the rest), later cells ellipsised to it, through the pager;
- csv, tsv, json and jsonl have no widths and stream from the first row, byte for byte as before.
"""

from __future__ import annotations

import csv
import itertools
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from sitlog.domain.text import json_safe_bytes
from sitlog.render.output import (
    DEFAULT_PAGER,
    Color,
    Display,
    Format,
    Report,
    Table,
    _width,
    emit,
    ink,
    visible,
)

STREAM_AFTER = 1000  # rows: a longer listing takes its column widths from its first this many rows
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # what visible() escapes in ASCII text (str.isprintable, faster)


@dataclass
class Listing:
    """One table whose rows (text cells) come in batches; ``struck``: the column whose non-empty cell marks
    a row to strike through on a screen (a retracted event)."""

    columns: Sequence[str]
    batches: Iterable[Sequence[Sequence[str]]]
    struck: int | None = None


def emit_listing(
    listing: Listing, fmt: Format, out: TextIO | None = None, is_terminal: bool | None = None,
    display: Display | None = None, stream_after: int = STREAM_AFTER,
) -> None:  # fmt: skip
    """Write ``listing`` in ``fmt`` (not json/jsonl: see ``emit_json``) as its rows arrive; past ``stream_after``
    rows a table keeps the widths of its first ``stream_after`` rows."""
    out = out or sys.stdout
    display = display or Display()
    batches = iter(listing.batches)
    if fmt in (Format.CSV, Format.TSV):
        writer = csv.writer(out, delimiter="," if fmt is Format.CSV else "\t", lineterminator="\r\n")
        writer.writerow(listing.columns)
        for batch in batches:
            writer.writerows(batch)
        out.flush()
        return
    first: list[Sequence[str]] = []
    for batch in batches:
        first.extend(batch)
        if len(first) > stream_after:
            break
    else:  # all of it: as every other table
        struck = set() if listing.struck is None else {i for i, row in enumerate(first) if row[listing.struck]}
        emit(Report([], [Table(listing.columns, first, struck=struck)]), fmt, out, is_terminal, display)
        return
    rows = itertools.chain([first], batches)
    terminal = out.isatty() if is_terminal is None else is_terminal
    sample = first[:stream_after]
    if fmt is Format.MARKDOWN:
        _markdown(listing.columns, sample, rows, out)
    elif terminal or display.width is not None or display.color is Color.ALWAYS:
        _screen(listing, sample, rows, out, terminal, display)
    else:
        _plain(listing.columns, sample, rows, out)
    out.flush()


def emit_json(batches: Iterable[Sequence[bytes]], fmt: Format, out: TextIO | None = None) -> None:
    """Write JSON texts (UTF-8) as ``output.emit`` writes a list of records: a JSON array (one record a line,
    ``[]`` when empty) or JSON lines."""
    out = out or sys.stdout
    write = utf8_writer(out)
    if fmt is Format.JSONL:
        for batch in batches:
            if batch:
                write(json_safe_bytes(b"\n".join(batch)))
                write(b"\n")
    else:
        opened = False
        for batch in batches:
            if batch:
                write((b",\n  " if opened else b"[\n  ") + json_safe_bytes(b",\n  ".join(batch)))
                opened = True
        write(b"\n]\n" if opened else b"[]\n")
    out.flush()


def utf8_writer(out: TextIO) -> Any:
    """A function writing UTF-8 bytes to ``out`` in order with what went before: straight to its binary
    buffer when it has one and encodes UTF-8 (a file, stdout), else decoded (a StringIO)."""
    buffer = getattr(out, "buffer", None)
    encoding = (getattr(out, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if buffer is not None and encoding == "utf8":
        out.flush()
        return buffer.write
    return lambda data: out.write(data.decode("utf-8"))


Batches = Iterator[Sequence[Sequence[str]]]


def _plain(columns: Sequence[str], sample: Sequence[Sequence[str]], batches: Batches, out: TextIO) -> None:
    """``output._aligned`` with the widths of ``sample``, batch by batch."""
    widths = [_width(c) + 2 for c in columns]
    for row in sample:
        for i, cell in enumerate(row):
            text = visible(cell)
            w = len(text) if text.isascii() else _width(text)
            if w > widths[i]:
                widths[i] = w
    heading = (visible(c) + " " * (w - _width(visible(c))) for c, w in zip(columns, widths, strict=True))
    out.write("  ".join(heading).rstrip() + "\n" + "  ".join("-" * w for w in widths) + "\n")
    line = "  ".join(f"%-{w}s" for w in widths)

    def exact(row: Sequence[str]) -> str:  # escapes to show, or characters of another width than one
        cells = [visible(c) for c in row]
        return "  ".join(c + " " * max(0, w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    for batch in batches:
        lines = [line % tuple(row) for row in batch]
        joined = "".join(lines)
        if not joined.isascii() or _CONTROL.search(joined):
            lines = [
                text if text.isascii() and not _CONTROL.search(text) else exact(row)
                for text, row in zip(lines, batch, strict=True)
            ]
        out.write("\n".join([text.rstrip() for text in lines]) + "\n" if lines else "")


def _markdown(columns: Sequence[str], sample: Sequence[Sequence[str]], batches: Batches, out: TextIO) -> None:
    """GitHub tables: tabulate draws the first rows; the rest follow with its widths (any width is valid markdown)."""
    from tabulate import tabulate

    def cells(row: Sequence[str]) -> list[str]:
        return [visible(c).replace("|", "\\|") for c in row]

    head = tabulate([cells(r) for r in sample], headers=cells(columns), tablefmt="github", disable_numparse=True)
    rule = head.split("\n", 2)[1]
    widths = [len(part) - 2 for part in rule.split("|")[1:-1]]
    out.write(head.split("\n", 2)[0] + "\n" + rule + "\n")
    write = out.write
    for row in (row for batch in batches for row in batch):  # tabulate counts characters (no wcwidth here)
        write("| " + " | ".join(c + " " * max(0, w - len(c)) for c, w in zip(cells(row), widths, strict=True)) + " |\n")


def _screen(
    listing: Listing, sample: Sequence[Sequence[str]], batches: Batches, out: TextIO, terminal: bool,
    display: Display,
) -> None:  # fmt: skip
    import shutil

    from sitlog.render.screen import ScreenTable

    width = display.width or shutil.get_terminal_size().columns
    table = ScreenTable(None, list(listing.columns), [[visible(c) for c in row] for row in sample], width,
                        ink(terminal, display.color), cut_ids=False)  # fmt: skip
    mark = listing.struck

    def lines() -> Iterator[str]:
        yield from table.head()
        for row in (row for batch in batches for row in batch):
            yield table.line([visible(c) for c in row], mark is not None and bool(row[mark]))
        yield from table.tail()

    if terminal and display.pager and out is sys.stdout and _page(lines()):
        return
    out.writelines(line + "\n" for line in lines())


def _page(lines: Iterator[str]) -> bool:
    """``lines`` through ``$PAGER`` as they come (``output.page`` for a stream); False when there is none."""
    import shlex
    import subprocess

    try:
        argv = shlex.split(os.environ.get("PAGER", DEFAULT_PAGER))
    except ValueError:
        return False
    if not argv or argv == ["cat"]:
        return False
    env = {**os.environ}
    env.setdefault("LESS", "FRX")
    try:
        pager = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env, text=True, encoding="utf-8")
    except OSError:
        return False
    assert pager.stdin is not None
    try:
        for line in lines:
            pager.stdin.write(line + "\n")
        pager.stdin.close()
    except BrokenPipeError:
        pass  # the reader quit the pager: stop reading rows
    while True:
        try:
            pager.wait()
            return True
        except KeyboardInterrupt:
            continue
