"""``Store``: one open sitlog database — the connection, its migrations and transactions.

What is stored is read and written through the store's parts: ``places``, ``actors`` and
``events`` (the revision log). Report queries, undo bookkeeping and bulk paths are module-level
functions over a ``Store`` in ``reports``, ``revisions``, ``bulk`` and ``export``.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sitlog.domain.model import utc_key
from sitlog.errors import Busy, StorageError
from sitlog.store.actors import Actors
from sitlog.store.events import Events
from sitlog.store.places import Places
from sitlog.store.schema import MIGRATIONS, SCHEMA_VERSION

_SQLITE_MAGIC = b"SQLite format 3\x00"


class Store:
    """A sitlog database. Opening it creates the file (mode 0600) and applies pending migrations."""

    def __init__(self, path: Path, busy_timeout: float = 5.0) -> None:
        self.path = path
        self.conn = connect(path, busy_timeout)
        self._migrate()
        self.places = Places(self.conn)
        self.actors = Actors(self.conn)
        self.events = Events(self.conn, self.actors)

    def _migrate(self) -> None:
        try:
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            applied = set(MIGRATIONS.applied(self.conn))
            if tables and "_sqlite_migrations" not in tables:
                raise StorageError(f"{self.path} is an SQLite database but not a sitlog one")
            known = set(MIGRATIONS.names)
            if applied - known:
                raise StorageError(
                    f"{self.path} has schema version {len(applied)}, newer than this sitlog ({SCHEMA_VERSION}); "
                    "upgrade sitlog"
                )
            # Only once the file is known to be ours: switching journal mode rewrites the file header.
            self.conn.execute("PRAGMA journal_mode=WAL")
            if len(applied) < len(known):
                with self.transaction():
                    MIGRATIONS.apply(self.conn)
        except sqlite3.DatabaseError as exc:
            raise storage_error(exc, self.path) from None

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
        except sqlite3.OperationalError as exc:
            raise storage_error(exc, self.path) from None
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self.conn.execute("ROLLBACK")
            raise storage_error(exc, self.path) from None

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


def connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Open ``path``, creating it with mode 0600; refuse (exit 6) what is not a usable SQLite file."""
    if path.is_dir():
        raise StorageError(f"{path} is a directory, not a database file")
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            raise StorageError(f"cannot read and write {path}: permission denied")
        with open(path, "rb") as handle:
            head = handle.read(16)
        if head and head != _SQLITE_MAGIC:
            raise StorageError(f"{path} is not a sitlog database (not an SQLite file)")
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise StorageError(f"cannot create {path}: a parent of it is a file, not a directory") from None
        except OSError as exc:
            raise StorageError(f"cannot create {path}: {exc.strerror or exc}") from None
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, stat.S_IRUSR | stat.S_IWUSR)
            os.close(fd)
        except FileExistsError:
            pass  # another process created it first: open theirs
        except OSError as exc:
            raise StorageError(f"cannot create {path}: {exc.strerror}") from None
    try:
        conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=FULL")
    except sqlite3.DatabaseError as exc:
        raise storage_error(exc, path) from None
    return conn


def storage_error(exc: sqlite3.Error, path: Path) -> Exception:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return Busy(f"database {path} is busy (locked by another sitlog) past the timeout; try again")
    if "readonly" in text or "read-only" in text:
        return StorageError(f"cannot write {path}: read-only")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StorageError(f"{path} is not a usable sitlog database ({text})")
    return StorageError(f"{path}: {text}")
