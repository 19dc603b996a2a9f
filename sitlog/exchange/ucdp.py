"""Shared by the foreign-dataset readers, and UCDP GED import.

Foreign rows become events with ids ``ucdp:ID`` / ``acled:ID``; figures a row gives as a whole
(UCDP deaths, ACLED fatalities) become a linked casualties event ``…:casualties``. The UCDP mapping
is documented in docs/exchange.md.
"""

from __future__ import annotations

import re
from datetime import date, timezone
from typing import TYPE_CHECKING, Any

from sitlog.domain.model import (
    ActorType,
    Event,
    Kind,
    Place,
    Precision,
    Quantity,
    When,
    check_coordinates,
    validate_event,
)
from sitlog.errors import InvalidInput
from sitlog.exchange.base import ImportRequest, RowError
from sitlog.exchange.csv import cell_count, cell_date, cell_float, cell_int
from sitlog.store.bulk import (
    ForeignPlace,
    ImportCounts,
    Match,
    event_to_row,
    find_or_add_actor,
    find_or_add_place,
)

if TYPE_CHECKING:
    from sitlog.store import Store

UTC = timezone.utc
CASUALTIES_SUFFIX = ":casualties"
ADJUSTED_TAG = "ucdp:adjusted"  # a UCDP row whose published low/best/high disagree (kept as published)
GEO_TAG = "geo_precision:"  # a tag keeping a foreign location precision (ACLED geo_precision) that is not 1

# --- shared by the foreign readers ---------------------------------------------------------------------


class ForeignConverter:
    """A reader of one foreign dataset's CSV rows; places and actors are resolved once per distinct name."""

    REQUIRED: tuple[str, ...] = ()
    NAME = ""
    SOURCE = ""

    def __init__(self, store: Store, req: ImportRequest, counts: ImportCounts, header: list[str]) -> None:
        missing = [c for c in self.REQUIRED if c not in header]
        if missing:
            raise InvalidInput(f"{req.label}: not {self.NAME} data (missing column {', '.join(missing)})")
        self.store = store
        self.req = req
        self.counts = counts
        self.ignored: dict[str, int] = {}
        self._places: dict[ForeignPlace, Place] = {}
        self._actors: dict[str, tuple[int, str]] = {}
        self._linked: set[int] = set()

    def place(self, spec: ForeignPlace) -> Place:
        """The local place a row's location names (linked through the gazetteer, else created)."""
        place = self._places.get(spec)
        if place is None:
            place, how = find_or_add_place(self.store, spec, self.SOURCE, self.req.now)
            self._places[spec] = place
            if how == "created":
                self.counts.places += 1
            elif place.id not in self._linked:
                self._linked.add(place.id)
                self.counts.linked_places += 1
            if how == "ambiguous":
                self.counts.ambiguous_places += 1
        return place

    def actor(self, name: str, kind: ActorType, ids: dict[str, int]) -> str:
        """The canonical name of the actor ``name`` denotes (created as ``kind`` if new); its id goes in ``ids``.

        A side naming several groups (UCDP: ``Ahrar al-Sham, FSA, HTS``) is a coalition: an actor of that
        name (type other) whose members are the groups, each resolved or created as ``kind``.
        """
        known = self._actors.get(name)
        if known is None:
            parts = [p.strip() for p in name.split(",")]
            coalition = len(parts) > 1 and all(len(p) > 1 for p in parts)
            aid, canonical, created = find_or_add_actor(
                self.store, name, ActorType.OTHER if coalition else kind, self.req.now
            )
            known = self._actors[name] = (aid, canonical)
            self.counts.actors += created
            if coalition:
                members = [self.actor(part, kind, {}) for part in parts]
                self.store.actors.set_members(aid, [self._actors[p][0] for p in parts])
                del members
        ids[known[1]] = known[0]
        return known[1]


