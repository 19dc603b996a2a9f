"""The schema on PostgreSQL: SQLite's functions the store's queries call, its tables, and their triggers.

A new PostgreSQL database gets the schema SQLite's migrations build (``store.schema.MIGRATIONS``),
made from them rather than written twice: the migrations run on an in-memory SQLite database, and its
tables, indexes and rows (the bundled gazetteer and actors, ``sitlog/data``, attribution in NOTICE.md)
are copied over with the column types PostgreSQL names (``TEXT`` → ``text COLLATE "C"``, compared
byte by byte as SQLite does; ``INTEGER`` → ``bigint``; ``REAL`` → ``double precision``). What SQLite
does by itself is written here in PL/pgSQL: a table's row number (``max + 1``, as SQLite hands out a
rowid; the write lock makes it safe), the event handle, and ``control_current``, kept on each head
write exactly as ``schema.m010_control_current``'s triggers keep it. ``sitlog_migrations`` lists the
applied migrations by name, so versions compare across the two engines.
"""

from __future__ import annotations

import re
import sqlite3

from sitlog.store.pg.dialect import ROW_NUMBERS

# SQLite's built-in functions the store's queries call, with SQLite's results (NULL in, NULL out).
FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION julianday(t text) RETURNS double precision LANGUAGE sql IMMUTABLE AS
$$ SELECT extract(epoch FROM t::timestamp)::double precision / 86400.0 + 2440587.5 $$;
CREATE OR REPLACE FUNCTION date(t text, VARIADIC mods text[] DEFAULT '{}') RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE d timestamp; m text;
BEGIN
  IF t IS NULL THEN RETURN NULL; END IF;
  d := t::timestamp;
  FOREACH m IN ARRAY mods LOOP
    IF m IS NULL THEN RETURN NULL; END IF;
    m := lower(trim(m));
    IF m = 'start of month' THEN d := date_trunc('month', d);
    ELSIF m = 'start of year' THEN d := date_trunc('year', d);
    ELSIF m = 'start of day' THEN d := date_trunc('day', d);
    ELSE d := d + m::interval;
    END IF;
  END LOOP;
  RETURN to_char(d, 'YYYY-MM-DD');
EXCEPTION WHEN others THEN RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION strftime(fmt text, t text, VARIADIC mods text[] DEFAULT '{}') RETURNS text LANGUAGE plpgsql
IMMUTABLE AS $$
DECLARE d timestamp; m text; pattern text := ''; i int := 1; c text;
BEGIN
  IF t IS NULL OR fmt IS NULL THEN RETURN NULL; END IF;
  d := t::timestamp;
  FOREACH m IN ARRAY mods LOOP
    m := lower(trim(m));
    IF m = 'start of day' THEN d := date_trunc('day', d); ELSE d := d + m::interval; END IF;
  END LOOP;
  WHILE i <= length(fmt) LOOP
    c := substr(fmt, i, 1);
    IF c = '%' THEN
      i := i + 1;
      pattern := pattern || CASE substr(fmt, i, 1) WHEN 'Y' THEN 'YYYY' WHEN 'm' THEN 'MM' WHEN 'd' THEN 'DD'
        WHEN 'H' THEN 'HH24' WHEN 'M' THEN 'MI' WHEN 'S' THEN 'SS' ELSE '"' || substr(fmt, i, 1) || '"' END;
    ELSE
      pattern := pattern || '"' || c || '"';
    END IF;
    i := i + 1;
  END LOOP;
  RETURN to_char(d, pattern);
EXCEPTION WHEN others THEN RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION sitlog_json_text(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE jsonb_typeof(v) WHEN 'string' THEN v #>> '{}' WHEN 'null' THEN NULL ELSE v::text END $$;
CREATE OR REPLACE FUNCTION json_each(t text) RETURNS TABLE (key text, value text) LANGUAGE sql IMMUTABLE AS $$
  SELECT (a.o - 1)::text, sitlog_json_text(a.v)
  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(t::jsonb) = 'array' THEN t::jsonb ELSE '[]' END)
    WITH ORDINALITY a(v, o)
  UNION ALL
  SELECT b.k, sitlog_json_text(b.v)
  FROM jsonb_each(CASE WHEN jsonb_typeof(t::jsonb) = 'object' THEN t::jsonb ELSE '{}' END) b(k, v)
$$;
CREATE OR REPLACE FUNCTION json_tree(t text) RETURNS TABLE (type text, value text) LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(v) = 'number' THEN CASE WHEN v::text ~ '^-?[0-9]+$' THEN 'integer' ELSE 'real' END
    WHEN jsonb_typeof(v) = 'string' THEN 'text' ELSE jsonb_typeof(v) END, sitlog_json_text(v)
  FROM jsonb_path_query(t::jsonb, 'strict $.**') AS q(v)
