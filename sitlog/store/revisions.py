"""SQL for corrections: revision numbers, revision chains and change sets (what ``undo`` reverts).

Plain functions over a ``Store``; the revisions table is only ever appended to (through
``Store.insert_revision``), never updated or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sitlog.domain.model import ChangeSet, Event, from_utc_key, utc_key
from sitlog.errors import InvalidInput, NotFound
from sitlog.store.events import EVENT_SELECT

if TYPE_CHECKING:
    from sitlog.store import Store


@dataclass(frozen=True)
class Touch:
    """The revisions one change set wrote for one event."""

    event_id: str
    first_revision: int
    last_revision: int


_CHANGESET_SELECT = (
    "SELECT c.id, c.operator, c.command, c.created_at, c.summary, c.undoes, "
    "(SELECT max(r.seq) FROM revisions r WHERE r.changeset = c.id) FROM changesets c"
)


def _changeset(row: Any) -> ChangeSet:
    return ChangeSet(row[0], row[1], row[2], from_utc_key(row[3]), row[4], row[5], int(row[6] or 0))


def next_revision(store: Store, event_id: str) -> int:
    """The number the event's next revision gets; call it inside the write transaction."""
    row = store.conn.execute("SELECT max(revision) FROM revisions WHERE event_id = ?", (event_id,)).fetchone()
    return int(row[0] or 0) + 1


def revision(store: Store, event_id: str, number: int) -> Event | None:
    """One stored revision of an event."""
    row = store.conn.execute(f"{EVENT_SELECT} WHERE r.event_id = ? AND r.revision = ?", (event_id, number)).fetchone()
    return store.events.from_row(row) if row else None


def revision_changesets(store: Store, event_id: str) -> dict[int, ChangeSet | None]:
    """Revision number → the change set that wrote it (None for revisions written outside one)."""
    rows = store.conn.execute(
        "SELECT r.revision, c.id, c.operator, c.command, c.created_at, c.summary, c.undoes, r.seq "
        "FROM revisions r LEFT JOIN changesets c ON c.id = r.changeset WHERE r.event_id = ? ORDER BY r.revision",
        (event_id,),
    ).fetchall()
    return {r[0]: _changeset(r[1:]) if r[1] else None for r in rows}


def insert_changeset(
    store: Store, changeset_id: str, operator: str, command: str, now: datetime, summary: str, undoes: str | None
) -> None:
    """Record a change set (inside a transaction); ``undoes`` names the change set an undo reverts."""
    store.conn.execute(
        "INSERT INTO changesets (id, operator, command, created_at, undoes, summary) VALUES (?, ?, ?, ?, ?, ?)",
        (changeset_id, operator, command, utc_key(now), undoes, summary),
    )


def latest_changeset(store: Store, operator: str | None) -> ChangeSet | None:
    """The most recently recorded change set (of ``operator``, or anyone's) that has not been undone.

    Only change sets that wrote revisions count; the order is the order their revisions were
    recorded in (``seq``), not their clock time, so two commands in the same second still order.
    """
    where = "c.operator = ? AND " if operator is not None else ""
    # CROSS JOIN keeps revisions as the outer loop: walk back from the newest and stop at the first fit,
    # instead of collecting and sorting every change set the operator ever made.
    row = store.conn.execute(
        "SELECT r.changeset FROM revisions r CROSS JOIN changesets c ON c.id = r.changeset "
        f"WHERE {where}r.changeset NOT IN (SELECT undoes FROM changesets WHERE undoes IS NOT NULL) "
        "ORDER BY r.seq DESC LIMIT 1",
        (operator,) if operator is not None else (),
    ).fetchone()
    return get_changeset(store, row[0]) if row else None


def get_changeset(store: Store, id_or_prefix: str) -> ChangeSet:
    """The change set an id or unique id prefix names (exit 3 ambiguous, 4 unknown)."""
    text = id_or_prefix.strip()
    rows: list[Any] = []
    for candidate in dict.fromkeys((text, text.upper())):  # change set ids are ULIDs: accept lower case
        rows = store.conn.execute(
            f"{_CHANGESET_SELECT} WHERE c.id >= ? AND c.id < ? ORDER BY c.id LIMIT 10",
            (candidate, candidate + "\U0010ffff"),
        ).fetchall()
        if rows:
            break
    exact = [r for r in rows if r[0] in (text, text.upper())]
    rows = exact or rows
    if not rows:
        raise NotFound(f"no change set with id {id_or_prefix!r}")
    if len(rows) > 1:
        ids = [r[0] for r in rows]
        raise InvalidInput(f"id prefix {id_or_prefix!r} matches several change sets: {', '.join(ids)}", ids)
    return _changeset(rows[0])


def undone_by(store: Store, changeset_id: str) -> ChangeSet | None:
    """The undo that reverted a change set, if any."""
    row = store.conn.execute(f"{_CHANGESET_SELECT} WHERE c.undoes = ? LIMIT 1", (changeset_id,)).fetchone()
    return _changeset(row) if row else None


def touches(store: Store, changeset_id: str) -> list[Touch]:
    """The events a change set wrote, each with the first and last revision it wrote, in recording order."""
    rows = store.conn.execute(
        "SELECT event_id, min(revision), max(revision) FROM revisions WHERE changeset = ? "
        "GROUP BY event_id ORDER BY min(seq)",
        (changeset_id,),
    ).fetchall()
    return [Touch(r[0], r[1], r[2]) for r in rows]


def changesets_after(store: Store, event_id: str, after_revision: int) -> list[ChangeSet]:
    """The change sets that wrote revisions of an event after ``after_revision``, oldest first."""
    rows = store.conn.execute(
        f"{_CHANGESET_SELECT} WHERE c.id IN (SELECT changeset FROM revisions WHERE event_id = ? AND revision > ?)",
        (event_id, after_revision),
    ).fetchall()
    return sorted((_changeset(r) for r in rows), key=lambda c: c.last_seq)
