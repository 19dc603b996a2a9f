"""Capture the SQL a sitlog run issues, for ``bench/floor.py replay`` to run with bare sqlite3.

    python bench/sqltrace.py TRACE -- ARGS...      # run `sitlog ARGS...` in this process, write TRACE

While capturing, every ``sqlite3.connect`` returns a recording connection (``factory=``): each
connection opened (file, URI flag, isolation level), each ``execute``/``executemany``/``executescript``
with its SQL text and parameters as bound (not the SQL with values pasted in), how many rows sitlog
fetched from it and whether it read to the end, each ``commit``/``rollback``/``close``. SQLite's own
trace hook would be simpler but reports trigger programs as extra statements and inlines parameters.

The trace is itself a small SQLite file (tables ``meta``, ``ops``, ``params``): parameter values keep
their SQLite types, so the floor reads it back with nothing but ``sqlite3``. The capture run is slower
than a plain run (every row passes through Python-level counting) and is never timed.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote


class Recorder:
    """The ops of one capture, in order: [op, conn, sql, rows, exhausted, arg, flag, params]."""

    def __init__(self) -> None:
        self.ops: list[list[Any]] = []
        self.connections = 0

    def add(self, op: str, conn: int, sql: str = "", arg: str = "", flag: int = 0, params: Any = None) -> list[Any]:
        entry = [op, conn, sql, 0, 0, arg, flag, params]
        self.ops.append(entry)
        return entry

    def mark(self) -> None:
        """Split the trace: what came before (opening a store) is set-up, what follows is the work."""
        self.add("mark", -1)

    def write(self, path: Path, db: Path | None) -> None:
        """Write the trace file (replacing ``path``)."""
        path.unlink(missing_ok=True)
        out = sqlite3.connect(path)
        out.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        out.execute(
            "CREATE TABLE ops (i INTEGER PRIMARY KEY, op TEXT, conn INTEGER, sql TEXT, rows INTEGER, "
            "exhausted INTEGER, arg TEXT, flag INTEGER)"
        )
        out.execute("CREATE TABLE params (op INTEGER, row INTEGER, pos INTEGER, name TEXT, value)")
        if db is not None:
            absolute = str(db.absolute())
            out.executemany("INSERT INTO meta VALUES (?, ?)", [("db", absolute), ("db_quoted", quote(absolute))])
        params_rows: list[tuple[object, ...]] = []
        for i, (op, conn, sql, rows, exhausted, arg, flag, params) in enumerate(self.ops):
            out.execute(
                "INSERT INTO ops VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (i, op, conn, sql, rows, exhausted, arg, flag)
            )
            for r, row in enumerate(params if op == "executemany" else ([] if params is None else [params])):
                if isinstance(row, dict):
                    params_rows.extend((i, r, pos, name, value) for pos, (name, value) in enumerate(row.items()))
                else:
                    params_rows.extend((i, r, pos, None, value) for pos, value in enumerate(row))
        out.executemany("INSERT INTO params VALUES (?, ?, ?, ?, ?)", params_rows)
        out.commit()
        out.close()


class _Cursor(sqlite3.Cursor):
    recorder: Recorder
    conn_no: int
    entry: list[Any] | None = None

    def execute(self, sql: str, parameters: Any = None, /) -> sqlite3.Cursor:  # type: ignore[override]
        params = (
            None if parameters is None else (dict(parameters) if isinstance(parameters, dict) else tuple(parameters))
        )
        self.entry = self.recorder.add("execute", self.conn_no, sql, params=params)
        return super().execute(sql) if parameters is None else super().execute(sql, parameters)

    def executemany(self, sql: str, seq: Any, /) -> sqlite3.Cursor:  # type: ignore[override]
        rows = [dict(p) if isinstance(p, dict) else tuple(p) for p in seq]
        self.entry = self.recorder.add("executemany", self.conn_no, sql, params=rows)
        return super().executemany(sql, rows)

    def executescript(self, script: str, /) -> sqlite3.Cursor:  # type: ignore[override]
        self.entry = self.recorder.add("executescript", self.conn_no, script)
        return super().executescript(script)

    def _count(self, n: int, done: bool) -> None:
        if self.entry is not None:
            self.entry[3] += n
            if done:
                self.entry[4] = 1

    def __next__(self) -> Any:
        try:
            row = super().__next__()
        except StopIteration:
            self._count(0, True)
            raise
        self._count(1, False)
        return row

    def fetchone(self) -> Any:
        row = super().fetchone()
        self._count(0 if row is None else 1, row is None)
        return row

    def fetchmany(self, size: int | None = None) -> list[Any]:
        asked = self.arraysize if size is None else size
        rows = super().fetchmany(asked)
        self._count(len(rows), len(rows) < asked)
        return rows

    def fetchall(self) -> list[Any]:
        rows = super().fetchall()
        self._count(len(rows), True)
        return rows


def _connection_class(recorder: Recorder) -> type[sqlite3.Connection]:
    class Cursor(_Cursor):
        pass

    Cursor.recorder = recorder

    class Connection(sqlite3.Connection):
        def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
            super().__init__(database, *args, **kwargs)
            recorder.connections += 1
            self.conn_no = recorder.connections
            recorder.add(
                "connect", self.conn_no, str(self.isolation_level), os.fspath(database), int(bool(kwargs.get("uri")))
            )

        def cursor(self, factory: Any = None) -> Any:  # type: ignore[override]
            cur = super().cursor(factory or Cursor)
            cur.conn_no = self.conn_no
            return cur

        def execute(self, sql: str, parameters: Any = None, /) -> sqlite3.Cursor:  # type: ignore[override]
            return self.cursor().execute(sql, parameters)

        def executemany(self, sql: str, seq: Any, /) -> sqlite3.Cursor:  # type: ignore[override]
            return self.cursor().executemany(sql, seq)

        def executescript(self, script: str, /) -> sqlite3.Cursor:  # type: ignore[override]
            return self.cursor().executescript(script)

        def commit(self) -> None:
            recorder.add("commit", self.conn_no)
            super().commit()

        def rollback(self) -> None:
            recorder.add("rollback", self.conn_no)
            super().rollback()

        def close(self) -> None:
            recorder.add("close", self.conn_no)
            super().close()

    return Connection


@contextlib.contextmanager
def capture() -> Iterator[Recorder]:
    """Within the block, connections sqlite3 opens record what runs on them."""
    recorder = Recorder()
    real = sqlite3.connect
    factory = _connection_class(recorder)

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        kwargs.setdefault("factory", factory)
        return real(*args, **kwargs)

    sqlite3.connect = connect  # type: ignore[assignment]
    try:
        yield recorder
    finally:
        sqlite3.connect = real


def sitlog_entry_point() -> Any:
    """The installed ``sitlog`` console script's function (what the ``sitlog`` command runs)."""
    from importlib.metadata import entry_points

    (entry,) = entry_points(group="console_scripts", name="sitlog")
    return entry.load()


def run_cli(args: list[str]) -> int:
    """Run ``sitlog ARGS`` in this process as the console script would; returns its exit code."""
    main = sitlog_entry_point()
    saved = sys.argv
    sys.argv = ["sitlog", *args]
    try:
        main()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved
    return 0


def main() -> None:
    if len(sys.argv) < 3 or sys.argv[2] != "--":
        sys.exit("usage: python bench/sqltrace.py TRACE -- ARGS...")
    out = Path(sys.argv[1])
    db_env = os.environ.get("SITLOG_DB")
    args = sys.argv[3:]
    db = Path(args[args.index("--db") + 1]) if "--db" in args else (Path(db_env) if db_env else None)
    with capture() as recorder:
        code = run_cli(args)
    sys.stdout.flush()
    recorder.write(out, db)
    if code:
        sys.exit(code)


if __name__ == "__main__":
    main()
