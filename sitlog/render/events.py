"""Views of events, places and actors: listings, ``show``, revision diffs, undo plans and receipts."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from sitlog.render.output import Report, Table

if TYPE_CHECKING:
    from sitlog.domain.model import Actor, Event, Place
    from sitlog.domain.revisions import Correction, EventHistory, FieldChange, UndoPlan


def describe(event: Event) -> str:
    """A short human line for an event's kind-specific content."""
    from sitlog.domain.model import Kind

    if event.kind is Kind.CONTROL:
        status = event.status.value if event.status else "held"
        if event.holder is None:
            return f"{status} by {', '.join(event.against)}"
        text = f"{event.holder} {status}"
        if event.part:
            text += f" ({event.part})"
        if event.against:
            text += f" against {', '.join(event.against)}"
        if event.from_actor:
            text += f", taken from {event.from_actor}"
        return text + (" (baseline)" if event.baseline else "")
    if event.kind is Kind.ADVANCE:
        who = event.actors[0] if event.actors else "?"
        far = event.distance_km.text if event.distance_km else None
        km = f"{far} km" if far and "km" not in far.lower() else far
        if event.relation is not None and event.relation.value == "near":
            text = f"{who} within {km} of {event.place}" if km else f"{who} near {event.place}"
        else:
            text = f"{who} advanced {km + ' ' if km else ''}toward {event.place}"
        return text + (f" (from the {event.direction})" if event.direction else "")
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


EVENT_COLUMNS = ("id", "at", "kind", "place", "what", "claimed", "retracted", "grade", "source", "note", "handle")
# CSV/TSV: the same fields as machine values (true/false, the claimant apart), then what a script filters on.
EVENT_CSV_COLUMNS = ("id", "at", "precision", "kind", "place", "what", "claimed", "claimed_by", "retracted", "grade",
                     "source", "tags", "operator", "recorded_at", "note", "handle")  # fmt: skip


def event_cells(event: Event, tz: tzinfo) -> list[Any]:
    claim = (event.claimed_by or "yes") if event.claimed else ""
    return [event.id, event.when.to_json(tz), event.kind.value, event.place, describe(event), claim,
            "yes" if event.retracted else "", event.grade, event.source, event.note, event.handle]  # fmt: skip


def events_report(events: list[Event], tz: tzinfo, with_json: bool = True, machine: bool = False) -> Report:
    """The ``events`` listing; without ``with_json`` (a table or CSV is wanted) ``data`` is left empty,
    which saves building a dict per event — a quarter of the time of a 10,000-event listing."""
    data = [e.to_json(tz) for e in events] if with_json else []
    # Reuse the JSON's formatted time where there is one rather than format every instant twice.
    ats = [d["at"] for d in data] if with_json else [e.when.to_json(tz) for e in events]
    if machine:  # CSV/TSV
        from sitlog.domain.model import rfc3339

        rows = [
            [e.id, at, e.when.precision.value, e.kind.value, e.place, describe(e), e.claimed, e.claimed_by,
             e.retracted, e.grade, e.source, ";".join(e.tags), e.operator, rfc3339(e.recorded_at, tz), e.note,
             e.handle]
            for e, at in zip(events, ats, strict=True)
        ]  # fmt: skip
        table = Table(EVENT_CSV_COLUMNS, rows)
        return Report(data, [table], machine=table)
    rows = [
        [e.id, at, e.kind.value, e.place, describe(e), (e.claimed_by or "yes") if e.claimed else "",
         "yes" if e.retracted else "", e.grade, e.source, e.note, e.handle]
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


def places_near_report(rows: list[tuple[Place, float]]) -> Report:
    """``places near``: the place objects plus ``distance_km``, nearest first."""
    table = [[f"{d:.1f}", p.name, p.admin1, p.admin2, p.pcode, f"{p.lat:.4f}", f"{p.lon:.4f}"] for p, d in rows]
    columns = ("km", "name", "admin1", "admin2", "pcode", "lat", "lon")
    return Report([{**p.to_json(), "distance_km": d} for p, d in rows], [Table(columns, table)])


def actors_report(actors: list[Actor]) -> Report:
    rows = [[a.id, a.name, "; ".join(a.aliases), a.type.value, a.parent, a.side, "; ".join(a.members)] for a in actors]
    columns = ("id", "name", "aliases", "type", "parent", "side", "members")
    return Report([a.to_json() for a in actors], [Table(columns, rows)])


# --- corrections: show, revision diffs, undo plans (issue 4) ---------------------------------------


def change_value(value: Any) -> str:
    """A JSON field value as a person reads it in a diff: quantities by their text, lists joined."""
    if value is None or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict) and "text" in value:
        return str(value["text"])
    if isinstance(value, list):  # names, or sources ({source, grade, …}) shown as "source (grade)"
        return ", ".join(
            f"{v.get('source') or 'unnamed'}" + (f" ({v['grade']})" if v.get("grade") else "") if isinstance(v, dict)
            else str(v) for v in value
        )  # fmt: skip
    return str(value)


def change_text(change: FieldChange) -> str:
    return f"{change.field}: {change_value(change.old)} → {change_value(change.new)}"


def show_report(shown: EventHistory, tz: tzinfo) -> Report:
    """``show``: the event field by field; with its revisions, every revision and what it changed."""
    head, history = shown.head, shown.revisions
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
    for step in history:
        event, changeset, changes = step.event, step.changeset, step.changes
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
    from sitlog.domain.revisions import changes_between, describe_changeset

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
    from sitlog.domain.revisions import changes_between

    event = correction.event
    resolved = f" [{'; '.join(correction.notes)}]" if correction.notes else ""
    if not correction.written:
        return f"{named(event)} already reads so (revision {event.revision}); nothing recorded{resolved}"
    diff = "; ".join(change_text(c) for c in changes_between(correction.previous, event, tz))
    return f"{verb} {named(event)} → revision {event.revision}: {diff}{resolved}"


def named(event: Event) -> str:
    """An event as receipts name it: its handle (what an operator types) and its full id."""
    return f"{event.handle} ({event.id})" if event.handle else event.id


def corroboration_receipt(event: Event, notes: list[str]) -> str:
    """The stderr line after a corroboration: which event, the source added, how many reports now."""
    added = event.all_sources[-1]
    resolved = f" [{'; '.join(notes)}]" if notes else ""
    grade = f" ({added.grade})" if added.grade else ""
    source = f"source {added.source or 'unnamed'}{grade} added; {len(event.all_sources)} sources now"
    return f"corroborated {named(event)} → revision {event.revision}: {source}{resolved}"


def log_receipt(event: Event, notes: list[str], created: bool, tz: tzinfo) -> str:
    """The stderr line after ``log``: what was stored, when, and how the names typed were resolved."""
    if not created:
        return f"already recorded {named(event)} (same content; nothing added)"
    when = event.when.to_json(tz)
    precision = event.when.precision.value
    resolved = f" [{'; '.join(notes)}]" if notes else ""
    claim = " (claim)" if event.claimed else ""
    head = f"logged {event.kind.value} {named(event)} at {event.place}, {when} ({precision})"
    return f"{head}: {describe(event)}{claim}{resolved}"
