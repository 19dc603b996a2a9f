"""Short handles (see ``sitlog/domain/handles.py``): the queries that turn one into an event id.

Plain ``sqlite3`` on purpose: shell completion reads recent handles through these functions and must
not pay for sqlite-utils.
"""

from __future__ import annotations

import sqlite3

from sitlog.domain.handles import handle_number, handle_of


def event_of_handle(conn: sqlite3.Connection, text: str) -> str | None:
    """The event id a typed handle names, or None (``text`` is no handle, or no event has it)."""
    number = handle_number(text)
    if number is None:
        return None
    row = conn.execute("SELECT event_id FROM handles WHERE n = ?", (number,)).fetchone()
    return str(row[0]) if row else None


def handle_of_event(conn: sqlite3.Connection, event_id: str) -> str | None:
    """The handle of a stored event, or None when it is not stored."""
    row = conn.execute("SELECT n FROM handles WHERE event_id = ?", (event_id,)).fetchone()
    return handle_of(int(row[0])) if row else None


def last_logged(conn: sqlite3.Connection, operator: str) -> str | None:
    """The id of the event ``operator`` logged most recently (``sitlog log``, one line or a file)."""
    row = conn.execute(
        # Newest revision first (recording order, not clock time): two logs in one second still order.
        "SELECT r.event_id FROM revisions r CROSS JOIN changesets c ON c.id = r.changeset "
        "WHERE c.operator = ? AND c.command LIKE 'log%' ORDER BY r.seq DESC LIMIT 1",
        (operator,),
    ).fetchone()
    return str(row[0]) if row else None


def recent_handles(conn: sqlite3.Connection, limit: int = 20) -> list[tuple[str, str, str]]:
    """The newest ``limit`` events as (handle, kind, place name), newest first: for completion."""
    rows = conn.execute(
        "SELECT h.n, e.kind, p.name FROM handles h JOIN events e ON e.event_id = h.event_id "
        "JOIN places p ON p.id = e.place_id ORDER BY h.n DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [(handle_of(int(n)), str(kind), str(place)) for n, kind, place in rows]
