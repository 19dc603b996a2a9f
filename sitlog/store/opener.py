"""``open_store``: the store ``--db`` names, an SQLite file or a PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sitlog.store.database import Store
from sitlog.store.pg.target import PgTarget


def _quiet(text: str) -> None:
    pass


def open_store(
    target: Path | PgTarget,
    busy_timeout: float = 5.0,
    *,
    read_only: bool = False,
    accept_older: bool = False,
    notify: Callable[[str], None] = _quiet,
) -> Store:
    """The store ``--db`` names: an SQLite file (``Store``) or a PostgreSQL database (``PgStore``, which
    imports psycopg only now). Arguments and errors as ``Store``'s."""
    if isinstance(target, PgTarget):
        from sitlog.store.pg.store import PgStore

        return PgStore(target, busy_timeout, read_only=read_only, accept_older=accept_older, notify=notify)
    return Store(target, busy_timeout, read_only=read_only, accept_older=accept_older, notify=notify)
