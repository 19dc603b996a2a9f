"""What every exchange format shares: the format names, requests and results, reading a file's lines.

The dispatcher that picks a format is ``sitlog.exchange`` (the package); the formats import only this.
"""

from __future__ import annotations

import csv
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
MAX_LINE = 8 << 20  # bytes: a longer physical line is not a CSV or jsonl file sitlog reads
_HXL_TAG = re.compile(r"#[a-z][a-z0-9_]*(\s*\+\s*[a-z][a-z0-9_]*)*", re.IGNORECASE).fullmatch


class ByteLines:
    """A byte stream read once (stdin works), its first line available up front for guessing the format.

    jsonl iterates it as lines ending in LF; CSV reads it through ``text_lines``, which also ends a
    line at a bare CR. A byte order mark at the start is dropped.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        head = stream.read(_CHUNK)
        self._head = head[len(_BOM) :] if head.startswith(_BOM) else head
        self.first = (self._head.splitlines(keepends=True) or [b""])[0]
        self.position = 0  # bytes handed out so far, for the progress bar

    def __iter__(self) -> Iterator[bytes]:
        """Lines split at LF only, as a jsonl reader wants them."""
        head, stream = self._head, self._stream
        cut = head.rfind(b"\n") + 1
        if cut:
            for line in head[: cut - 1].split(b"\n"):
                self.position += len(line) + 1
                yield line + b"\n"
        rest = head[cut:]
        if rest:
            rest += stream.readline()
            self.position += len(rest)
            yield rest
        for line in stream:
            self.position += len(line)
            yield line

    def text_lines(self, label: str) -> Iterator[str]:
        """Decoded physical lines, each with its line end (LF, CRLF or a bare CR), for ``csv.reader``.

        Raises InvalidInput for a line that is not UTF-8 (naming the line, the byte, and how to
        convert the file) or longer than ``MAX_LINE`` bytes.
        """
        pending = b""
        data = self._head
        number = 0
        while data:
            lines = (pending + data).splitlines(keepends=True)
            last = lines[-1]
            pending = b"" if last.endswith(b"\n") else lines.pop()  # a CR may be half of a CRLF: wait
            if len(pending) > MAX_LINE:
                raise InvalidInput(f"{label} line {number + 1}: longer than {MAX_LINE >> 20} MB; not a CSV file")
            for line in lines:
                number += 1
                self.position += len(line)
                try:
                    yield line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise InvalidInput(_not_utf8(label, number, line, exc)) from None
            data = self._stream.read(_CHUNK)
        if pending:
            number += 1
            self.position += len(pending)
            try:
                yield pending.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidInput(_not_utf8(label, number, pending, exc)) from None


def _not_utf8(label: str, number: int, line: bytes, exc: UnicodeDecodeError) -> str:
    column = len(line[: exc.start].decode("utf-8", "replace")) + 1
    return (
        f"{label} line {number}: not UTF-8 text (byte 0x{line[exc.start]:02X} at character {column}); convert it "
        f"first, e.g. iconv -f WINDOWS-1252 -t UTF-8 {label} > converted.csv (use the encoding it was saved in)"
    )


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
    reader = csv.reader(lines.text_lines(label), strict=True)
    try:
        header = [c.strip() for c in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{label} is empty") from None
    except csv.Error as exc:
        raise InvalidInput(f"{label} line 1: not CSV ({_csv_problem(exc)})") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InvalidInput(f"{label} line {start}: not CSV ({_csv_problem(exc)})") from None
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
