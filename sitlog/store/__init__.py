"""All of sitlog's SQL. ``Store`` opens a database; the modules beside it query and write it.

The names below load on first use (PEP 562), so a light module of this package — completion's
read-only name lookup, the schema version — does not pull in the whole store (issue 14).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sitlog.store.database import Store
    from sitlog.store.events import EventFilter
    from sitlog.store.opener import open_store
    from sitlog.store.schema import MIGRATIONS, SCHEMA_VERSION, SQLITE_VERSION

_HOMES = {
    "Store": "database",
    "open_store": "opener",
    "EventFilter": "events",
    "MIGRATIONS": "schema",
    "SCHEMA_VERSION": "schema",
    "SQLITE_VERSION": "schema",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"sitlog.store.{home}"), name)


__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SQLITE_VERSION", "EventFilter", "Store", "open_store"]
