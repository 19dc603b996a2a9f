"""The output layer, and the only importer of rich and tabulate.

Commands hand over a ``Report``: the JSON value scripts get, plus tables for people. JSON and CSV are
written with the standard library, never through rich; user text is shown literally everywhere.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from sitlog.corrections import Correction, FieldChange, UndoPlan
    from sitlog.model import Actor, Event, Place
    from sitlog.store_revisions import ChangeSet

TERMINAL_ROW_CAP = 200


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
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def dumps(data: Any, indent: int | None = 2) -> str:
    return json.dumps(data, ensure_ascii=False, indent=indent)


def emit(report: Report, fmt: Format, out: TextIO | None = None, is_terminal: bool | None = None) -> None:
    """Write ``report`` to stdout in ``fmt``."""
    out = out or sys.stdout
    if fmt is Format.JSON:
        out.write(dumps(report.data) + "\n")
    elif fmt is Format.JSONL:
        records = report.records if report.records is not None else report.data
        for record in records if isinstance(records, list) else [records]:
            out.write(dumps(record, indent=None) + "\n")
    elif fmt in (Format.CSV, Format.TSV):
        if report.tables:
            table = report.tables[0]
            writer = csv.writer(out, delimiter="," if fmt is Format.CSV else "\t", lineterminator="\n")
            writer.writerow(table.columns)
            writer.writerows([_raw(c) for c in row] for row in table.rows)
    elif fmt is Format.MARKDOWN:
        _markdown(report, out)
    else:
        terminal = out.isatty() if is_terminal is None else is_terminal
        if terminal:
            _rich(report, out)
        else:
            _plain(report, out)
    out.flush()


def _plain(report: Report, out: TextIO) -> None:
    from tabulate import tabulate

    first = True
    for table in report.tables:
        if not first:
            out.write("\n")
        first = False
        if table.title:
            out.write(visible(table.title) + "\n")
        if table.rows:
            cells = [[visible(c) for c in row] for row in table.rows]
            out.write(tabulate(cells, headers=list(table.columns), tablefmt="simple", disable_numparse=True) + "\n")
        else:
            out.write("(none)\n")
    if not report.tables and report.empty_note:
        out.write(report.empty_note + "\n")


def _markdown(report: Report, out: TextIO) -> None:
    from tabulate import tabulate

    for i, table in enumerate(report.tables):
        if i:
            out.write("\n")
        if table.title:
            out.write(f"### {visible(table.title)}\n\n")
        cells = [[visible(c).replace("|", "\\|") for c in row] for row in table.rows]
        out.write(tabulate(cells, headers=list(table.columns), tablefmt="github", disable_numparse=True) + "\n")


def _rich(report: Report, out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text

    console = Console(file=out, no_color="NO_COLOR" in os.environ, highlight=False)
    for table in report.tables:
        shown = table.rows[:TERMINAL_ROW_CAP]
        rich_table = RichTable(title=Text(visible(table.title)) if table.title else None, title_justify="left")
        for column in table.columns:
            rich_table.add_column(Text(column), overflow="fold")
        for i, row in enumerate(shown):
            style = "strike dim" if i in table.struck else None
            rich_table.add_row(*(Text(visible(c)) for c in row), style=style)
        console.print(rich_table)
        if len(table.rows) > len(shown):
            left = len(table.rows) - len(shown)
            console.print(Text(f"… {left} more rows not shown; pipe the output or use --limit to see them"))
    if not report.tables and report.empty_note:
        console.print(Text(report.empty_note))


def message(text: str, err: TextIO | None = None) -> None:
    """A line for people on stderr (receipts, notes, errors), with control characters made visible."""
    stream = err or sys.stderr
    stream.write(visible(text).replace("\\n", " ") + "\n")
    stream.flush()


# --- shared views of the domain ---------------------------------------------------------------------


def describe(event: Event) -> str:
    """A short human line for an event's kind-specific content."""
    from sitlog.model import Kind

    if event.kind is Kind.CONTROL:
        text = f"{event.holder} {event.status.value if event.status else 'held'}"
        if event.part:
            text += f" ({event.part})"
        if event.against:
            text += f" against {', '.join(event.against)}"
        return text
    if event.kind is Kind.CLASH:
        text = " vs ".join(event.actors)
        return f"{text}: {event.outcome}" if event.outcome else text
    if event.kind is Kind.CASUALTIES:
        parts = [
            f"{name} {q.text}"
            for name, q in (("killed", event.killed), ("injured", event.injured), ("captured", event.captured))
            if q
        ]
        if event.side:
            parts.append(f"side {event.side}")
        if event.person:
            parts.append(f"person {event.person}" + (f" ({event.role})" if event.role else ""))
        return ", ".join(parts)
    if event.kind is Kind.STRIKE:
        return f"by {event.actors[0]}" + (f" ({event.means.value})" if event.means else "")
    parts = [f"{name} {q.text}" for name, q in (("people", event.people), ("families", event.families)) if q]
    if event.to:
        parts.append(f"to {event.to}")
    return ", ".join(parts)


EVENT_COLUMNS = ("id", "at", "kind", "place", "what", "claimed", "grade", "source", "note")


