"""Bulk SQL for imports: matching or creating places and actors, and batched revision writes.

Writes go through ``BulkImport``: incoming revision rows (tuples laid out like the ``revisions``
table) are queued, compared with what the database already holds, and written with ``executemany``
in batches, all inside the caller's one ``store.transaction()``. The ``events`` head table is kept
consistent in the same batches. Export queries are in ``store.export``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from sitlog.domain import gazetteer
from sitlog.domain.model import ActorType, Place, new_event_id, utc_key
from sitlog.errors import InvalidInput
from sitlog.store.names import lookup
from sitlog.store.rows import (
    BODY_COLUMNS,
    CORE,
    EVENT_ID,
    INSERT_HEAD,
    INSERT_REVISION,
    KIND,
    OPERATOR,
    REASON,
    RECORDED_AT,
    RETRACTED,
    REVISION,
    SIDES,
    SOURCES,
    UPDATE_HEAD,
    body_of,
    content_of,
    full_row,
    head_of,
)
from sitlog.store.rows import event_to_row as event_to_row
from sitlog.store.rows import id_list as id_list
from sitlog.store.rows import quantity_text as quantity_text

if TYPE_CHECKING:
    from sitlog.store import Store

# --- places and actors on import --------------------------------------------------------------------


def _add_names(store: Store, table: str, owner: str, owner_id: int, names: Iterable[str]) -> int:
    added = 0
    for name in names:
        name = name.strip()
        if name:
            cur = store.conn.execute(
                f"INSERT OR IGNORE INTO {table} ({owner}, name, key, skeleton) VALUES (?, ?, ?, ?)",
                (owner_id, name, gazetteer.name_key(name), gazetteer.skeleton(name)),
            )
            added += cur.rowcount
    return added


def _free_id(store: Store, table: str, wanted: Any) -> int | None:
    """``wanted`` when it is a positive integer id not used in ``table`` (so ids survive a round trip)."""
    if not isinstance(wanted, int) or isinstance(wanted, bool) or wanted <= 0:
        return None
    used = store.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (wanted,)).fetchone()
    return None if used else wanted


def _compatible(a: str | None, b: str | None) -> bool:
    return not a or not b or gazetteer.same_name(a, b)


def _by_keys(store: Store, table: str, owner: str, names: Iterable[str]) -> list[int]:
    keys = list({gazetteer.name_key(n) for n in names if n.strip()})
    if not keys:
        return []
    rows = store.conn.execute(
        f"SELECT DISTINCT {owner} FROM {table} WHERE key IN ({', '.join('?' * len(keys))}) ORDER BY {owner}", keys
    )
    return [r[0] for r in rows]


def import_place_record(store: Store, rec: dict[str, Any], taken: Collection[int] = ()) -> tuple[Place, str]:
    """The local place a sitlog export's place record denotes: (place, ``same``/``matched``/``created``).

    Same id and same name and admin units: that place. Otherwise a place sharing a name (any
    spelling of any of its names) whose admin units agree, and not ``taken`` (matched by another
    record of the file: places distinct there stay distinct). Otherwise a new place, keeping the
    record's id when it is free here. Aliases the local place lacks are added.
    """
    name = rec["name"]
    aliases = list(rec.get("aliases") or [])
    units = (rec.get("admin1"), rec.get("admin2"), rec.get("admin3"), rec.get("pcode"))
    row = store.conn.execute(
        "SELECT id FROM places WHERE id = ? AND name = ? "
        "AND admin1 IS ? AND admin2 IS ? AND admin3 IS ? AND pcode IS ?",
        (rec.get("id"), name, *units),
    ).fetchone()
    how = "same"
    if row is not None:
        local = int(row[0])
    else:
        candidates = [store.places.get(pid) for pid in _by_keys(store, "place_names", "place_id", [name, *aliases])]
        candidates = [
            p
            for p in candidates
            if p.id not in taken and _compatible(p.admin1, units[0]) and _compatible(p.admin2, units[1])
        ]
        exact = [p for p in candidates if (p.name, p.admin1, p.admin2) == (name, units[0], units[1])]
        same_code = [p for p in candidates if units[3] and p.pcode == units[3]]
        ranked = exact or same_code or candidates
        if ranked:
            pick = ranked[0]
            local, how = pick.id, "matched"
        else:
            scheme = rec.get("pcode_scheme") or ("ocha" if units[3] else None)
            cur = store.conn.execute(
                "INSERT INTO places (id, name, admin1, admin2, admin3, pcode, pcode_scheme, lat, lon, source, "
                "created_at, admin1_pcode, admin2_pcode, admin3_pcode) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (_free_id(store, "places", rec.get("id")), name, *units, scheme, rec.get("lat"), rec.get("lon"),
                 rec.get("source"), rec.get("created_at") or "1970-01-01T00:00:00Z", rec.get("admin1_pcode"),
                 rec.get("admin2_pcode"), rec.get("admin3_pcode")),
            )  # fmt: skip
            local, how = int(cur.lastrowid or 0), "created"
    _add_names(store, "place_names", "place_id", local, [name, *aliases])
    return store.places.get(local), how


def import_actor_record(store: Store, rec: dict[str, Any], parent_id: int | None) -> tuple[int, str, str]:
    """The local actor an export's actor record denotes: (id, canonical name, ``same``/``matched``/``created``)."""
    name = rec["name"]
    aliases = list(rec.get("aliases") or [])
    row = store.conn.execute("SELECT id FROM actors WHERE id = ? AND name = ?", (rec.get("id"), name)).fetchone()
    how = "same"
    if row is not None:
        local = int(row[0])
    else:
        found = _by_keys(store, "actor_names", "actor_id", [name, *aliases])
        primary = _by_keys(store, "actor_names", "actor_id", [name])
        if found:
            local, how = (primary or found)[0], "matched"
        else:
            cur = store.conn.execute(
                "INSERT INTO actors (id, name, type, parent_id, side, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (_free_id(store, "actors", rec.get("id")), name, rec.get("type") or "other", parent_id,
                 rec.get("side"), rec.get("created_at") or "1970-01-01T00:00:00Z"),
            )  # fmt: skip
            local, how = int(cur.lastrowid or 0), "created"
    taken = {
        n for n in [name, *aliases] if any(a != local for a in _by_keys(store, "actor_names", "actor_id", [n]))
    }  # an alias naming another actor here stays with that actor
    _add_names(store, "actor_names", "actor_id", local, [n for n in [name, *aliases] if n not in taken])
    store.actors.forget()
    canonical = store.conn.execute("SELECT name FROM actors WHERE id = ?", (local,)).fetchone()[0]
    return local, canonical, how


