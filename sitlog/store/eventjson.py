"""The ``event`` JSON of SPEC.md built by SQLite, one text per row, for listings and exports of any length.

``EventJson.sql`` is an SQL expression over a revision row (aliased ``r``, with its place ``p``, its
``to`` place ``tp`` and, for listings, its handle row ``hd``) whose value is exactly the text
``json.dumps(event.to_json(tz), ensure_ascii=False)`` gives for the event ``Events.from_row`` reads from
that row: the same keys in the same order, the same escapes, numbers and nulls. Building the text in
SQLite skips the Python event object, the dict and the encoder per row (an export of a million
revisions: minutes → seconds). ``tests/test_eventjson.py`` compares the two on varied events.

The common values are formatted in SQL; what is rare or needs Python's own code (actor names by id,
tags, several sources, sides, distances, quantities with a best estimate, instants in a zone whose
offset changes) goes through small Python functions registered on the connection, each memoised
where values repeat. Text columns are expected as sitlog writes them (``utc_key`` instants, ISO
dates, quantities as ``codecs.quantity_text`` writes them); anything else takes the Python path.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from sitlog.domain.handles import ALPHABET, OFFSET
from sitlog.domain.model import Quantity, Side, SourceRef, from_utc_key, rfc3339
from sitlog.store.codecs import distance_from_text, sources_from_text, tags_from_text

# Zones whose offset is zero at every instant (tzdata's aliases of UTC).
_UTC_KEYS = frozenset(
    ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "Etc/GMT", "GMT",
     "Etc/GMT+0", "Etc/GMT-0", "Etc/GMT0", "GMT0", "GMT+0", "GMT-0", "Etc/Greenwich", "Greenwich")
)  # fmt: skip
_ETC_GMT = re.compile(r"Etc/GMT[+-]\d{1,2}")


def fixed_offset(tz: tzinfo) -> timedelta | None:
    """The zone's UTC offset when it never changes (UTC, a fixed offset, tzdata's Etc/GMT±N), else None."""
    if isinstance(tz, timezone):
        return tz.utcoffset(None)
    key = getattr(tz, "key", None)
    if key in _UTC_KEYS:
        return timedelta(0)
    if isinstance(key, str) and _ETC_GMT.fullmatch(key):
        return tz.utcoffset(datetime(2000, 1, 1))
    return None


def zone_sql(conn: sqlite3.Connection, tz: tzinfo) -> Callable[[str], str]:
    """A function giving the SQL for a stored UTC key column as RFC 3339 text in ``tz`` (``rfc3339``).

    A zone with a fixed offset is done in SQL; any other goes through ``sitlog_time``, registered on
    ``conn`` for ``tz`` (replacing an earlier registration)."""
    offset = fixed_offset(tz)
    if offset is None:
        conn.create_function("sitlog_time", 1, lambda key: rfc3339(from_utc_key(key), tz), deterministic=True)
        return lambda column: f"sitlog_time({column})"
    if not offset:
        return lambda column: f"replace({column}, 'Z', '+00:00')"
    suffix = datetime(2000, 1, 1, tzinfo=tz).isoformat()[19:]
    seconds = int(offset.total_seconds())
    return lambda column: f"strftime('%Y-%m-%dT%H:%M:%S', {column}, '{seconds} seconds') || '{suffix}'"


def handle_sql(number: str) -> str:
    """SQL for ``domain.handles.handle_of(number)`` (a handle sequence number column, not NULL): the number
    plus ``OFFSET`` in Crockford base32, lower case, 3 to 6 characters."""
    v = f"({number} + {OFFSET})"

    def digit(k: int) -> str:
        return f"substr('{ALPHABET}', ({v} >> {5 * k}) % 32 + 1, 1)"

    branches = [f"WHEN {v} >= {32 ** (n - 1)} THEN " + " || ".join(map(digit, range(n - 1, -1, -1))) for n in (6, 5, 4)]
    return f"CASE {' '.join(branches)} ELSE {' || '.join(map(digit, (2, 1, 0)))} END"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def quote(column: str) -> str:
    """A text column as a JSON string (``null`` for NULL); SQLite escapes exactly as ``json.dumps`` does."""
    return f"json_quote({column})"


def flag(column: str) -> str:
    return f"CASE WHEN {column} THEN 'true' ELSE 'false' END"


class EventJson:
    """The SQL expression giving each row's event JSON, and the Python functions it calls.

    The ``event`` shape with its handle (from ``hd.n``) by default; ``record``: ``"record": "revision"``
    first, as a jsonl export writes each revision; ``handle=False`` leaves the handle out (it is local to a
    database); ``to_place_id`` ends the object with the ``to`` place's id (exports). Creating one
    registers its functions on ``conn`` (replacing those of an earlier one): run its query before
    creating another for a different zone.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        tz: tzinfo,
        *,
        record: bool = False,
        handle: bool = True,
        to_place_id: bool = False,
    ) -> None:
        self.tz = tz
        self.record = record
        self.handle = handle
        self.to_place_id = to_place_id
        self._actors: dict[int, str] = dict(conn.execute("SELECT id, name FROM actors"))
        self._lists: dict[str, str] = {}
        for name, arity, fn in (
            ("sitlog_names", 1, self.names),
            ("sitlog_quantity", 1, self.quantity),
            ("sitlog_tags", 1, self.tags),
            ("sitlog_distance", 1, self.distance),
            ("sitlog_sources", 3, self.sources),
            ("sitlog_sides", 1, self.sides),
        ):
            conn.create_function(name, arity, fn, deterministic=True)
        self.instant = zone_sql(conn, tz)
        self.sql = self._expression()

    # --- the Python side: exact, through the model's own encoders -----------------------------------

    def names(self, ids: str) -> str:
        """``[3, 5]`` (actor ids as stored) → ``["HTS", "SNA"]``."""
        found = self._lists.get(ids)
        if found is None:
            if len(self._lists) > 50_000:
                self._lists.clear()
            found = self._lists[ids] = _dumps([self._actor(i) for i in json.loads(ids)])
        return found

    def _actor(self, actor_id: int) -> str:
        name = self._actors.get(actor_id)
        if name is None:
            raise LookupError(f"revision names actor {actor_id}, which is not in the actors table")
        return name

    @staticmethod
    def quantity(text: str) -> str:
        return _dumps(Quantity.from_json(json.loads(text)).to_json())

    @staticmethod
    def tags(text: str) -> str:
        return _dumps(list(tags_from_text(text)))

    @staticmethod
    def distance(text: str) -> str:
        return _dumps(distance_from_text(text).to_json())

    def sources(self, text: str, source: str | None, grade: str | None) -> str:
        listed = sources_from_text(text) or (SourceRef(source, grade, None, None),)
        tz = self.tz
        return _dumps([s.to_json(rfc3339(s.recorded_at, tz) if s.recorded_at else None) for s in listed])

    def sides(self, text: str) -> str:
        """``, "sides": [...]`` for a stored sides list, or nothing when it is empty."""
        stored = json.loads(text)
        if not stored:
            return ""
        sides = [Side(self._actor(a), tuple(self._actor(i) for i in assoc)).to_json() for a, assoc in stored]
        return ', "sides": ' + _dumps(sides)

    # --- the SQL side -----------------------------------------------------------------------------

    @staticmethod
    def _quantity(column: str) -> str:
        # The common case is plain text in quantity_text's layout, without a best estimate: put "best" in place.
        return (
            f"CASE WHEN {column} IS NULL OR {column} = '' THEN 'null' "
            f"WHEN substr({column}, 1, 8) = '{{\"low\": ' AND instr({column}, ', \"best\": ') = 0 "
            f"AND instr({column}, '\\') = 0 THEN replace({column}, ', \"high\": ', ', \"best\": null, \"high\": ') "
            f"ELSE sitlog_quantity({column}) END"
        )

    def _handle(self) -> str:
        return f"CASE WHEN hd.n IS NULL THEN '' ELSE ', \"handle\": \"' || {handle_sql('hd.n')} || '\"' END"

    def _expression(self) -> str:
        # kind and precision are words of sitlog's vocabulary and dates are ISO: quoted without escaping.
        at = f"CASE WHEN r.precision = 'exact' THEN {self.instant('r.at_utc')} ELSE r.at_date END"
        at_end = (
            "CASE WHEN r.at_end IS NULL OR r.precision = 'exact' OR r.at_end = '' OR r.at_end = r.at_date THEN '' "
            "ELSE ', \"at_end\": ' || json_quote(r.at_end) END"
        )
        head_fmt = '"id": %s, "kind": "%s", "place": %s, "place_id": %d, "at": "%s", "precision": "%s"%s, "actors": %s'
        head = ["json_quote(r.event_id)", "r.kind", "json_quote(p.name)", "r.place_id", at, "r.precision", at_end,
                "sitlog_names(r.actor_ids)"]  # fmt: skip
        if self.record:
            head_fmt = '"record": "revision", ' + head_fmt
        q = self._quantity
        kinds = {
            "control": (
                '"status": %s, "part": %s, "against": %s, "baseline": %s, "from": %s',
                ["CASE WHEN r.status <> '' THEN json_quote(r.status) ELSE 'null' END", quote("r.part"),
                 "sitlog_names(r.against_ids)", flag("r.baseline"),
                 "json_quote((SELECT name FROM actors WHERE id = r.from_actor_id))"],
            ),
            "clash": ('"outcome": %s', [quote("r.outcome")]),
            "casualties": (
                '"killed": %s, "injured": %s, "captured": %s, "side": %s, "person": %s, "role": %s',
                [q("r.killed"), q("r.injured"), q("r.captured"), quote("r.side"), quote("r.person"),
                 quote("r.role")],
            ),
            "strike": ('"means": %s', ["CASE WHEN r.means <> '' THEN json_quote(r.means) ELSE 'null' END"]),
            "displacement": ('"people": %s, "families": %s, "to": %s',
                             [q("r.people"), q("r.families"), quote("tp.name")]),
            "advance": (
                '"relation": %s, "distance_km": %s, "direction": %s',
                ["CASE WHEN r.relation <> '' THEN json_quote(r.relation) ELSE 'null' END",
                 "CASE WHEN r.distance <> '' THEN sitlog_distance(r.distance) ELSE 'null' END", quote("r.direction")],
            ),
        }  # fmt: skip
        common_fmt = (
            '"source": %s, "grade": %s, "claimed": %s, "claimed_by": %s, "note": %s, "tags": %s, "operator": %s, '
            '"recorded_at": "%s", "revision": %d, "retracted": %s%s%s, "sources": '
        )
        common = [quote("r.source"), quote("r.grade"), flag("r.claimed"), quote("r.claimed_by"), quote("r.note"),
                  "CASE WHEN r.tags = '[]' THEN '[]' ELSE sitlog_tags(r.tags) END", quote("r.operator"),
                  self.instant("r.recorded_at"), "r.revision", flag("r.retracted"),
                  "CASE WHEN r.reason IS NULL THEN '' ELSE ', \"reason\": ' || json_quote(r.reason) END",
                  "CASE WHEN r.duplicate_of IS NULL THEN '' ELSE ', \"duplicate_of\": ' || json_quote(r.duplicate_of) "
                  "END"]  # fmt: skip
        # An event with no list of sources has its own source as the only one: the common case, formatted inline.
        own_source = (
            '[{"source": %s, "grade": %s, "operator": null, "recorded_at": null}]',
            [quote("r.source"), quote("r.grade")],
        )
        listed = ("%s", ["sitlog_sources(r.sources, r.source, r.grade)"])
        tail = ["CASE WHEN r.sides IS NULL OR r.sides = '' THEN '' ELSE sitlog_sides(r.sides) END"]
        if self.handle:
            tail.append(self._handle())
        if self.to_place_id:
            tail.append("CASE WHEN r.to_place_id IS NULL THEN '' ELSE ', \"to_place_id\": ' || r.to_place_id END")
        tail_fmt = "%s" * len(tail) + "}"

        def printf(kind_fmt: str, kind_args: list[str], sources: tuple[str, list[str]]) -> str:
            fmt = "{" + head_fmt + ", " + kind_fmt + ", " + common_fmt + sources[0] + tail_fmt
            args = [*head, *kind_args, *common, *sources[1], *tail]
            return "printf('" + fmt.replace("'", "''") + "', " + ", ".join(args) + ")"

        def by_kind(sources: tuple[str, list[str]]) -> str:
            branches = " ".join(f"WHEN '{kind}' THEN {printf(f, a, sources)}" for kind, (f, a) in kinds.items())
            return f"CASE r.kind {branches} END"

        return f"CASE WHEN r.sources = '[]' THEN {by_kind(own_source)} ELSE {by_kind(listed)} END"
