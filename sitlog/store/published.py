"""The SQL of the read-only web view (``sitlog serve``): Datasette's canned queries, in plain SQLite.

Datasette runs these on its own connection, which has none of the Python SQL functions sitlog registers
on the store's, so they use only SQLite's built-ins (``json_each``, ``strftime``, window functions).

The report zone is a fixed UTC offset (``:utc_offset``, ``+03:00``; empty: UTC), since SQLite knows no
zone names: the answers are those of ``sitlog --tz ZONE`` whenever ZONE keeps that offset over the dates
involved (Asia/Damascus is UTC+03:00 all year since 2022). Rules, as ``store/control.py`` and
``domain/summary.py`` apply them:

- status as of T: per place, the latest *assessed* control event (not a claim, not retracted) known by T
  — an exact instant at or before T, a date window whose first day has begun by T's local date —
  ordered by when it starts in the zone (a window at local midnight of its first day), then its stored
  instant, then recording order. T is ``:at``: an RFC 3339 instant, a local time without offset, a date
  (the end of that local day), or empty (now). Claims are not shown beside it (``sitlog status`` does).
- a day's summary: an event at an instant of that local day, or known by that one date, counts once;
  retracted events are left out, claims counted with the rest (and in their own column).
"""

from __future__ import annotations

# The offset as minutes east of UTC, from :utc_offset ('+03:00', '-05:30', 'Z' or '' for UTC).
_OFFSET = """
zone AS (
  SELECT CASE WHEN trim(coalesce(:utc_offset, '')) IN ('', 'Z', 'z') THEN 0 ELSE
    (CASE substr(trim(:utc_offset), 1, 1) WHEN '-' THEN -1 ELSE 1 END)
    * (CAST(substr(trim(:utc_offset), 2, 2) AS INTEGER) * 60 + CAST(substr(trim(:utc_offset), 5, 2) AS INTEGER))
  END AS minutes
)"""

# The cutoff T as a store key (YYYY-MM-DDTHH:MM:SSZ) and its local date. A date means the end of that
# local day (as ``sitlog status --at DATE``); a time without offset is local.
_CUTOFF = """
asked AS (SELECT trim(coalesce(:at, '')) AS text),
cutoff AS (
  SELECT strftime('%Y-%m-%dT%H:%M:%SZ', CASE
      WHEN text = '' OR lower(text) = 'now' THEN 'now'
      WHEN length(text) = 10 THEN datetime(text, '+1 day', '-1 second', (-minutes) || ' minutes')
      WHEN upper(substr(text, -1)) = 'Z' OR substr(text, -6, 1) IN ('+', '-') THEN text
      ELSE datetime(text, (-minutes) || ' minutes') END) AS exact
  FROM asked, zone
),
bounds AS (SELECT exact, date(exact, minutes || ' minutes') AS day FROM cutoff, zone)"""

# Names of a JSON list of actor ids, in the list's order.
_NAMES = "(SELECT group_concat(a.name, '; ') FROM json_each({ids}) j JOIN actors a ON a.id = j.value)"
_FIRST = "(SELECT a.name FROM json_each({ids}) j JOIN actors a ON a.id = j.value WHERE j.key = 0)"
# When an event starts in the report zone: its instant, or local midnight of a window's first day (UTC key).
_START = (
    "CASE WHEN {r}.at_date IS NULL THEN {r}.at_utc "
    "ELSE strftime('%Y-%m-%dT%H:%M:%SZ', {r}.at_date, (-zone.minutes) || ' minutes') END"
)
# The moment a reader sees: the instant, or the window's first day (with its precision beside it).
_SHOWN_AT = "CASE WHEN {r}.at_date IS NULL THEN {r}.at_utc ELSE {r}.at_date END"

# Per place, the latest assessed control event by T, as sitlog's status finds it (store/control.py): two
# seeks on the head table's control index (the latest exact instant by T; the latest date window begun by
# T's local date), then the later of the two by when it starts in the zone, its stored instant, its seq.
# One seek pair per place: ranking every control event of a million-event log took seconds.
_CONTROL = "e.place_id = c.place_id AND e.kind = 'control' AND e.retracted = 0 AND e.claimed = 0"
_LATEST = f"""
controlled AS (SELECT DISTINCT place_id FROM events WHERE kind = 'control' AND retracted = 0 AND claimed = 0),
seeks AS (
  SELECT c.place_id,
    (SELECT e.seq FROM events e WHERE {_CONTROL} AND e.at_date IS NULL AND e.at_utc <= bounds.exact
     ORDER BY e.at_utc DESC, e.seq DESC LIMIT 1) AS x,
    (SELECT e.seq FROM events e WHERE {_CONTROL} AND e.at_date IS NOT NULL AND e.at_date <= bounds.day
     ORDER BY e.at_date DESC, e.at_utc DESC, e.seq DESC LIMIT 1) AS w
  FROM controlled c, bounds
),
latest AS (
  SELECT s.place_id, r.*, 1 AS rank
  FROM seeks s LEFT JOIN revisions rx ON rx.seq = s.x LEFT JOIN revisions rw ON rw.seq = s.w, zone
  JOIN revisions r ON r.seq = CASE WHEN s.w IS NULL THEN s.x WHEN s.x IS NULL THEN s.w
    WHEN (rx.at_utc, rx.at_utc, rx.seq) > ({_START.format(r="rw")}, rw.at_utc, rw.seq) THEN s.x ELSE s.w END
)"""