def find_actor(store: Store, name: str) -> tuple[int, str] | None:
    """The actor a foreign name denotes by spelling (key, then skeleton), or None; several: the oldest."""
    rows = store.conn.execute(
        "SELECT actor_id FROM actor_names WHERE key = ? ORDER BY actor_id", (gazetteer.name_key(name),)
    ).fetchall()
    skeleton = gazetteer.skeleton(name)
    if not rows and len(skeleton.replace(" ", "")) >= 3:
        rows = store.conn.execute(
            "SELECT actor_id FROM actor_names WHERE skeleton = ? ORDER BY actor_id", (skeleton,)
        ).fetchall()
    if not rows:
        return None
    aid = int(rows[0][0])
    return aid, store.actors.by_id()[aid].name


def find_or_add_actor(store: Store, name: str, kind: ActorType, now: datetime) -> tuple[int, str, bool]:
    """(id, canonical name, created) for a foreign actor name."""
    found = find_actor(store, name)
    if found is not None:
        return found[0], found[1], False
    actor = store.actors.add(name, (), kind, None, None, now=now)
    return actor.id, actor.name, True


@dataclass(frozen=True)
class ForeignPlace:
    """A place as a foreign row gives it."""

    name: str
    admin1: str | None = None
    admin2: str | None = None
    admin3: str | None = None
    pcode: str | None = None
    lat: float | None = None
    lon: float | None = None


