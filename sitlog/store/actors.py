"""Actors (armed groups, forces, populations) and their names."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from sitlog.domain import gazetteer
from sitlog.domain.model import Actor, ActorType, utc_key
from sitlog.errors import InvalidInput, NotFound
from sitlog.store.names import add_name, all_names, lookup, names_matching


class Actors:
    """The ``actors`` and ``actor_names`` tables of one connection, read once and cached per command."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._cache: dict[int, Actor] | None = None

    def forget(self) -> None:
        """Drop the cache after a write that went around this class (bulk import)."""
        self._cache = None

    def by_id(self) -> dict[int, Actor]:
        if self._cache is None:
            names: dict[int, list[str]] = {}
            for aid, name in self.conn.execute("SELECT actor_id, name FROM actor_names ORDER BY rowid"):
                names.setdefault(aid, []).append(name)
            rows = self.conn.execute("SELECT id, name, type, parent_id, side FROM actors").fetchall()
            by_id = {r[0]: r for r in rows}
            members: dict[int, list[str]] = {}
            for coalition, member in self.conn.execute(
                "SELECT coalition_id, member_id FROM actor_members ORDER BY coalition_id, member_id"
            ):
                members.setdefault(coalition, []).append(by_id[member][1])
            self._cache = {
                r[0]: Actor(
                    r[0],
                    r[1],
                    tuple(n for n in names.get(r[0], []) if n != r[1]),
                    ActorType(r[2]),
                    by_id[r[3]][1] if r[3] in by_id else None,
                    r[4],
                    tuple(members.get(r[0], [])),
                )
                for r in rows
            }
        return self._cache

    def resolve(self, text: str, missing: type[InvalidInput] | type[NotFound] = InvalidInput) -> gazetteer.Match[Actor]:
        actors = self.by_id()
        matching, loose = lookup(self.conn, "actor_names", "actor_id", gazetteer.split_qualified(text)[0])
        if not matching and "," in text:
            matching, loose = lookup(self.conn, "actor_names", "actor_id", text)
        found = [(actors[aid], hit) for aid, hit in matching]
        return gazetteer.choose(
            "actor",
            text,
            found,
            lambda a: a.name,
            lambda: [self._label_for(n) for n in gazetteer.close_names(text, all_names(self.conn, "actor_names"), 15)],
            lambda a: [a.side or "", a.parent or ""],
            missing,
            loose,
        )

    def _label_for(self, name: str) -> str:
        row = self.conn.execute("SELECT actor_id FROM actor_names WHERE name = ? LIMIT 1", (name,)).fetchone()
        return self.by_id()[row[0]].name

    def add(
        self,
        name: str,
        aliases: Sequence[str] = (),
        type: ActorType = ActorType.OTHER,
        parent: Actor | None = None,
        side: str | None = None,
        *,
        now: datetime,
    ) -> Actor:
        name = name.strip()
        if not name:
            raise InvalidInput("an actor needs a name")
        for aid, _hit in names_matching(self.conn, "actor_names", "actor_id", name):
            if gazetteer.name_key(_hit) == gazetteer.name_key(name):
                raise InvalidInput(f"actor {name!r} already exists as {self.by_id()[aid].name!r}")
        created = utc_key(now)
        cur = self.conn.execute(
            "INSERT INTO actors (name, type, parent_id, side, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, type.value, parent.id if parent else None, side, created),
        )
        aid = int(cur.lastrowid or 0)
        for alias in (name, *aliases):
            add_name(self.conn, "actor_names", "actor_id", aid, alias)
        self._cache = None
        return self.by_id()[aid]

    def add_alias(self, actor: Actor, alias: str) -> Actor:
        for aid, hit in names_matching(self.conn, "actor_names", "actor_id", alias):
            if aid != actor.id and gazetteer.name_key(hit) == gazetteer.name_key(alias):
                raise InvalidInput(f"alias {alias!r} already names actor {self.by_id()[aid].name!r}")
        add_name(self.conn, "actor_names", "actor_id", actor.id, alias)
        self._cache = None
        return self.by_id()[actor.id]

    def update(
        self,
        actor: Actor,
        *,
        type: ActorType | None = None,
        parent: Actor | None = None,
        no_parent: bool = False,
        side: str | None = None,
    ) -> Actor:
        """Change an actor's type, parent or side (inside a transaction). A parent that is the actor
        itself or one of its sub-units (a cycle) is exit 3."""
        values: dict[str, object] = {}
        if type is not None:
            values["type"] = type.value
        if no_parent:
            values["parent_id"] = None
        elif parent is not None:
            if parent.id in self.family_ids(actor, coalitions=False):
                raise InvalidInput(
                    f"{parent.name} cannot be the parent of {actor.name}: that would make a cycle "
                    f"({parent.name} is {'the actor itself' if parent.id == actor.id else 'one of its sub-units'})"
                )
            values["parent_id"] = parent.id
        if side is not None:
            values["side"] = side.strip() or None
        if values:
            self.conn.execute(
                f"UPDATE actors SET {', '.join(c + ' = ?' for c in values)} WHERE id = ?", (*values.values(), actor.id)
            )
            self._cache = None
        return self.by_id()[actor.id]

    def family_ids(self, actor: Actor, coalitions: bool = True) -> frozenset[int]:
        """``actor``, every unit under it (by parent, any depth) and, with ``coalitions``, every coalition
        any of them is a member of: the actors whose events are ``actor``'s in a roll-up."""
        children: dict[int, list[int]] = {}
        for cid, pid in self.conn.execute("SELECT id, parent_id FROM actors WHERE parent_id IS NOT NULL"):
            children.setdefault(pid, []).append(cid)
        family: set[int] = set()
        todo = [actor.id]
        while todo:
            current = todo.pop()
            if current not in family:
                family.add(current)
                todo.extend(children.get(current, []))
        if coalitions and family:
            marks = ", ".join("?" * len(family))
            family |= {r[0] for r in self.conn.execute(
                f"SELECT coalition_id FROM actor_members WHERE member_id IN ({marks})", sorted(family))}  # fmt: skip
        return frozenset(family)

    def set_members(self, coalition_id: int, member_ids: Sequence[int]) -> None:
        """Record a coalition's members (inside a transaction); members already recorded stay."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO actor_members (coalition_id, member_id) VALUES (?, ?)",
            [(coalition_id, m) for m in member_ids if m != coalition_id],
        )
        self._cache = None

    def search(self, query: str | None = None) -> list[Actor]:
        actors = sorted(self.by_id().values(), key=lambda a: a.name.casefold())
        if query:
            key = gazetteer.name_key(query)
            actors = [a for a in actors if any(key in gazetteer.name_key(n) for n in (a.name, *a.aliases))]
        return actors

    def id_of(self, name: str) -> int:
        for actor in self.by_id().values():
            if actor.name == name:
                return actor.id
        raise NotFound(f"no actor named {name!r}")

    # --- events --------------------------------------------------------------------------------
