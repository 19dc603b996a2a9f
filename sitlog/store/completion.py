"""What shell completion reads from a database: names and recent handles, read-only and light.

Plain ``sqlite3`` opened with ``mode=ro``: completion never creates, migrates or locks a database, and
never imports sqlite-utils (≈50 ms). Any trouble (no file, not a sitlog database) reads as nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sitlog.domain.spelling import name_key
from sitlog.errors import SitlogError
from sitlog.store.handles import recent_handles
from sitlog.store.opening import connect_read, examine


def _connect(path: Path) -> sqlite3.Connection | None:
    # As read commands open it (store/opening.py): no -wal/-shm left behind, nothing but a regular file.
    try:
        if examine(path, create=False) != "existing":
            return None
        return connect_read(path, busy_timeout=0.05)
    except SitlogError:
        return None


def names(path: Path, table: str, prefix: str, limit: int = 40) -> list[tuple[str, str]]:
    """(name, canonical) for places or actors (``table``: ``place`` or ``actor``) with a name or alias
    starting with ``prefix`` (case-insensitive; also by spelling key, so ``kfar`` finds ``Kafr …``)."""
    if table not in ("place", "actor"):
        raise ValueError(table)
    conn = _connect(path)
    if conn is None:
        return []
    key = name_key(prefix) if prefix.strip() else ""
    sql = (
        f"SELECT n.name, t.name FROM {table}_names n JOIN {table}s t ON t.id = n.{table}_id "
        "WHERE n.name LIKE ? ESCAPE '\\' OR (? != '' AND n.key >= ? AND n.key < ?) "
        "ORDER BY n.name = t.name DESC, n.name LIMIT ?"
    )
    like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    try:
        with conn:
            rows = conn.execute(sql, (like, key, key, key + "\uffff", limit)).fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()
    return [(str(a), str(b)) for a, b in rows]


def handles(path: Path, limit: int = 20) -> list[tuple[str, str, str]]:
    """The newest events as (handle, kind, place), newest first; [] without a usable database."""
    conn = _connect(path)
    if conn is None:
        return []
    try:
        return recent_handles(conn, limit)
    except sqlite3.Error:
        return []
    finally:
        conn.close()