def find_or_add_place(store: Store, spec: ForeignPlace, source: str, now: datetime) -> tuple[Place, str]:
    """The place a foreign row names: (place, ``linked``/``ambiguous``/``created``).

    The row's admin names are normalised to OCHA's units (``Idlib governorate`` → Idleb, SY07).
    Candidates share a spelling of the name (key, else sound key), lie in the same governorate (and
    district, when both are known) and, when both have coordinates, within ``SAME_PLACE_KM`` km of
    the row's point: one candidate is ``linked``; several are ``ambiguous`` (the nearest is taken,
    and counted); none: a new place with the row's coordinates and normalised admin units.
    """
    units = store.places.admin_units(spec.admin1, spec.admin2, spec.admin3)
    one, two = units[1], units[2]
    matching, _loose = lookup(store.conn, "place_names", "place_id", spec.name)
    places = [store.places.get(pid) for pid in dict.fromkeys(pid for pid, _ in matching)]
    places = [p for p in places if store.places.merged_into(p) is None]
    if one is not None:
        places = [p for p in places if (p.admin1_pcode == one[0]) if p.admin1_pcode] + [
            p for p in places if not p.admin1_pcode and _compatible(p.admin1, one[1])
        ]
    else:
        places = [p for p in places if _compatible(p.admin1, spec.admin1)]
    if two is not None:
        places = [p for p in places if not p.admin2_pcode or p.admin2_pcode == two[0]]
    if spec.pcode:
        places = [p for p in places if not p.pcode or p.pcode == spec.pcode] or places
    if spec.lat is not None and spec.lon is not None:
        lat, lon = spec.lat, spec.lon

        def km(place: Place) -> float:
            if place.lat is None or place.lon is None:
                return 0.0  # nothing to tell it apart by
            return gazetteer.km_between(lat, lon, place.lat, place.lon)

        places = sorted((p for p in places if km(p) <= gazetteer.SAME_PLACE_KM), key=km)
    if len(places) == 1:
        return places[0], "linked"
    if places:
        return places[0], "ambiguous"
    given = (spec.admin1, spec.admin2, spec.admin3)
    a1, a2, a3 = (unit[1] if unit else typed for unit, typed in zip(units.values(), given, strict=True))
    place = store.places.add(
        spec.name, (), a1, a2, a3, spec.pcode, spec.lat, spec.lon, source, now=now, homonym_ok=True
    )
    return place, "created"


# --- batched writes ---------------------------------------------------------------------------------

# The page cache while an import writes: nine indexes grow at once, and with SQLite's default 2 MB
# they keep evicting each other (1M events: ~20% faster at 128 MB; peak memory stays under 300 MB).
CACHE_KIB = 128 * 1024
# Into a log with no events yet (a restore, a first load) the secondary indexes of the revisions and the
# heads are dropped and built again once the rows are in, inside the same transaction (a failed or dry
# run rolls them back with everything else): rows then go in in time order and the cache can be smaller.
FRESH_CACHE_KIB = 48 * 1024


class Match(Enum):
    """How an incoming revision is told apart from what is stored (see docs/exchange.md)."""

    REVISION = "revision"  # sitlog data: same recorded_at, operator, content and retraction = already here
    STAMPED = "stamped"  # foreign rows with a timestamp: same content as the head, or as a revision of that time
    HEAD = "head"  # foreign rows without one: same content as the current head = already here


@dataclass
class _Known:
    """What the database holds about one event while a batch is applied."""

    revisions: list[tuple[Any, ...]]  # the body (see _body) of each stored revision
    head: int  # index into ``revisions`` of the head: the revision written last, as everywhere in sitlog
    max_revision: int
    newest: tuple[str, int]  # (recorded_at, revision) of the revision recorded last
    existed: bool  # stored before this batch (its head row is updated, not inserted)


