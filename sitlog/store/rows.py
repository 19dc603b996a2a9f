"""The layout of a revision row as imports build it: column positions, bodies, encodings, head columns.

A row is a tuple in the store's column order (``store.events.REVISION_COLUMNS``); ``bulk`` queues and
writes them, the exchange formats build them with ``event_to_row`` or by hand (jsonl).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sitlog.domain.model import Event, utc_key
from sitlog.store.codecs import distance_text, sides_text, sources_text, window_last
from sitlog.store.codecs import quantity_text as quantity_text  # with best when a source gives one
from sitlog.store.events import REVISION_COLUMNS

# Positions in a revision row; the layout is the store's own column list (checked below).
COLUMNS = tuple(c.strip() for c in REVISION_COLUMNS.split(","))
EVENT_ID, REVISION, KIND, PRECISION, AT_DATE, AT_END, CLAIMED, TAGS, OPERATOR, RECORDED_AT, RETRACTED, REASON, \
    CHANGESET = (0, 1, 2, 5, 6, 7, 25, 28, 29, 30, 31, 32, 34)  # fmt: skip
EXTRA = CHANGESET + 1  # columns added after the change set: baseline … sources (m004), sides (m005)
_NAMED = (KIND, PRECISION, AT_DATE, AT_END, CLAIMED, TAGS, OPERATOR, RECORDED_AT, RETRACTED, REASON, CHANGESET)
assert [COLUMNS[i] for i in _NAMED] == (
    "kind precision at_date at_end claimed tags operator recorded_at retracted reason changeset".split()
)
assert COLUMNS[EXTRA:] == ("baseline", "from_actor_id", "relation", "distance", "direction", "sources", "sides")
# A row's "body" is kind … duplicate_of then baseline … sides: everything but the event id, revision
# number and change set. What the reporter said is kind … tags, baseline … direction and sides (not the
# sources: a corroboration adds a report, not a different fact).
CONTENT = TAGS - KIND + 1
CORE = CHANGESET - KIND  # where the body's m004 columns start
SOURCES = CORE + 5
SIDES = SOURCES + 1


def body_of(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The body of a full revision row (event_id, revision, …, changeset, baseline, …, sources)."""
    return row[KIND:CHANGESET] + row[EXTRA:]


def content_of(body: tuple[Any, ...]) -> tuple[Any, ...]:
    """What the reporter said, from a body: a corroborating source or a retraction is not new content."""
    return body[:CONTENT] + body[CORE:SOURCES] + body[SIDES:]


def n_sources(sources: str) -> int:
    """How many reports a ``sources`` column names (``[]``: the event's own one)."""
    return 1 if sources == "[]" else max(1, len(json.loads(sources)))


def full_row(seq: int, event_id: str, revision: int, body: tuple[Any, ...], changeset: str | None) -> tuple[Any, ...]:
    """A row for ``INSERT_REVISION``: seq, then the store's column order."""
    return (seq, event_id, revision, *body[:CORE], changeset, *body[CORE:])


def head_of(seq: int, body: tuple[Any, ...]) -> tuple[Any, ...]:
    """The ``events`` head columns after event_id: seq, kind, place_id, at_utc, at_date, retracted, claimed,
    n_sources, at_last."""
    at_date = body[AT_DATE - KIND]
    at_last = None if at_date is None else window_last(body[PRECISION - KIND], at_date, body[AT_END - KIND])
    return (seq, body[0], body[1], body[2], at_date, body[RETRACTED - KIND], body[CLAIMED - KIND],
            n_sources(body[SOURCES]), at_last)  # fmt: skip


INSERT_REVISION = f"INSERT INTO revisions (seq, {', '.join(COLUMNS)}) VALUES ({', '.join('?' * (len(COLUMNS) + 1))})"
# An upsert costs ~60% more than a plain insert here, even without a conflict: new heads are inserted,
# heads of events already stored are updated.
INSERT_HEAD = (
    "INSERT INTO events (event_id, seq, kind, place_id, at_utc, at_date, retracted, claimed, n_sources, at_last) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
UPDATE_HEAD = (
    "UPDATE events SET seq = ?, kind = ?, place_id = ?, at_utc = ?, at_date = ?, retracted = ?, claimed = ?, "
    "n_sources = ?, at_last = ? WHERE event_id = ?"
)
BODY_COLUMNS = ", ".join([*COLUMNS[:CHANGESET], *COLUMNS[EXTRA:]])


def id_list(ids: Iterable[int]) -> str:
    """Actor ids as the store keeps them (``json.dumps`` of a list of ints)."""
    return "[" + ", ".join(str(i) for i in ids) + "]"


def event_to_row(event: Event, actor_id: dict[str, int]) -> tuple[Any, ...]:
    """``event`` as a revision row (changeset left empty), encoded exactly as ``Store.insert_revision`` does."""

    def q(value: Any) -> str | None:
        return quantity_text(value.low, value.high, value.text, value.best) if value else None

    when = event.when
    return (
        event.id, event.revision, event.kind.value, event.place_id, utc_key(when.instant), when.precision.value,
        when.day.isoformat() if when.day else None, when.end.isoformat() if when.end else None,
        id_list(actor_id[a] for a in event.actors), id_list(actor_id[a] for a in event.against),
        event.status.value if event.status else None, event.part, event.outcome,
        q(event.killed), q(event.injured), q(event.captured), event.side, event.person, event.role,
        event.means.value if event.means else None, q(event.people), q(event.families), event.to_place_id,
        event.source, event.grade, int(event.claimed), event.claimed_by, event.note,
        json.dumps(list(event.tags), ensure_ascii=False), event.operator, utc_key(event.recorded_at),
        int(event.retracted), event.reason, event.duplicate_of, None,
        int(event.baseline), actor_id[event.from_actor] if event.from_actor else None,
        event.relation.value if event.relation else None, distance_text(event.distance_km), event.direction,
        sources_text(event.sources), sides_text(event.sides, actor_id.__getitem__),
    )  # fmt: skip
