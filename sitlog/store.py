"""The only SQL. ``Store`` opens (and migrates) the database, owns transactions, returns model objects."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitlog import gazetteer
from sitlog.errors import Busy, InvalidInput, NotFound, StorageError
from sitlog.model import (
    Actor,
    ActorType,
    ControlStatus,
    Event,
    Kind,
    Means,
    Place,
    Precision,
    Quantity,
    When,
    day_bounds,
    from_utc_key,
    utc_key,
)

if TYPE_CHECKING:
    import sqlite_utils


class _MigrationSet:
    """Migration functions in order, applied through sqlite-utils ``Migrations`` when any is pending.

    Importing sqlite-utils costs ~50 ms, more than a whole ``log`` command's own work, so an
    up-to-date database is checked with one plain query and sqlite-utils is imported only to migrate.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.functions: list[Callable[[sqlite_utils.Database], None]] = []

    def __call__(self) -> Callable[[Callable[[sqlite_utils.Database], None]], Callable[[sqlite_utils.Database], None]]:
        def register(fn: Callable[[sqlite_utils.Database], None]) -> Callable[[sqlite_utils.Database], None]:
            self.functions.append(fn)
            return fn

        return register

    @property
    def names(self) -> list[str]:
        return [fn.__name__ for fn in self.functions]

    def applied(self, conn: sqlite3.Connection) -> list[str]:
        try:
            rows = conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid", (self.name,)
            ).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise
        return [r[0] for r in rows]

    def apply(self, conn: sqlite3.Connection) -> None:
        import sqlite_utils
        from sqlite_utils.migrations import Migrations

        migrations = Migrations(self.name)
        for fn in self.functions:
            migrations()(fn)
        migrations.apply(sqlite_utils.Database(conn))


MIGRATIONS = _MigrationSet("sitlog")
_SQLITE_MAGIC = b"SQLite format 3\x00"


