"""All of sitlog's SQL. ``Store`` opens a database; the modules beside it query and write it."""

from sitlog.store.database import Store
from sitlog.store.events import EventFilter
from sitlog.store.schema import MIGRATIONS, SCHEMA_VERSION, SQLITE_VERSION

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SQLITE_VERSION", "EventFilter", "Store"]
