"""Data exchange: which format a file is in, and the export and import drivers.

The formats themselves are small reader/writer pairs: ``exchange_jsonl`` (jsonl, json),
``exchange_csv`` (csv, geojson), ``exchange_acled`` and ``exchange_foreign`` (UCDP GED). The record
layouts and matching rules are documented in docs/exchange.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, TextIO

from sitlog.errors import InvalidInput, UsageError

if TYPE_CHECKING:
    from sitlog.store import EventFilter, Store
    from sitlog.store_exchange import ImportCounts, Match


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


_EXTENSIONS = {
    ".jsonl": ExportFormat.JSONL,
    ".ndjson": ExportFormat.JSONL,
    ".json": ExportFormat.JSON,
    ".csv": ExportFormat.CSV,
    ".geojson": ExportFormat.GEOJSON,
}


def export_format(given: str | None, output: Path | None) -> ExportFormat:
    """``--format`` if given, else the output file's extension, else jsonl (stdout)."""
    if given:
        try:
            return ExportFormat(given.strip().lower())
        except ValueError:
            allowed = ", ".join(f.value for f in ExportFormat)
            raise UsageError(f"--format must be one of {allowed}, not {given!r}") from None
    if output is None:
        return ExportFormat.JSONL
    fmt = _EXTENSIONS.get(output.suffix.lower())
    if fmt is None:
        raise UsageError(f"cannot tell the format from {output.name!r}; give --format jsonl|json|csv|geojson|acled")
    return fmt


def import_format(given: str | None) -> ImportFormat | None:
    if not given:
        return None
    try:
        return ImportFormat(given.strip().lower())
    except ValueError:
        allowed = ", ".join(f.value for f in ImportFormat)
        raise UsageError(f"--format must be one of {allowed}, not {given!r}") from None


# --- export -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    fmt: ExportFormat
    flt: EventFilter
    tz: tzinfo
    now: datetime
    hxl: bool = False


def export(store: Store, req: ExportRequest, out: TextIO, note: Callable[[str], None]) -> int:
    """Write the events ``req`` picks to ``out``; returns how many events (or revisions, for jsonl) went out."""
    from sitlog import exchange_acled, exchange_csv, exchange_jsonl

    if req.hxl and req.fmt is not ExportFormat.CSV:
        raise UsageError("--hxl adds an HXL tag row to csv output only")
    if req.fmt is ExportFormat.JSONL:
        return exchange_jsonl.write_jsonl(store, req, out)
    if req.fmt is ExportFormat.JSON:
        return exchange_jsonl.write_json(store, req, out)
    if req.fmt is ExportFormat.CSV:
        return exchange_csv.write_csv(store, req, out)
    if req.fmt is ExportFormat.GEOJSON:
        return exchange_csv.write_geojson(store, req, out, note)
    return exchange_acled.write_acled(store, req, out)


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
        if c.places:
            extra.append(f"{c.places} new place{'s' if c.places != 1 else ''}")
        if c.actors:
            extra.append(f"{c.actors} new actor{'s' if c.actors != 1 else ''}")
        if c.merged:
            extra.append(f"{c.merged} merge revision{'s' if c.merged != 1 else ''} (older revisions arrived late)")
        if self.ignored:
            kinds = ", ".join(f"{k}: {n}" for k, n in sorted(self.ignored.items()))
            n = sum(self.ignored.values())
            extra.append(f"{n} row{'s' if n != 1 else ''} of types sitlog does not record ignored ({kinds})")
        return text + (f"; {'; '.join(extra)}" if extra else "")


class _DryRun(Exception):
    """Raised inside the import transaction so that it rolls back."""


def import_stream(
    store: Store,
    stream: BinaryIO,
    req: ImportRequest,
    progress: Callable[[int], None],
    skipped: Callable[[str], None],
) -> ImportResult:
    """Import one file in one transaction (all or nothing) and one change set; see docs/exchange.md."""
    from sitlog import exchange_acled, exchange_csv, exchange_foreign, exchange_jsonl
    from sitlog.store_exchange import BulkImport

    lines = ByteLines(stream)
    if not lines.first.strip():
        raise InvalidInput(f"{req.label} is empty")
    fmt = req.fmt or guess_format(lines.first, req.label)
    result: ImportResult | None = None
    try:
        with store.transaction():
            bulk = BulkImport(store, req.operator, req.now, f"import {req.label}")
            records: Iterator[tuple[int, Any]]
            converter: Converter
            if fmt is ImportFormat.JSONL:
                records = exchange_jsonl.jsonl_records(lines)
                converter = exchange_jsonl.JsonlConverter(store, req, bulk.counts)
            else:
                header, rows = csv_records(lines, req.label)
                records = _as_dicts(header, rows)
                if fmt is ImportFormat.CSV:
                    converter = exchange_csv.CsvConverter(store, req, bulk.counts, header)
                elif fmt is ImportFormat.ACLED:
                    converter = exchange_acled.AcledConverter(store, req, bulk.counts, header)
                else:
                    converter = exchange_foreign.UcdpConverter(store, req, bulk.counts, header)
            add = bulk.add
            for n, (line, record) in enumerate(records, 1):
                try:
                    if isinstance(record, RowError):
                        raise record
                    items = converter.convert(line, record)
                except RowError as exc:
                    where = f"{req.label} line {line}" + (f", column {exc.column}" if exc.column else "")
                    if not req.skip_bad:
                        raise InvalidInput(f"{where}: {exc.message} (nothing was imported)") from None
                    bulk.counts.rejected += 1
                    skipped(f"skipped {where}: {exc.message}")
                    continue
                for row, match in items:
                    add(row, match)
                if n % 2000 == 0:
                    progress(lines.position)
            progress(lines.position)
            bulk.merge()
            result = ImportResult(fmt, bulk.counts, bulk.changeset, req.dry_run, converter.ignored)
            bulk.finish(result.summary(req.label))
            if req.dry_run:
                raise _DryRun
    except _DryRun:
        pass
    assert result is not None
    if req.dry_run:
        result.changeset = None
    return result


def _as_dicts(header: list[str], rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, Any]]:
    width = len(header)
    for line, row in rows:
        if len(row) != width:
            yield line, RowError(None, f"has {len(row)} fields where the header has {width}")
        else:
            yield line, dict(zip(header, row, strict=True))


def open_input(path: str) -> tuple[BinaryIO, str, int | None]:
    """(binary stream, label, size in bytes if known) for a file name or ``-`` (stdin)."""
    import os
    import sys

    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # stdin replaced by a text stream (tests): re-encode what it gives
            stream = io.BytesIO(sys.stdin.read().encode("utf-8"))
        return stream, "stdin", None
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    try:
        size = os.fstat(handle.fileno()).st_size
    except OSError:
        size = None
    return handle, path, size