$$;
CREATE OR REPLACE FUNCTION json_extract(t text, path text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT sitlog_json_text(t::jsonb #> regexp_split_to_array(
    trim(BOTH '.' FROM regexp_replace(regexp_replace(substr(path, 2), '\[(\d+)\]', '.\1', 'g'), '^\.', '')), '\.'))
$$;
CREATE OR REPLACE FUNCTION json_array_length(t text) RETURNS integer LANGUAGE sql IMMUTABLE AS
$$ SELECT jsonb_array_length(t::jsonb) $$;
CREATE OR REPLACE FUNCTION max(a bigint, b bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE greatest(a, b) END $$;
CREATE OR REPLACE FUNCTION min(a bigint, b bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE least(a, b) END $$;
CREATE OR REPLACE FUNCTION instr(a text, b text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT strpos(a, b) $$;
CREATE OR REPLACE FUNCTION sitlog_concat(state text, value anyelement, sep text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN value IS NULL THEN state WHEN state IS NULL THEN value::text
  ELSE state || sep || value::text END $$;
CREATE OR REPLACE FUNCTION sitlog_concat(state text, value anyelement) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT sitlog_concat(state, value, ',') $$;
CREATE OR REPLACE AGGREGATE group_concat(anyelement, text) (SFUNC = sitlog_concat, STYPE = text);
CREATE OR REPLACE AGGREGATE group_concat(anyelement) (SFUNC = sitlog_concat, STYPE = text);
"""

# The version of FUNCTIONS and TRIGGERS, kept in ``sitlog_meta``: a write to a database whose server code is
# older replaces it (CREATE OR REPLACE); a read asks for `sitlog migrate`. Bump it with any change to them
# (tests/test_pg_store.py checks a fingerprint of their text against this number).
FUNCTIONS_VERSION = 1

_X_COLUMNS = "x_at, x_seq, x_event, x_jd, x_actors, x_against, x_status, x_part"
_X_VALUES = "r.at_utc, r.seq, r.event_id, julianday(r.at_utc), r.actor_ids, r.against_ids, r.status, r.part"
_W_COLUMNS = "w_day, w_seq, w_event, w_jd, w_at, w_actors, w_against, w_status, w_part, w_precision, w_end"
_W_VALUES = (
    "r.at_date, r.seq, r.event_id, julianday(r.at_utc), r.at_utc, r.actor_ids, r.against_ids, r.status, r.part, "
    "r.precision, r.at_end"
)
_LATEST = """(SELECT e.seq FROM events e WHERE e.place_id = control_current.place_id AND e.kind = 'control'
    AND e.retracted = 0 AND e.claimed = 0 AND e.at_date {is_null} ORDER BY e.{key} DESC, e.seq DESC LIMIT 1)"""
_OFFER = """INSERT INTO control_current (place_id, {columns}) SELECT NEW.place_id, {values} FROM revisions r
      WHERE r.seq = NEW.seq
    ON CONFLICT (place_id) DO UPDATE SET ({columns}) = ({excluded})
    WHERE control_current.{k}_event IS NULL OR (excluded.{k}_{key}, excluded.{k}_seq)
      > (control_current.{k}_{key}, control_current.{k}_seq);"""


def _offer(columns: str, values: str, k: str, key: str) -> str:
    excluded = ", ".join(f"excluded.{c.strip()}" for c in columns.split(","))
    return _OFFER.format(columns=columns, values=values, excluded=excluded, k=k, key=key)


# The head table's trigger: the handle of a new event, then control_current as m010's triggers keep it.
TRIGGERS = f"""
CREATE OR REPLACE FUNCTION sitlog_events_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO handles (event_id) SELECT NEW.event_id
      WHERE NOT EXISTS (SELECT 1 FROM handles WHERE event_id = NEW.event_id);
    ids := ARRAY[NEW.event_id];
  ELSIF TG_OP = 'DELETE' THEN
    ids := ARRAY[OLD.event_id];
  ELSE
    ids := ARRAY[OLD.event_id, NEW.event_id];
  END IF;
  IF EXISTS (SELECT 1 FROM control_current WHERE x_event = ANY (ids))
      OR EXISTS (SELECT 1 FROM control_current WHERE w_event = ANY (ids)) THEN
    UPDATE control_current SET ({_X_COLUMNS}) = (SELECT {_X_VALUES} FROM revisions r
      WHERE r.seq = {_LATEST.format(is_null="IS NULL", key="at_utc")}) WHERE x_event = ANY (ids);
    UPDATE control_current SET ({_W_COLUMNS}) = (SELECT {_W_VALUES} FROM revisions r
      WHERE r.seq = {_LATEST.format(is_null="IS NOT NULL", key="at_date")}) WHERE w_event = ANY (ids);
    DELETE FROM control_current WHERE x_event IS NULL AND w_event IS NULL;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.kind = 'control' AND NEW.retracted = 0 AND NEW.claimed = 0 THEN
    IF NEW.at_date IS NULL THEN
      {_offer(_X_COLUMNS, _X_VALUES, "x", "at")}
    ELSE
      {_offer(_W_COLUMNS, _W_VALUES, "w", "day")}
    END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER events_changed AFTER INSERT OR UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION sitlog_events_changed();
"""


def install_functions(conn: object) -> None:
    """(Re)create the server functions and the head table's trigger on ``conn`` (a psycopg connection,
    inside the caller's transaction) and record ``FUNCTIONS_VERSION`` in ``sitlog_meta``."""
    import psycopg

    assert isinstance(conn, psycopg.Connection)
    conn.execute(FUNCTIONS)
    conn.execute('CREATE TABLE IF NOT EXISTS sitlog_meta (key text COLLATE "C" PRIMARY KEY, value text NOT NULL)')
    if conn.execute("SELECT to_regclass('events')").fetchone() != (None,):
        conn.execute(TRIGGERS)
    conn.execute(
        "INSERT INTO sitlog_meta (key, value) VALUES ('functions', %s) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(FUNCTIONS_VERSION),),
    )


def functions_version(conn: object) -> int:
    """The ``FUNCTIONS_VERSION`` a database's server code is at (0: made before it was recorded)."""
    import psycopg

    assert isinstance(conn, psycopg.Connection)
    # pg_class read as a table, not to_regclass(): that one may answer from a catalog cache older than a
    # commit made while this connection waited for the write lock.
    if (
        conn.execute(
            "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'sitlog_meta' AND n.nspname = current_schema()"
        ).fetchone()
        is None
    ):
        return 0
    row = conn.execute("SELECT value FROM sitlog_meta WHERE key = 'functions'").fetchone()
    return int(row[0]) if row else 0


def _row_number_trigger(table: str, column: str) -> str:
    """SQLite's rowid rule for ``table.column``: a row inserted without one gets the largest so far + 1."""
    return f"""
CREATE OR REPLACE FUNCTION sitlog_{table}_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.{column} IS NULL THEN
    NEW.{column} := (SELECT coalesce(max({column}), 0) + 1 FROM {table});
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER {table}_number BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION sitlog_{table}_number();
"""


def _column_types(sql: str) -> str:
    """A CREATE TABLE of SQLite with PostgreSQL's types (text compared byte by byte, as in SQLite)."""
    sql = re.sub(r"\)\s*WITHOUT ROWID\s*$", ")", sql.strip())
    sql = re.sub(r"\bINTEGER\b", "bigint", sql)
    sql = re.sub(r"\bREAL\b", "double precision", sql)
    return re.sub(r"\bTEXT\b", 'text COLLATE "C"', sql)


def sqlite_image() -> sqlite3.Connection:
    """An in-memory SQLite database at this sitlog's schema, its bundled data loaded (about a second)."""
    from sitlog.store.schema import MIGRATIONS

    image = sqlite3.connect(":memory:", isolation_level=None)
    image.execute("BEGIN")
    MIGRATIONS.apply(image)
    image.execute("COMMIT")
    return image


def create(conn: object, names: list[str]) -> None:
    """Create the whole schema and its bundled data on ``conn`` (a psycopg connection, inside the caller's
    transaction): functions, tables, indexes, triggers, rows, and ``sitlog_migrations`` naming ``names``."""
    import psycopg

    assert isinstance(conn, psycopg.Connection)
    image = sqlite_image()
    try:
        conn.execute(FUNCTIONS)  # the indexes use date()
        tables = image.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
            "AND name <> '_sqlite_migrations' ORDER BY rowid"
        ).fetchall()
        for name, sql in tables:
            sql = _column_types(sql)
            if ROW_NUMBERS.get(name) == "rowid":
                sql = sql[: sql.rstrip().rindex(")")] + ", rowid bigint NOT NULL UNIQUE)"
            conn.execute(sql)
        for (sql,) in image.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name <> '_sqlite_migrations' ORDER BY rowid"
        ):
            conn.execute(sql)
        for name, _ in tables:
            _copy_rows(conn, image, name)
        for table, column in ROW_NUMBERS.items():
            conn.execute(_row_number_trigger(table, column))
        install_functions(conn)
        conn.execute('CREATE TABLE sitlog_migrations (name text COLLATE "C" PRIMARY KEY, applied_at text NOT NULL)')
        with conn.cursor().copy("COPY sitlog_migrations (name, applied_at) FROM STDIN") as copy:
            for name in names:
                copy.write_row((name, "now"))
        conn.execute("UPDATE sitlog_migrations SET applied_at = to_char(now() AT TIME ZONE 'UTC', "
                     "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")  # fmt: skip
    finally:
        image.close()


def _copy_rows(conn: object, image: sqlite3.Connection, table: str) -> None:
    import psycopg

    assert isinstance(conn, psycopg.Connection)
    columns = [row[1] for row in image.execute(f"PRAGMA table_info({table})")]
    if ROW_NUMBERS.get(table) == "rowid":
        columns.append("rowid")
    names = ", ".join(columns)
    with conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in image.execute(f"SELECT {names} FROM {table}"):
            copy.write_row(row)
