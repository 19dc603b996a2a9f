"""A psycopg connection that speaks the part of the sqlite3 interface the store uses.

``execute``/``executemany``/``executescript`` take SQLite-dialect SQL (``dialect.translate``), cursors
give ``fetchone``/``fetchall``/``fetchmany``, iteration, ``lastrowid`` and ``rowcount``, and values come
back as SQLite gives them: integers for PostgreSQL's booleans and whole numerics (``sum``), floats for
the others. Parameters are bound on the client (``ClientCursor``): a value is a literal of no fixed type,
as in SQLite, so ``x = ?`` works whatever ``x`` is. PostgreSQL's failures become the store's own errors
(``errors.failure``) where the command meets them; ``PRAGMA`` statements, which PostgreSQL has no use
for, return what SQLite's defaults would.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.adapt import Loader
from psycopg.pq import TransactionStatus
from psycopg.types.string import TextLoader

from sitlog.store.pg.dialect import translate
from sitlog.store.pg.errors import failure
from sitlog.store.pg.target import PgTarget

Params = Sequence[Any] | Mapping[str, Any] | None

# psycopg logs what it ignores while cleaning up after a lost connection ("error ignored terminating
# <psycopg.Pipeline [BAD]>"); with no handler, Python would print that on stderr beside sitlog's own one-line
# error. The failure itself reaches the command as an exception and is reported once.
logging.getLogger("psycopg").addHandler(logging.NullHandler())

# What SQLite answers to the PRAGMAs the store reads (it sets the others, which mean nothing here).
_PRAGMAS: dict[str, list[tuple[Any, ...]]] = {
    "cache_size": [(-2000,)],
    "integrity_check": [("ok",)],  # the server checks its own pages; `sitlog check` checks sitlog's rules
    "quick_check": [("ok",)],
    "foreign_key_check": [],  # PostgreSQL enforces the keys on every statement
}


class _IntOrFloat(Loader):
    """numeric → int when whole (``sum`` of integers), else float: what SQLite's arithmetic gives."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        return int(text) if text.lstrip("-").isdigit() else float(text)


class _BoolAsInt(Loader):
    def load(self, data: Any) -> int:
        return 1 if bytes(data) == b"t" else 0


class PgCursor:
    """The result of one statement, read as sqlite3's cursor is read."""

    def __init__(self, cursor: psycopg.ClientCursor[Any] | None, lastrowid: int | None = None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid
        self.rowcount = cursor.rowcount if cursor is not None else -1
        self._rows: list[tuple[Any, ...]] | None = None if cursor is not None and cursor.description else []

    @classmethod
    def of_rows(cls, rows: list[tuple[Any, ...]]) -> PgCursor:
        made = cls(None)
        made._rows = list(rows)
        return made

    def fetchone(self) -> Any:
        if self._rows is not None:
            return self._rows.pop(0) if self._rows else None
        assert self._cursor is not None
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        if self._rows is not None:
            rows, self._rows = self._rows, []
            return rows
        assert self._cursor is not None
        return self._cursor.fetchall()

    def fetchmany(self, size: int = 1) -> list[Any]:
        if self._rows is not None:
            rows, self._rows = self._rows[:size], self._rows[size:]
            return rows
        assert self._cursor is not None
        return self._cursor.fetchmany(size)

    def __iter__(self) -> Iterator[Any]:
        while rows := self.fetchmany(500):
            yield from rows


class PgConnection:
    """One psycopg connection (autocommit: transactions are begun and ended by the store's own SQL)."""

    def __init__(self, conn: psycopg.Connection[Any], target: PgTarget) -> None:
        self.raw = conn
        self.target = target
        for numeric in ("numeric",):
            conn.adapters.register_loader(numeric, _IntOrFloat)
        conn.adapters.register_loader("bool", _BoolAsInt)
        for json_type in ("json", "jsonb"):  # JSON built in SQL is text, as SQLite gives it
            conn.adapters.register_loader(json_type, TextLoader)

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def execute(self, sql: str, params: Params = ()) -> PgCursor:
        """Run one statement (SQLite's dialect). Raises the store's ``SitlogError`` for a storage failure
        (server gone, lock timeout: ``Busy``), psycopg's error for anything else (a bug)."""
        head = sql.lstrip()[:7].upper()
        if head.startswith("PRAGMA"):
            name = sql.split(None, 1)[1].split("(")[0].split("=")[0].strip().lower()
            return PgCursor.of_rows([] if "=" in sql else _PRAGMAS.get(name, []))
        if head.startswith("BEGIN"):
            return PgCursor(self._run("BEGIN", None))
        text, returning = translate(sql, isinstance(params, Mapping))
        cursor = self._run(text, params)
        if returning is not None and cursor.description:
            row = cursor.fetchone()
            return PgCursor(cursor, int(row[0]) if row else None)
        return PgCursor(cursor)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        text, _ = translate(sql, False, True)
        cursor = psycopg.ClientCursor(self.raw)
        try:
            cursor.executemany(text, [tuple(_value(v) for v in row) for row in rows])
        except psycopg.Error as exc:
            raise failure(exc, self.target) from None
        return PgCursor(cursor)

    def _run(self, text: str, params: Params) -> psycopg.ClientCursor[Any]:
        cursor = psycopg.ClientCursor(self.raw)
        try:
            if isinstance(params, Mapping):
                cursor.execute(text, {k: _value(v) for k, v in params.items()})
            else:
                cursor.execute(text, tuple(_value(v) for v in params or ()))
        except psycopg.Error as exc:
            cursor.close()
            raise failure(exc, self.target) from None
        return cursor

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        """SQL on PostgreSQL cannot call Python: callers ask ``Store.sql_calls_python`` first."""
        raise NotImplementedError("SQL on PostgreSQL cannot call Python functions")

    def close(self) -> None:
        self.raw.close()


def _value(value: Any) -> Any:
    """A parameter as SQLite would store it: a boolean is the integer 0 or 1 (the store's flag columns)."""
    if isinstance(value, bool):
        return int(value)
    return value
