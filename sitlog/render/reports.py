"""The analyst reports as tables: status, history, summary, check, and the demo's combination of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, TextIO

from sitlog.render.events import describe
from sitlog.render.output import UNKNOWN, Format, Report, Table

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
    """``{low, high}`` as ``7``, ``10-15`` or ``12+`` (unknown high); a total's best as ``12-21 (best 15)``,
    ``(best 15; 2 parts without)`` when some parts have none."""
    if not value:
        return ""
    low, high = value.get("low"), value.get("high")
    text = f"{low}+" if high is None else str(low) if low == high else f"{low}-{high}"
    best, without = value.get("best"), value.get("without_best") or 0
    if best:
        text += f" (best {best}" + (f"; {without} part{'s' if without != 1 else ''} without)" if without else ")")
    return text


def _state(status: str, part: str | None) -> str:
    return f"{status} ({part})" if part else status


def _claim(claimed: bool, party: str | None) -> str:
    return (party or "claim") if claimed else ""


# Report CSVs carry machine values: the JSON's fields, snake_case, lists joined with "; ", no glyphs or prose.
STATUS_CSV_COLUMNS = ("place", "admin1", "holder", "status", "part", "since", "precision", "against", "claimed",
                      "claimed_by", "claims", "event_id", "place_id")  # fmt: skip
SPAN_CSV_COLUMNS = ("holder", "status", "part", "from", "from_precision", "until", "duration_days", "against",
                    "claimed", "clipped", "event_ids")  # fmt: skip
FIGURES = ("killed", "injured", "captured", "displaced_people", "displaced_families")
SUMMARY_CSV_COLUMNS = ("day", "events", "control", "clash", "casualties", "strike", "displacement", "advance",
                       "control_changes", *(f"{f}_{end}" for f in FIGURES for end in ("low", "best", "high")),
                       "claims")  # fmt: skip


def _machine(columns: Sequence[str], records: Sequence[dict[str, Any]]) -> Table:
    def cell(value: Any) -> Any:
        return "; ".join(map(str, value)) if isinstance(value, list) else value

    return Table(columns, [[cell(record.get(c)) for c in columns] for record in records])


def _summary_record(entry: dict[str, Any]) -> dict[str, Any]:
    record = {"day": entry["day"], "events": entry["events"], **entry["by_kind"],
              "control_changes": len(entry["control_changes"]), "claims": len(entry["claims"])}  # fmt: skip
    for name in FIGURES:
        figure = entry[name] or {}
        record[f"{name}_low"], record[f"{name}_best"] = figure.get("low"), figure.get("best")
        record[f"{name}_high"] = figure.get("high")
    return record


def _status_records(data: Sequence[dict[str, Any]], with_claims: bool) -> list[dict[str, Any]]:
    """Status CSV rows: each place's assessed control (with its number of claims), and with ``with_claims``
    a row per claim under it (``claimed`` true, the party in ``claimed_by``)."""
    records: list[dict[str, Any]] = []
    for d in data:
        records.append({**d, "claims": len(d["claims"])})
        if with_claims:
            records.extend({"place": d["place"], "admin1": d["admin1"], "holder": c["holder"], "status": c["status"],
                            "part": c["part"], "since": c["at"], "claimed": True, "claimed_by": c["party"],
                            "event_id": c["event_id"], "place_id": d["place_id"]} for c in d["claims"])  # fmt: skip
    return records


def status_report(
    entries: Sequence[StatusEntry], tz: tzinfo, as_of: str, fmt: Format | None = None, with_claims: bool = False
) -> Report:
    """The ``status`` table: one row per place with assessed control (or only claims) by then.

    ``with_claims`` adds a row per claim under its place, marked ``claimed (party)`` in the claim
    column; JSON always carries the claims. Given the output format, only what it prints is built
    (the JSON or the rows): status lists every place, and building both for ten thousand places
    costs more than the query.
    """
    columns = ("place", "admin1", "holder", "status", "since", "against", "claim", "event")
    title = f"Control as of {as_of}: {len(entries)} place{'s' if len(entries) != 1 else ''}"
    if with_claims:
        title += "; claims (not assessed) on their own rows"
    machine = fmt in (Format.CSV, Format.TSV)
    with_json = fmt is None or fmt in (Format.JSON, Format.JSONL) or machine
    with_rows = fmt is None or not with_json
    data = [e.to_json(tz) for e in entries] if with_json else []
    if machine:
        return Report(data, [], machine=_machine(STATUS_CSV_COLUMNS, _status_records(data, with_claims)))
    rows: list[list[Any]] = []
    for e in entries if with_rows else ():
        status = UNKNOWN if e.status is None else _state(e.status.value, e.part)
        since = UNKNOWN if e.since is None else when_cell(e.since, tz)
        note = "" if with_claims or not e.claims else f"{len(e.claims)} claim{'s' if len(e.claims) > 1 else ''}"
        rows.append([e.place, e.admin1, e.holder or UNKNOWN, status, since, ", ".join(e.against), note,
                     e.event_id or UNKNOWN])  # fmt: skip
        if with_claims:
            rows.extend([e.place, e.admin1, c.holder or UNKNOWN, _state(c.status.value, c.part), when_cell(c.at, tz),
                         "", f"claimed ({c.party or 'unnamed party'}, {c.grade or 'ungraded'})", c.event_id]
                        for c in e.claims)  # fmt: skip
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


def history_report(history: History, tz: tzinfo, fmt: Format | None = None) -> Report:
    """A place's history: its control spans (with a timeline bar) above every event there.

    Given the output format, only what it prints is built: the JSON (once) for json/jsonl, the spans' rows
    for csv/tsv, the tables for the rest; ``None`` builds everything (the demo shows all of it).
    """
    if fmt in (Format.JSON, Format.JSONL):
        data = history.to_json(tz)
        return Report(data, [], records=[data])
    if fmt in (Format.CSV, Format.TSV):
        return Report(None, [], machine=_machine(SPAN_CSV_COLUMNS, [s.to_json(tz) for s in history.spans]))
    spans = history.spans
    rows = []
    if spans:
        starts = [s.start.instant.timestamp() for s in spans]
        bars = _timeline(starts, max(start + s.seconds for start, s in zip(starts, spans, strict=True)))
        for span, bar in zip(spans, bars, strict=True):
            until = when_cell(span.end, tz) if span.end else "now"
            rows.append([span.span.holder or UNKNOWN, _state(span.span.status.value, span.span.part),
                         when_cell(span.start, tz), until, duration_text(span.seconds), ", ".join(span.span.against),
                         bar])  # fmt: skip
    span_table = Table(("holder", "status", "from", "until", "for", "against", "timeline"), rows,
                       title=_place_line(history) + " · assessed control")  # fmt: skip
    event_rows = [[when_cell(e.when, tz), e.kind.value, describe(e), _claim(e.claimed, e.claimed_by), e.grade,
                   e.source, e.note, e.id] for e in history.events]  # fmt: skip
    struck = {i for i, e in enumerate(history.events) if e.retracted}
    columns: tuple[str, ...] = ("at", "kind", "what", "claim", "grade", "source", "note", "event")
    if struck:  # with --all: the flag is a column too, for tables that cannot strike a row through
        columns += ("retracted",)
        event_rows = [[*row, "yes" if i in struck else ""] for i, row in enumerate(event_rows)]
    events = Table(columns, event_rows, title=f"Events at {history.place.name}: {len(history.events)}",
                   struck=struck)  # fmt: skip
    tables = [span_table, events]
    if history.claims:
        claim_rows = [[when_cell(c.at, tz), c.party or "unnamed party", c.holder or UNKNOWN,
                       _state(c.status.value, c.part), c.grade, c.event_id] for c in history.claims]  # fmt: skip
        tables.insert(1, Table(("at", "claimed by", "holder", "status", "grade", "event"), claim_rows,
                               title="Claimed control (reported by a party, not assessed)"))  # fmt: skip
    if fmt is not None:
        return Report(None, tables)
    data = history.to_json(tz)
    return Report(data, tables, records=[data], machine=_machine(SPAN_CSV_COLUMNS, data["control"]))


SUMMARY_COLUMNS = ("day", "events", "control", "clash", "casualties", "strike", "displacement", "advance", "changes",
                   "killed", "injured", "captured", "displaced people", "displaced families", "claims")  # fmt: skip
FIGURE_NAMES = ("killed", "injured", "captured", "displaced_people", "displaced_families")


def _figure(value: dict[str, Any] | None) -> Any:
    """A total as a cell: unknown (no event reported it) is ``–``, not zero."""
    return UNKNOWN if value is None else range_text(value)


def _summary_row(label: str, entry: dict[str, Any]) -> list[Any]:
    kinds = entry["by_kind"]
    return [label, entry["events"], kinds["control"], kinds["clash"], kinds["casualties"], kinds["strike"],
            kinds["displacement"], kinds["advance"], len(entry["control_changes"]),
            *(_figure(entry[name]) for name in FIGURE_NAMES), len(entry["claims"])]  # fmt: skip


def _distance(value: dict[str, Any] | None) -> Any:
    if value is None:
        return UNKNOWN
    text = str(value["text"])
    return text if "km" in text.lower() else f"{text} km"


def _period(entry: dict[str, Any], by: str) -> str:
    until = entry.get("until")
    return entry["day"] if by == "day" or not until or until == entry["day"] else f"{entry['day']}..{until}"


def _windowed_row(label: str, entry: dict[str, Any]) -> list[Any]:
    w = entry["windowed"]
    return [label, w["events"], *(_figure(w[name]) for name in FIGURE_NAMES), ", ".join(w["event_ids"])]


def _figures(claim: dict[str, Any]) -> str:
    names = ("killed", "injured", "captured", "people", "families")
    parts = [f"{name} {claim[name]['text']}" for name in names if name in claim]
    if claim.get("holder"):
        parts.append(f"{claim['holder']} {claim.get('status') or 'held'}")
    if claim.get("side"):
        parts.append(f"side {claim['side']}")
    return ", ".join(parts)


def summary_report(summary: dict[str, Any], zone: str, by: str = "day", fmt: Format | None = None) -> Report:
    """Summary tables: the totals per period, then windows overlapping a period, control changes, claims,
    persons and imprecise events. ``by`` (day, week, month) labels the periods. Given the output format,
    only what it prints is built (a two-year summary's tables hold every claim and control change)."""
    days = summary["days"]
    total = summary["total"]
    if fmt in (Format.JSON, Format.JSONL):
        return Report(summary, [], records=days)
    machine = _machine(SUMMARY_CSV_COLUMNS, [_summary_record(d) for d in days])
    if fmt in (Format.CSV, Format.TSV):
        return Report(summary, [], machine=machine)
    rows = [_summary_row(_period(d, by), d) for d in days]
    if len(days) > 1:
        rows.append(_summary_row("total", total))
    span = days[0]["day"] if len(days) == 1 else f"{total['from']} to {total['until']}"
    columns = SUMMARY_COLUMNS if by == "day" else (by, *SUMMARY_COLUMNS[1:])
    tables = [Table(columns, rows, title=f"Summary {span} ({zone}); claims are not in the totals")]
    windowed = [_windowed_row(_period(d, by), d) for d in days if d["windowed"]["events"]]
    if len(days) > 1 and total["windowed"]["events"]:
        windowed.append(_windowed_row("total", total))
    if windowed:
        heads = (columns[0], "events", "killed", "injured", "captured", "displaced people", "displaced families",
                 "event ids")  # fmt: skip
        title = "Known only within a window that overlaps the period: not in its figures"
        tables.append(Table(heads, windowed, title=title))

    def detail(title: str, columns: Sequence[str], rows: list[list[Any]]) -> None:
        # Each detail row starts with its day; a one-day summary leaves that column out.
        if rows:
            cut = 1 if len(days) == 1 else 0
            tables.append(Table(columns[cut:], [row[cut:] for row in rows], title=title))

    tables.append(Table(("figure", *(_period(d, by) for d in days), *(["total"] if len(days) > 1 else [])),
                        [[name.replace("_", " "), *(d["events_with"][name] for d in days),
                          *([total["events_with"][name]] if len(days) > 1 else [])] for name in FIGURE_NAMES],
                        title="Assessed events reporting each figure (0: unknown, not zero)"))  # fmt: skip
    detail("Control changes (assessed)", ("day", "place", "from", "to", "status", "event"),
           [[_period(d, by), c["place"], c["from"] or UNKNOWN, c["to"] or UNKNOWN, _state(c["status"], c["part"]),
             c["event_id"]] for d in days for c in d["control_changes"]])  # fmt: skip
    moves = [[actor, ", ".join(total["gains"].get(actor, [])), ", ".join(total["losses"].get(actor, []))]
             for actor in sorted(set(total["gains"]) | set(total["losses"]))]  # fmt: skip
    if moves:
        tables.append(Table(("actor", "gained", "lost"), moves, title="Gains and losses (assessed)"))
    detail("Claims (reported by a party, not assessed)", ("day", "claimed by", "kind", "place", "figures", "event"),
           [[_period(d, by), c["party"] or "unnamed party", c["kind"], c["place"], _figures(c), c["event_id"]]
            for d in days for c in d["claims"]])  # fmt: skip
    detail("Advances (front-line movement, not control)", ("day", "actor", "place", "relation", "distance",
                                                           "direction", "event"),
           [[_period(d, by), a["actor"], a["place"], a["relation"], _distance(a["distance_km"]), a["direction"],
             a["event_id"]] for d in days for a in d["advances"]])  # fmt: skip
    detail("Persons", ("day", "person", "role", "fate", "place", "side", "sources", "claim"),
           [[_period(d, by), p["name"], p["role"], ", ".join(p["fate"]), p["place"], p["side"], p["sources"],
             "claim" if p["claimed"] else ""] for d in days for p in d["persons"]])  # fmt: skip
    detail("Known only within a window that lies in the period (counted in it)",
           ("counted in", "kind", "place", "precision", "known window", "event"),
           [[_period(d, by), i["kind"], i["place"], i["precision"],
             i["at"] + (f"..{i['at_end']}" if i["at_end"] else ""), i["event_id"]]
            for d in days for i in d["imprecise"]])  # fmt: skip
    detail(
        "Places involved", ("day", "places"), [[_period(d, by), ", ".join(d["places"])] for d in days if d["places"]]
    )
    if len(days) > 1:
        tables.insert(1, day_bars(days))
    return Report(summary, tables, records=days, machine=machine)


def emit_summary(
    days: Iterable[dict[str, Any]], total: Callable[[], dict[str, Any]], fmt: Format, out: TextIO | None = None
) -> None:
    """Write a summary as its periods come (``ops.reports.summary_stream``): json — the text ``emit`` gives
    for ``{"days": [...], "total": total()}`` — or jsonl, a line per period; nothing is held but a period."""
    import sys

    from sitlog.domain.text import json_safe
    from sitlog.render.output import dumps, indented, indented_text

    out = out or sys.stdout

    def write(text: str) -> None:  # JSON pieces: control and bidi characters spelled \uXXXX (issue 15)
        out.write(json_safe(text))

    if fmt is Format.JSONL:
        for entry in days:
            write(dumps(entry, indent=None) + "\n")
        out.flush()
        return
    write('{\n  "days": ')
    opened = False
    for entry in days:
        write(("," if opened else "[") + "\n    " + indented_text(entry, 2, 2))
        opened = True
    write("\n  ]" if opened else "[]")
    write(',\n  "total": ')
    for piece in indented(total(), 2, 1):
        write(piece)
    write("\n}\n")
    out.flush()


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
