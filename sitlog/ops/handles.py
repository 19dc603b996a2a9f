"""What an operator types to name an event: a full id, a unique id prefix, a short handle, or ``last``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sitlog.domain.handles import LAST
from sitlog.errors import NotFound
from sitlog.store.handles import handle_of_event, last_logged

if TYPE_CHECKING:
    from sitlog.domain.model import Event
    from sitlog.store import Store


def resolve_event_ref(store: Store, text: str, operator: str) -> str:
    """The full event id ``text`` names (exit 4 unknown, 3 an ambiguous prefix).

    ``last`` is the event ``operator`` logged most recently; anything else goes to
    ``store.events.get`` (full id, then handle, then unique prefix).
    """
    if text.strip().lower() == LAST:
        found = last_logged(store.conn, operator)
        if found is None:
            raise NotFound(
                f"`last` names your last logged event, and {operator!r} has logged none in this database; "
                "give an id or handle (see `sitlog events`)"
            )
        return found
    return store.events.get(text).id


def with_handle(store: Store, event: Event) -> Event:
    """``event`` with the handle the store gave it (a just-logged event is built before it has one)."""
    if event.handle is not None:
        return event
    return event.with_changes(handle=handle_of_event(store.conn, event.id))