@MIGRATIONS()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE places (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            admin1 TEXT, admin2 TEXT, admin3 TEXT,
            pcode TEXT, pcode_scheme TEXT,
            lat REAL, lon REAL,
            source TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE place_names (
            place_id INTEGER NOT NULL REFERENCES places(id),
            name TEXT NOT NULL,
            key TEXT NOT NULL,
            skeleton TEXT NOT NULL,
            UNIQUE (place_id, name)
        );
        CREATE INDEX place_names_key ON place_names(key);
        CREATE INDEX place_names_skeleton ON place_names(skeleton);
        CREATE TABLE admin_units (
            pcode TEXT PRIMARY KEY,
            level INTEGER NOT NULL,
            name TEXT NOT NULL,
            name_ar TEXT,
            parent TEXT,
            lat REAL, lon REAL
        ) WITHOUT ROWID;
        CREATE TABLE actors (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            type TEXT NOT NULL,
            parent_id INTEGER REFERENCES actors(id),
            side TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE actor_names (
            actor_id INTEGER NOT NULL REFERENCES actors(id),
            name TEXT NOT NULL,
            key TEXT NOT NULL,
            skeleton TEXT NOT NULL,
            UNIQUE (actor_id, name)
        );
        CREATE INDEX actor_names_key ON actor_names(key);
        CREATE INDEX actor_names_skeleton ON actor_names(skeleton);
        -- One row per command that changed events: what undo reverts.
        CREATE TABLE changesets (
            id TEXT PRIMARY KEY,
            operator TEXT NOT NULL,
            command TEXT NOT NULL,
            created_at TEXT NOT NULL,
            undoes TEXT REFERENCES changesets(id),
            summary TEXT
        ) WITHOUT ROWID;
        CREATE INDEX changesets_operator ON changesets(operator, created_at);
        -- Append-only: every revision of every event, never updated or deleted.
        CREATE TABLE revisions (
            seq INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL,
            revision INTEGER NOT NULL,
            kind TEXT NOT NULL,
            place_id INTEGER NOT NULL REFERENCES places(id),
            at_utc TEXT NOT NULL,
            precision TEXT NOT NULL,
            at_date TEXT,
            at_end TEXT,
            actor_ids TEXT NOT NULL,
            against_ids TEXT NOT NULL,
            status TEXT, part TEXT, outcome TEXT,
            killed TEXT, injured TEXT, captured TEXT,
            side TEXT, person TEXT, role TEXT, means TEXT,
            people TEXT, families TEXT,
            to_place_id INTEGER REFERENCES places(id),
            source TEXT, grade TEXT,
            claimed INTEGER NOT NULL, claimed_by TEXT,
            note TEXT, tags TEXT NOT NULL,
            operator TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            retracted INTEGER NOT NULL DEFAULT 0,
            reason TEXT, duplicate_of TEXT,
            changeset TEXT REFERENCES changesets(id),
            UNIQUE (event_id, revision)
        );
        CREATE INDEX revisions_changeset ON revisions(changeset);
        CREATE INDEX revisions_recorded ON revisions(recorded_at);
        -- The head revision of each event, kept in the same transaction as each write: what reports read.
        CREATE TABLE events (
            event_id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL REFERENCES revisions(seq),
            kind TEXT NOT NULL,
            place_id INTEGER NOT NULL REFERENCES places(id),
            at_utc TEXT NOT NULL,
            at_date TEXT,
            retracted INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX events_place_time ON events(place_id, at_utc);
        CREATE INDEX events_time ON events(at_utc);
        CREATE INDEX events_date ON events(at_date) WHERE at_date IS NOT NULL;
        CREATE INDEX events_control ON events(place_id, at_utc, seq) WHERE kind = 'control' AND retracted = 0;
        """
    )


@MIGRATIONS()
def m002_syria_pack(db: sqlite_utils.Database) -> None:
    _load_pack(db.conn)


@MIGRATIONS()
def m003_changeset_undoes_index(db: sqlite_utils.Database) -> None:
    # undo looks for "the latest change set nobody has undone": without this it scans every change set.
    db.execute("CREATE INDEX changesets_undoes ON changesets(undoes) WHERE undoes IS NOT NULL")


SCHEMA_VERSION = len(MIGRATIONS.functions)
SQLITE_VERSION = sqlite3.sqlite_version

_REVISION_COLUMNS = (
    "event_id, revision, kind, place_id, at_utc, precision, at_date, at_end, actor_ids, against_ids, status, "
    "part, outcome, killed, injured, captured, side, person, role, means, people, families, to_place_id, source, "
    "grade, claimed, claimed_by, note, tags, operator, recorded_at, retracted, reason, duplicate_of, changeset"
)


@dataclass(frozen=True)
class EventFilter:
    """The filters ``events``/``export`` share; instants are UTC, ``until`` exclusive."""

    place_id: int | None = None
    actor_id: int | None = None
    kind: Kind | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None
    include_retracted: bool = False
    known_at: datetime | None = None
    tz: tzinfo = timezone.utc  # the report zone: an event known only by date sits at its local midnight


def _q(value: Quantity | None) -> str | None:
    return json.dumps(value.to_json(), ensure_ascii=False) if value else None


def _unq(text: str | None) -> Quantity | None:
    return _quantity_from_json(text) if text else None


# Quantities and tag lists repeat across rows; decoding each distinct text once speeds long listings.
@lru_cache(maxsize=4096)
def _quantity_from_json(text: str) -> Quantity:
    return Quantity.from_json(json.loads(text))


@lru_cache(maxsize=4096)
def _tags(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


# Stored text → enum member by dict: calling the enum costs ~1 µs, four times per event read.
_PRECISIONS = {p.value: p for p in Precision}
_KINDS = {k.value: k for k in Kind}
_STATUSES = {s.value: s for s in ControlStatus}
_MEANS = {m.value: m for m in Means}


class Store:
    """A sitlog database. Opening it creates the file (mode 0600) and applies pending migrations."""

    def __init__(self, path: Path, busy_timeout: float = 5.0) -> None:
        self.path = path
        self.conn = _connect(path, busy_timeout)
        self._actor_cache: dict[int, Actor] | None = None
        self._names_memo: dict[str, tuple[str, ...]] = {}  # actor_ids JSON → names, for actors_by_id()
        self._names_memo_for: dict[int, Actor] | None = None
        self._migrate()

    # --- opening -------------------------------------------------------------------------------

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
            raise _storage_error(exc, self.path) from None

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
            raise _storage_error(exc, self.path) from None
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self.conn.execute("ROLLBACK")
            raise _storage_error(exc, self.path) from None

    def begin_changeset(self, changeset_id: str, operator: str, command: str, now: datetime, summary: str) -> None:
        """Record a change set (inside a transaction): the unit ``undo`` reverts."""
        self.conn.execute(
            "INSERT INTO changesets (id, operator, command, created_at, summary) VALUES (?, ?, ?, ?, ?)",
            (changeset_id, operator, command, utc_key(now), summary),
        )

    # --- places --------------------------------------------------------------------------------

    def _place_from_row(self, row: sqlite3.Row | tuple[Any, ...]) -> Place:
        pid = row[0]
        aliases = tuple(
            r[0]
            for r in self.conn.execute(
                "SELECT name FROM place_names WHERE place_id = ? AND name != ? ORDER BY rowid", (pid, row[1])
            )
        )
        return Place(pid, row[1], aliases, row[2], row[3], row[4], row[5], row[6], row[7], row[8])

    _PLACE_SELECT = "SELECT id, name, admin1, admin2, admin3, pcode, lat, lon, source FROM places"

    def get_place(self, place_id: int) -> Place:
        row = self.conn.execute(f"{self._PLACE_SELECT} WHERE id = ?", (place_id,)).fetchone()
        if row is None:
            raise NotFound(f"no place with id {place_id}")
        return self._place_from_row(row)

    def _names_matching(self, table: str, owner: str, name: str) -> list[tuple[int, str]]:
        """(owner id, stored name) whose key equals the name's key, else whose skeleton does."""
        key = gazetteer.name_key(name)
        rows = self.conn.execute(f"SELECT {owner}, name FROM {table} WHERE key = ?", (key,)).fetchall()
        if not rows:
            skel = gazetteer.skeleton(name)
            if len(skel.replace(" ", "")) >= 3:
                rows = self.conn.execute(f"SELECT {owner}, name FROM {table} WHERE skeleton = ?", (skel,)).fetchall()
                rows = [r for r in rows if gazetteer.close_in_length(name, r[1])]
        return [(r[0], r[1]) for r in rows]

    def _place_units(self, place: Place) -> list[str]:
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

    def resolve_place(
        self, text: str, missing: type[InvalidInput] | type[NotFound] = InvalidInput
    ) -> gazetteer.Match[Place]:
        """The place a name (or ``NAME, ADMIN``) denotes; exit 3 (or ``missing``) with candidates otherwise."""
        name, _ = gazetteer.split_qualified(text)
        found = [(self.get_place(pid), hit) for pid, hit in self._names_matching("place_names", "place_id", name)]
        if not found and "," in text:
            # A name that itself holds a comma ("Hama, old city"), not NAME, ADMIN: match it whole.
            whole = [(self.get_place(pid), hit) for pid, hit in self._names_matching("place_names", "place_id", text)]
            if whole:
                return gazetteer.choose("place", text.replace(",", " "), whole, Place.label, lambda: ())
        return gazetteer.choose(
            "place",
            text,
            found,
            Place.label,
            lambda: [self._place_label_for(n) for n in gazetteer.close_names(name, self._all_names("place_names"), 15)],
            self._place_units,
            missing,
        )

    def _place_label_for(self, name: str) -> str:
        row = self.conn.execute("SELECT place_id FROM place_names WHERE name = ? LIMIT 1", (name,)).fetchone()
        return self.get_place(row[0]).label()

    def _all_names(self, table: str) -> list[str]:
        return [r[0] for r in self.conn.execute(f"SELECT DISTINCT name FROM {table}")]

    def add_place(
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
        for pid, hit in self._names_matching("place_names", "place_id", name):
            other = self.get_place(pid)
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
            self._add_name("place_names", "place_id", pid, alias)
        return self.get_place(pid)

    def _add_name(self, table: str, owner: str, owner_id: int, name: str) -> None:
        name = name.strip()
        if not name:
            raise InvalidInput("an alias cannot be empty")
        self.conn.execute(
            f"INSERT OR IGNORE INTO {table} ({owner}, name, key, skeleton) VALUES (?, ?, ?, ?)",
            (owner_id, name, gazetteer.name_key(name), gazetteer.skeleton(name)),
        )

    def add_place_alias(self, place: Place, alias: str) -> Place:
        self._add_name("place_names", "place_id", place.id, alias)
        return self.get_place(place.id)

    def list_places(self, query: str | None = None, admin1: str | None = None) -> list[Place]:
        if query:
            like = f"%{gazetteer.name_key(query)}%"
            rows = self.conn.execute(
                f"{self._PLACE_SELECT} WHERE id IN (SELECT place_id FROM place_names WHERE key LIKE ? OR name LIKE ?) "
                "ORDER BY name, admin1",
                (like, f"%{query}%"),
            ).fetchall()
        else:
            rows = self.conn.execute(f"{self._PLACE_SELECT} ORDER BY name, admin1").fetchall()
        places = [self._place_from_row(r) for r in rows]
        if admin1:
            places = [p for p in places if p.admin1 and gazetteer.same_name(p.admin1, admin1)]
        return places

    # --- actors --------------------------------------------------------------------------------

    def actors_by_id(self) -> dict[int, Actor]:
        if self._actor_cache is None:
            names: dict[int, list[str]] = {}
            for aid, name in self.conn.execute("SELECT actor_id, name FROM actor_names ORDER BY rowid"):
                names.setdefault(aid, []).append(name)
            rows = self.conn.execute("SELECT id, name, type, parent_id, side FROM actors").fetchall()
            by_id = {r[0]: r for r in rows}
            self._actor_cache = {
                r[0]: Actor(
                    r[0],
                    r[1],
                    tuple(n for n in names.get(r[0], []) if n != r[1]),
                    ActorType(r[2]),
                    by_id[r[3]][1] if r[3] in by_id else None,
                    r[4],
                )
                for r in rows
            }
        return self._actor_cache

    def resolve_actor(
        self, text: str, missing: type[InvalidInput] | type[NotFound] = InvalidInput
    ) -> gazetteer.Match[Actor]:
        actors = self.actors_by_id()
        found = [(actors[aid], hit) for aid, hit in self._names_matching("actor_names", "actor_id", text)]
        return gazetteer.choose(
            "actor",
            text,
            found,
            lambda a: a.name,
            lambda: [self._actor_label_for(n) for n in gazetteer.close_names(text, self._all_names("actor_names"), 15)],
            lambda a: [a.side or "", a.parent or ""],
            missing,
        )

    def _actor_label_for(self, name: str) -> str:
        row = self.conn.execute("SELECT actor_id FROM actor_names WHERE name = ? LIMIT 1", (name,)).fetchone()
        return self.actors_by_id()[row[0]].name

    def add_actor(
        self,
        name: str,
        aliases: Sequence[str] = (),
        type: ActorType = ActorType.OTHER,
        parent: Actor | None = None,
        side: str | None = None,
        *,
        now: datetime,
    ) -> Actor:
        name = name.strip()
        if not name:
            raise InvalidInput("an actor needs a name")
        for aid, _hit in self._names_matching("actor_names", "actor_id", name):
            if gazetteer.name_key(_hit) == gazetteer.name_key(name):
                raise InvalidInput(f"actor {name!r} already exists as {self.actors_by_id()[aid].name!r}")
        created = utc_key(now)
        cur = self.conn.execute(
            "INSERT INTO actors (name, type, parent_id, side, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, type.value, parent.id if parent else None, side, created),
        )
        aid = int(cur.lastrowid or 0)
        for alias in (name, *aliases):
            self._add_name("actor_names", "actor_id", aid, alias)
        self._actor_cache = None
        return self.actors_by_id()[aid]

    def add_actor_alias(self, actor: Actor, alias: str) -> Actor:
        for aid, hit in self._names_matching("actor_names", "actor_id", alias):
            if aid != actor.id and gazetteer.name_key(hit) == gazetteer.name_key(alias):
                raise InvalidInput(f"alias {alias!r} already names actor {self.actors_by_id()[aid].name!r}")
        self._add_name("actor_names", "actor_id", actor.id, alias)
        self._actor_cache = None
        return self.actors_by_id()[actor.id]

    def list_actors(self, query: str | None = None) -> list[Actor]:
        actors = sorted(self.actors_by_id().values(), key=lambda a: a.name.casefold())
        if query:
            key = gazetteer.name_key(query)
            actors = [a for a in actors if any(key in gazetteer.name_key(n) for n in (a.name, *a.aliases))]
        return actors

    def actor_id(self, name: str) -> int:
        for actor in self.actors_by_id().values():
            if actor.name == name:
                return actor.id
        raise NotFound(f"no actor named {name!r}")

    # --- events --------------------------------------------------------------------------------

    def insert_revision(self, event: Event, changeset: str | None) -> Event:
        """Append ``event`` as a revision and make it the head (inside a transaction)."""
        ids = self.actor_id
        to_place = event.to_place_id
        values = (
            event.id,
            event.revision,
            event.kind.value,
            event.place_id,
            utc_key(event.when.instant),
            event.when.precision.value,
            event.when.day.isoformat() if event.when.day else None,
            event.when.end.isoformat() if event.when.end else None,
            json.dumps([ids(a) for a in event.actors]),
            json.dumps([ids(a) for a in event.against]),
            event.status.value if event.status else None,
            event.part,
            event.outcome,
            _q(event.killed),
            _q(event.injured),
            _q(event.captured),
            event.side,
            event.person,
            event.role,
            event.means.value if event.means else None,
            _q(event.people),
            _q(event.families),
            to_place,
            event.source,
            event.grade,
            int(event.claimed),
            event.claimed_by,
            event.note,
            json.dumps(list(event.tags), ensure_ascii=False),
            event.operator,
            utc_key(event.recorded_at),
            int(event.retracted),
            event.reason,
            event.duplicate_of,
            changeset,
        )
        cur = self.conn.execute(
            f"INSERT INTO revisions ({_REVISION_COLUMNS}) VALUES ({', '.join('?' * len(values))})", values
        )
        self.conn.execute(
            "INSERT OR REPLACE INTO events (event_id, seq, kind, place_id, at_utc, at_date, retracted) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (event.id, cur.lastrowid, values[2], values[3], values[4], values[6], values[31]),
        )
        return event

    EVENT_SELECT = (
        f"SELECT r.seq, {', '.join('r.' + c.strip() for c in _REVISION_COLUMNS.split(','))}, p.name, tp.name "
        "FROM revisions r JOIN places p ON p.id = r.place_id LEFT JOIN places tp ON tp.id = r.to_place_id"
    )

    def event_from_row(self, row: Sequence[Any]) -> Event:
        actors = self.actors_by_id()
        if self._names_memo_for is not actors:
            self._names_memo, self._names_memo_for = {}, actors
        memo = self._names_memo

        # A listing repeats the same few actor lists thousands of times: decode each once.
        def names(text: str) -> tuple[str, ...]:
            found = memo.get(text)
            if found is None:
                found = memo[text] = tuple(actors[i].name for i in json.loads(text))
            return found

        (
            _seq, event_id, revision, kind, place_id, at_utc, precision, at_date, at_end, actor_ids, against_ids,
            status, part, outcome, killed, injured, captured, side, person, role, means, people, families,
            to_place_id, source, grade, claimed, claimed_by, note, tags, operator, recorded_at, retracted,
            reason, duplicate_of, _changeset, place_name, to_name,
        ) = row  # fmt: skip
        prec = _PRECISIONS[precision]
        when = (
            When(from_utc_key(at_utc), prec)
            if prec is Precision.EXACT
            else When.window(date.fromisoformat(at_date), prec, date.fromisoformat(at_end) if at_end else None)
        )
        return Event(
            id=event_id,
            kind=_KINDS[kind],
            place_id=place_id,
            place=place_name,
            when=when,
            actors=names(actor_ids),
            status=_STATUSES[status] if status else None,
            part=part,
            against=names(against_ids),
            outcome=outcome,
            killed=_unq(killed),
            injured=_unq(injured),
            captured=_unq(captured),
            side=side,
            person=person,
            role=role,
            means=_MEANS[means] if means else None,
            people=_unq(people),
            families=_unq(families),
            to=to_name,
            to_place_id=to_place_id,
            source=source,
            grade=grade,
            claimed=bool(claimed),
            claimed_by=claimed_by,
            note=note,
            tags=_tags(tags),
            operator=operator,
            recorded_at=from_utc_key(recorded_at),
            revision=revision,
            retracted=bool(retracted),
            reason=reason,
            duplicate_of=duplicate_of,
        )

    def find_event_ids(self, prefix: str) -> list[str]:
        """Event ids starting with ``prefix`` (case-insensitive for ULIDs), at most a few."""
        text = prefix.strip()
        rows = self.conn.execute(
            "SELECT event_id FROM events WHERE event_id >= ? AND event_id < ? LIMIT 10",
            (text, text + "\U0010ffff"),
        ).fetchall()
        if not rows and text.upper() != text:
            rows = self.conn.execute(
                "SELECT event_id FROM events WHERE event_id >= ? AND event_id < ? LIMIT 10",
                (text.upper(), text.upper() + "\U0010ffff"),
            ).fetchall()
        return [r[0] for r in rows]

    def get_event(self, id_or_prefix: str) -> Event:
        """The head revision of the event an id or unique id prefix names (exit 3 ambiguous, 4 unknown)."""
        ids = self.find_event_ids(id_or_prefix)
        if id_or_prefix in ids:
            ids = [id_or_prefix]
        if not ids:
            raise NotFound(f"no event with id {id_or_prefix!r}")
        if len(ids) > 1:
            raise InvalidInput(f"id prefix {id_or_prefix!r} matches several events: {', '.join(ids)}", ids)
        row = self.conn.execute(f"{self.EVENT_SELECT} JOIN events e ON e.seq = r.seq WHERE e.event_id = ?", (ids[0],))
        return self.event_from_row(row.fetchone())

    def event_exists(self, event_id: str) -> Event | None:
        row = self.conn.execute(
            f"{self.EVENT_SELECT} JOIN events e ON e.seq = r.seq WHERE e.event_id = ?", (event_id,)
        ).fetchone()
        return self.event_from_row(row) if row else None

    def revisions_of(self, event_id: str) -> list[Event]:
        rows = self.conn.execute(f"{self.EVENT_SELECT} WHERE r.event_id = ? ORDER BY r.revision", (event_id,))
        return [self.event_from_row(r) for r in rows]

    @staticmethod
    def heads(known_at: datetime | None) -> tuple[str, list[Any]]:
        """A FROM-clause source shaped like the ``events`` table, aliased ``e``.

        Without ``known_at`` it is the ``events`` head table; with it, each event's latest revision
        recorded by then (events first recorded later are absent): "what did we know then".
        """
        if known_at is None:
            return "events e", []
        sql = (
            "(SELECT h.event_id, h.seq, h.kind, h.place_id, h.at_utc, h.at_date, h.retracted FROM revisions h "
            "WHERE h.seq = (SELECT max(h2.seq) FROM revisions h2 WHERE h2.event_id = h.event_id "
            "AND h2.recorded_at <= ?)) e"
        )
        return sql, [utc_key(known_at)]

    def events(self, flt: EventFilter) -> Iterator[Event]:
        """Head revisions matching ``flt``, in time order (then recording order)."""
        where, params = self._filter_sql(flt)
        source, source_params = self.heads(flt.known_at)
        params = source_params + params
        sql = (
            f"{self.EVENT_SELECT} JOIN {source} ON e.seq = r.seq "
            f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY e.at_utc, e.seq"
        )
        if flt.limit is not None:
            sql += " LIMIT ?"
            params.append(flt.limit)
        for row in self.conn.execute(sql, params):
            yield self.event_from_row(row)

    def _filter_sql(self, flt: EventFilter) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if not flt.include_retracted:
            where.append("e.retracted = 0")
        if flt.place_id is not None:
            where.append("e.place_id = ?")
            params.append(flt.place_id)
        if flt.kind is not None:
            where.append("e.kind = ?")
            params.append(flt.kind.value)
        # An event known only by date (at_utc = UTC midnight of at_date) counts at local midnight of
        # its first day in the report zone; the outer at_utc bound keeps the time index usable.
        if flt.since is not None:
            first = _first_day_at_or_after(flt.since, flt.tz)
            where.append("e.at_utc >= ? AND (e.at_date IS NULL AND e.at_utc >= ? OR e.at_date >= ?)")
            params += [utc_key(min(flt.since, _utc_midnight(first))), utc_key(flt.since), first.isoformat()]
        if flt.until is not None:
            end = _first_day_at_or_after(flt.until, flt.tz)
            where.append("e.at_utc < ? AND (e.at_date IS NULL AND e.at_utc < ? OR e.at_date < ?)")
            params += [utc_key(max(flt.until, _utc_midnight(end))), utc_key(flt.until), end.isoformat()]
        if flt.actor_id is not None:
            where.append(
                "(EXISTS (SELECT 1 FROM json_each(r.actor_ids) WHERE value = ?) "
                "OR EXISTS (SELECT 1 FROM json_each(r.against_ids) WHERE value = ?))"
            )
            params.extend([flt.actor_id, flt.actor_id])
        return where, params

    def count_events(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])

    def counts(self) -> dict[str, int]:
        return {
            table: int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("places", "actors", "events", "revisions", "changesets")
        }

    def bulk(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)


def _load_pack(conn: sqlite3.Connection) -> None:
    """Load the bundled Syria places and admin units (``sitlog/data``, attribution in NOTICE.md)."""
    from importlib.resources import files

    data = files("sitlog") / "data"
    units = [json.loads(line) for line in (data / "syria_admin.jsonl").read_text("utf-8").splitlines() if line]
    conn.executemany(
        "INSERT INTO admin_units (pcode, level, name, name_ar, parent, lat, lon) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(u["pcode"], u["level"], u["name"], u["name_ar"], u["parent"], u["lat"], u["lon"]) for u in units],
    )
    now = "2020-12-17T00:00:00Z"
    for line in (data / "syria_places.jsonl").read_text("utf-8").splitlines():
        if not line:
            continue
        p = json.loads(line)
        cur = conn.execute(
            "INSERT INTO places (name, admin1, admin2, admin3, pcode, pcode_scheme, lat, lon, source, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'ocha', ?, ?, ?, ?)",
            (p["name"], p["admin1"], p["admin2"], p["admin3"], p["pcode"], p["lat"], p["lon"], p["source"], now),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO place_names (place_id, name, key, skeleton) VALUES (?, ?, ?, ?)",
            [(cur.lastrowid, n, gazetteer.name_key(n), gazetteer.skeleton(n)) for n in [p["name"], *p["aliases"]]],
        )


def _first_day_at_or_after(instant: datetime, tz: tzinfo) -> date:
    """The first day (in ``tz``) whose local midnight is at or after ``instant``."""
    day = instant.astimezone(tz).date()
    return day if day_bounds(day, tz)[0] >= instant else day + timedelta(days=1)


def _utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def _pcode_chain(pcode: str | None) -> list[str]:
    """``SY020000`` → the admin units above it: ``SY020000``, ``SY0200``, ``SY02``."""
    if not pcode:
        return []
    return [pcode[:n] for n in (8, 6, 4) if len(pcode) >= n]


def _connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
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
        raise _storage_error(exc, path) from None
    return conn


def _storage_error(exc: sqlite3.Error, path: Path) -> Exception:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return Busy(f"database {path} is busy (locked by another sitlog) past the timeout; try again")
    if "readonly" in text or "read-only" in text:
        return StorageError(f"cannot write {path}: read-only")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StorageError(f"{path} is not a usable sitlog database ({text})")
    return StorageError(f"{path}: {text}")