@dataclass
class ImportCounts:
    """What an import did: events added, revisions added to events, records already here, rows skipped."""

    added: int = 0
    revised: int = 0
    unchanged: int = 0
    rejected: int = 0
    places: int = 0  # created
    actors: int = 0  # created
    merged: int = 0  # events given a merge revision (older revisions arrived after a newer one)
    adjusted: int = 0  # foreign rows imported with figures that disagree as published (UCDP low/best/high)
    linked_places: int = 0  # distinct existing places foreign place names were linked to
    ambiguous_places: int = 0  # foreign places that matched several (the nearest was taken)

    def to_json(self) -> dict[str, int]:
        return {
            "added": self.added,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "new_places": self.places,
            "new_actors": self.actors,
            "merged": self.merged,
            "adjusted": self.adjusted,
            "linked_places": self.linked_places,
            "ambiguous_places": self.ambiguous_places,
        }


@dataclass
class BulkImport:
    """Queue incoming revision rows and write them in batches (inside the caller's transaction)."""

    store: Store
    operator: str
    now: datetime
    summary: str
    batch_size: int = 5000
    counts: ImportCounts = field(default_factory=ImportCounts)
    changeset: str | None = None
    _batch: list[tuple[tuple[Any, ...], Match]] = field(default_factory=list)
    _next_seq: int = 0
    _cache_size: int = 0
    _stale: set[str] = field(default_factory=set)  # events whose head is no longer their newest revision

    _deferred: list[str] = field(default_factory=list)  # CREATE INDEX statements to run again at the end

    def __post_init__(self) -> None:
        # Inside BEGIN IMMEDIATE nobody else writes: sequence numbers can be handed out here.
        conn = self.store.conn
        self._next_seq = int(conn.execute("SELECT coalesce(max(seq), 0) FROM revisions").fetchone()[0]) + 1
        self._cache_size = conn.execute("PRAGMA cache_size").fetchone()[0]
        fresh = self._next_seq == 1
        conn.execute(f"PRAGMA cache_size = -{FRESH_CACHE_KIB if fresh else CACHE_KIB}")
        if fresh:
            for name, sql in self.store.rebuildable_indexes(("revisions", "events")):
                conn.execute(f'DROP INDEX "{name}"')
                self._deferred.append(sql)

    def add(self, row: tuple[Any, ...], match: Match) -> None:
        """Queue one incoming revision row (its revision number and change set are decided here)."""
        self._batch.append((row, match))
        if len(self._batch) >= self.batch_size:
            self.flush()

    def _load(self, ids: list[str]) -> dict[str, _Known]:
        known: dict[str, _Known] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            rows = self.store.conn.execute(
                f"SELECT r.seq, e.seq, {', '.join('r.' + c.strip() for c in BODY_COLUMNS.split(','))} "
                "FROM revisions r JOIN events e ON e.event_id = r.event_id "
                f"WHERE r.event_id IN ({', '.join('?' * len(chunk))}) ORDER BY r.seq",
                chunk,
            )
            for seq, head_seq, *cols in rows:
                revision = cols[REVISION]
                state = known.get(cols[EVENT_ID])
                if state is None:
                    state = known[cols[EVENT_ID]] = _Known([], 0, 0, ("", 0), True)
                state.revisions.append(tuple(cols[KIND:]))
                state.max_revision = max(state.max_revision, revision)
                state.newest = max(state.newest, (cols[RECORDED_AT], revision))
                if seq == head_seq:
                    state.head = len(state.revisions) - 1
        return known

    def flush(self) -> None:
        """Write everything queued so far."""
        batch, self._batch = self._batch, []
        if batch:
            self._write(batch)

    def _write(self, batch: list[tuple[tuple[Any, ...], Match]]) -> None:
        """Write a batch: new events, new revisions of known ones; count what was already here."""
        known = self._load(list(dict.fromkeys(row[EVENT_ID] for row, _ in batch)))
        inserts: list[tuple[Any, ...]] = []
        heads: dict[str, tuple[Any, ...]] = {}  # new events: their head row
        moved: dict[str, tuple[Any, ...]] = {}  # events stored before this batch: their new head
        for row, match in batch:
            state = known.get(row[EVENT_ID])
            body = body_of(row)
            if state is not None:
                content = content_of(body)
                if match is Match.REVISION:
                    seen = body in state.revisions
                elif match is Match.STAMPED:
                    stamp = row[RECORDED_AT]
                    at = RECORDED_AT - KIND
                    seen = content_of(state.revisions[state.head]) == content or any(
                        content_of(r) == content and r[at] == stamp for r in state.revisions
                    )
                else:
                    seen = content_of(state.revisions[state.head]) == content
                if seen:
                    self.counts.unchanged += 1
                    continue
                if match is not Match.REVISION:  # a retraction made here outlives a new version of the row
                    kept = state.revisions[state.head]  # its retraction and the sources corroborated here
                    body = (body[: RETRACTED - KIND] + kept[RETRACTED - KIND : CORE] + body[CORE:SOURCES]
                            + kept[SOURCES:SIDES] + body[SIDES:])  # fmt: skip
            if self.changeset is None:
                self.changeset = new_event_id(self.now)
                self.store.begin_changeset(self.changeset, self.operator, "import", self.now, self.summary)
            revision = state.max_revision + 1 if state else 1
            seq = self._next_seq
            self._next_seq += 1
            inserts.append(full_row(seq, row[EVENT_ID], revision, body, self.changeset))
            key = (row[RECORDED_AT], revision)
            if state is None:
                known[row[EVENT_ID]] = _Known([body], 0, revision, key, False)
                self.counts.added += 1
            else:
                state.revisions.append(body)
                state.head, state.max_revision = len(state.revisions) - 1, revision
                self.counts.revised += 1
                if key < state.newest:
                    self._stale.add(row[EVENT_ID])  # finish() puts the newest one back on top
                else:
                    state.newest = key
            head = head_of(seq, body)
            if state is not None and state.existed:
                moved[row[EVENT_ID]] = (*head, row[EVENT_ID])
            else:
                heads[row[EVENT_ID]] = (row[EVENT_ID], *head)
        try:
            self.store.conn.executemany(INSERT_REVISION, inserts)
            self.store.conn.executemany(INSERT_HEAD, heads.values())
            self.store.conn.executemany(UPDATE_HEAD, moved.values())
        except sqlite3.IntegrityError as exc:
            raise InvalidInput(f"the import does not fit this database ({exc})") from None

    def merge(self) -> None:
        """Give each event whose newest revision is no longer its head a merge revision restoring it.

        Merging logs can bring revisions recorded before one already here (another operator's older
        amendment). They are kept, but the head must stay what was recorded last, so that both sides
        of a merge end on the same state; the merge revision re-states it, by the importing operator.
        """
        self.flush()
        select = f"SELECT seq, {BODY_COLUMNS} FROM revisions WHERE event_id = ? ORDER BY seq"
        for event_id in sorted(self._stale):
            rows = self.store.conn.execute(select, (event_id,)).fetchall()
            newest = max(rows, key=lambda r: (r[1 + RECORDED_AT], r[1 + REVISION]))
            if newest is rows[-1]:
                continue
            body = list(newest[1 + KIND :])
            recorded = max(utc_key(self.now), newest[1 + RECORDED_AT])
            why = f"merge: revision {newest[1 + REVISION]} was recorded last; older revisions were imported after it"
            reason = newest[1 + REASON]
            body[OPERATOR - KIND], body[RECORDED_AT - KIND] = self.operator, recorded
            body[REASON - KIND] = f"{reason} ({why})" if newest[1 + RETRACTED] and reason else why
            revision = max(r[1 + REVISION] for r in rows) + 1
            seq = self._next_seq
            self._next_seq += 1
            self.store.conn.execute(INSERT_REVISION, full_row(seq, event_id, revision, tuple(body), self.changeset))
            head = head_of(seq, tuple(body))
            self.store.conn.execute(UPDATE_HEAD, (*head, event_id))
            self.counts.merged += 1
        self._stale.clear()

    def finish(self, summary: str) -> None:
        """Write what is queued, build the indexes dropped for a fresh log again, and give the change set its
        final summary (all still inside the caller's transaction)."""
        self.flush()
        for sql in self._deferred:
            self.store.conn.execute(sql)
        self._deferred.clear()
        if self.changeset is not None:
            self.store.conn.execute("UPDATE changesets SET summary = ? WHERE id = ?", (summary, self.changeset))
        self.store.conn.execute(f"PRAGMA cache_size = {int(self._cache_size)}")
