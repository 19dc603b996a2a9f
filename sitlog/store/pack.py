"""The bundled packs that migrations m006–m008 load: governorate spellings, the village layer, actors.

Data files in ``sitlog/data`` (built by ``scripts/build_pack.py``; attribution in NOTICE.md):
``syria_gazetteer.jsonl`` (OCHA communities reconciled with the schema-2 pack) and
``syria_actors.jsonl`` (the parties of the Syrian war an operator names most).
"""

from __future__ import annotations

import json
import sqlite3
from importlib.resources import files
from typing import Any

from sitlog.domain import gazetteer

PACK_TIME = "2020-12-17T00:00:00Z"  # created_at of every pack row (the COD-AB release date)
ACTOR_PACK_TIME = "2024-12-01T00:00:00Z"


def _lines(name: str) -> list[dict[str, Any]]:
    text = (files("sitlog") / "data" / name).read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


def refill_sound_keys(conn: sqlite3.Connection) -> None:
    """Recompute the ``skeleton`` column of every place and actor name with ``gazetteer.sound_key``."""
    for table in ("place_names", "actor_names"):
        names = [r[0] for r in conn.execute(f"SELECT DISTINCT name FROM {table}")]
        conn.executemany(
            f"UPDATE {table} SET skeleton = ? WHERE name = ?", [(gazetteer.sound_key(n), n) for n in names]
        )


def fill_admin_names(conn: sqlite3.Connection) -> None:
    """Every known spelling of each admin unit: its OCHA English and Arabic names, plus (governorates)
    ``gazetteer.GOVERNORATE_SPELLINGS`` — UCDP, ACLED and GeoNames forms."""
    rows: list[tuple[str, str]] = []
    for pcode, name, name_ar in conn.execute("SELECT pcode, name, name_ar FROM admin_units"):
        rows += [(pcode, n) for n in (name, name_ar) if n]
    for pcode, spellings in gazetteer.GOVERNORATE_SPELLINGS.items():
        rows += [(pcode, n) for n in spellings]
    conn.executemany(
        "INSERT OR IGNORE INTO admin_names (pcode, name, key) VALUES (?, ?, ?)",
        [(pcode, n, gazetteer.name_key(n)) for pcode, n in rows],
    )


_PLACE_COLUMNS = (
    "name, admin1, admin2, admin3, pcode, pcode_scheme, admin1_pcode, admin2_pcode, admin3_pcode, lat, lon, source"
)


def load_village_pack(conn: sqlite3.Connection) -> None:
    """Load ``syria_gazetteer.jsonl``: update the schema-2 pack rows it supersedes (ids kept, so events
    stay where they are), insert the other communities, fold schema-2 duplicates into their community.

    A schema-2 row is found by its (name, source) and pack creation time; one an operator's events
    use is never folded (it stays a place of its own; ``places merge`` can fold it).
    """
    old = {
        (r[1], r[2]): r[0]
        for r in conn.execute(
            "SELECT id, name, source FROM places WHERE created_at = ? AND merged_into IS NULL", (PACK_TIME,)
        )
    }
    names: list[tuple[int, str, str, str]] = []
    for p in _lines("syria_gazetteer.jsonl"):
        values = (p["name"], p["admin1"], p["admin2"], p["admin3"], p["pcode"], p["pcode_scheme"], p["admin1_pcode"],
                  p["admin2_pcode"], p["admin3_pcode"], p["lat"], p["lon"], p["source"])  # fmt: skip
        pid = old.get(tuple(p["pack2"])) if p["pack2"] else None
        if pid is not None:
            conn.execute(
                f"UPDATE places SET ({_PLACE_COLUMNS}) = ({', '.join('?' * len(values))}) WHERE id = ?", (*values, pid)
            )
        else:
            cur = conn.execute(
                f"INSERT INTO places ({_PLACE_COLUMNS}, created_at) VALUES ({', '.join('?' * (len(values) + 1))})",
                (*values, PACK_TIME),
            )
            pid = int(cur.lastrowid or 0)
        # The build stored each name's key and sound key (computing them here took ~0.5 s);
        # tests/test_gazetteer.py checks they are what today's functions give.
        names += [(pid, n, key, sound) for n, (key, sound) in zip((p["name"], *p["aliases"]), p["keys"], strict=True)]
        for folded in p["folded"]:
            dup = old.get(tuple(folded))
            if dup is not None and not _used(conn, dup):
                conn.execute("UPDATE place_names SET place_id = ? WHERE place_id = ? AND name NOT IN "
                             "(SELECT name FROM place_names WHERE place_id = ?)", (pid, dup, pid))  # fmt: skip
                conn.execute("DELETE FROM place_names WHERE place_id = ?", (dup,))
                conn.execute("UPDATE places SET merged_into = ? WHERE id = ?", (pid, dup))
    # Indexes built once after the bulk insert, not grown row by row (~40% of this migration's time).
    conn.execute("DROP INDEX place_names_key")
    conn.execute("DROP INDEX place_names_skeleton")
    conn.executemany("INSERT OR IGNORE INTO place_names (place_id, name, key, skeleton) VALUES (?, ?, ?, ?)", names)
    conn.execute("CREATE INDEX place_names_key ON place_names(key)")
    conn.execute("CREATE INDEX place_names_skeleton ON place_names(skeleton)")


def _used(conn: sqlite3.Connection, place_id: int) -> bool:
    row = conn.execute(
        "SELECT 1 FROM revisions WHERE place_id = ? OR to_place_id = ? LIMIT 1", (place_id, place_id)
    ).fetchone()
    return row is not None


def load_actor_pack(conn: sqlite3.Connection) -> None:
    """Load ``syria_actors.jsonl``; an actor a name of which the database already knows is left as it
    is (an operator's own ``HTS`` stays theirs), only its missing aliases are added."""
    for a in _lines("syria_actors.jsonl"):
        all_names = [a["name"], *a["aliases"]]
        keys = [gazetteer.name_key(n) for n in all_names]
        row = conn.execute(
            f"SELECT actor_id FROM actor_names WHERE key IN ({', '.join('?' * len(keys))}) ORDER BY actor_id LIMIT 1",
            keys,
        ).fetchone()
        if row is None:
            parent = None
            if a.get("parent"):
                found = conn.execute(
                    "SELECT actor_id FROM actor_names WHERE key = ?", (gazetteer.name_key(a["parent"]),)
                ).fetchone()
                parent = found[0] if found else None
            cur = conn.execute(
                "INSERT INTO actors (name, type, parent_id, side, created_at) VALUES (?, ?, ?, ?, ?)",
                (a["name"], a["type"], parent, a.get("side"), ACTOR_PACK_TIME),
            )
            aid = int(cur.lastrowid or 0)
        else:
            aid = int(row[0])
        for n in all_names:
            taken = conn.execute(
                "SELECT 1 FROM actor_names WHERE key = ? AND actor_id != ?", (gazetteer.name_key(n), aid)
            ).fetchone()
            if taken is None:
                conn.execute(
                    "INSERT OR IGNORE INTO actor_names (actor_id, name, key, skeleton) VALUES (?, ?, ?, ?)",
                    (aid, n, gazetteer.name_key(n), gazetteer.sound_key(n)),
                )
