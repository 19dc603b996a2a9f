"""What every exchange format shares: the format names, requests and results, reading a file's lines.

The dispatcher that picks a format is ``sitlog.exchange`` (the package); the formats import only this.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from sitlog.errors import InvalidInput

if TYPE_CHECKING:
    from sitlog.store import EventFilter
    from sitlog.store.bulk import ImportCounts, Match


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"
    GEOJSON = "geojson"
    ACLED = "acled"


class ImportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    ACLED = "acled"
    UCDP = "ucdp"


# --- export -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    fmt: ExportFormat
    flt: EventFilter
    tz: tzinfo
    now: datetime
    hxl: bool = False
    acled_displacement: bool = False  # acled: write displacement events too (ACLED does not code them)


# --- reading input ----------------------------------------------------------------------------------

_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 16
# bytes: the longest jsonl line or CSV record (with its line breaks) sitlog reads. It bounds the memory an import
# takes whatever the input (a 1 GiB line, /dev/zero through a pipe) and is far above any record sitlog writes
# (a note typed on a command line is at most 128 KiB). docs/exchange.md documents it.
MAX_RECORD = 16 << 20
_HXL_TAG = re.compile(r"#[a-z][a-z0-9_]*(\s*\+\s*[a-z][a-z0-9_]*)*", re.IGNORECASE).fullmatch


def too_long(label: str, line: int, what: str = "line") -> InvalidInput:
    """The error for a record past ``MAX_RECORD`` (exit 3): it stops an import even with --skip-bad."""
    return InvalidInput(
        f"{label} line {line}: a {what} longer than {MAX_RECORD >> 20} MiB, the most sitlog reads as one "
        "record (nothing was imported)"
    )


class ByteLines:
    """A byte stream read once (stdin works), its first line available up front for guessing the format.

    jsonl iterates it as lines ending in LF; CSV reads it through ``text_lines``, which also ends a
    line at a bare CR. A byte order mark at the start is dropped. Both refuse a record longer than
    ``MAX_RECORD`` bytes without reading past it, so memory stays bounded on any input.
    """

    def __init__(self, stream: BinaryIO, label: str = "input") -> None:
        self._stream = stream
        self.label = label
        head = stream.read(_CHUNK)
        self._head = head[len(_BOM) :] if head.startswith(_BOM) else head
        # At most the first 64 KiB: format guessing never needs more (a header row, or a JSON object's start).
        self.first = (self._head.splitlines(keepends=True) or [b""])[0]
        self.position = 0  # bytes handed out so far, for the progress bar
        self.line_number = 0  # physical lines handed out so far
        self._record = (0, 1)  # (position, line number) where the CSV record being read began

    def __iter__(self) -> Iterator[bytes]:
        """Lines split at LF only, as a jsonl reader wants them (InvalidInput for one past ``MAX_RECORD``)."""
        from functools import partial

        head, stream = self._head, self._stream
        cut = head.rfind(b"\n") + 1
        if cut:
            for line in head[: cut - 1].split(b"\n"):
                self.position += len(line) + 1
                self.line_number += 1
                yield line + b"\n"
        rest = head[cut:]
        if rest:
            rest += stream.readline(MAX_RECORD + 1 - len(rest))
            self.line_number += 1
            if len(rest) > MAX_RECORD:
                raise too_long(self.label, self.line_number)
            self.position += len(rest)
            yield rest
        for line in iter(partial(stream.readline, MAX_RECORD + 1), b""):
            self.line_number += 1
            if len(line) > MAX_RECORD:
                raise too_long(self.label, self.line_number)
            self.position += len(line)
            yield line

    def record_done(self) -> None:
        """The CSV reader finished a record: the next one starts at the next line (for the record cap)."""
        self._record = (self.position, self.line_number + 1)

    def text_lines(self, label: str) -> Iterator[str]:
        """Decoded physical lines, each with its line end (LF, CRLF or a bare CR), for ``csv.reader``.

        Raises InvalidInput for a line that is not UTF-8 (naming the line, the byte, and how to
        convert the file), and for a line or a record (a quoted field may span lines) longer than
        ``MAX_RECORD`` bytes — before reading past it.
        """
        parts: list[bytes] = []  # an unfinished line, in pieces
        size = 0
        data = self._head
        while data:
            if parts and parts[-1].endswith(b"\r") and not data.startswith(b"\n"):
                yield self._decoded(b"".join(parts), label)  # a bare CR ended it: not half of a CRLF
                parts, size = [], 0
            if parts and b"\n" not in data and b"\r" not in data:  # the middle of a long line
                parts.append(data)
                size += len(data)
            else:
                lines = (b"".join(parts) + data if parts else data).splitlines(keepends=True)
                last = lines[-1]
                parts = [] if last.endswith(b"\n") else [lines.pop()]  # a CR may be half of a CRLF: wait
                size = len(parts[0]) if parts else 0
                for line in lines:
                    yield self._decoded(line, label)
            if size > MAX_RECORD:
                raise too_long(label, self.line_number + 1)
            data = self._stream.read(_CHUNK)
        if parts:
            yield self._decoded(b"".join(parts), label)

    def _decoded(self, line: bytes, label: str) -> str:
        self.line_number += 1
        self.position += len(line)
        if self.position - self._record[0] > MAX_RECORD:
            raise too_long(label, self._record[1], "record")
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(_not_utf8(label, self.line_number, line, exc)) from None


def _not_utf8(label: str, number: int, line: bytes, exc: UnicodeDecodeError) -> str:
    column = len(line[: exc.start].decode("utf-8", "replace")) + 1
    return (
        f"{label} line {number}: not UTF-8 text (byte 0x{line[exc.start]:02X} at character {column}); convert it "
        f"first, e.g. iconv -f WINDOWS-1252 -t UTF-8 {label} > converted.csv (use the encoding it was saved in)"
    )


_decode = json.JSONDecoder().raw_decode
# A \uD800-\uDFFF escape: JSON allows it alone, but a lone surrogate is no character and SQLite cannot store it.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


def jsonl_records(lines: ByteLines) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) per non-blank line; a line that is not JSON, nests too deep or holds a lone
    surrogate gives a RowError instead. A line past ``MAX_RECORD`` raises InvalidInput (see ``ByteLines``)."""
    for n, raw in enumerate(lines, 1):
        try:
            text = raw.decode("utf-8")
            value, end = _decode(text)  # str and raw_decode: ~35% faster than json.loads(bytes) per line
            if end != len(text) and text[end:].strip():
                raise ValueError(f"extra data after the JSON value at column {end + 1}")
        except UnicodeDecodeError:
            yield n, RowError(None, "not UTF-8 text")
        except RecursionError:
            yield n, RowError(None, "not JSON sitlog reads (nested too deeply)")
        except ValueError as exc:
            if raw.strip():
                yield n, RowError(None, f"not JSON ({exc})")
        else:
            if _SURROGATE_ESCAPE.search(raw) is not None:
                where = _lone_surrogate(value)
                if where is not None:
                    yield n, RowError(where, "holds a lone surrogate escape (\\uD800-\\uDFFF not in a pair): not text")
                    continue
            yield n, value


