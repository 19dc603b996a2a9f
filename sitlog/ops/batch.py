"""``sitlog log --file``: many logged events as one change set, written all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sitlog.domain.model import new_event_id
from sitlog.errors import InvalidInput, SitlogError
from sitlog.ops.recording import LogRequest, LogResult, build_event

if TYPE_CHECKING:
    from sitlog.domain.model import When
    from sitlog.store import Store


@dataclass
class BatchLine:
    """One line of a batch file, parsed: its number (1-based), the request and its resolved time."""

    number: int
    request: LogRequest
    when: When


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def record_batch(
    store: Store, lines: list[BatchLine], operator: str, now: datetime, dry_run: bool = False
) -> list[tuple[int, LogResult]]:
    """Store every line's event in one ``BEGIN IMMEDIATE`` transaction and one change set.

    An error on any line rolls everything back and is re-raised with ``line N:`` in front of its
    message (same exit code). With ``dry_run`` the same work is done — names resolved, places that
    ``--new-place`` asks for created — and then rolled back, so what is reported is exactly what a
    real run would store. A line whose ``--id`` and content are already stored is a no-op retry.
    """
    results: list[tuple[int, LogResult]] = []
    try:
        with store.transaction():
            ids: list[str] = []
            for line in lines:
                try:
                    results.append((line.number, _build_line(store, line, now, ids)))
                except SitlogError as exc:
                    exc.message = f"line {line.number}: {exc.message}"
                    exc.args = (exc.message,)
                    raise
            new = [result.event for _, result in results if result.created]
            if new:
                changeset = new_event_id(now)
                summary = new[0].id if len(new) == 1 else f"{len(new)} events, {new[0].id} … {new[-1].id}"
                store.begin_changeset(changeset, operator, "log --file", now, summary)
                for event in new:
                    store.events.insert_revision(event, changeset)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return results


def _build_line(store: Store, line: BatchLine, now: datetime, ids: list[str]) -> LogResult:
    notes: list[str] = []
    req = line.request
    event = build_event(store, req, line.when, now, notes)
    existing = store.events.find(event.id)
    if existing is not None:
        retry = event if req.at is not None else event.with_changes(when=existing.when)
        if existing.content() == retry.with_changes(place=existing.place).content():
            return LogResult(existing, notes, False)
        raise InvalidInput(f"event id {event.id} is already used for different content (use `sitlog amend`)")
    if event.id in ids:
        raise InvalidInput(f"event id {event.id} appears twice in the file")
    ids.append(event.id)
    return LogResult(event, notes, True)
