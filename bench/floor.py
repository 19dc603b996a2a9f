"""The floors sitlog is measured against: the same SQL with bare ``sqlite3``, nothing else.

    python bench/floor.py replay TRACE [--db PATH] [--fresh-ids] [--quiet]
    python bench/floor.py export --db PATH

``replay`` runs a trace that ``bench/sqltrace.py`` captured from a sitlog run: every connection it opened
(same file, same URI flags), every statement with the same parameters, in the same order, fetching
exactly as many rows as sitlog fetched, and writes each fetched row to stdout as a tab-separated line
(``--quiet``: fetch only). ``--db`` points the trace at another copy of the database; ``--fresh-ids``
gives the event and change-set ids a write inserted new values (a replayed ``log`` would otherwise
collide with the event it replays), as two runs of sitlog would.

``export`` is the floor of ``sitlog export`` (jsonl): SQLite itself builds one ``json_object`` line per
revision, in recording order, and the lines go to stdout.

This module imports ``sqlite3`` and ``argparse`` only (``argparse`` only when run as a script), so its
start-up is the floor of any sitlog process. ``bench/run.py`` also imports it to replay traces in-process.
"""

from __future__ import annotations

import sqlite3

TraceOp = tuple[int, str, int, str, int, int, str, int, list[object]]
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def load(trace_path: str) -> tuple[dict[str, str], list[TraceOp]]:
    """A trace file as (meta, ops); each op: (i, op, conn, sql, rows, exhausted, arg, flag, params).

    ``params`` is the statement's parameters (a tuple, or a dict for named ones); for ``executemany`` a
    list of them.
    """
    src = sqlite3.connect(trace_path)
    meta = {str(k): str(v) for k, v in src.execute("SELECT key, value FROM meta")}
    called = set()
    for (sql,) in src.execute("SELECT sql FROM ops WHERE sql IS NOT NULL"):
        for word in str(sql).replace("(", " ( ").split():
            if word.startswith("sitlog_") and word[7:].replace("_", "").isalnum():
                called.add(word)  # a Python function sitlog registered (see _connect)
    meta["functions"] = " ".join(sorted(called))
    params: dict[int, dict[int, list[tuple[int, str | None, object]]]] = {}
    for op_i, row, pos, name, value in src.execute(
        "SELECT op, row, pos, name, value FROM params ORDER BY op, row, pos"
    ):
        params.setdefault(op_i, {}).setdefault(row, []).append((pos, name, value))
    ops: list[TraceOp] = []
    for i, op, conn, sql, rows, exhausted, arg, flag in src.execute(
        "SELECT i, op, conn, sql, rows, exhausted, arg, flag FROM ops ORDER BY i"
    ):
        rows_params: list[object] = []
        for _row, values in sorted(params.get(i, {}).items()):
            if values and values[0][1] is not None:
                rows_params.append({name: value for _pos, name, value in values})
            else:
                rows_params.append(tuple(value for _pos, _name, value in values))
        ops.append((i, op, conn, sql or "", rows, exhausted, arg or "", flag, rows_params))
    src.close()
    return meta, ops


def split_at_mark(ops: list[TraceOp]) -> tuple[list[TraceOp], list[TraceOp]]:
    """The ops before the first ``mark`` (opening the store) and after it (the work measured)."""
    for n, op in enumerate(ops):
        if op[1] == "mark":
            return ops[:n], ops[n + 1 :]
    return [], ops


def fresh_ids(ops: list[TraceOp]) -> dict[str, str]:
    """New values for the ids (26-character ULIDs) that the trace's writes insert: {old: new}."""
    found: dict[str, str] = {}
    with open("/dev/urandom", "rb") as random_source:
        for op in ops:
            if op[1] not in ("execute", "executemany") or not op[3].lstrip().upper().startswith(WRITES):
                continue
            for params in op[8]:
                values = params.values() if isinstance(params, dict) else params
                for value in values:  # type: ignore[union-attr]
                    if isinstance(value, str) and len(value) == 26 and value not in found:
                        if all(c in CROCKFORD for c in value):
                            tail = "".join(CROCKFORD[b % 32] for b in random_source.read(16))
                            found[value] = value[:10] + tail
    return found


def _swap(params: object, ids: dict[str, str]) -> object:
    if not ids:
        return params
    if isinstance(params, dict):
        return {k: ids.get(v, v) if isinstance(v, str) else v for k, v in params.items()}
    return tuple(ids.get(v, v) if isinstance(v, str) else v for v in params)  # type: ignore[attr-defined]


