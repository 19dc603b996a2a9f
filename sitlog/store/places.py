"""Places and their names: lookup by spelling, creation, aliases (the gazetteer's SQL)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sitlog.domain import gazetteer
from sitlog.domain.model import Place, utc_key
from sitlog.errors import InvalidInput, NotFound
from sitlog.store.names import add_name, all_names, names_matching


class Places:
    """The ``places`` and ``place_names`` tables of one connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _from_row(self, row: sqlite3.Row | tuple[Any, ...]) -> Place:
        pid = row[0]
        aliases = tuple(
            r[0]
            for r in self.conn.execute(
                "SELECT name FROM place_names WHERE place_id = ? AND name != ? ORDER BY rowid", (pid, row[1])
            )
        )
        return Place(pid, row[1], aliases, row[2], row[3], row[4], row[5], row[6], row[7], row[8])

    _SELECT = "SELECT id, name, admin1, admin2, admin3, pcode, lat, lon, source FROM places"

    def get(self, place_id: int) -> Place:
        row = self.conn.execute(f"{self._SELECT} WHERE id = ?", (place_id,)).fetchone()
        if row is None:
            raise NotFound(f"no place with id {place_id}")
        return self._from_row(row)

    def governorates(self) -> list[str]:
        """The names (Latin and Arabic) of the bundled pack's level-1 admin units (Syria's 14 governorates)."""
        rows = self.conn.execute("SELECT name, name_ar FROM admin_units WHERE level = 1 ORDER BY pcode")
        return [name for row in rows for name in row if name]

    def _units(self, place: Place) -> list[str]:
        units = [u for u in (place.admin1, place.admin2, place.admin3) if u]
        if place.pcode:
            units.append(place.pcode)
        for code in _pcode_chain(place.pcode):
            row = self.conn.execute("SELECT name, name_ar FROM admin_units WHERE pcode = ?", (code,)).fetchone()
            if row:
                units.extend(u for u in row if u)
        # A place added by hand names its units in Latin script; the pack knows their Arabic names.
        for unit in (place.admin1, place.admin2):
            if unit:
                rows = self.conn.execute(
                    "SELECT name_ar FROM admin_units WHERE name = ? COLLATE NOCASE AND name_ar IS NOT NULL", (unit,)
                )
                units.extend(r[0] for r in rows)
        return units

    def resolve(self, text: str, missing: type[InvalidInput] | type[NotFound] = InvalidInput) -> gazetteer.Match[Place]:
        """The place a name (or ``NAME, ADMIN``) denotes; exit 3 (or ``missing``) with candidates otherwise."""
        name, _ = gazetteer.split_qualified(text)
        found = [(self.get(pid), hit) for pid, hit in names_matching(self.conn, "place_names", "place_id", name)]
        if not found and "," in text:
            # A name that itself holds a comma ("Hama, old city"), not NAME, ADMIN: match it whole.
            whole = [(self.get(pid), hit) for pid, hit in names_matching(self.conn, "place_names", "place_id", text)]
            if whole:
                return gazetteer.choose("place", text.replace(",", " "), whole, Place.label, lambda: ())
        return gazetteer.choose(
            "place",
            text,
            found,
            Place.label,
            lambda: [self._label_for(n) for n in gazetteer.close_names(name, all_names(self.conn, "place_names"), 15)],
            self._units,
            missing,
        )

    def _label_for(self, name: str) -> str:
        row = self.conn.execute("SELECT place_id FROM place_names WHERE name = ? LIMIT 1", (name,)).fetchone()
        return self.get(row[0]).label()

    def add(
        self,
        name: str,
        aliases: Sequence[str] = (),
        admin1: str | None = None,
        admin2: str | None = None,
        admin3: str | None = None,
        pcode: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
        source: str | None = "operator",
        *,
        now: datetime,
    ) -> Place:
        """Create a place (inside a transaction); a name already used in the same admin1 is exit 3."""
        name = name.strip()
        if not name:
            raise InvalidInput("a place needs a name")
        for pid, hit in names_matching(self.conn, "place_names", "place_id", name):
            other = self.get(pid)
            if gazetteer.name_key(hit) == gazetteer.name_key(name):
                same_area = (other.admin1 or "") == (admin1 or "") or bool(
                    other.admin1 and admin1 and gazetteer.same_name(other.admin1, admin1)
                )
                # Only differing districts on both sides keep `NAME, ADMIN2` able to reach each one.
                told_apart = bool(other.admin2 and admin2 and not gazetteer.same_name(other.admin2, admin2))
                if same_area and not told_apart:
                    raise InvalidInput(
                        f"place {name!r} already exists in {other.admin1 or 'no admin1'}: {other.label()} "
                        "(add --admin2 to tell them apart, or use `places alias`)",
                        [other.label()],
                    )
        created = utc_key(now)
        cur = self.conn.execute(
            "INSERT INTO places (name, admin1, admin2, admin3, pcode, pcode_scheme, lat, lon, source, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (name, admin1, admin2, admin3, pcode, "ocha" if pcode else None, lat, lon, source, created),
        )
        pid = int(cur.lastrowid or 0)
        for alias in (name, *aliases):
            add_name(self.conn, "place_names", "place_id", pid, alias)
        return self.get(pid)

    def add_alias(self, place: Place, alias: str) -> Place:
        add_name(self.conn, "place_names", "place_id", place.id, alias)
        return self.get(place.id)

    def search(self, query: str | None = None, admin1: str | None = None) -> list[Place]:
        if query:
            like = f"%{gazetteer.name_key(query)}%"
            rows = self.conn.execute(
                f"{self._SELECT} WHERE id IN (SELECT place_id FROM place_names WHERE key LIKE ? OR name LIKE ?) "
                "ORDER BY name, admin1",
                (like, f"%{query}%"),
            ).fetchall()
        else:
            rows = self.conn.execute(f"{self._SELECT} ORDER BY name, admin1").fetchall()
        places = [self._from_row(r) for r in rows]
        if admin1:
            places = [p for p in places if p.admin1 and gazetteer.same_name(p.admin1, admin1)]
        return places


def _pcode_chain(pcode: str | None) -> list[str]:
    """``SY020000`` → the admin units above it: ``SY020000``, ``SY0200``, ``SY02``."""
    if not pcode:
        return []
    return [pcode[:n] for n in (8, 6, 4) if len(pcode) >= n]
