"""The analyst reports as tables: status, history, summary, check, and the demo's combination of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from sitlog.render.events import describe
from sitlog.render.output import Format, Report, Table

if TYPE_CHECKING:
    from sitlog.domain.model import When
    from sitlog.domain.report import CheckResult, History, StatusEntry

TIMELINE_WIDTH = 24


def when_cell(when: When, tz: tzinfo) -> str:
    """A time as a person reads it: local date and minute, or the window it is known to."""
    from sitlog.domain.model import Precision

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


# Report CSVs carry machine values: the JSON's fields, snake_case, lists joined with "; ", no glyphs or prose.
STATUS_CSV_COLUMNS = ("place", "admin1", "holder", "status", "part", "since", "precision", "against", "claimed",
                      "claimed_by", "event_id", "place_id")  # fmt: skip
SPAN_CSV_COLUMNS = ("holder", "status", "part", "from", "from_precision", "until", "duration_days", "against",
                    "claimed", "clipped", "event_ids")  # fmt: skip
FIGURES = ("killed", "injured", "captured", "displaced_people", "displaced_families")
SUMMARY_CSV_COLUMNS = ("day", "events", "control", "clash", "casualties", "strike", "displacement", "control_changes",
                       *(f"{f}_{end}" for f in FIGURES for end in ("low", "high")), "claims")  # fmt: skip


def _machine(columns: Sequence[str], records: Sequence[dict[str, Any]]) -> Table:
    def cell(value: Any) -> Any:
        return "; ".join(map(str, value)) if isinstance(value, list) else value

    return Table(columns, [[cell(record.get(c)) for c in columns] for record in records])


def _summary_record(entry: dict[str, Any]) -> dict[str, Any]:
    record = {"day": entry["day"], "events": entry["events"], **entry["by_kind"],
              "control_changes": len(entry["control_changes"]), "claims": len(entry["claims"])}  # fmt: skip
    for name in FIGURES:
        figure = entry[name] or {}
        record[f"{name}_low"], record[f"{name}_high"] = figure.get("low"), figure.get("high")
    return record


def status_report(entries: Sequence[StatusEntry], tz: tzinfo, as_of: str, fmt: Format | None = None) -> Report:
    """The ``status`` table: one row per place with a control event by then.

    Given the output format, only what it prints is built (the JSON or the rows): status lists every
    place, and building both for ten thousand places costs more than the query.
    """
    columns = ("place", "admin1", "holder", "status", "since", "against", "claim", "event")
    title = f"Control as of {as_of}: {len(entries)} place{'s' if len(entries) != 1 else ''}"
    machine = fmt in (Format.CSV, Format.TSV)
    with_json = fmt is None or fmt in (Format.JSON, Format.JSONL) or machine
    with_rows = fmt is None or not with_json
    data = [e.to_json(tz) for e in entries] if with_json else []
    if machine:
        return Report(data, [], machine=_machine(STATUS_CSV_COLUMNS, data))
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
    columns: tuple[str, ...] = ("at", "kind", "what", "claim", "grade", "source", "note", "event")
    if struck:  # with --all: the flag is a column too, for tables that cannot strike a row through
        columns += ("retracted",)
        event_rows = [[*row, "yes" if i in struck else ""] for i, row in enumerate(event_rows)]
    events = Table(columns, event_rows, title=f"Events at {history.place.name}: {len(history.events)}",
                   struck=struck)  # fmt: skip
    data = history.to_json(tz)
    return Report(data, [span_table, events], records=[data], machine=_machine(SPAN_CSV_COLUMNS, data["control"]))


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
    if len(days) > 1:
        tables.insert(1, day_bars(days))
    machine = _machine(SUMMARY_CSV_COLUMNS, [_summary_record(d) for d in days])
    return Report(summary, tables, records=days, machine=machine)


BAR_WIDTH = 20


def bar(value: float, scale: float, extra: float = 0.0, open_ended: bool = False) -> str:
    """``value`` as a bar of full blocks on ``scale``; ``extra`` (up to a high estimate) as light shade."""
    if scale <= 0:
        return ""
    full = round(value / scale * BAR_WIDTH)
    shade = round((value + extra) / scale * BAR_WIDTH) - full
    return "█" * full + "░" * shade + ("+" if open_ended else "")


def day_bars(days: Sequence[dict[str, Any]]) -> Table:
    """Per-day bars for a range: events, and killed from low (█) to high (░; + when the high is unknown)."""
    most = max((d["events"] for d in days), default=0)
    killed = [d["killed"] or {"low": 0, "high": 0} for d in days]
    worst = max((k["high"] if k["high"] is not None else k["low"] for k in killed), default=0)
    rows = []
    for day, k in zip(days, killed, strict=True):
        high = k["high"] if k["high"] is not None else k["low"]
        rows.append([day["day"], day["events"], bar(day["events"], most), range_text(k) or "0",
                     bar(k["low"], worst, high - k["low"], k["high"] is None)])  # fmt: skip
    return Table(("day", "events", "events per day", "killed", "killed per day"), rows,
                 title="Per day, assessed (killed: █ low, ░ up to the high estimate, + high unknown)")  # fmt: skip


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
