"""Opening a sitlog database on a PostgreSQL server: connecting, creating the schema, locking each write.

Writes take one transaction-scoped advisory lock (``pg_advisory_xact_lock``) after ``BEGIN``: the same
one-writer-at-a-time rule as SQLite's ``BEGIN IMMEDIATE``, chosen over SERIALIZABLE because every write
command reads before it writes (a name resolved to a place it may create, the next handle and row
numbers, the derived ``control_current`` row): under SERIALIZABLE two such commands conflict and one must
be retried from the start, which a CLI command cannot do once it has printed; under the lock the second
waits (up to ``SITLOG_BUSY_TIMEOUT``, then exit 5) and then sees the first's rows. Readers are never
blocked: a read command runs in one REPEATABLE READ READ ONLY transaction, so every report it prints
comes from one snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from sitlog.errors import SitlogError, StorageError
from sitlog.store.actors import Actors
from sitlog.store.database import Store
from sitlog.store.events import Events
from sitlog.store.pg.connection import PgConnection
from sitlog.store.pg.errors import connect_error, failure
from sitlog.store.pg.target import PgTarget
from sitlog.store.places import Places
from sitlog.store.schema import MIGRATIONS, SCHEMA_VERSION

# Names the schema creates: a database holding any of them without sitlog_migrations is another application's.
TABLES = ("places", "place_names", "admin_units", "admin_names", "actors", "actor_names", "actor_members",
          "changesets", "revisions", "events", "handles", "control_current", "gazetteer_changes")  # fmt: skip

# The advisory lock every write holds (ASCII "sitl"): one writer at a time per database.
WRITE_LOCK = 0x7369746C


def _quiet(text: str) -> None:
    pass


class PgStore(Store):
    """A sitlog database on a PostgreSQL server (``--db postgresql://…``), used as ``Store`` is.

    Writing: a database without the schema gets it (one transaction, under the write lock; a database
    with another application's ``places`` table is refused); a newer schema is refused. Read-only: the
    schema must be there at this version; the connection is read-only. Raises ``Busy`` (exit 5: the server
    cannot be reached, the lock was not free in time) or ``StorageError`` (exit 6: refused login, no such
    database, no privilege, not a sitlog database, a newer schema)."""

    sql_calls_python = False

    def __init__(  # noqa: PLR0913 - Store's signature
        self,
        target: PgTarget,
        busy_timeout: float = 5.0,
        *,
        read_only: bool = False,
        accept_older: bool = False,
        notify: Callable[[str], None] = _quiet,
    ) -> None:
        self.path = target  # type: ignore[assignment]
        self.target = target
        self.read_only = read_only
        raw = _connect(target, busy_timeout, read_only)
        self.pg = PgConnection(raw, target)
        self.conn = self.pg  # type: ignore[assignment]  # the sqlite3 interface the store's modules use
        try:
            applied = self._pg_applied(raw)
            if read_only:
                self._readable(applied, accept_older)
                self._current_functions(raw, accept_older)
                raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            elif not applied:
                self._create(raw, notify)
            else:
                self._refresh_functions(raw, notify)
        except psycopg.Error as exc:
            raw.close()
            raise _error(exc, target) from None
        except BaseException:
            raw.close()
            raise
        self.places = Places(self.conn)
        self.actors = Actors(self.conn)
        self.events = Events(self.conn, self.actors)

    def _pg_applied(self, raw: psycopg.Connection[Any]) -> list[str]:
        if raw.execute("SELECT to_regclass('sitlog_migrations')").fetchone() == (None,):
            found = raw.execute(
                "SELECT string_agg(c.relname || '', ', ' ORDER BY c.relname) FROM pg_class c "
                "WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY (%s)",
                (list(TABLES),),
            ).fetchone()
            taken = found[0] if found else None
            if taken:
                raise StorageError(
                    f"{self.target} has tables named as sitlog's ({taken}) but no sitlog schema: "
                    "not a sitlog database (use another database or schema)"
                )
            if self.read_only:
                raise StorageError(
                    f"{self.target} has no sitlog schema yet; `sitlog log …` or `sitlog import` creates it"
                )
            return []
        applied = [r[0] for r in raw.execute("SELECT name FROM sitlog_migrations ORDER BY name")]
        newer = set(applied) - set(MIGRATIONS.names)
        if newer:
            raise StorageError(
                f"{self.target} has schema version {len(applied)}, newer than this sitlog ({SCHEMA_VERSION}); "
                "upgrade sitlog"
            )
        if len(applied) < SCHEMA_VERSION:
            raise StorageError(
                f"{self.target} has schema {len(applied)}, older than this sitlog's {SCHEMA_VERSION}, and "
                "PostgreSQL databases are created at the current schema only: export it with the older sitlog "
                "and import the bundle"
            )
        return applied

    def _current_functions(self, raw: psycopg.Connection[Any], accept_older: bool) -> None:
        """A reader needs the server code this sitlog's queries call; ``accept_older`` (backup, migrate) takes
        older code and marks the store ``outdated``."""
        from sitlog.store.pg.schema import FUNCTIONS_VERSION, functions_version

        if functions_version(raw) >= FUNCTIONS_VERSION:
            return
        if not accept_older:
            raise StorageError(
                f"{self.target} has sitlog's server functions from an older sitlog: run `sitlog migrate` "
                "(or any write command) to bring them up to date; read commands never change the database"
            )
        self.outdated = True

    def _refresh_functions(self, raw: psycopg.Connection[Any], notify: Callable[[str], None]) -> None:
        """Before the first write: replace older server functions, in one transaction under the write lock."""
        from sitlog.store.pg.schema import FUNCTIONS_VERSION, functions_version, install_functions

        if functions_version(raw) >= FUNCTIONS_VERSION:
            return
        with raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            if functions_version(raw) >= FUNCTIONS_VERSION:
                return  # another writer did it while this one waited
            install_functions(raw)
        notify(f"brought sitlog's server functions on {self.target} up to date (version {FUNCTIONS_VERSION})")

    def _create(self, raw: psycopg.Connection[Any], notify: Callable[[str], None]) -> None:
        """The schema, created in one transaction under the write lock (a concurrent first write waits)."""
        from sitlog.store.pg.schema import create

        with raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            # Not to_regclass(): it reads the catalog through a snapshot taken before the wait (an advisory lock
            # does not refresh it), so it missed a schema another writer committed meanwhile, and this one then
            # failed with 'function "julianday" already exists' (exit 6). A plain query sees every commit so far.
            created = raw.execute(
                "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relname = 'sitlog_migrations' AND n.nspname = current_schema()"
            ).fetchone()
            if created is not None:
                return  # another sitlog created it while this one waited
            create(raw, MIGRATIONS.names)
        notify(f"initialised {self.target} as a sitlog database (schema {SCHEMA_VERSION})")

    def rebuildable_indexes(self, tables: tuple[str, ...]) -> list[tuple[str, str]]:
        """None: PostgreSQL keeps its indexes through a bulk load (its planner needs them for the load's own
        lookups, and dropping them would lock every reader out of the tables until the end)."""
        return []

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM sitlog_migrations").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN``, then the write lock: one writer at a time, the others wait (then exit 5)."""
        self.conn.execute("BEGIN")
        try:
            self.conn.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            yield
        except BaseException:
            self._rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except SitlogError:
            self._rollback()
            raise

    def _rollback(self) -> None:
        try:
            if self.pg.in_transaction and not self.pg.raw.closed:
                self.pg.raw.execute("ROLLBACK")
        except psycopg.Error:
            pass

    def close(self) -> None:
        try:
            self._rollback()
        finally:
            self.conn.close()


def _connect(target: PgTarget, busy_timeout: float, read_only: bool) -> psycopg.Connection[Any]:
    """A connection in autocommit (the store begins its own transactions), UTC, with the lock timeout."""
    try:
        raw = psycopg.connect(target.url, autocommit=True, connect_timeout=max(1, int(busy_timeout) or 1))
    except psycopg.Error as exc:
        raise connect_error(exc, target) from None
    except (ValueError, UnicodeError) as exc:
        raise StorageError(f"cannot open {target}: not a valid PostgreSQL URL ({exc})") from None
    try:
        raw.execute("SET TIME ZONE 'UTC'")
        raw.execute(f"SET lock_timeout = {int(busy_timeout * 1000)}")
        raw.execute("SET application_name = 'sitlog'")
        if read_only:
            raw.execute("SET default_transaction_read_only = on")
    except psycopg.Error as exc:
        raw.close()
        raise _error(exc, target) from None
    return raw


def _error(exc: psycopg.Error, target: PgTarget) -> SitlogError:
    found = failure(exc, target)
    if isinstance(found, SitlogError):
        return found
    return StorageError(f"{target}: {' '.join(str(exc).split())}")
