"""The output layer, and the only importer of rich and tabulate.

Commands hand over a ``Report``: the JSON value scripts get, plus tables for people. JSON and CSV are
written with the standard library, never through rich; user text is shown literally everywhere.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from sitlog.corrections import Correction, FieldChange, UndoPlan
    from sitlog.model import Actor, ChangeSet, Event, Place

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


_COMPACT = json.JSONEncoder(ensure_ascii=False)


def dumps(data: Any, indent: int | None = 2) -> str:
    if indent is not None and isinstance(data, list) and data:
        # An indented dump runs json's pure-Python encoder (~100 ms for 10,000 records); a list is written
        # one compact record per line instead, through the C encoder: still valid JSON, and grep-friendly.
        pad = " " * indent
        return f"[\n{pad}" + f",\n{pad}".join(map(_COMPACT.encode, data)) + "\n]"
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
            # RFC 4180 line ends: with a bare "\n" terminator the csv module leaves a field holding a lone
            # "\r" unquoted, and that row no longer reads back as written.
            writer = csv.writer(out, delimiter="," if fmt is Format.CSV else "\t", lineterminator="\r\n")
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
    first = True
    for table in report.tables:
        if not first:
            out.write("\n")
        first = False
        if table.title:
            out.write(visible(table.title) + "\n")
        if table.rows:
            cells = [[visible(c) for c in row] for row in table.rows]
            out.writelines(_aligned([visible(c) for c in table.columns], cells))
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


def _aligned(columns: Sequence[str], cells: Sequence[Sequence[str]]) -> list[str]:
    """Lines of a left-aligned plain table, as tabulate's ``simple`` draws it but ~10x faster on long output
    (10,000 events) and aligned by display width (wide CJK, zero-width marks) where tabulate counts characters."""
    widths = [_width(c) + 2 for c in columns]
    for row in cells:
        for i, cell in enumerate(row):
            w = len(cell) if cell.isascii() else _width(cell)
            if w > widths[i]:
                widths[i] = w

    def line(row: Sequence[str]) -> str:
        padded = [c + " " * (w - (len(c) if c.isascii() else _width(c))) for c, w in zip(row, widths, strict=True)]
        return "  ".join(padded).rstrip() + "\n"

    return [line(columns), "  ".join("-" * w for w in widths) + "\n", *(line(row) for row in cells)]


def _width(text: str) -> int:
    """Terminal columns ``text`` takes: wide East Asian characters 2, combining and format marks 0."""
    if text.isascii():
        return len(text)
    from unicodedata import combining, east_asian_width

    return sum(
        0 if combining(c) or c in "\u200b\u200c\u200d\u200e\u200f" else 2 if east_asian_width(c) in "WF" else 1
        for c in text
    )


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
    # A line break becomes a space before escaping, so a typed backslash-n (C:\new) stays as typed.
    stream.write(visible(text.replace("\r\n", " ").replace("\n", " ")) + "\n")
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


def events_report(events: list[Event], tz: tzinfo, with_json: bool = True) -> Report:
    """The ``events`` listing; without ``with_json`` (a table or CSV is wanted) ``data`` is left empty,
    which saves building a dict per event — a quarter of the time of a 10,000-event listing."""
    data = [e.to_json(tz) for e in events] if with_json else []
    # Reuse the JSON's formatted time where there is one rather than format every instant twice.
    ats = [d["at"] for d in data] if with_json else [e.when.to_json(tz) for e in events]
    rows = [
        [e.id, at, e.kind.value, e.place, describe(e), (e.claimed_by or "yes") if e.claimed else "", e.grade,
         e.source, e.note]
        for e, at in zip(events, ats, strict=True)
    ]  # fmt: skip
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
            lines.append(f"{head}: retract it (this change set added it)")
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


# --- analyst reports: status, history, summary, check, demo (issue 3) -------------------------------

if TYPE_CHECKING:
    from sitlog.model import When
    from sitlog.report import CheckResult, History, StatusEntry

TIMELINE_WIDTH = 24


def when_cell(when: When, tz: tzinfo) -> str:
    """A time as a person reads it: local date and minute, or the window it is known to."""
    from sitlog.model import Precision

    if when.day is None:
        return when.instant.astimezone(tz).isoformat(" ", "minutes")[:16]
    if when.end is not None:
        return f"{when.day.isoformat()}..{when.end.isoformat()}"
    if when.precision is Precision.MONTH:
        return when.day.strftime("%Y-%m")
    if when.precision is Precision.WEEK:
        return f"week of {when.day.isoformat()}"
    if when.precision is Precision.YEAR:
        return str(when.day.year)
    return when.day.isoformat()


def duration_text(seconds: float) -> str:
    """``4 y 8 mo``, ``12 d``, ``5 h 20 min``: two units at most."""
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 1440)
    if days >= 365:
        years, days = divmod(days, 365)
        months = days // 30
        return f"{years} y {months} mo" if months else f"{years} y"
    if days >= 60:
        return f"{days // 30} mo {days % 30} d" if days % 30 else f"{days // 30} mo"
    if days:
        return f"{days} d {rest // 60} h" if rest // 60 else f"{days} d"
    hours, mins = divmod(rest, 60)
    return f"{hours} h {mins} min" if hours else f"{mins} min"


def range_text(value: dict[str, Any] | None) -> str:
    """``{low, high}`` as ``7``, ``10-15`` or ``12+`` (unknown high)."""
    if not value:
        return ""
    low, high = value.get("low"), value.get("high")
    if high is None:
        return f"{low}+"
    return str(low) if low == high else f"{low}-{high}"


def _state(status: str, part: str | None) -> str:
    return f"{status} ({part})" if part else status


def _claim(claimed: bool, party: str | None) -> str:
    return (party or "claim") if claimed else ""


def status_report(entries: Sequence[StatusEntry], tz: tzinfo, as_of: str, fmt: Format | None = None) -> Report:
    """The ``status`` table: one row per place with a control event by then.

    Given the output format, only what it prints is built (the JSON or the rows): status lists every
    place, and building both for ten thousand places costs more than the query.
    """
    columns = ("place", "admin1", "holder", "status", "since", "against", "claim", "event")
    title = f"Control as of {as_of}: {len(entries)} place{'s' if len(entries) != 1 else ''}"
    with_json = fmt is None or fmt in (Format.JSON, Format.JSONL)
    with_rows = fmt is None or not with_json
    data = [e.to_json(tz) for e in entries] if with_json else []
    rows = [[e.place, e.admin1, e.holder, f"{e.status.value} ({e.part})" if e.part else e.status.value,
             when_cell(e.since, tz), ", ".join(e.against), (e.claimed_by or "claim") if e.claimed else "", e.event_id]
            for e in entries] if with_rows else []  # fmt: skip
    return Report(data, [Table(columns, rows, title)])


def _place_line(history: History) -> str:
    place = history.place
    parts = [place.name]
    units = " / ".join(u for u in (place.admin1, place.admin2, place.admin3) if u)
    if units:
        parts.append(units + (f" ({place.pcode})" if place.pcode else ""))
    if place.aliases:
        shown = place.aliases[:6]
        parts.append("also " + ", ".join(shown) + (" …" if len(place.aliases) > len(shown) else ""))
    parts.append(f"{place.lat:.4f}, {place.lon:.4f}" if place.lat is not None and place.lon is not None
                 else "no coordinates")  # fmt: skip
    return " · ".join(parts)


def _timeline(starts: Sequence[float], last: float) -> list[str]:
    """One bar per span placing it on the place's whole timeline, so the story reads at a glance.

    Every span gets at least one cell and spans never overlap, however short they are.
    """
    width = TIMELINE_WIDTH
    first = starts[0]
    scale = (last - first) or 1.0
    cells = [min(int((s - first) / scale * width), width - 1) for s in starts]
    for i in range(len(cells) - 2, -1, -1):  # push earlier spans left of later ones
        cells[i] = min(cells[i], cells[i + 1] - 1)
    for i in range(len(cells)):  # then keep each start inside the bar and after the previous one
        cells[i] = max(cells[i], 0 if i == 0 else cells[i - 1] + 1)
    bars = []
    for i, a in enumerate(cells):
        a = min(a, width - 1)
        b = min(cells[i + 1], width) if i + 1 < len(cells) else width
        b = max(b, a + 1)
        bars.append("·" * a + "█" * (b - a) + "·" * (width - b))
    return bars


def history_report(history: History, tz: tzinfo) -> Report:
    """A place's history: its control spans (with a timeline bar) above every event there."""
    spans = history.spans
    rows = []
    if spans:
        starts = [s.start.instant.timestamp() for s in spans]
        bars = _timeline(starts, max(start + s.seconds for start, s in zip(starts, spans, strict=True)))
        for span, bar in zip(spans, bars, strict=True):
            until = when_cell(span.end, tz) if span.end else "now"
            rows.append([span.span.holder, _state(span.span.status.value, span.span.part), when_cell(span.start, tz),
                         until, duration_text(span.seconds), ", ".join(span.span.against),
                         "claim" if span.span.claimed else "", bar])  # fmt: skip
    span_table = Table(("holder", "status", "from", "until", "for", "against", "claim", "timeline"), rows,
                       title=_place_line(history))  # fmt: skip
    event_rows = [[when_cell(e.when, tz), e.kind.value, describe(e), _claim(e.claimed, e.claimed_by), e.grade,
                   e.source, e.note, e.id] for e in history.events]  # fmt: skip
    struck = {i for i, e in enumerate(history.events) if e.retracted}
    events = Table(("at", "kind", "what", "claim", "grade", "source", "note", "event"), event_rows,
                   title=f"Events at {history.place.name}: {len(history.events)}", struck=struck)  # fmt: skip
    return Report(history.to_json(tz), [span_table, events], records=[history.to_json(tz)])


