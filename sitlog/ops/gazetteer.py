"""Editing the gazetteer: ``places set``, ``places merge`` (undoable), ``actors set``; warnings as data."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitlog.domain import gazetteer
from sitlog.domain.model import Actor, ActorType, Place, check_coordinates, new_event_id, parse_enum
from sitlog.errors import InvalidInput

if TYPE_CHECKING:
    from sitlog.store import Store


def coordinate_warnings(place: Place) -> list[str]:
    """``Warning: …`` lines for a place with a Syrian admin unit whose point lies outside Syria."""
    if place.admin1_pcode and place.admin1_pcode.startswith("SY") and gazetteer.outside_syria(place.lat, place.lon):
        south, north, west, east = gazetteer.SYRIA_BBOX
        return [
            f"Warning: {place.label()} is in {place.admin1} but {place.lat}, {place.lon} lies outside Syria "
            f"({south}–{north} N, {west}–{east} E); stored as given — check for a typo"
        ]
    return []


def set_place(
    store: Store,
    text: str,
    now: datetime,
    operator: str,
    *,
    name: str | None = None,
    admin1: str | None = None,
    admin2: str | None = None,
    admin3: str | None = None,
    pcode: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> Place:
    """Change what is given of the place ``text`` names, in one transaction; exit 3 (nothing changed)
    for an unknown or ambiguous place, one coordinate without the other, or out-of-range values."""
    check_coordinates(lat, lon)
    with store.transaction():
        place = store.places.resolve(text).item
        return store.places.update(
            place, None, name=name, admin1=admin1, admin2=admin2, admin3=admin3, pcode=pcode, lat=lat, lon=lon
        )


@dataclass(frozen=True)
class MergeResult:
    """A done merge: the duplicate, the place it went into, the events moved, the change set, warnings."""

    duplicate: Place
    into: Place
    moved: int
    changeset: str
    warnings: list[str]


def merge_places(store: Store, dup_text: str, into_text: str, operator: str, now: datetime) -> MergeResult:
    """Merge the place ``dup_text`` names into ``into_text``'s: each event at the duplicate gets a new
    revision at the other place, the duplicate's names become the other's aliases, the duplicate is
    marked merged (never deleted). One change set: ``undo`` puts events and names back.

    Exit 3, nothing changed: either name unknown or ambiguous, or both the same place. Two places with
    coordinates more than ``gazetteer.SAME_PLACE_KM`` apart are merged with a warning (the operator knows).
    """
    from sitlog.store.revisions import next_revision

    with store.transaction():
        errors: list[str] = []
        found: list[Place] = []
        for text in (dup_text, into_text):
            try:
                found.append(store.places.resolve(text).item)
            except InvalidInput as exc:
                errors.append(exc.message)
        if errors:
            raise InvalidInput("; ".join(errors))
        dup, into = found
        if dup.id == into.id:
            raise InvalidInput(f"cannot merge {dup.label()} into itself")
        warnings = []
        if None not in (dup.lat, dup.lon, into.lat, into.lon):
            apart = gazetteer.km_between(dup.lat or 0, dup.lon or 0, into.lat or 0, into.lon or 0)
            if apart > gazetteer.SAME_PLACE_KM:
                warnings.append(f"Warning: {dup.label()} and {into.label()} lie {apart:.1f} km apart")
        changeset = new_event_id(now)
        store.begin_changeset(changeset, operator, "places merge", now, f"{dup.label()} into {into.label()}")
        moved = 0
        for event in store.events.at_place(dup.id):
            store.events.insert_revision(
                event.with_changes(
                    place_id=into.id if event.place_id == dup.id else event.place_id,
                    place=into.name if event.place_id == dup.id else event.place,
                    to_place_id=into.id if event.to_place_id == dup.id else event.to_place_id,
                    to=into.name if event.to_place_id == dup.id else event.to,
                    revision=next_revision(store, event.id),
                    operator=operator,
                    recorded_at=now,
                    reason=f"places merge: {dup.label()} into {into.label()}",
                ),
                changeset,
            )
            moved += 1
        store.places.merge_names(dup, into, changeset)
        return MergeResult(dup, store.places.get(into.id), moved, changeset, warnings)


def set_actor(
    store: Store,
    text: str,
    *,
    type: str | None = None,
    parent: str | None = None,
    no_parent: bool = False,
    side: str | None = None,
) -> Actor:
    """Change an actor's type, parent (or ``no_parent``) and side in one transaction; exit 3 for an
    unknown name, a bad type, both a parent and ``no_parent``, or a parent cycle."""
    kind = parse_enum(ActorType, type, "--type") if type is not None else None
    if parent is not None and no_parent:
        raise InvalidInput("give --parent ACTOR or --no-parent, not both")
    with store.transaction():
        actor = store.actors.resolve(text).item
        parent_actor = store.actors.resolve(parent).item if parent is not None else None
        return store.actors.update(actor, type=kind, parent=parent_actor, no_parent=no_parent, side=side)


_PLACE_KEYS = ("name", "aliases", "admin1", "admin2", "admin3", "pcode", "lat", "lon")


def import_places(store: Store, path: Path, now: datetime, data: bytes | None = None) -> int:
    """Add the places of a CSV (aliases ``;``-separated) or JSONL file in one transaction; ``data``: the file's
    bytes when the caller has read them (the CLI reads them bounded)."""
    try:
        text = (path.read_bytes() if data is None else data).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append((n, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise InvalidInput(f"{path} line {n}: not JSON ({exc.msg})") from None
    else:
        rows = [(n + 1, row) for n, row in enumerate(csv.DictReader(text.splitlines()), 1)]
    with store.transaction():
        for n, row in rows:
            try:
                _import_place(store, row, now)
            except InvalidInput as exc:
                raise InvalidInput(f"{path} line {n}: {exc.message}") from None
    return len(rows)


def _import_place(store: Store, row: dict[str, Any], now: datetime) -> None:
    if not isinstance(row, dict) or not str(row.get("name") or "").strip():
        raise InvalidInput("a place needs a name")
    aliases = row.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [a.strip() for a in aliases.split(";") if a.strip()]

    def number(key: str) -> float | None:
        value = row.get(key)
        if value in (None, ""):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"{key} {value!r} is not a number") from None

    lat, lon = number("lat"), number("lon")
    check_coordinates(lat, lon)
    unknown = set(row) - set(_PLACE_KEYS)
    if unknown:
        raise InvalidInput(f"unknown column(s): {', '.join(sorted(unknown))}")
    store.places.add(
        str(row["name"]),
        aliases,
        row.get("admin1") or None,
        row.get("admin2") or None,
        row.get("admin3") or None,
        row.get("pcode") or None,
        lat,
        lon,
        "import",
        now=now,
    )