def coordinates(row: dict[str, str], lat_col: str, lon_col: str) -> tuple[float | None, float | None]:
    """A row's latitude and longitude: both or neither, in range."""
    lat, lon = cell_float(row.get(lat_col) or "", lat_col), cell_float(row.get(lon_col) or "", lon_col)
    try:
        check_coordinates(lat, lon)
    except InvalidInput as exc:
        raise RowError(lat_col, exc.message) from None
    return lat, lon


def foreign_id(prefix: str, value: str, column: str) -> str:
    """The sitlog event id of a foreign row: ``ucdp:ID`` / ``acled:ID``."""
    text = value.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}", text):
        raise RowError(column, f"bad id {value!r}")
    return f"{prefix}:{text}"


def revision_rows(events: list[Event], ids: dict[str, int], match: Match) -> list[tuple[tuple[Any, ...], Match]]:
    """The events a row became, checked like logged ones, as revision rows."""
    for event in events:
        try:
            validate_event(event)
        except InvalidInput as exc:
            raise RowError(None, f"{event.id}: {exc.message}") from None
    return [(event_to_row(event, ids), match) for event in events]


def is_civilians(name: str, inter: int | None = None) -> bool:
    """ACLED and UCDP name civilians as a party (``Civilians (Syria)``, inter code 7); sitlog does not."""
    return inter == 7 or name.strip().lower().startswith("civilians")


# --- UCDP GED import -------------------------------------------------------------------------------------

_UCDP_PRECISION = {1: Precision.DAY, 2: Precision.WEEK, 3: Precision.WEEK, 4: Precision.MONTH, 5: Precision.YEAR}
_PLACE_WORDS = re.compile(r"\s+(town|city|village|camp|area|neighbourhood|neighborhood)$", re.IGNORECASE)
_UNIT_WORDS = re.compile(r"\s+(governorate|province|district|sub-?district|region|nahiya)$", re.IGNORECASE)


def _ucdp_date(value: str, column: str) -> date:
    """UCDP writes dates as ``2024-11-27`` or ``2024-11-27 00:00:00.000``; RowError outside 1900-2100."""
    text = value.strip()
    return cell_date(text[:10] if len(text) > 10 and text[10] in " T" else text, column)


def _unit(value: str | None) -> str | None:
    text = _UNIT_WORDS.sub("", (value or "").strip())
    return text or None


def _ucdp_actor_type(name: str, state_based: bool, side_b: bool) -> ActorType:
    if name.lower().startswith("government of"):
        return ActorType.STATE
    return ActorType.REBEL if state_based and side_b else ActorType.OTHER


def _count(row: dict[str, str], column: str) -> int:
    value = cell_count(row.get(column) or "", column)
    return value or 0