def _lone_surrogate(value: Any, key: str | None = None) -> str | None:
    """The key whose text (at any depth) holds a lone surrogate, or None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return key or "(value)"
        return None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, item in items:
        if isinstance(k, str) and _lone_surrogate(k) is not None:
            return key or "(key)"
        found = _lone_surrogate(item, key if key is not None else (k if isinstance(k, str) else None))
        if found is not None:
            return found
    return None


def is_hxl_row(row: list[str]) -> bool:
    """An HXL hashtag row (``#date+occurred``, …): every non-empty cell a hashtag, at least one of them."""
    seen = False
    for cell in row:  # a data row fails on its first non-empty cell: cheap on the bulk path
        text = cell.strip()
        if text:
            if not _HXL_TAG(text):
                return False
            seen = True
    return seen


def guess_format(first_line: bytes, label: str) -> ImportFormat:
    """The format a file is in, from its first line (a JSON object, a CSV header, or a UCDP GED row)."""
    stripped = first_line.strip()
    if stripped.startswith(b"{"):
        return ImportFormat.JSONL
    try:
        cells = next(csv.reader([stripped.decode("utf-8")]), [])
    except (UnicodeDecodeError, csv.Error):
        cells = []
    header = {c.strip().lower() for c in cells}
    if "event_id_cnty" in header:
        return ImportFormat.ACLED
    if "type_of_violence" in header or headerless_ucdp(cells) is not None:
        return ImportFormat.UCDP
    if {"id", "kind", "at", "place"} <= header:
        return ImportFormat.CSV
    raise InvalidInput(
        f"cannot tell the format of {label} from its first line: expected a sitlog jsonl export, a sitlog csv "
        "export, an ACLED or a UCDP GED CSV; give --format"
    )


# UCDP GED layouts, for files published without a header (candidate releases).
GED_191 = tuple(
    "id,year,active_year,type_of_violence,conflict_new_id,conflict_name,dyad_new_id,dyad_name,side_a_new_id,"
    "gwnoa,side_a,side_b_new_id,gwnob,side_b,number_of_sources,source_article,source_office,source_date,"
    "source_headline,source_original,where_prec,where_coordinates,adm_1,adm_2,latitude,longitude,geom_wkt,"
    "priogrid_gid,country,country_id,region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,"
    "deaths_civilians,deaths_unknown,low,best,high".split(",")
)
GED_201 = tuple(
    "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,conflict_name,"
    "dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,side_b_dset_id,side_b_new_id,side_b,"
    "number_of_sources,source_article,source_office,source_date,source_headline,source_original,where_prec,"
    "where_coordinates,where_description,adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,country_id,"
    "region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,deaths_civilians,deaths_unknown,"
    "best,high,low,gwnoa,gwnob".split(",")
)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def headerless_ucdp(cells: list[str]) -> tuple[str, ...] | None:
    """The GED layout (19.1: 42 columns, 20.1 and later: 49) of a header-less first row, or None.

    A row qualifies when it has that many cells, an integer id, a ``type_of_violence`` of 1-3 and a
    ``date_start`` that starts with a date.
    """
    for layout in (GED_191, GED_201):
        if len(cells) != len(layout):
            continue
        get = dict(zip(layout, cells, strict=True)).get
        if (
            (get("id") or "").strip().isdigit()
            and (get("type_of_violence") or "").strip() in ("1", "2", "3")
            and _ISO_DAY.match((get("date_start") or "").strip())
        ):
            return layout
    return None


class RowError(Exception):
    """One bad record: which column (or JSON key) and what is wrong with it."""

    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def csv_records(lines: ByteLines, label: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and the rows of a CSV file as (first line number, cells).

    The standard library's ``csv`` module reads the records (quoted commas, quotes and line breaks;
    LF, CRLF or bare CR line ends); HXL hashtag rows are skipped wherever they are. Raises
    InvalidInput naming the line for what is not CSV (an unclosed quote, an oversized field).
    """
    csv.field_size_limit(MAX_RECORD)  # the default, 128 KiB, is less than a note sitlog exports
    reader = csv.reader(lines.text_lines(label), strict=True)
    try:
        header = [c.strip() for c in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{label} is empty") from None
    except csv.Error as exc:
        raise InvalidInput(f"{label} line 1: not CSV ({_csv_problem(exc)})") from None
    lines.record_done()

    def rows() -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InvalidInput(f"{label} line {start}: not CSV ({_csv_problem(exc)})") from None
            lines.record_done()
            if row and any(cell.strip() for cell in row) and not is_hxl_row(row):
                yield start, row
            start = reader.line_num + 1

    return header, rows()


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "unexpected end of data" in text or "EOF" in text:
        return "a quoted field opened on this line is never closed: a missing closing quote"
    if "field larger than field limit" in text:
        return f"a field longer than {csv.field_size_limit()} characters"
    return text


# --- import -----------------------------------------------------------------------------------------


class Converter(Protocol):
    """Turns one record of a file into revision rows (or, for jsonl places/actors, into gazetteer changes)."""

    ignored: dict[str, int]  # rows of types sitlog does not record, by type

    def convert(self, line: int, record: Any) -> list[tuple[tuple[Any, ...], Match]]: ...


@dataclass
class ImportRequest:
    label: str  # the file name, or "stdin"
    fmt: ImportFormat | None
    operator: str
    now: datetime
    tz: tzinfo
    dry_run: bool = False
    skip_bad: bool = False


@dataclass
class ImportResult:
    fmt: ImportFormat
    counts: ImportCounts
    changeset: str | None
    dry_run: bool
    ignored: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.fmt.value,
            **self.counts.to_json(),
            "ignored": sum(self.ignored.values()),
            "ignored_by_type": self.ignored,
            "dry_run": self.dry_run,
            "changeset": self.changeset,
        }

    def summary(self, label: str) -> str:
        c = self.counts
        head = (
            f"dry run, nothing written: {label} ({self.fmt.value}) would give"
            if self.dry_run
            else (f"imported {label} ({self.fmt.value}):")
        )
        text = f"{head} {c.added} added, {c.revised} revised, {c.unchanged} unchanged, {c.rejected} rejected"
        if c.adjusted:
            text += f", {c.adjusted} adjusted (published figures that disagree, kept as published)"
        extra = []
        if c.linked_places or c.places:
            places = f"{c.linked_places} place{'s' if c.linked_places != 1 else ''} linked"
            new = f"{c.places} new place{'s' if c.places != 1 else ''}"
            extra.append(f"{places}, {new}, {c.ambiguous_places} ambiguous")
        if c.actors:
            extra.append(f"{c.actors} new actor{'s' if c.actors != 1 else ''}")
        if c.merged:
            extra.append(f"{c.merged} merge revision{'s' if c.merged != 1 else ''} (older revisions arrived late)")
        if self.ignored:
            kinds = ", ".join(f"{k}: {n}" for k, n in sorted(self.ignored.items()))
            n = sum(self.ignored.values())
            extra.append(f"{n} row{'s' if n != 1 else ''} of types sitlog does not record ignored ({kinds})")
        return text + (f"; {'; '.join(extra)}" if extra else "")