def event_cells(event: Event, tz: tzinfo) -> list[Any]:
    claim = (event.claimed_by or "yes") if event.claimed else ""
    return [event.id, event.when.to_json(tz), event.kind.value, event.place, describe(event), claim,
            event.grade, event.source, event.note]  # fmt: skip


def events_report(events: list[Event], tz: tzinfo) -> Report:
    data = [e.to_json(tz) for e in events]
    rows = [event_cells(e, tz) for e in events]
    struck = {i for i, e in enumerate(events) if e.retracted}
    return Report(data, [Table(EVENT_COLUMNS, rows, struck=struck)])


def places_report(places: list[Place]) -> Report:
    rows = [[p.id, p.name, "; ".join(p.aliases[:6]) + (" …" if len(p.aliases) > 6 else ""), p.admin1, p.admin2,
             p.pcode, "" if p.lat is None else f"{p.lat:.4f}", "" if p.lon is None else f"{p.lon:.4f}"]
            for p in places]  # fmt: skip
    columns = ("id", "name", "aliases", "admin1", "admin2", "pcode", "lat", "lon")
    return Report([p.to_json() for p in places], [Table(columns, rows)])


def actors_report(actors: list[Actor]) -> Report:
    rows = [[a.id, a.name, "; ".join(a.aliases), a.type.value, a.parent, a.side] for a in actors]
    return Report([a.to_json() for a in actors], [Table(("id", "name", "aliases", "type", "parent", "side"), rows)])

# --- corrections: show, revision diffs, undo plans (issue 4) ---------------------------------------


def change_value(value: Any) -> str:
    """A JSON field value as a person reads it in a diff: quantities by their text, lists joined."""
    if value is None or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict) and "text" in value:
        return str(value["text"])
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def change_text(change: FieldChange) -> str:
    return f"{change.field}: {change_value(change.old)} → {change_value(change.new)}"


def show_report(
    head: Event, history: Sequence[tuple[Event, ChangeSet | None, Sequence[FieldChange]]] | None, tz: tzinfo
) -> Report:
    """``show``: the event field by field; with ``history``, every revision and what it changed."""
    data = head.to_json(tz)
    title = f"event {head.id} (revision {head.revision})"
    if head.retracted:
        title += f" — RETRACTED: {head.reason or 'no reason given'}"
    rows = [[key, change_value(value)] for key, value in data.items()]
    event_table = Table(("field", "value"), rows, title, struck=set(range(len(rows))) if head.retracted else set())
    if history is None:
        return Report(data, [event_table])
    records: list[dict[str, Any]] = []
    diff_rows: list[list[Any]] = []
    for event, changeset, changes in history:
        record = event.to_json(tz)
        record["changeset"] = changeset.id if changeset else None
        record["command"] = changeset.command if changeset else None
        record["changes"] = [{"field": c.field, "old": c.old, "new": c.new} for c in changes]
        records.append(record)
        when = record["recorded_at"]
        command, changeset_id = (changeset.command, changeset.id) if changeset else ("", "")
        lines = [change_text(c) for c in changes] or (["created"] if event.revision == 1 else ["(no change)"])
        for i, line in enumerate(lines):
            meta = [event.revision, when, event.operator, command, changeset_id, event.reason]
            diff_rows.append([*(meta if i == 0 else [""] * len(meta)), line])
    columns = ("rev", "recorded_at", "operator", "command", "change set", "reason", "change")
    diff_table = Table(columns, diff_rows, "revisions")
    return Report({"event": data, "revisions": records}, [event_table, diff_table], records=records)


def undo_plan_lines(plan: UndoPlan, tz: tzinfo, limit: int = 20) -> list[str]:
    """What an undo will do (or did), one line per event (at most ``limit``), for stderr."""
    from sitlog.corrections import changes_between, describe_changeset

    lines = [f"undo {describe_changeset(plan.target, tz)}:"]
    for revert in plan.reverts[:limit]:
        event = revert.current
        head = f"  {event.id} {event.kind.value} at {event.place} ({describe(event)})"
        if revert.restores is None:
            lines.append(f"{head}: retract it (this change set logged it)")
        else:
            diff = "; ".join(change_text(c) for c in changes_between(event, revert.restored, tz))
            lines.append(f"{head}: back to revision {revert.restores} — {diff}")
    if len(plan.reverts) > limit:
        lines.append(f"  … and {len(plan.reverts) - limit} more events")
    if not plan.reverts:
        lines.append("  (its events already read as before it; the undo only records that)")
    return lines


def correction_receipt(verb: str, correction: Correction, tz: tzinfo) -> str:
    """The stderr line after amend/retract: what was written, and what changed."""
    from sitlog.corrections import changes_between

    event = correction.event
    resolved = f" [{'; '.join(correction.notes)}]" if correction.notes else ""
    if not correction.written:
        return f"{event.id} already reads so (revision {event.revision}); nothing recorded{resolved}"
    diff = "; ".join(change_text(c) for c in changes_between(correction.previous, event, tz))
    return f"{verb} {event.id} → revision {event.revision}: {diff}{resolved}"
