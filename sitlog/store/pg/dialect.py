"""SQLite's dialect, as the store writes it, rewritten for PostgreSQL — statement by statement, once each.

The store's queries are written for SQLite. Most of that SQL is standard and runs unchanged; what
differs is rewritten here, on the text outside string literals and quoted names:

- placeholders: ``?`` and ``:name`` become psycopg's ``%s`` and ``%(name)s`` (a literal ``%`` doubles);
- ``INSERT OR IGNORE`` becomes ``ON CONFLICT DO NOTHING``; ``INSERT OR REPLACE`` an upsert on the
  table's key (``KEYS``); an insert into a table with a row number gets ``RETURNING`` it, for
  ``lastrowid``;
- ``x IS ?`` (SQLite's null-safe equality) becomes ``IS NOT DISTINCT FROM``; ``LIKE`` (ASCII
  case-insensitive in SQLite) becomes ``ILIKE``; ``CAST(… AS REAL)`` a double, not PostgreSQL's 4-byte
  real; ``json_array(`` ``json_build_array(``;
- a 0/1 column in a condition (``WHEN r.claimed THEN``, ``AND e.retracted``) is compared with 0:
  PostgreSQL wants a boolean there, and the columns stay integers so that every ``= 0`` still holds;
- planner hints (``INDEXED BY``) go: PostgreSQL's planner takes none.

SQLite's functions the queries call (``julianday``, ``date`` with modifiers, ``json_each``,
``group_concat``, two-argument ``max``…) are not rewritten: ``schema`` defines them on the server.
"""

from __future__ import annotations

import re
from functools import lru_cache

# The key an INSERT OR REPLACE conflicts on, and the row-number column an INSERT returns (lastrowid).
KEYS = {"events": "event_id", "changesets": "id", "admin_units": "pcode", "control_current": "place_id"}
ROW_NUMBERS = {
    "places": "id",
    "actors": "id",
    "revisions": "seq",
    "handles": "n",
    "gazetteer_changes": "seq",
    "place_names": "rowid",
    "actor_names": "rowid",
}

# String literals, quoted names and comments pass through untouched (but for ``%``, which psycopg reads).
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|[^'\"-]+|-", re.S)
_FLAGS = r"(?:\w+\.)?(?:claimed|retracted|baseline)"
_CONDITION = re.compile(
    rf"(\b(?:WHEN|AND|OR|NOT|WHERE|ON)\s+|\(\s*)({_FLAGS})\b(?!\s*(?:=|<>|!=|<|>|\bIS\b|\bIN\b|\+|-|\*|/|,|\)\s*(?:=|<>)))",
    re.I,
)
_INSERT = re.compile(r"^\s*INSERT\s+(?:OR\s+(IGNORE|REPLACE)\s+)?INTO\s+(\w+)\s*\(([^)]*)\)", re.I)


@lru_cache(maxsize=2048)
def translate(sql: str, named: bool = False, many: bool = False) -> tuple[str, str | None]:
    """``sql`` (SQLite's dialect) as PostgreSQL runs it through psycopg, and the column an INSERT returns
    as ``lastrowid`` (None for other statements, for ``many`` and when the statement returns its own).
    ``named``: the parameters come as a mapping (``:name``), else as a sequence (``?``)."""
    parts: list[str] = []
    for token in _TOKENS.findall(sql):
        if token[0] in "'\"" or token.startswith("--"):
            parts.append(token.replace("%", "%%"))
        else:
            parts.append(_code(token, named))
    text = "".join(parts)
    returning = None
    insert = _INSERT.match(text)
    if insert is not None:
        conflict, table, columns = insert.group(1), insert.group(2).lower(), insert.group(3)
        text = re.sub(r"^\s*INSERT\s+OR\s+\w+\s+INTO", "INSERT INTO", text, count=1, flags=re.I)
        if conflict and conflict.upper() == "IGNORE":
            text += " ON CONFLICT DO NOTHING"
        elif conflict:
            key = KEYS[table]
            names = [c.strip() for c in columns.split(",") if c.strip() != key]
            text += f" ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in names)
        if not many and table in ROW_NUMBERS and " RETURNING " not in text.upper():
            returning = ROW_NUMBERS[table]
            text += f" RETURNING {returning}"
    return text, returning


def _code(text: str, named: bool) -> str:
    text = text.replace("%", "%%")
    text = re.sub(r"\bIS\s+NOT\s+(?!NULL\b|DISTINCT\b|TRUE\b|FALSE\b)", "IS DISTINCT FROM ", text, flags=re.I)
    text = re.sub(r"\bIS\s+(?!NOT\b|NULL\b|DISTINCT\b|TRUE\b|FALSE\b)", "IS NOT DISTINCT FROM ", text, flags=re.I)
    text = text.replace("?", "%s")
    if named:
        text = re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"%(\1)s", text)
    text = re.sub(r"\s+INDEXED\s+BY\s+\w+", "", text, flags=re.I)
    text = re.sub(r"\bCROSS\s+JOIN\b", "JOIN", text, flags=re.I)  # SQLite's hint to keep the join order
    text = re.sub(r"\bNOT\s+LIKE\b", "NOT ILIKE", text)
    text = re.sub(r"(?<!NOT )\bLIKE\b", "ILIKE", text)
    text = re.sub(r"\bAS\s+REAL\s*\)", "AS double precision)", text, flags=re.I)
    text = re.sub(r"\bjson_array\(", "json_build_array(", text)
    return _CONDITION.sub(lambda m: f"{m.group(1)}{m.group(2)} <> 0", text)
