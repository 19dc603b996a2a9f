"""``Store``: one open sitlog database — the connection, its migrations and transactions.

What is stored is read and written through the store's parts: ``places``, ``actors`` and
``events`` (the revision log). Report queries, undo bookkeeping and bulk paths are module-level
functions over a ``Store`` in ``reports``, ``revisions``, ``bulk`` and ``export``. How the file is
examined and opened is in ``opening``; backups in ``backup``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sitlog.domain.model import utc_key
from sitlog.errors import StorageError
from sitlog.store.actors import Actors
from sitlog.store.backup import backup_beside
from sitlog.store.events import Events
from sitlog.store.opening import (
    Found,
    connect_read,
    connect_write,
    examine,
    file_uri,
    quick_check,
    storage_error,
)
from sitlog.store.places import Places
from sitlog.store.schema import MIGRATIONS, SCHEMA_VERSION


def _quiet(text: str) -> None:
    pass


class Store:
    """A sitlog database, opened for writing (the default) or with ``read_only``.

    Writing: a missing file is created (0600, with its folders); an empty one (0 bytes, or SQLite with no
    tables) is initialised, saying so through ``notify``; a database up to 16 MB is quick-checked (a
    damaged one is refused); an older schema is backed up beside the file (``NAME.vN.bak``, SQLite's
    backup API, 0600) and then migrated in one transaction. Read-only: the file must exist and be at this
    schema (``accept_older`` also takes an older one, for ``backup``); nothing is ever written, not even
    the -wal switch. Raises ``StorageError`` (exit 6) — not a sitlog database, a newer schema, damage,
    no permission — or ``Busy`` (exit 5).

    ``sql_calls_python``: whether SQL run on this store may call Python functions registered with
    ``create_function`` (True for SQLite). Where it is false, the listing and export paths that build
    their text in SQL make the same text in Python instead (``pyjson``)."""

    sql_calls_python = True
    outdated = False  # opened with accept_older over server code older than this sitlog's (PostgreSQL)

    def __init__(
        self,
        path: Path,
        busy_timeout: float = 5.0,
        *,
        read_only: bool = False,
        accept_older: bool = False,
        notify: Callable[[str], None] = _quiet,
    ) -> None:
        self.path = path
        self.read_only = read_only
        found = examine(path, create=not read_only)
        self.conn = connect_read(path, busy_timeout) if read_only else connect_write(path, busy_timeout)
        try:
            applied = self._applied(found)
            if read_only:
                self._readable(applied, accept_older)
            else:
                self._prepare(found, applied, notify)
        except BaseException:
            self.conn.close()
            raise
        self.places = Places(self.conn)
        self.actors = Actors(self.conn)
        self.events = Events(self.conn, self.actors)

    def _applied(self, found: Found) -> list[str]:
        """The migrations applied to the file; refuses another application's SQLite and a newer schema."""
        try:
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            applied = MIGRATIONS.applied(self.conn) if "_sqlite_migrations" in tables else []
        except sqlite3.DatabaseError as exc:
            raise storage_error(exc, self.path) from None
        if not tables:
            if self.read_only:
                raise StorageError(
                    f"{self.path} is an empty SQLite database, not a sitlog one yet; "
                    "`sitlog log …` or `sitlog import` initialises it"
                )
            return []
        if not applied:
            raise StorageError(f"{self.path} is an SQLite database but not a sitlog one")
        newer = set(applied) - set(MIGRATIONS.names)
        if newer:
            raise StorageError(
                f"{self.path} has schema version {len(applied)}, newer than this sitlog ({SCHEMA_VERSION}); "
                "upgrade sitlog"
            )
        return applied

    def _readable(self, applied: list[str], accept_older: bool) -> None:
        if len(applied) < SCHEMA_VERSION and not accept_older:
            raise StorageError(
                f"{self.path} has schema {len(applied)}, older than this sitlog's {SCHEMA_VERSION}: run "
                "`sitlog migrate` (it backs the database up first); read commands never migrate"
            )

    def _prepare(self, found: Found, applied: list[str], notify: Callable[[str], None]) -> None:
        """Before the first write: initialise an empty file, or check it and (after a backup) migrate it."""
        try:
            if not applied and found != "created":
                what = "" if found == "empty" else " (an SQLite database with no tables)"
                notify(f"initialised the empty file {self.path}{what} as a sitlog database")
            if applied:
                quick_check(self.conn, self.path)
            # Only once the file is known to be ours: switching journal mode rewrites the file header.
            self.conn.execute("PRAGMA journal_mode=WAL")
            if len(applied) == SCHEMA_VERSION:
                return
            with self.transaction():  # the write lock first: nobody else migrates between backup and migration
                applied = MIGRATIONS.applied(self.conn)
                if applied and len(applied) < SCHEMA_VERSION:
                    backup = self._backup(len(applied))
                    notify(
                        f"backed up {self.path} (schema {len(applied)}) to {backup}; "
                        f"migrating it to schema {SCHEMA_VERSION}"
                    )
                MIGRATIONS.apply(self.conn)
        except sqlite3.DatabaseError as exc:
            raise storage_error(exc, self.path) from None

    def _backup(self, version: int) -> Path:
        """A copy of the committed database beside it, read by a second connection (ours holds the lock)."""
        source = sqlite3.connect(file_uri(self.path, mode="ro"), uri=True, isolation_level=None)
        try:
            return backup_beside(source, self.path, version)
        except OSError as exc:
            raise StorageError(
                f"cannot back {self.path} up before migrating it ({exc.strerror or exc}); nothing was changed"
            ) from None
        finally:
            source.close()

    def close(self) -> None:
        self.conn.close()

    @property
    def schema_version(self) -> int:
        return len(MIGRATIONS.applied(self.conn))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One ``BEGIN IMMEDIATE`` transaction: the write lock is taken up front, so no write is lost."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise storage_error(exc, self.path) from None
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            self._rollback()
            raise storage_error(exc, self.path) from None

    def _rollback(self) -> None:
        # SQLite may have rolled back already (a damaged page, a full disk): never mask the first error.
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def rebuildable_indexes(self, tables: tuple[str, ...]) -> list[tuple[str, str]]:
        """(name, ``CREATE INDEX`` statement) of the indexes on ``tables``: what a bulk load into an empty log
        drops first and builds again at the end (SQLite builds an index faster from sorted rows)."""
        marks = ", ".join("?" * len(tables))
        return [
            (str(name), str(sql))
            for name, sql in self.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks})",
                tables,
            )
        ]

    def begin_changeset(self, changeset_id: str, operator: str, command: str, now: datetime, summary: str) -> None:
        """Record a change set (inside a transaction): the unit ``undo`` reverts."""
        self.conn.execute(
            "INSERT INTO changesets (id, operator, command, created_at, summary) VALUES (?, ?, ?, ?, ?)",
            (changeset_id, operator, command, utc_key(now), summary),
        )

    # --- places --------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rows per table: places, actors, events (heads), revisions, change sets."""
        return {
            table: int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("places", "actors", "events", "revisions", "changesets")
        }
