"""The demo scenario: a scenario file (places, actors, events as ``log`` records them) loaded into a store."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from sitlog.domain.model import ActorType, parse_enum
from sitlog.domain.timeparse import parse_when
from sitlog.errors import InvalidInput
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
    with store.transaction():
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if "place" in item:
                    p = item["place"]
                    store.places.add(p["name"], p.get("aliases", []), p.get("admin1"), p.get("admin2"),
                                     p.get("admin3"), p.get("pcode"), p.get("lat"), p.get("lon"),
                                     source="demo scenario", now=_SCENARIO_CREATED)  # fmt: skip
                elif "actor" in item:
                    a = item["actor"]
                    parent = store.actors.resolve(a["parent"]).item if a.get("parent") else None
                    kind = parse_enum(ActorType, a.get("type", "other"), "actor type")
                    store.actors.add(
                        a["name"], a.get("aliases", []), kind, parent, a.get("side"), now=_SCENARIO_CREATED
                    )
                elif "event" in item:
                    e = item["event"]
                    recorded = datetime.fromisoformat(e["recorded"])
                    request = LogRequest(kind=e["kind"], place=e["place"], fields=e.get("fields", {}),
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
