"""Name lookup shared by places and actors: every name is stored with its spelling key and sound key."""

from __future__ import annotations

import sqlite3

from sitlog.domain import gazetteer
from sitlog.errors import InvalidInput


def names_matching(conn: sqlite3.Connection, table: str, owner: str, name: str) -> list[tuple[int, str]]:
    """(owner id, stored name) whose key equals the name's key, else whose sound key does (column ``skeleton``)."""
    return lookup(conn, table, owner, name)[0]


def lookup(conn: sqlite3.Connection, table: str, owner: str, name: str) -> tuple[list[tuple[int, str]], bool]:
    """``names_matching`` and whether the matches are by sound key only (a variant spelling, not the name)."""
    key = gazetteer.name_key(name)
    rows = conn.execute(f"SELECT {owner}, name FROM {table} WHERE key = ?", (key,)).fetchall()
    if rows or not gazetteer.sound_matches(name):
        return [(r[0], r[1]) for r in rows], False
    sound = gazetteer.sound_key(name)
    rows = conn.execute(f"SELECT {owner}, name FROM {table} WHERE skeleton = ?", (sound,)).fetchall()
    return [(r[0], r[1]) for r in rows], True


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