SUMMARY_COLUMNS = ("day", "events", "control", "clash", "casualties", "strike", "displacement", "changes",
                   "killed", "injured", "captured", "displaced people", "displaced families", "claims")  # fmt: skip


def _summary_row(label: str, entry: dict[str, Any]) -> list[Any]:
    kinds = entry["by_kind"]
    return [label, entry["events"], kinds["control"], kinds["clash"], kinds["casualties"], kinds["strike"],
            kinds["displacement"], len(entry["control_changes"]), range_text(entry["killed"]),
            range_text(entry["injured"]), range_text(entry["captured"]), range_text(entry["displaced_people"]),
            range_text(entry["displaced_families"]), len(entry["claims"])]  # fmt: skip


def _figures(claim: dict[str, Any]) -> str:
    names = ("killed", "injured", "captured", "people", "families")
    parts = [f"{name} {claim[name]['text']}" for name in names if name in claim]
    if claim.get("holder"):
        parts.append(f"{claim['holder']} {claim.get('status') or 'held'}")
    if claim.get("side"):
        parts.append(f"side {claim['side']}")
    return ", ".join(parts)


def summary_report(summary: dict[str, Any], zone: str) -> Report:
    """Per-day summary tables: the totals, then control changes, claims, persons and imprecise events."""
    days = summary["days"]
    total = summary["total"]
    rows = [_summary_row(d["day"], d) for d in days]
    if len(days) > 1:
        rows.append(_summary_row("total", total))
    span = days[0]["day"] if len(days) == 1 else f"{total['from']} to {total['until']}"
    tables = [Table(SUMMARY_COLUMNS, rows, title=f"Summary {span} ({zone}); claims are not in the totals")]

    def detail(title: str, columns: Sequence[str], rows: list[list[Any]]) -> None:
        # Each detail row starts with its day; a one-day summary leaves that column out.
        if rows:
            cut = 1 if len(days) == 1 else 0
            tables.append(Table(columns[cut:], [row[cut:] for row in rows], title=title))

    detail("Control changes", ("day", "place", "from", "to", "status", "claim", "event"),
           [[d["day"], c["place"], c["from"] or "", c["to"], _state(c["status"], c["part"]),
             _claim(c["claimed"], c["claimed_by"]), c["event_id"]]
            for d in days for c in d["control_changes"]])  # fmt: skip
    moves = [[actor, ", ".join(total["gains"].get(actor, [])), ", ".join(total["losses"].get(actor, []))]
             for actor in sorted(set(total["gains"]) | set(total["losses"]))]  # fmt: skip
    if moves:
        tables.append(Table(("actor", "gained", "lost"), moves, title="Gains and losses (assessed)"))
    detail("Claims (reported by a party, not assessed)", ("day", "claimed by", "kind", "place", "figures", "event"),
           [[d["day"], c["party"] or "unnamed party", c["kind"], c["place"], _figures(c), c["event_id"]]
            for d in days for c in d["claims"]])  # fmt: skip
    detail("Persons", ("day", "person", "role", "fate", "place", "side", "claim"),
           [[d["day"], p["name"], p["role"], ", ".join(p["fate"]), p["place"], p["side"],
             "claim" if p["claimed"] else ""] for d in days for p in d["persons"]])  # fmt: skip
    detail("Known only within a window (counted on its first day)",
           ("counted on", "kind", "place", "precision", "known window", "event"),
           [[d["day"], i["kind"], i["place"], i["precision"], i["at"] + (f"..{i['at_end']}" if i["at_end"] else ""),
             i["event_id"]] for d in days for i in d["imprecise"]])  # fmt: skip
    detail("Places involved", ("day", "places"), [[d["day"], ", ".join(d["places"])] for d in days if d["places"]])
    return Report(summary, tables, records=days)


def check_report(results: Sequence[CheckResult]) -> Report:
    """One row per check that passed, one per problem found."""
    rows: list[list[Any]] = []
    for result in results:
        if result.ok:
            rows.append([result.name, "ok", ""])
        rows.extend([result.name, "PROBLEM", problem] for problem in result.problems)
    data = {"ok": all(r.ok for r in results), "checks": [r.to_json() for r in results]}
    return Report(data, [Table(("check", "result", "detail"), rows)])


def combined_report(parts: dict[str, Report]) -> Report:
    """Several reports as one: JSON keyed by part, tables one after another."""
    tables = [table for report in parts.values() for table in report.tables]
    data = {name: report.data for name, report in parts.items()}
    return Report(data, tables, records=[data])


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
