"""Revisions as data: what changed between two revisions, corrections, and what an undo would restore.

Pure: the use cases in ``sitlog.ops.corrections`` build these; ``sitlog.render`` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from sitlog.domain.model import ChangeSet, Event


@dataclass
class Correction:
    """The outcome of an amend or retract: the head after it and whether a revision was written."""

    event: Event
    previous: Event
    written: bool
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Revert:
    """One event an undo restores: its head now and the revision the undo appends."""

    current: Event
    restored: Event
    restores: int | None  # the revision whose content comes back; None: the change set created the event


@dataclass(frozen=True)
class UndoPlan:
    target: ChangeSet
    reverts: tuple[Revert, ...]

    def fingerprint(self) -> tuple[Any, ...]:
        """Equal fingerprints: nothing changed between showing the plan and applying it."""
        return (self.target.id, tuple((r.current.id, r.current.revision) for r in self.reverts))


def describe_changeset(cs: ChangeSet, tz: tzinfo) -> str:
    """``amend by alice at 2024-11-28T12:00:00+00:00: ID r2 (change set ID)``."""
    when = cs.created_at.astimezone(tz).isoformat(timespec="seconds")
    summary = f": {cs.summary}" if cs.summary else ""
    return f"{cs.command} by {cs.operator} at {when}{summary} (change set {cs.id})"


_BOOKKEEPING = ("id", "operator", "recorded_at", "revision", "reason")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


def changes_between(old: Event | None, new: Event, tz: tzinfo) -> list[FieldChange]:
    """Field by field, what ``new`` says differently from ``old`` (JSON values; empty for a first revision)."""
    if old is None:
        return []
    before, after = old.to_json(tz), new.to_json(tz)
    keys = [k for k in after if k not in _BOOKKEEPING] + [k for k in before if k not in after and k not in _BOOKKEEPING]
    if before.get("place") != after.get("place"):
        keys.remove("place_id")  # the name says it; the number only matters when two places share a name
    return [FieldChange(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


@dataclass(frozen=True)
class RevisionStep:
    """One revision of an event, the change set that wrote it (None for old data) and what it changed."""

    event: Event
    changeset: ChangeSet | None
    changes: list[FieldChange]


@dataclass(frozen=True)
class EventHistory:
    """``show``: the event's head and, when asked for, every revision from the first."""

    head: Event
    revisions: list[RevisionStep] | None
