"""The schema: migrations applied on open, and the bundled place pack the second one loads."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from sitlog.domain import gazetteer
from sitlog.store import version

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
    load_pack(db.conn)


@MIGRATIONS()
def m003_changeset_undoes_index(db: sqlite_utils.Database) -> None:
    # undo looks for "the latest change set nobody has undone": without this it scans every change set.
    db.execute("CREATE INDEX changesets_undoes ON changesets(undoes) WHERE undoes IS NOT NULL")


@MIGRATIONS()
def m004_assessments(db: sqlite_utils.Database) -> None:
    # Issue 11: baselines, --from, advances and corroborating sources on revisions; the head table
    # learns which events are claims (status reads assessments only, claims beside them) and how many
    # sources each has (events --min-sources). The control index leaves claims out and is split in two
    # (exact instants by time, date windows by date): status takes one seek in each, whatever the mix.
    db.executescript(
        """
        ALTER TABLE revisions ADD COLUMN baseline INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE revisions ADD COLUMN from_actor_id INTEGER REFERENCES actors(id);
        ALTER TABLE revisions ADD COLUMN relation TEXT;
        ALTER TABLE revisions ADD COLUMN distance TEXT;
        ALTER TABLE revisions ADD COLUMN direction TEXT;
        ALTER TABLE revisions ADD COLUMN sources TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE events ADD COLUMN claimed INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE events ADD COLUMN n_sources INTEGER NOT NULL DEFAULT 1;
        UPDATE events SET claimed = (SELECT r.claimed FROM revisions r WHERE r.seq = events.seq);
        DROP INDEX events_control;
        CREATE INDEX events_control ON events(place_id, at_utc, seq)
            WHERE kind = 'control' AND retracted = 0 AND claimed = 0 AND at_date IS NULL;
        CREATE INDEX events_control_days ON events(place_id, at_date, seq)
            WHERE kind = 'control' AND retracted = 0 AND claimed = 0 AND at_date IS NOT NULL;
        CREATE INDEX events_claims ON events(place_id, at_utc) WHERE kind = 'control' AND retracted = 0 AND claimed = 1;
        CREATE INDEX events_sources ON events(n_sources) WHERE n_sources > 1;
        """
    )


@MIGRATIONS()
def m005_estimates_and_windows(db: sqlite_utils.Database) -> None:
    # Issue 9. Quantities need no new column: their JSON text gains "best" when a source gives one.
    # revisions.sides: the sides of an event as its source lists them ([[actor id, [associated ids]], ...]).
    # events.at_last: the last day of a window longer than one day (NULL otherwise), so that summaries and
    # --overlapping find windows that started earlier by an index range instead of a scan.
    # (The backfill spells out store.events.AT_LAST_SQL: a released migration must not change with the code.)
    db.executescript(
        """
        ALTER TABLE revisions ADD COLUMN sides TEXT;
        ALTER TABLE events ADD COLUMN at_last TEXT;
        UPDATE events SET at_last = (
            SELECT CASE WHEN r.at_end IS NOT NULL THEN r.at_end
                WHEN r.precision = 'week' THEN date(r.at_date, '+6 days')
                WHEN r.precision = 'month' THEN date(r.at_date, 'start of month', '+1 month', '-1 day')
                WHEN r.precision = 'year' THEN date(r.at_date, 'start of year', '+1 year', '-1 day') END
            FROM revisions r WHERE r.seq = events.seq)
            WHERE at_date IS NOT NULL;
        CREATE INDEX events_window ON events(at_last, at_date) WHERE at_last IS NOT NULL;
        """
    )


@MIGRATIONS()
def m006_gazetteer(db: sqlite_utils.Database) -> None:
    """Admin P-codes and merges on places, governorate spellings, coalition members, undoable gazetteer
    edits; the ``skeleton`` columns are refilled with ``sound_key`` (the rule of issue 10)."""
    db.executescript(
        """
        ALTER TABLE places ADD COLUMN admin1_pcode TEXT;
        ALTER TABLE places ADD COLUMN admin2_pcode TEXT;
        ALTER TABLE places ADD COLUMN admin3_pcode TEXT;
        ALTER TABLE places ADD COLUMN merged_into INTEGER REFERENCES places(id);
        CREATE INDEX places_lat_lon ON places(lat, lon) WHERE lat IS NOT NULL;
        CREATE INDEX places_pcode ON places(pcode) WHERE pcode IS NOT NULL;
        -- Every spelling of an admin unit's name (OCHA en/ar, UCDP, ACLED, GeoNames): admin1 normalisation.
        CREATE TABLE admin_names (
            pcode TEXT NOT NULL REFERENCES admin_units(pcode),
            name TEXT NOT NULL,
            key TEXT NOT NULL,
            UNIQUE (pcode, name)
        );
        CREATE INDEX admin_names_key ON admin_names(key);
        -- A coalition (an imported UCDP side naming several groups) and its member actors.
        CREATE TABLE actor_members (
            coalition_id INTEGER NOT NULL REFERENCES actors(id),
            member_id INTEGER NOT NULL REFERENCES actors(id),
            PRIMARY KEY (coalition_id, member_id)
        ) WITHOUT ROWID;
        CREATE INDEX actor_members_member ON actor_members(member_id);
        -- Row images of gazetteer edits (places merge/set) by change set: what undo puts back.
        CREATE TABLE gazetteer_changes (
            seq INTEGER PRIMARY KEY,
            changeset TEXT NOT NULL REFERENCES changesets(id),
            tbl TEXT NOT NULL,
            row_id INTEGER NOT NULL,
            before TEXT,
            after TEXT
        );
        CREATE INDEX gazetteer_changes_changeset ON gazetteer_changes(changeset);
        """
    )
    from sitlog.store.pack import fill_admin_names, refill_sound_keys

    refill_sound_keys(db.conn)
    fill_admin_names(db.conn)


@MIGRATIONS()
def m007_village_pack(db: sqlite_utils.Database) -> None:
    from sitlog.store.pack import load_village_pack

    load_village_pack(db.conn)


@MIGRATIONS()
def m008_actor_pack(db: sqlite_utils.Database) -> None:
    from sitlog.store.pack import load_actor_pack

    load_actor_pack(db.conn)


@MIGRATIONS()
def m009_handles(db: sqlite_utils.Database) -> None:
    # Issue 12 (numbered m009: m005-m008 belong to issues 9 and 10), after m004: a short handle per
    # event (sitlog/domain/handles.py): the rowid here is its sequence number.
    # The trigger numbers every new head, whichever path inserts it (log, import, bulk); existing
    # events are numbered in the order they were first recorded. (Statement by statement, not
    # executescript, which would commit the migration's transaction half way.)
    db.execute("CREATE TABLE handles (n INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE)")
    db.execute("INSERT INTO handles (event_id) SELECT event_id FROM revisions GROUP BY event_id ORDER BY min(seq)")
    # WHEN, not INSERT OR IGNORE: the outer statement's conflict policy overrides the trigger's, and
    # the store writes heads with INSERT OR REPLACE, which would renumber the event on every revision.
    db.execute(
        "CREATE TRIGGER events_handle AFTER INSERT ON events "
        "WHEN NOT EXISTS (SELECT 1 FROM handles WHERE event_id = NEW.event_id) "
        "BEGIN INSERT INTO handles (event_id) VALUES (NEW.event_id); END"
    )


@MIGRATIONS()
def m010_control_current(db: sqlite_utils.Database) -> None:
    """Issue 14: derived state kept on write, and indexes that let a LIMIT or a per-place seek stop early.

    ``control_current``: one row per place, its latest *assessed* control event known by an exact instant
    (``x_``, ordered by at_utc then seq) and its latest known by a date window (``w_``, by at_date then
    seq), with what ``status`` shows of each. Which of the two wins depends on the report zone (a window
    starts at local midnight), so both are kept and status picks. Claims and retracted events never enter
    it.

    It is maintained by triggers on the ``events`` head table, in the same statement as the head write:
    every write path (log, amend, retract, undo, duplicate marking, places merge, import's bulk
    inserts and updates, the demo, a hand-written INSERT OR REPLACE) goes through that table, so the
    table cannot miss one. A head write first re-derives any row that named the event (its old version
    may have moved, been retracted or become a claim: the recomputation is one index seek), then offers
    the new head as a candidate (kept only if later than the row's). ``sitlog check`` compares the table
    with a recomputation from the revision log.
    """
    x_columns = "x_at, x_seq, x_event, x_jd, x_actors, x_against, x_status, x_part"
    x_values = "{r}.at_utc, {r}.seq, {r}.event_id, julianday({r}.at_utc), {r}.actor_ids, {r}.against_ids, " \
        "{r}.status, {r}.part"  # fmt: skip
    w_columns = "w_day, w_seq, w_event, w_jd, w_at, w_actors, w_against, w_status, w_part, w_precision, w_end"
    w_values = "{r}.at_date, {r}.seq, {r}.event_id, julianday({r}.at_utc), {r}.at_utc, {r}.actor_ids, " \
        "{r}.against_ids, {r}.status, {r}.part, {r}.precision, {r}.at_end"  # fmt: skip
    statements = [
        # Listing order (at, then recording order) straight from an index, with the default filters on
        # kind and retraction read from it too: a LIMIT stops early without sorting or table lookups.
        "DROP INDEX events_time",
        "CREATE INDEX events_time ON events(at_utc, seq, kind, retracted)",
        # Claims: covering, so finding the places with claims reads no table rows.
        "DROP INDEX events_claims",
        "CREATE INDEX events_claims ON events(place_id, at_utc, seq, at_date, kind, retracted, claimed) "
        "WHERE kind = 'control' AND retracted = 0 AND claimed = 1",
        # --known-at: revisions in listing order (at_utc, then seq) with when each was recorded, so that a
        # listing walks them in order and passes over those recorded later without reading the table ...
        "CREATE INDEX revisions_at ON revisions(at_utc, seq, recorded_at)",
        # ... and "is there a later revision of this event (recorded by then)?" in a small index: only
        # revisions after an event's first one (its first revision is its lowest seq; check verifies it).
        "CREATE INDEX revisions_later ON revisions(event_id, seq, recorded_at) WHERE revision > 1",
        # ... and the other ways reports reach heads, as known then: a place's events (history), a day's
        # date windows, and windows reaching into a day by their last day (summary). The last expression
        # is store.codecs.AT_LAST_SQL as heads(known_at) writes it: only then does SQLite use the index
        # (a test checks the plan).
        "CREATE INDEX revisions_place ON revisions(place_id, at_utc)",
        "CREATE INDEX revisions_date ON revisions(at_date) WHERE at_date IS NOT NULL",
        "CREATE INDEX revisions_window ON revisions((CASE WHEN at_date IS NULL THEN NULL WHEN at_end IS NOT NULL "
        "THEN at_end WHEN precision = 'week' THEN date(at_date, '+6 days') WHEN precision = 'month' "
        "THEN date(at_date, 'start of month', '+1 month', '-1 day') WHEN precision = 'year' "
        "THEN date(at_date, 'start of year', '+1 year', '-1 day') END), at_date) WHERE at_date IS NOT NULL",
        # The per-place seeks of status --at T and --known-at T read no table rows: the head table's
        # assessed control indexes become covering, and control revisions by place and time carry what
        # status shows (all of them, whatever the head table says of claims and retractions).
        "DROP INDEX events_control",
        "CREATE INDEX events_control ON events(place_id, at_utc, seq, kind, retracted, claimed, at_date) "
        "WHERE kind = 'control' AND retracted = 0 AND claimed = 0 AND at_date IS NULL",
        "DROP INDEX events_control_days",
        "CREATE INDEX events_control_days ON events(place_id, at_date, seq, kind, retracted, claimed) "
        "WHERE kind = 'control' AND retracted = 0 AND claimed = 0 AND at_date IS NOT NULL",
        "CREATE INDEX revisions_control ON revisions(place_id, at_utc, seq, recorded_at, event_id, actor_ids, "
        "against_ids, status, part, precision, at_end, at_date, kind, claimed, retracted) "
        "WHERE kind = 'control' AND at_date IS NULL",
        "CREATE INDEX revisions_control_days ON revisions(place_id, at_date, seq, recorded_at, event_id, actor_ids, "
        "against_ids, status, part, precision, at_end, at_utc, kind, claimed, retracted) "
        "WHERE kind = 'control' AND at_date IS NOT NULL",
        # Control revisions recorded before the moment they report (rare): as known at T, every other known
        # revision is dated by T, so the known-at seeks start at T instead of at the cutoff.
        "CREATE INDEX revisions_ahead ON revisions(recorded_at, at_utc, place_id) "
        "WHERE kind = 'control' AND at_utc > recorded_at",
        "CREATE INDEX revisions_claims ON revisions(place_id, at_utc, seq, recorded_at, event_id, at_date, kind, "
        "claimed, retracted) WHERE kind = 'control' AND claimed = 1",
        """CREATE TABLE control_current (
            place_id INTEGER PRIMARY KEY REFERENCES places(id),
            -- the latest assessed control known by an exact instant (x_at, then x_seq: the head revision)
            x_at TEXT, x_seq INTEGER, x_event TEXT, x_jd REAL,
            x_actors TEXT, x_against TEXT, x_status TEXT, x_part TEXT,
            -- the latest known by a date window (w_day, then w_seq); w_at is midnight UTC of w_day
            w_day TEXT, w_seq INTEGER, w_event TEXT, w_jd REAL, w_at TEXT,
            w_actors TEXT, w_against TEXT, w_status TEXT, w_part TEXT, w_precision TEXT, w_end TEXT
        )""",  # x_jd, w_jd: julianday of x_at, w_at, so that SQL can tell when the two are hours apart
        # The triggers find rows by event (x_event first); a row left with neither is found by (NULL, NULL).
        "CREATE INDEX control_current_x ON control_current(x_event, w_event)",
        "CREATE INDEX control_current_w ON control_current(w_event)",
        f"""INSERT INTO control_current (place_id, {x_columns}, {w_columns})
        SELECT b.place_id, {x_values.format(r="rx")}, {w_values.format(r="rw")}
        FROM (SELECT e.place_id,
                max(CASE WHEN e.at_date IS NULL THEN printf('%s %020d', e.at_utc, e.seq) END) AS x,
                max(CASE WHEN e.at_date IS NOT NULL THEN printf('%s %020d', e.at_date, e.seq) END) AS w
              FROM events e WHERE e.kind = 'control' AND e.retracted = 0 AND e.claimed = 0 GROUP BY e.place_id) b
        LEFT JOIN revisions rx ON rx.seq = CAST(substr(b.x, 22) AS INTEGER)
        LEFT JOIN revisions rw ON rw.seq = CAST(substr(b.w, 12) AS INTEGER)""",
    ]
    # A head write, in this order: re-derive a candidate that named the event (its old version may have
    # moved, been retracted or become a claim: one seek), drop a row left with neither, then offer the new
    # head if it is an assessment (kept if later than the candidate of its kind). The WHEN clauses skip the
    # common write (a new event that is not control) after two index probes.
    latest = """(SELECT e.seq FROM events e WHERE e.place_id = control_current.place_id AND e.kind = 'control'
        AND e.retracted = 0 AND e.claimed = 0 AND e.at_date {is_null} ORDER BY e.{key} DESC, e.seq DESC LIMIT 1)"""
    rederive = f"""UPDATE control_current SET ({x_columns}) = (SELECT {x_values.format(r="r")} FROM revisions r
            WHERE r.seq = {latest.format(is_null="IS NULL", key="at_utc")}) WHERE x_event IN ({{ids}});
        UPDATE control_current SET ({w_columns}) = (SELECT {w_values.format(r="r")} FROM revisions r
            WHERE r.seq = {latest.format(is_null="IS NOT NULL", key="at_date")}) WHERE w_event IN ({{ids}});
        DELETE FROM control_current WHERE x_event IS NULL AND w_event IS NULL;"""
    named = "EXISTS (SELECT 1 FROM control_current WHERE x_event = {e}.event_id) " \
        "OR EXISTS (SELECT 1 FROM control_current WHERE w_event = {e}.event_id)"  # fmt: skip
    offer = """INSERT INTO control_current (place_id, {columns}) SELECT NEW.place_id, {values} FROM revisions r
        WHERE r.seq = NEW.seq AND NEW.kind = 'control' AND NEW.retracted = 0 AND NEW.claimed = 0
            AND NEW.at_date {is_null}
        ON CONFLICT (place_id) DO UPDATE SET ({columns}) = ({excluded})
        WHERE control_current.{k}_event IS NULL OR (excluded.{k}_{key}, excluded.{k}_seq)
            > (control_current.{k}_{key}, control_current.{k}_seq);"""
    offers = " ".join(
        offer.format(columns=columns, values=values.format(r="r"), is_null=is_null, k=k, key=key,
                     excluded=", ".join(f"excluded.{c.strip()}" for c in columns.split(",")))  # fmt: skip
        for columns, values, is_null, k, key in (
            (x_columns, x_values, "IS NULL", "x", "at"), (w_columns, w_values, "IS NOT NULL", "w", "day"))
    )  # fmt: skip
    statements += [
        f"CREATE TRIGGER control_current_insert AFTER INSERT ON events "
        f"WHEN NEW.kind = 'control' OR {named.format(e='NEW')} "
        f"BEGIN {rederive.format(ids='NEW.event_id')} {offers} END",
        f"CREATE TRIGGER control_current_update AFTER UPDATE ON events "
        f"WHEN NEW.kind = 'control' OR {named.format(e='OLD')} OR {named.format(e='NEW')} "
        f"BEGIN {rederive.format(ids='OLD.event_id, NEW.event_id')} {offers} END",
        f"CREATE TRIGGER control_current_delete AFTER DELETE ON events WHEN {named.format(e='OLD')} "
        f"BEGIN {rederive.format(ids='OLD.event_id')} END",
    ]
    # Statement by statement, not executescript, which would commit the migration's transaction half way.
    for sql in statements:
        db.execute(sql)
    # A database analysed before gets statistics for the new indexes too: with statistics for the old
    # ones only, the planner would take an unmeasured index for a cheap one.
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        analysed = ("events_time", "events_claims", "events_control", "events_control_days", "revisions_at",
                    "revisions_later", "revisions_place", "revisions_date", "revisions_window", "revisions_control",
                    "revisions_control_days", "revisions_claims", "revisions_ahead", "control_current_x",
                    "control_current_w")  # fmt: skip
        for index in analysed:
            db.execute(f"ANALYZE {index}")


SCHEMA_VERSION = len(MIGRATIONS.functions)
if SCHEMA_VERSION != version.SCHEMA_VERSION:  # pragma: no cover - a developer's slip, caught by any test run
    raise RuntimeError(f"store/version.py says schema {version.SCHEMA_VERSION}; migrations make {SCHEMA_VERSION}")
SQLITE_VERSION = version.SQLITE_VERSION


def load_pack(conn: sqlite3.Connection) -> None:
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