class UcdpConverter(ForeignConverter):
    """Reads UCDP GED rows: a clash (or one-sided violence) and its deaths, over the row's date window."""

    REQUIRED = ("id", "type_of_violence", "side_a", "side_b", "where_coordinates", "date_start", "date_end",
                "best", "low", "high")  # fmt: skip
    NAME = "UCDP GED"
    SOURCE = "ucdp"

    def convert(self, line: int, row: dict[str, str]) -> list[tuple[tuple[Any, ...], Match]]:
        event_id = foreign_id("ucdp", row["id"], "id")
        violence = cell_int(row["type_of_violence"], "type_of_violence")
        if violence not in (1, 2, 3):
            raise RowError("type_of_violence", f"must be 1, 2 or 3, not {row['type_of_violence']!r}")
        side_a, side_b = row["side_a"].strip(), row["side_b"].strip()
        if not side_a:
            raise RowError("side_a", "is empty")
        if not side_b:
            raise RowError("side_b", "is empty")
        start, end = _ucdp_date(row["date_start"], "date_start"), _ucdp_date(row["date_end"], "date_end")
        if end < start:
            raise RowError("date_end", f"{end} is before date_start {start}")
        prec_code = cell_int(row.get("date_prec") or "", "date_prec") or (1 if start == end else 2)
        precision = _UCDP_PRECISION.get(prec_code)
        if precision is None:
            raise RowError("date_prec", f"must be 1 to 5, not {prec_code}")
        low, best, high = (cell_count(row[c], c) for c in ("low", "best", "high"))
        if low is None or best is None or high is None:
            missing = next(c for c, v in (("low", low), ("best", best), ("high", high)) if v is None)
            raise RowError(missing, "is empty")
        split = {c: _count(row, c) for c in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")}
        lat, lon = coordinates(row, "latitude", "longitude")
        where_prec = cell_int(row.get("where_prec") or "", "where_prec")
        name = (
            _PLACE_WORDS.sub("", row["where_coordinates"].strip()) or _unit(row.get("adm_2")) or _unit(row.get("adm_1"))
        )
        if not name:
            raise RowError("where_coordinates", "is empty (and so are adm_1 and adm_2)")

        ids: dict[str, int] = {}
        place = self.place(ForeignPlace(name, _unit(row.get("adm_1")), _unit(row.get("adm_2")), None, None, lat, lon))
        state_based = violence == 1
        a = self.actor(side_a, _ucdp_actor_type(side_a, state_based, False), ids)
        b = None if violence == 3 else self.actor(side_b, _ucdp_actor_type(side_b, state_based, True), ids)
        tags = ["ucdp", f"ucdp:{row['id'].strip()}"]
        if where_prec and where_prec > 1:
            tags.append(f"{GEO_TAG}{min(where_prec, 3)}")
        source = next((row.get(c, "").strip() for c in ("source_article", "source_office", "source_original")
                       if (row.get(c) or "").strip()), None)  # fmt: skip
        base = Event(
            id=event_id, kind=Kind.CLASH, place_id=place.id, place=place.name,
            when=When.window(start, precision, end), source=source, tags=tuple(tags),
            operator=self.req.operator, recorded_at=self.req.now,
        )  # fmt: skip
        # As published: the range is min..max of the three, best is UCDP's; a disagreeing row is marked.
        text = str(best) if low == best == high else f"{low}-{high} (best {best})"
        killed, adjusted = Quantity.published(low, best, high, text)
        split_note = (
            f"UCDP deaths: best {best} (low {low}, high {high}); {side_a} {split['deaths_a']}, {side_b} "
            f"{split['deaths_b']}, civilians {split['deaths_civilians']}, unknown {split['deaths_unknown']}"
        )
        marks: dict[str, Any] = {}
        if adjusted:
            self.counts.adjusted += 1
            split_note += f"; adjusted: published low {low}, best {best}, high {high} (range taken as min..max)"
            marks["tags"] = (*base.tags, ADJUSTED_TAG)
        if violence == 3:
            victims = base.with_changes(kind=Kind.CASUALTIES, actors=(a,), side="civilians", killed=killed,
                                        note=f"one-sided violence by {a}; {split_note}", **marks)  # fmt: skip
            return revision_rows([victims], ids, Match.HEAD)
        assert b is not None
        conflict = (row.get("conflict_name") or row.get("dyad_name") or "").strip() or None
        events = [base.with_changes(actors=(a, b), note=conflict)]
        if high or best or low:
            side, actors = _side(split, best, a, b)
            events.append(base.with_changes(id=event_id + CASUALTIES_SUFFIX, kind=Kind.CASUALTIES, actors=actors,
                                            side=side, killed=killed, note=split_note, **marks))  # fmt: skip
        return revision_rows(events, ids, Match.HEAD)


def _side(split: dict[str, int], best: int, a: str, b: str) -> tuple[str | None, tuple[str, ...]]:
    """Whose dead, when one category holds all of them; otherwise both sides stay listed."""
    whole = [k for k, v in split.items() if v and v == best]
    if len(whole) == 1:
        side = {"deaths_a": a, "deaths_b": b, "deaths_civilians": "civilians", "deaths_unknown": "unknown"}[whole[0]]
        return side, (side,) if side in (a, b) else (a, b)
    return None, (a, b)
