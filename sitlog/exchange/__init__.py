"""Data exchange: which format a file is in, and the export and import drivers.

The formats are small reader/writer modules over the shared types of ``base``: ``jsonl`` (jsonl,
json), ``csv`` (csv, geojson), ``acled`` and ``ucdp`` (UCDP GED). This package picks one and runs
it; the record layouts and matching rules are documented in docs/exchange.md.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from sitlog.domain.text import shown_name
from sitlog.errors import InvalidInput, UsageError
from sitlog.exchange import acled, acled_import, jsonl, ucdp
from sitlog.exchange import csv as csv_format
from sitlog.exchange.base import (
    ByteLines,
    Converter,
    ExportFormat,
    ExportRequest,
    ImportFormat,
    ImportRequest,
    ImportResult,
    RowError,
    csv_records,
    guess_format,
    headerless_ucdp,
    jsonl_records,
)

if TYPE_CHECKING:
    from sitlog.store import Store

__all__ = [
    "ExportFormat",
    "ExportRequest",
    "ImportFormat",
    "ImportRequest",
    "ImportResult",
    "export",
    "export_format",
    "import_format",
    "import_stream",
    "open_input",
]


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


def export(store: Store, req: ExportRequest, out: TextIO, note: Callable[[str], None]) -> int:
    """Write the events ``req`` picks to ``out``; returns how many events (or revisions, for jsonl) went out."""

    if req.hxl and req.fmt is not ExportFormat.CSV:
        raise UsageError("--hxl adds an HXL tag row to csv output only")
    if req.fmt is ExportFormat.JSONL:
        return jsonl.write_jsonl(store, req, out)
    if req.fmt is ExportFormat.JSON:
        return jsonl.write_json(store, req, out)
    if req.fmt is ExportFormat.CSV:
        return csv_format.write_csv(store, req, out)
    if req.fmt is ExportFormat.GEOJSON:
        return csv_format.write_geojson(store, req, out, note)
    return acled.write_acled(store, req, out, note)


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
    from sitlog.store.bulk import BulkImport

    lines = ByteLines(stream, req.label)
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
                records = jsonl_records(lines)
                converter = jsonl.JsonlConverter(store, req, bulk.counts)
            else:
                header, rows = csv_records(lines, req.label)
                layout = headerless_ucdp(header) if fmt is ImportFormat.UCDP else None
                if layout is not None and "type_of_violence" not in header:  # a GED file without its header
                    rows = itertools.chain([(1, header)], rows)
                    header = list(layout)
                records = _as_dicts(header, rows)
                if fmt is ImportFormat.CSV:
                    converter = csv_format.CsvConverter(store, req, bulk.counts, header)
                elif fmt is ImportFormat.ACLED:
                    converter = acled_import.AcledConverter(store, req, bulk.counts, header)
                else:
                    converter = ucdp.UcdpConverter(store, req, bulk.counts, header)
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
    """(binary stream, label, size in bytes if known) for a file name or ``-`` (stdin).

    Raises InvalidInput for a file that cannot be opened or is a device (``/dev/zero`` would never end).
    """
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
        raise InvalidInput(f"cannot read {shown_name(path)}: {exc.strerror}") from None
    import stat

    try:
        info = os.fstat(handle.fileno())
    except OSError:
        return handle, shown_name(path), None
    if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
        # /dev/zero never ends and never ends a line: a device is no file to import (a pipe is: - or <(…)).
        handle.close()
        raise InvalidInput(
            f"cannot import {shown_name(path)}: a device, not a file (give a file, or - for standard input)"
        )
    return handle, shown_name(path), info.st_size if stat.S_ISREG(info.st_mode) else None
