"""The demo scenario: a scenario file (places, actors, events as ``log`` records them) loaded into a store."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sitlog.domain.model import ActorType, parse_enum
from sitlog.domain.timeparse import parse_when
from sitlog.errors import InvalidInput, NotFound
from sitlog.ops.recording import LogRequest, build_event

if TYPE_CHECKING:
    from sitlog.store import Store


tz_utc = timezone.utc
_SCENARIO_CREATED = datetime(2024, 11, 27, 2, 0, tzinfo=timezone.utc)


def load_scenario(store: Store, lines: Iterable[str]) -> int:
    """Load a scenario (JSON lines of places, actors and events as ``log`` would record them) in one transaction.

    Each event line carries its own id and ``recorded`` time, so the loaded database is the same every time.
    """
    count = 0
    spelled: dict[str, str] = {}  # a scenario place name → how to name that one place unambiguously
    with store.transaction():
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if "place" in item:
                    spelled[item["place"]["name"]] = _scenario_place(store, item["place"])
                elif "actor" in item:
                    _scenario_actor(store, item["actor"])
                elif "event" in item:
                    e = item["event"]
                    recorded = datetime.fromisoformat(e["recorded"])
                    fields = dict(e.get("fields", {}))
                    if fields.get("to") in spelled:
                        fields["to"] = spelled[fields["to"]]
                    place = spelled.get(e["place"], e["place"])
                    request = LogRequest(kind=e["kind"], place=place, fields=fields,
                                         source=e.get("source"), grade=e.get("grade"), claimed_by=e.get("claimed_by"),
                                         note=e.get("note"), tags=e.get("tags", []), operator="demo",
                                         event_id=e["id"])  # fmt: skip
                    event = build_event(store, request, parse_when(e["at"], recorded, tz_utc), recorded, [])
                    store.begin_changeset(event.id, "demo", f"log {event.kind.value}", recorded, event.id)
                    store.events.insert_revision(event, event.id)
                    count += 1
            except (KeyError, TypeError, ValueError) as exc:
                raise InvalidInput(f"scenario line {n}: {exc}") from None
            except InvalidInput as exc:
                raise InvalidInput(f"scenario line {n}: {exc.message}") from None
    return count


def _scenario_place(store: Store, p: dict[str, Any]) -> str:
    """A scenario's place: the bundled one it names (its aliases added) or a new one; returns a
    spelling that reaches exactly that place (``NAME, P-CODE`` or ``NAME, ADMIN1``), since villages
    of one name abound in the village layer."""
    name, admin1 = p["name"], p.get("admin1")
    try:
        match = store.places.resolve(f"{name}, {admin1}" if admin1 else name)
        if match.how == "variant":  # only a spelling of the name itself, not a sound-alike (al-Salloum/Salama)
            raise NotFound(name)
        place = match.item
    except (InvalidInput, NotFound):
        place = store.places.add(name, p.get("aliases", []), admin1, p.get("admin2"), p.get("admin3"),
                                 p.get("pcode"), p.get("lat"), p.get("lon"), source="demo scenario",
                                 now=_SCENARIO_CREATED)  # fmt: skip
    else:
        for alias in p.get("aliases", []):
            store.places.add_alias(place, alias)
    qualifier = place.pcode or place.admin1
    return f"{name}, {qualifier}" if qualifier else name


def _scenario_actor(store: Store, a: dict[str, Any]) -> None:
    """A scenario's actor: added, unless the bundled actor pack already has it (its missing aliases added)."""
    try:
        actor = store.actors.resolve(a["name"]).item
    except (InvalidInput, NotFound):
        parent = store.actors.resolve(a["parent"]).item if a.get("parent") else None
        kind = parse_enum(ActorType, a.get("type", "other"), "actor type")
        store.actors.add(a["name"], a.get("aliases", []), kind, parent, a.get("side"), now=_SCENARIO_CREATED)
        return
    for alias in a.get("aliases", []):
        try:
            store.actors.add_alias(actor, alias)
        except InvalidInput:
            pass  # the alias names another actor already: leave it there