STATUS_SQL = f"""WITH {_OFFSET}, {_CUTOFF}, {_LATEST}
SELECT p.name AS place, p.admin1, {_FIRST.format(ids="l.actor_ids")} AS holder,
  coalesce(l.status, 'held') AS status, l.part, {_SHOWN_AT.format(r="l")} AS since, l.precision,
  {_NAMES.format(ids="l.against_ids")} AS against, l.source, l.grade, l.event_id,
  p.lat AS latitude, p.lon AS longitude, bounds.exact AS as_of
FROM latest l JOIN places p ON p.id = l.place_id, bounds
WHERE l.rank = 1
ORDER BY p.name COLLATE NOCASE, p.admin1, p.id"""

# The status as of now, for datasette-cluster-map (it draws any result with latitude/longitude columns):
# only places with coordinates.
MAP_SQL = f"""WITH {_OFFSET}, {_CUTOFF}, {_LATEST}
SELECT p.name AS place, {_FIRST.format(ids="l.actor_ids")} AS holder, coalesce(l.status, 'held') AS status,
  l.part, {_SHOWN_AT.format(r="l")} AS since, l.event_id, p.lat AS latitude, p.lon AS longitude
FROM latest l JOIN places p ON p.id = l.place_id
WHERE l.rank = 1 AND p.lat IS NOT NULL AND p.lon IS NOT NULL
ORDER BY p.name COLLATE NOCASE, p.id"""

# A place's events, by its name or any alias (any case), in report order; retracted ones left out.
HISTORY_SQL = f"""WITH {_OFFSET},
asked AS (SELECT DISTINCT pn.place_id FROM place_names pn WHERE pn.name = trim(:place) COLLATE NOCASE
          UNION SELECT p.id FROM places p WHERE p.name = trim(:place) COLLATE NOCASE)
SELECT p.name AS place, p.admin1, {_SHOWN_AT.format(r="r")} AS at, r.precision, r.kind,
  {_NAMES.format(ids="r.actor_ids")} AS actors, r.status, r.part, r.claimed, r.claimed_by, r.source, r.grade,
  r.note, r.event_id
FROM asked JOIN events e ON e.place_id = asked.place_id JOIN revisions r ON r.seq = e.seq
JOIN places p ON p.id = e.place_id, zone
WHERE e.retracted = 0
ORDER BY p.id, {_START.format(r="r")}, r.at_utc, r.seq"""

# A day's events (:day, YYYY-MM-DD, local) by kind, counted as ``sitlog summary --day`` counts them: an
# event at an instant of that local day or known by that one date; a longer window (a week, a month) that
# reaches into the day is not counted here (``sitlog summary`` lists those apart, as ``windowed``).
SUMMARY_SQL = f"""WITH {_OFFSET},
day_events AS (
  SELECT r.kind, r.claimed, p.name AS place
  FROM events e JOIN revisions r ON r.seq = e.seq JOIN places p ON p.id = e.place_id, zone
  WHERE e.retracted = 0 AND CASE WHEN e.at_date IS NULL
      THEN date(e.at_utc, zone.minutes || ' minutes') = trim(:day)
      ELSE e.at_date = trim(:day) AND e.at_last IS NULL END
)
SELECT kind, count(*) AS events, sum(claimed) AS claims,
  (SELECT group_concat(place, '; ') FROM (SELECT DISTINCT d2.place FROM day_events d2
     WHERE d2.kind = d.kind ORDER BY d2.place COLLATE NOCASE)) AS places
FROM day_events d
GROUP BY kind
ORDER BY count(*) DESC, kind"""

# Tables of no use to a reader: bookkeeping (migrations, handles, the undo log of gazetteer edits), name
# lookup keys and SQLite's statistics. Events, revisions, places, actors, changesets and control_current
# stay visible.
HIDDEN_TABLES = (
    "_sqlite_migrations",
    "handles",
    "gazetteer_changes",
    "sqlite_stat1",
    "sqlite_stat4",
)
