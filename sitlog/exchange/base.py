"""What every exchange format shares: the format names, requests and results, reading a file's lines.

The dispatcher that picks a format is ``sitlog.exchange`` (the package); the formats import only this.
"""

from __future__ import annotations

import csv
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


# --- reading input ----------------------------------------------------------------------------------

_BOM = b"\xef\xbb\xbf"


class ByteLines:
    """The lines of a byte stream, read once (stdin works), with the first line available up front."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        first = stream.readline()
        self.first = first[len(_BOM) :] if first.startswith(_BOM) else first
        self.position = 0  # bytes handed out so far, for the progress bar

    def __iter__(self) -> Iterator[bytes]:
        if self.first:
            self.position += len(self.first)
            yield self.first
        for line in self._stream:
            self.position += len(line)
            yield line


def guess_format(first_line: bytes, label: str) -> ImportFormat:
    """The format a file is in, from its first line (a JSON object, or a CSV header)."""
    stripped = first_line.strip()
    if stripped.startswith(b"{"):
        return ImportFormat.JSONL
    try:
        header = {c.strip().lower() for c in next(csv.reader([stripped.decode("utf-8")]), [])}
    except UnicodeDecodeError:
        header = set()
    if "event_id_cnty" in header:
        return ImportFormat.ACLED
    if "type_of_violence" in header:
        return ImportFormat.UCDP
    if {"id", "kind", "at", "place"} <= header:
        return ImportFormat.CSV
    raise InvalidInput(
        f"cannot tell the format of {label} from its first line: expected a sitlog jsonl export, a sitlog csv "
        "export, an ACLED or a UCDP GED CSV; give --format"
    )


class RowError(Exception):
    """One bad record: which column (or JSON key) and what is wrong with it."""

    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def csv_records(lines: ByteLines, label: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and the rows of a CSV file as (first line number, cells); an HXL tag row is skipped."""
    text = _decoded(lines, label)
    reader = csv.reader(text, strict=True)
    try:
        header = [c.strip() for c in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{label} is empty") from None
    except csv.Error as exc:
        raise InvalidInput(f"{label} line 1: not CSV ({exc})") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num + 1
        first = True
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InvalidInput(f"{label} line {start}: not CSV ({exc})") from None
            if first and row and row[0].lstrip().startswith("#"):
                pass  # the HXL hashtag row under the header
            elif row and any(cell.strip() for cell in row):
                yield start, row
            first = False
            start = reader.line_num + 1

    return header, rows()


def _decoded(lines: ByteLines, label: str) -> Iterator[str]:
    for n, line in enumerate(lines, 1):
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{label} line {n}: not UTF-8 text") from None


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
