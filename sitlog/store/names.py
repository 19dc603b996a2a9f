"""Name lookup shared by places and actors: every name is stored with its spelling key and skeleton."""

from __future__ import annotations

import sqlite3

from sitlog.domain import gazetteer
from sitlog.errors import InvalidInput


def names_matching(conn: sqlite3.Connection, table: str, owner: str, name: str) -> list[tuple[int, str]]:
    """(owner id, stored name) whose key equals the name's key, else whose skeleton does."""
    key = gazetteer.name_key(name)
    rows = conn.execute(f"SELECT {owner}, name FROM {table} WHERE key = ?", (key,)).fetchall()
    if not rows:
        skel = gazetteer.skeleton(name)
        if len(skel.replace(" ", "")) >= 3:
            rows = conn.execute(f"SELECT {owner}, name FROM {table} WHERE skeleton = ?", (skel,)).fetchall()
            rows = [r for r in rows if gazetteer.close_in_length(name, r[1])]
    return [(r[0], r[1]) for r in rows]


def all_names(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[0] for r in conn.execute(f"SELECT DISTINCT name FROM {table}")]


def add_name(conn: sqlite3.Connection, table: str, owner: str, owner_id: int, name: str) -> None:
    name = name.strip()
    if not name:
        raise InvalidInput("an alias cannot be empty")
    conn.execute(
        f"INSERT OR IGNORE INTO {table} ({owner}, name, key, skeleton) VALUES (?, ?, ?, ?)",
        (owner_id, name, gazetteer.name_key(name), gazetteer.skeleton(name)),
    )
