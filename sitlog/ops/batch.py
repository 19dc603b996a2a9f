"""``sitlog log --file``: many logged events as one change set, written all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import TYPE_CHECKING

from sitlog.domain.handles import LAST
from sitlog.domain.model import new_event_id
from sitlog.errors import InvalidInput, SitlogError
from sitlog.ops.recording import LogRequest, LogResult, _corroborated, _warnings, build_event, corroboration

if TYPE_CHECKING:
    from sitlog.domain.model import Event, When
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
    store: Store,
    lines: list[BatchLine],
    operator: str,
    now: datetime,
    dry_run: bool = False,
    tz: tzinfo = timezone.utc,
) -> list[tuple[int, LogResult]]:
    """Store every line's event in one ``BEGIN IMMEDIATE`` transaction and one change set.

    An error on any line rolls everything back and is re-raised with ``line N:`` in front of its
    message (same exit code). With ``dry_run`` the same work is done — names resolved, places that
    ``--new-place`` asks for created — and then rolled back, so what is reported is exactly what a
    real run would store. A line whose ``--id`` and content are already stored is a no-op retry.
    A ``--corroborates REF`` line adds its report to that event (stored, or an earlier line's) as a
    new revision in the same change set; likely duplicates are warned of as for one ``log``.
    """
    results: list[tuple[int, LogResult]] = []
    try:
        with store.transaction():
            ids: list[str] = []
            pending: dict[str, Event] = {}  # events of this file so far: new, or corroborated
            for line in lines:
                try:
                    results.append((line.number, _build_line(store, line, now, ids, pending, tz)))
                except SitlogError as exc:
                    exc.message = f"line {line.number}: {exc.message}"
                    exc.args = (exc.message,)
                    raise
            new = [result.event for _, result in results if result.created or result.corroborated]
            if new:
                changeset = new_event_id(now)
                touched = list(dict.fromkeys(event.id for event in new))  # a corroborated event once
                summary = touched[0] if len(touched) == 1 else f"{len(touched)} events, {touched[0]} … {touched[-1]}"
                store.begin_changeset(changeset, operator, "log --file", now, summary)
                for event in new:  # in file order: a corroboration after the line that logged its event
                    store.events.insert_revision(event, changeset)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return results


def _build_line(
    store: Store, line: BatchLine, now: datetime, ids: list[str], pending: dict[str, Event], tz: tzinfo
) -> LogResult:
    notes: list[str] = []
    req = line.request
    if req.corroborates:
        ref = req.corroborates.strip()
        if ref.lower() == LAST and ids:
            target = pending[ids[-1]]  # `last` in a file: the event an earlier line of it logged
        else:
            target = pending.get(ref) or _corroborated(store, ref, req.operator)
            target = pending.get(target.id, target)
        event = build_event(store, req, line.when, now, notes)
        revised = corroboration(target, event, req.operator, now)
        if target.id not in pending:  # a stored event: its next revision number
            from sitlog.store.revisions import next_revision

            revised = revised.with_changes(revision=next_revision(store, target.id))
        pending[target.id] = revised
        return LogResult(revised, notes, False, corroborated=True)
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
    pending[event.id] = event
    return LogResult(event, notes, True, _warnings(store, event, tz))