def _connect(meta: dict[str, str], arg: str, flag: int, isolation: str, db: str | None) -> sqlite3.Connection:
    target = arg
    if db is not None:
        captured = meta.get("db", "")
        target = arg.replace(meta.get("db_quoted", captured), db).replace(captured, db)
    level = None if isolation == "None" else isolation
    conn = sqlite3.connect(target, uri=bool(flag), isolation_level=level, check_same_thread=False)
    # sitlog registers a few Python functions on its connections (sitlog_time, sitlog_describe, …: text
    # it formats in Python while SQLite builds the rows). The floor stands in the cheapest function of the
    # same name — its first argument back — so it runs the same statements without sitlog's formatting:
    # a lower bound, as a floor should be.
    for name in meta.get("functions", "").split():
        conn.create_function(name, -1, _first, deterministic=True)
    return conn


def _first(*args: object) -> object:
    return args[0] if args else None


def replay(
    meta: dict[str, str],
    ops: list[TraceOp],
    db: str | None = None,
    out: object = None,
    ids: dict[str, str] | None = None,
    conns: dict[int, sqlite3.Connection] | None = None,
) -> int:
    """Run ``ops`` as sitlog ran them; returns the number of rows fetched.

    ``db``: the database file to use instead of the one captured. ``out``: a text file each fetched row
    is written to (tab-separated), or None. ``ids``: parameter values to replace ({old: new}).
    ``conns``: connections already open (by trace number), e.g. by a replay of the ops before a mark.
    """
    conns = {} if conns is None else conns
    ids = ids or {}
    write = out.write if out is not None else None  # type: ignore[attr-defined]
    fetched = 0
    for _i, op, c, sql, rows, exhausted, arg, flag, params in ops:
        if op == "connect":
            conns[c] = _connect(meta, arg, flag, sql, db)
        elif op == "execute":
            cur = conns[c].execute(sql, _swap(params[0], ids)) if params else conns[c].execute(sql)
            # Rows stream from the cursor (as a streaming sitlog would read them), never gathered in a list.
            batch = cur if exhausted else cur.fetchmany(rows) if rows else ()
            if write is None:
                for _row in batch:
                    fetched += 1
            else:
                for row in batch:
                    write("\t".join([str(v) for v in row]) + "\n")
                    fetched += 1
        elif op == "executemany":
            conns[c].executemany(sql, [_swap(p, ids) for p in params])
        elif op == "executescript":
            conns[c].executescript(sql)
        elif op == "commit":
            conns[c].commit()
        elif op == "rollback":
            conns[c].rollback()
        elif op == "close":
            conns.pop(c).close()
    return fetched


EXPORT_SQL = """
SELECT json_object(
  'record', 'revision', 'id', r.event_id, 'revision', r.revision, 'kind', r.kind,
  'place', p.name, 'place_id', r.place_id, 'at', r.at_utc, 'precision', r.precision, 'at_date', r.at_date,
  'at_end', r.at_end, 'actors', json(r.actor_ids), 'against', json(r.against_ids), 'status', r.status,
  'part', r.part, 'outcome', r.outcome, 'killed', json(r.killed), 'injured', json(r.injured),
  'captured', json(r.captured), 'side', r.side, 'person', r.person, 'role', r.role, 'means', r.means,
  'people', json(r.people), 'families', json(r.families), 'to_place_id', r.to_place_id, 'source', r.source,
  'grade', r.grade, 'claimed', json(CASE WHEN r.claimed THEN 'true' ELSE 'false' END),
  'claimed_by', r.claimed_by, 'note', r.note, 'tags', json(r.tags), 'operator', r.operator,
  'recorded_at', r.recorded_at, 'retracted', json(CASE WHEN r.retracted THEN 'true' ELSE 'false' END),
  'reason', r.reason, 'duplicate_of', r.duplicate_of
)
FROM revisions r JOIN places p ON p.id = r.place_id
ORDER BY r.seq
"""


def export(db: str, out: object) -> int:
    """Write one JSON line per revision (built by SQLite's ``json_object``) to ``out``; returns the count."""
    conn = sqlite3.connect(db)
    write = out.write  # type: ignore[attr-defined]
    n = 0
    for (line,) in conn.execute(EXPORT_SQL):
        write(line + "\n")
        n += 1
    conn.close()
    return n


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="sitlog's floors: its SQL with bare sqlite3")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("replay", help="replay a captured trace")
    rep.add_argument("trace")
    rep.add_argument("--db", help="the database file to use instead of the one captured")
    rep.add_argument("--fresh-ids", action="store_true", help="new ids for what the trace's writes insert")
    rep.add_argument("--quiet", action="store_true", help="fetch rows without writing them")
    exp = sub.add_parser("export", help="json_object lines of every revision")
    exp.add_argument("--db", required=True)
    args = parser.parse_args()
    with open(1, "w", buffering=1 << 16, encoding="utf-8", closefd=False) as out:
        if args.command == "export":
            export(args.db, out)
            return
        meta, ops = load(args.trace)
        ids = fresh_ids(ops) if args.fresh_ids else None
        replay(meta, ops, args.db, None if args.quiet else out, ids)


if __name__ == "__main__":
    main()
