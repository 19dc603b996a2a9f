"""Places and their names: lookup by spelling, creation, aliases (the gazetteer's SQL)."""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sitlog.domain import gazetteer
from sitlog.domain.model import Place, utc_key
from sitlog.errors import InvalidInput, NotFound
from sitlog.store.names import add_name, all_names, lookup, names_matching


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
        return Place(pid, row[1], aliases, *row[2:13])

    _SELECT = (
        "SELECT id, name, admin1, admin2, admin3, pcode, lat, lon, source, pcode_scheme, admin1_pcode, admin2_pcode, "
        "admin3_pcode FROM places"
    )

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
        codes = [c for c in (place.admin1_pcode, place.admin2_pcode, place.admin3_pcode) if c]
        for code in dict.fromkeys([*codes, *_pcode_chain(place.pcode)]):
            units.append(code)
            units.extend(r[0] for r in self.conn.execute("SELECT name FROM admin_names WHERE pcode = ?", (code,)))
        # A place added by hand names its units in Latin script; the pack knows their Arabic names.
        for unit in (place.admin1, place.admin2):
            if unit:
                rows = self.conn.execute(
                    "SELECT name_ar FROM admin_units WHERE lower(name) = lower(?) AND name_ar IS NOT NULL", (unit,)
                )
                units.extend(r[0] for r in rows)
        return units

    def resolve(self, text: str, missing: type[InvalidInput] | type[NotFound] = InvalidInput) -> gazetteer.Match[Place]:
        """The place a name (or ``NAME, ADMIN``) denotes; exit 3 (or ``missing``) with candidates otherwise."""
        name, _ = gazetteer.split_qualified(text)
        matching, loose = lookup(self.conn, "place_names", "place_id", name)
        found = [(self.get(pid), hit) for pid, hit in self._live(matching)]
        if not found and "," in text:
            # A name that itself holds a comma ("Hama, old city"), not NAME, ADMIN: match it whole.
            whole = [(self.get(pid), hit) for pid, hit in names_matching(self.conn, "place_names", "place_id", text)]
            if whole:
                return gazetteer.choose("place", text.replace(",", " "), whole, Place.candidate, lambda: ())
        return gazetteer.choose(
            "place",
            text,
            found,
            Place.candidate,
            lambda: [self._label_for(n) for n in gazetteer.close_names(name, all_names(self.conn, "place_names"), 15)],
            self._units,
            missing,
            loose,
        )

    def _live(self, rows: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """Leave out names still held by a merged place (a name both places had)."""
        if not rows:
            return rows
        ids = sorted({pid for pid, _ in rows})
        sql = f"SELECT id FROM places WHERE merged_into IS NOT NULL AND id IN ({', '.join('?' * len(ids))})"
        merged = {r[0] for r in self.conn.execute(sql, ids)}
        return [r for r in rows if r[0] not in merged]

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
        homonym_ok: bool = False,
    ) -> Place:
        """Create a place (inside a transaction); a name already used in the same admin1 is exit 3, unless
        ``homonym_ok`` (an import's place further than 5 km from every same-named one is another place)."""
        name = name.strip()
        if not name:
            raise InvalidInput("a place needs a name")
        units = self.admin_units(admin1, admin2, admin3)
        names = [
            unit[1] if unit else given for unit, given in zip(units.values(), (admin1, admin2, admin3), strict=True)
        ]
        codes = [unit[0] if unit else None for unit in units.values()]
        admin1, admin2, admin3 = names
        if not homonym_ok:
            self._check_new_name(name, admin1, admin2)
        created = utc_key(now)
        cur = self.conn.execute(
            "INSERT INTO places (name, admin1, admin2, admin3, pcode, pcode_scheme, lat, lon, source, created_at, "
            "admin1_pcode, admin2_pcode, admin3_pcode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (name, admin1, admin2, admin3, pcode, pcode_scheme(pcode), lat, lon, source, created, *codes),
        )  # fmt: skip
        pid = int(cur.lastrowid or 0)
        for alias in (name, *aliases):
            add_name(self.conn, "place_names", "place_id", pid, alias)
        return self.get(pid)

    def _check_new_name(self, name: str, admin1: str | None, admin2: str | None, itself: int | None = None) -> None:
        for pid, hit in names_matching(self.conn, "place_names", "place_id", name):
            if pid == itself:
                continue
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

    def add_alias(self, place: Place, alias: str) -> Place:
        add_name(self.conn, "place_names", "place_id", place.id, alias)
        return self.get(place.id)

    def search(self, query: str | None = None, admin1: str | None = None) -> list[Place]:
        if query:
            like = f"%{gazetteer.name_key(query)}%"
            rows = self.conn.execute(
                f"{self._SELECT} WHERE merged_into IS NULL AND id IN "
                "(SELECT place_id FROM place_names WHERE key LIKE ? OR name LIKE ?) ORDER BY name, admin1, id",
                (like, f"%{query}%"),
            ).fetchall()
        else:
            rows = self.conn.execute(f"{self._SELECT} WHERE merged_into IS NULL ORDER BY name, admin1, id").fetchall()
        aliases: dict[int, list[str]] = {}
        for pid, n in self.conn.execute("SELECT place_id, name FROM place_names ORDER BY rowid"):
            aliases.setdefault(pid, []).append(n)
        places = [Place(r[0], r[1], tuple(n for n in aliases.get(r[0], []) if n != r[1]), *r[2:13]) for r in rows]
        if admin1:
            unit = self.admin_unit(admin1, 1)
            places = [
                p
                for p in places
                if p.admin1 and (p.admin1_pcode == unit[0] if unit else gazetteer.same_name(p.admin1, admin1))
            ]
        return places

    # --- admin units ---------------------------------------------------------------------------

    def admin_unit(self, name: str | None, level: int, parent: str | None = None) -> tuple[str, str] | None:
        """(P-code, OCHA name) of the admin unit ``name`` denotes at ``level`` (1 governorate, 2 district,
        3 sub-district), within ``parent`` (a P-code) when given; any spelling in ``admin_names``
        (``Idlib``/``Idleb``, ``Rif Dimashq``/``Rural Damascus``, Arabic). None: unknown or not unique."""
        if not name or not name.strip():
            return None
        text = re.sub(r"\s+(governorate|province|district|sub-?district|nahiya|region)$", "", name.strip(), flags=re.I)
        sql = (
            "SELECT DISTINCT u.pcode, u.name FROM admin_names a JOIN admin_units u ON u.pcode = a.pcode "
            "WHERE a.key = ? AND u.level = ?"
        )
        rows = self.conn.execute(sql, (gazetteer.name_key(text), level)).fetchall()
        if not rows:
            sql_all = (
                "SELECT DISTINCT u.pcode, u.name, a.name FROM admin_names a JOIN admin_units u ON u.pcode = a.pcode "
            )
            candidates = self.conn.execute(sql_all + "WHERE u.level = ?", (level,)).fetchall()
            rows = list({(r[0], r[1]) for r in candidates if gazetteer.same_name(r[2], text)})
        if parent:
            rows = [r for r in rows if r[0].startswith(parent)]
        return (rows[0][0], rows[0][1]) if len(rows) == 1 else None

    def admin_units(
        self, admin1: str | None, admin2: str | None, admin3: str | None
    ) -> dict[int, tuple[str, str] | None]:
        """The units three admin names denote, each looked for inside the one above it."""
        one = self.admin_unit(admin1, 1)
        two = self.admin_unit(admin2, 2, one[0] if one else None)
        three = self.admin_unit(admin3, 3, two[0] if two else (one[0] if one else None))
        return {1: one, 2: two, 3: three}

    # --- editing ---------------------------------------------------------------------------------

    def update(
        self,
        place: Place,
        changeset: str | None,
        *,
        name: str | None = None,
        admin1: str | None = None,
        admin2: str | None = None,
        admin3: str | None = None,
        pcode: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
    ) -> Place:
        """Change what is given (inside a transaction); a new name keeps the old one as an alias.

        Admin names are normalised to OCHA's (``Idlib`` → ``Idleb``) where known. Exit 3 when the new
        name is already another place's in the same governorate.
        """
        values: dict[str, Any] = {}
        if admin1 is not None or admin2 is not None or admin3 is not None:
            units = self.admin_units(admin1 or place.admin1, admin2 or place.admin2, admin3 or place.admin3)
            for level, given in ((1, admin1), (2, admin2), (3, admin3)):
                if given is not None:
                    unit = units[level]
                    values[f"admin{level}"] = unit[1] if unit else given.strip()
                    values[f"admin{level}_pcode"] = unit[0] if unit else None
        if pcode is not None:
            values.update(pcode=pcode.strip() or None, pcode_scheme=pcode_scheme(pcode.strip() or None))
        if lat is not None and lon is not None:
            values.update(lat=lat, lon=lon)
        if name is not None and name.strip() != place.name:
            new = name.strip()
            if not new:
                raise InvalidInput("a place needs a name")
            self._check_new_name(new, values.get("admin1", place.admin1), values.get("admin2", place.admin2), place.id)
            values["name"] = new
        if values:
            self._write_row(place.id, values, changeset)
        if "name" in values:
            add_name(self.conn, "place_names", "place_id", place.id, values["name"])
        return self.get(place.id)

    def _write_row(self, place_id: int, values: dict[str, Any], changeset: str | None) -> None:
        columns = list(values)
        before = self.conn.execute(f"SELECT {', '.join(columns)} FROM places WHERE id = ?", (place_id,)).fetchone()
        self.conn.execute(
            f"UPDATE places SET {', '.join(c + ' = ?' for c in columns)} WHERE id = ?", (*values.values(), place_id)
        )
        if changeset is not None:
            self.conn.execute(
                "INSERT INTO gazetteer_changes (changeset, tbl, row_id, before, after) VALUES (?, 'places', ?, ?, ?)",
                (changeset, place_id, json.dumps(dict(zip(columns, before, strict=True))), json.dumps(values)),
            )

    def merge_names(self, dup: Place, into: Place, changeset: str) -> None:
        """Give ``dup``'s names to ``into`` and mark ``dup`` merged (inside a transaction, recorded for undo)."""
        for rowid, name in self.conn.execute("SELECT rowid, name FROM place_names WHERE place_id = ?", (dup.id,)):
            if self.conn.execute(
                "SELECT 1 FROM place_names WHERE place_id = ? AND name = ?", (into.id, name)
            ).fetchone():
                continue  # into already has this name; dup keeps its row (unreachable while merged)
            self.conn.execute("UPDATE place_names SET place_id = ? WHERE rowid = ?", (into.id, rowid))
            self.conn.execute(
                "INSERT INTO gazetteer_changes (changeset, tbl, row_id, before, after) "
                "VALUES (?, 'place_names', ?, ?, ?)",
                (changeset, rowid, json.dumps({"place_id": dup.id}), json.dumps({"place_id": into.id})),
            )
        self._write_row(dup.id, {"merged_into": into.id}, changeset)

    def revert_changes(self, changeset: str) -> int:
        """Put back the rows a change set's gazetteer edits changed (newest first); how many."""
        rows = self.conn.execute(
            "SELECT tbl, row_id, before FROM gazetteer_changes WHERE changeset = ? ORDER BY seq DESC", (changeset,)
        ).fetchall()
        for tbl, row_id, before in rows:
            values = json.loads(before)
            key = "id" if tbl == "places" else "rowid"
            self.conn.execute(
                f"UPDATE {tbl} SET {', '.join(c + ' = ?' for c in values)} WHERE {key} = ?", (*values.values(), row_id)
            )
        return len(rows)

    def merged_into(self, place: Place) -> int | None:
        row = self.conn.execute("SELECT merged_into FROM places WHERE id = ?", (place.id,)).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    # --- distance ------------------------------------------------------------------------------

    def near(self, place: Place, within_km: float) -> list[tuple[Place, float]]:
        """Places with coordinates within ``within_km`` km of ``place`` (great-circle), nearest first,
        ``place`` itself and merged places left out: (place, distance in km). Exit 3 without coordinates."""
        if place.lat is None or place.lon is None:
            raise InvalidInput(f"place {place.label()} has no coordinates (give them with `sitlog places set`)")
        dlat = within_km / 110.5
        dlon = within_km / max(1.0, 111.32 * math.cos(math.radians(place.lat)))
        rows = self.conn.execute(
            f"{self._SELECT} WHERE lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? AND merged_into IS NULL AND id != ?",
            (place.lat - dlat, place.lat + dlat, place.lon - dlon, place.lon + dlon, place.id),
        ).fetchall()
        found = []
        for row in rows:
            d = gazetteer.km_between(place.lat, place.lon, row[6], row[7])
            if d <= within_km:
                found.append((self._from_row(row), round(d, 3)))
        return sorted(found, key=lambda t: (t[1], t[0].name))


def pcode_scheme(pcode: str | None) -> str | None:
    """The scheme of a P-code: ``ocha-community`` (``C1150``), ``ocha-admin`` (``SY020000``), else ``ocha``."""
    if not pcode:
        return None
    if re.fullmatch(r"C\d+", pcode):
        return "ocha-community"
    return "ocha-admin" if re.fullmatch(r"SY\d*", pcode) else "ocha"


def _pcode_chain(pcode: str | None) -> list[str]:
    """``SY020000`` → the admin units above it: ``SY020000``, ``SY0200``, ``SY02``."""
    if not pcode:
        return []
    return [pcode[:n] for n in (8, 6, 4) if len(pcode) >= n]
