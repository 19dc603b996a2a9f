"""sitlog's flat formats: csv (exported with optional HXL tags, and imported) and geojson (exported).

One row or feature per event, its latest revision; columns documented in docs/exchange.md.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, TextIO

from sitlog.domain.model import (
    ActorType,
    ControlStatus,
    Distance,
    Event,
    Kind,
    Means,
    Place,
    Precision,
    Quantity,
    Relation,
    Side,
    When,
    check_coordinates,
    check_quantity,
    parse_client_id,
    parse_grade,
    rfc3339,
    validate_event,
)
from sitlog.domain.text import json_safe
from sitlog.domain.timeparse import MAX_YEAR, MIN_YEAR
from sitlog.errors import InvalidInput
from sitlog.exchange.base import ExportRequest, ImportRequest, RowError
from sitlog.store.bulk import ForeignPlace, ImportCounts, Match, event_to_row, find_or_add_actor, find_or_add_place

if TYPE_CHECKING:
    from sitlog.store import Store

_KINDS = frozenset(k.value for k in Kind)
_WINDOWS = frozenset(p.value for p in Precision if p is not Precision.EXACT)
_STATUSES = frozenset(s.value for s in ControlStatus)
_MEANS = frozenset(m.value for m in Means)
_RELATIONS = frozenset(r.value for r in Relation)
_SIDE_WORDS = ("civilians", "unknown")

# --- writing: one flat row per event (its latest revision) ---------------------------------------------

QUANTITIES = ("killed", "injured", "captured", "people", "families")
CSV_COLUMNS = (
    "id", "kind", "at", "precision", "at_end", "place", "place_id", "admin1", "admin2", "admin3", "pcode",
    "lat", "lon", "actors", "status", "part", "against", "outcome",
    "killed", "killed_low", "killed_high", "injured", "injured_low", "injured_high",
    "captured", "captured_low", "captured_high", "side", "person", "role", "means",
    "people", "people_low", "people_high", "families", "families_low", "families_high", "to",
    "source", "grade", "claimed", "claimed_by", "note", "tags",
    "operator", "recorded_at", "revision", "retracted", "reason", "duplicate_of",
    "baseline", "from", "relation", "distance_km", "distance_km_low", "distance_km_high", "direction", "sources",
    "killed_best", "injured_best", "captured_best", "people_best", "families_best",
    *(f"claimed_{name}{part}" for name in ("killed", "injured", "captured", "people", "families")
      for part in ("", "_low", "_best", "_high")),
    "sides",
)  # fmt: skip
# HXL hashtags (DOMAIN.md); bookkeeping columns stay untagged.
HXL_TAGS = {
    "id": "#event+id", "kind": "#event+type", "at": "#date+occurred", "place": "#loc+name", "pcode": "#loc+code",
    "admin1": "#adm1+name", "admin2": "#adm2+name", "admin3": "#adm3+name", "lat": "#geo+lat", "lon": "#geo+lon",
    "actors": "#group+name", "killed_low": "#affected+killed", "killed_high": "#affected+killed+max",
    "injured_low": "#affected+injured", "injured_high": "#affected+injured+max",
    "people_low": "#affected+displaced+ind", "families_low": "#affected+displaced+hh",
    "source": "#meta+source", "note": "#description",
    "killed_best": "#affected+killed+best", "injured_best": "#affected+injured+best",
    "people_best": "#affected+displaced+ind+best", "families_best": "#affected+displaced+hh+best",
}  # fmt: skip
# A party's claim is never summed with assessments: its figures have their own columns and tags.
for _name, _tag in (("killed", "#affected+killed"), ("injured", "#affected+injured"),
                    ("people", "#affected+displaced+ind"), ("families", "#affected+displaced+hh")):  # fmt: skip
    HXL_TAGS.update({f"claimed_{_name}_low": f"{_tag}+claimed", f"claimed_{_name}_best": f"{_tag}+claimed+best",
                     f"claimed_{_name}_high": f"{_tag}+claimed+max"})  # fmt: skip
LIST_SEPARATOR = "; "


def flat(event: Event, place: Place, tz: tzinfo) -> dict[str, Any]:
    """An event as one flat record (CSV_COLUMNS, typed values): csv rows and geojson properties."""
    data: dict[str, Any] = {
        "id": event.id, "kind": event.kind.value, "at": event.when.to_json(tz),
        "precision": event.when.precision.value, "at_end": event.when.end.isoformat() if event.when.end else None,
        "place": place.name, "place_id": place.id, "admin1": place.admin1, "admin2": place.admin2,
        "admin3": place.admin3, "pcode": place.pcode, "lat": place.lat, "lon": place.lon,
        "actors": list_cell(event.actors), "status": event.status.value if event.status else None,
        "part": event.part, "against": list_cell(event.against), "outcome": event.outcome,
    }  # fmt: skip
    for name in QUANTITIES:
        q: Quantity | None = getattr(event, name)
        assessed, claimed = (None, q) if event.claimed else (q, None)
        for prefix, value in (("", assessed), ("claimed_", claimed)):
            data[f"{prefix}{name}"] = value.text if value else None
            data[f"{prefix}{name}_low"] = value.low if value else None
            data[f"{prefix}{name}_best"] = value.best if value else None
            data[f"{prefix}{name}_high"] = value.high if value else None
    data.update(
        side=event.side, person=event.person, role=event.role, means=event.means.value if event.means else None,
        to=event.to, source=event.source, grade=event.grade, claimed=event.claimed, claimed_by=event.claimed_by,
        note=event.note, tags=list_cell(event.tags), operator=event.operator,
        recorded_at=rfc3339(event.recorded_at, tz), revision=event.revision, retracted=event.retracted,
        reason=event.reason, duplicate_of=event.duplicate_of, baseline=event.baseline, relation=event.relation,
        distance_km=event.distance_km.text if event.distance_km else None, direction=event.direction,
        distance_km_low=event.distance_km.low if event.distance_km else None,
        distance_km_high=event.distance_km.high if event.distance_km else None,
        sources=len(event.all_sources), **{"from": event.from_actor},
        sides=json.dumps([side.to_json() for side in event.sides], ensure_ascii=False) if event.sides else None,
    )  # fmt: skip
    if event.relation is not None:
        data["relation"] = event.relation.value
    return {column: data[column] for column in CSV_COLUMNS}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def places_of(store: Store) -> Callable[[int], Place]:
    cache: dict[int, Place] = {}

    def get(place_id: int) -> Place:
        place = cache.get(place_id)
        if place is None:
            place = cache[place_id] = store.places.get(place_id)
        return place

    return get


def write_csv(store: Store, req: ExportRequest, out: TextIO) -> int:
    # RFC 4180 line ends (CRLF). With "\n" as terminator the csv module leaves a field holding a lone
    # "\r" unquoted, and no reader gets that row back.
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    if req.hxl:
        writer.writerow([HXL_TAGS.get(c, "") for c in CSV_COLUMNS])
    place = places_of(store)
    count = 0
    for event in store.events.select(req.flt):
        writer.writerow([_cell(v) for v in flat(event, place(event.place_id), req.tz).values()])
        count += 1
    return count


def write_geojson(store: Store, req: ExportRequest, out: TextIO, note: Callable[[str], None]) -> int:
    """A FeatureCollection (RFC 7946, WGS84 lon/lat) of the events at places with coordinates."""
    place = places_of(store)
    out.write('{"type": "FeatureCollection", "features": [')
    count = unplaced = 0
    for event in store.events.select(req.flt):
        where = place(event.place_id)
        if where.lat is None or where.lon is None:
            unplaced += 1  # never placed at a made-up point
            continue
        feature = {
            "type": "Feature",
            "id": event.id,
            "geometry": {"type": "Point", "coordinates": [where.lon, where.lat]},
            "properties": flat(event, where, req.tz),
        }
        out.write((",\n" if count else "\n") + json_safe(json.dumps(feature, ensure_ascii=False)))
        count += 1
    out.write("\n]}\n")
    if unplaced:
        note(f"{unplaced} event{'s' if unplaced != 1 else ''} at places without coordinates left out of the geojson")
    return count


# --- reading sitlog csv -------------------------------------------------------------------------------

_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n", ""}


def cell_bool(value: str, column: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise RowError(column, f"must be true or false, not {value!r}")


def cell_int(value: str, column: str) -> int | None:
    text = value.strip()
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        raise RowError(column, f"must be a whole number, not {value!r}") from None
    if number < 0:
        raise RowError(column, f"must not be negative ({number})")
    if number >= 1 << 63:  # no id or count sitlog stores is this large, and SQLite could not hold it
        raise RowError(column, f"{text} is implausibly large")
    return number


def cell_float(value: str, column: str) -> float | None:
    text = value.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise RowError(column, f"must be a number, not {value!r}") from None


def cell_quantity(row: dict[str, str], name: str) -> Quantity | None:
    """A quantity from its ``NAME`` (as reported), ``NAME_low``, ``NAME_best`` and ``NAME_high`` cells.

    A claim's figures are in ``claimed_NAME…`` (read when the assessed cells are empty). ``best`` is
    only ever what the file gives. Raises RowError naming the bad cell.
    """
    found = _cell_quantity(row, name)
    return found if found is not None else _cell_quantity(row, f"claimed_{name}")


def _cell_quantity(row: dict[str, str], name: str) -> Quantity | None:
    text = (row.get(name) or "").strip()
    low = cell_count(row.get(f"{name}_low") or "", f"{name}_low")
    high = cell_count(row.get(f"{name}_high") or "", f"{name}_high")
    best = cell_count(row.get(f"{name}_best") or "", f"{name}_best")
    if low is None:
        if not text:
            return None
        try:
            return dataclasses.replace(Quantity.parse(text), best=best)
        except InvalidInput as exc:
            raise RowError(name, exc.message) from None
    if high is not None and high < low:
        raise RowError(f"{name}_high", f"{high} is below the low figure {low}")
    words = text or (str(low) if high == low else f"{low}+" if high is None else f"{low}-{high}")
    return Quantity(low, high, words, best)


def cell_count(value: str, column: str) -> int | None:
    """A head count cell (deaths, fatalities): a whole number >= 0, and plausible (at most 100 million)."""
    number = cell_int(value, column)
    if number is not None:
        try:
            check_quantity(number, value.strip())
        except InvalidInput as exc:
            raise RowError(column, exc.message) from None
    return number


def cell_instant(value: str, column: str, tz: tzinfo) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise RowError(column, f"{value!r} is not an ISO 8601 date and time") from None
    checked_year(parsed.year, value, column)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def checked_year(year: int, value: str, column: str) -> None:
    """Raise RowError for a date outside the years ``--at`` accepts (1900-2100: ``0025`` is a typo, not a date)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise RowError(column, f"{value.strip()!r} is outside the years {MIN_YEAR}-{MAX_YEAR}")


def cell_date(value: str, column: str) -> date:
    text = value.strip()
    try:
        if len(text) != 10:
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise RowError(column, f"{value!r} is not a date YYYY-MM-DD") from None
    checked_year(day.year, value, column)
    return day


def _cell_sides(value: str) -> list[tuple[str, list[str]]]:
    """The ``sides`` cell: JSON ``[{"actor": NAME, "associated": [NAMES]}, ...]`` or empty."""
    if not value.strip():
        return []
    try:
        data = json.loads(value)
        sides = [(side["actor"], list(side.get("associated") or [])) for side in data]
        if all(isinstance(a, str) and a.strip() and all(isinstance(n, str) for n in assoc) for a, assoc in sides):
            return sides
    except (ValueError, TypeError, KeyError):
        pass
    raise RowError("sides", 'must be JSON [{"actor": NAME, "associated": [NAMES]}, ...]')


def list_cell(items: tuple[str, ...]) -> str | None:
    """A list (actors, against, tags) as one cell: joined with ``; `` when that reads back as the same list,
    else a JSON list (``["Liwa; al-Quds", "HTS"]``), so a name holding ``;`` is never split. None when empty."""
    if not items:
        return None
    joined = LIST_SEPARATOR.join(items)
    if cell_list(joined) == list(items):
        return joined
    return json.dumps(list(items), ensure_ascii=False)


def split_list(value: str | None) -> list[str]:
    """Names separated by ``;`` (ACLED's associated actors and tags; sitlog csv files before the JSON cells)."""
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def cell_list(value: str | None) -> list[str]:
    """A sitlog csv list cell: a JSON list of text as ``list_cell`` writes it, else names separated by ``;``."""
    text = (value or "").strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, list) and all(isinstance(item, str) for item in data):
            return data
    return split_list(text)


def precheck(
    kind: Kind,
    actors: list[str],
    quantities: dict[str, Quantity | None],
    person: str | None,
    role: str | None,
    status: str | None = None,
    sides: int = 0,
) -> None:
    """The per-kind rules on names as given, before any name is resolved (and a place or actor created).

    ``sides``: how many sides the row lists (a clash of one actor is intra-group fighting with two).
    """
    if kind in (Kind.CONTROL, Kind.STRIKE, Kind.ADVANCE) and not actors and status != "contested":
        raise RowError(
            "actors", f"a {kind.value} event needs an actor (its {'holder' if kind is Kind.CONTROL else 'striker'})"
        )
    if kind is Kind.CLASH and len({a.casefold() for a in actors}) < 2 and sides < 2:
        raise RowError("actors", "a clash needs at least two different actors")
    if kind is Kind.CASUALTIES and not any(quantities.get(k) for k in ("killed", "injured", "captured")):
        raise RowError("killed", "casualties need killed, injured or captured")
    if kind is Kind.DISPLACEMENT and not (quantities.get("people") or quantities.get("families")):
        raise RowError("people", "displacement needs people or families")
    if role and not person:
        raise RowError("role", "describes a person; give the person too")


class CsvConverter:
    """Reads sitlog's csv export (one row per event: its latest revision)."""

    REQUIRED = ("id", "kind", "at", "place")

    def __init__(self, store: Store, req: ImportRequest, counts: ImportCounts, header: list[str]) -> None:
        missing = [c for c in self.REQUIRED if c not in header]
        if missing:
            raise InvalidInput(f"{req.label}: not a sitlog csv export (missing column {', '.join(missing)})")
        self.store = store
        self.req = req
        self.counts = counts
        self.ignored: dict[str, int] = {}
        self._places: dict[tuple[Any, ...], Place] = {}
        self._actors: dict[str, tuple[int, str]] = {}

    def _actor(self, name: str) -> tuple[int, str]:
        known = self._actors.get(name)
        if known is None:
            aid, canonical, created = find_or_add_actor(self.store, name, ActorType.OTHER, self.req.now)
            known = self._actors[name] = (aid, canonical)
            self.counts.actors += created
        return known

    def _place(self, spec: ForeignPlace, place_id: int | None) -> Place:
        key = (place_id, spec)
        place = self._places.get(key)
        if place is None:
            from sitlog.store.export import place_by_id

            same = place_by_id(self.store, place_id) if place_id is not None else None
            if same is not None and same.name == spec.name:
                place = same
            else:
                place, how = find_or_add_place(self.store, spec, "import", self.req.now)
                self.counts.places += how == "created"
                self.counts.linked_places += how != "created"
                self.counts.ambiguous_places += how == "ambiguous"
            self._places[key] = place
        return place

    def convert(self, line: int, row: dict[str, str]) -> list[tuple[tuple[Any, ...], Match]]:
        # Parse every cell first, so that a bad row creates no place or actor.
        try:
            event_id = parse_client_id(row["id"])
        except InvalidInput as exc:
            raise RowError("id", exc.message) from None
        kind_text = row["kind"].strip().lower()
        if kind_text not in _KINDS:
            raise RowError("kind", f"must be one of {', '.join(sorted(_KINDS))}, not {row['kind']!r}")
        kind = Kind(kind_text)
        at = row["at"].strip()
        precision = (row.get("precision") or "").strip().lower() or ("day" if len(at) == 10 else "exact")
        if precision == "exact":
            when = When.exact(cell_instant(at, "at", self.req.tz))
        elif precision in _WINDOWS:
            end = cell_date(row["at_end"], "at_end") if (row.get("at_end") or "").strip() else None
            when = When.window(cell_date(at, "at"), Precision(precision), end)
        else:
            raise RowError("precision", f"must be exact, day, week, month or year, not {precision!r}")
        quantities = {name: cell_quantity(row, name) for name in QUANTITIES}
        status = (row.get("status") or "").strip().lower() or None
        if status is not None and status not in _STATUSES:
            raise RowError("status", f"must be held, contested or partial, not {status!r}")
        means = (row.get("means") or "").strip().lower() or None
        if means is not None and means not in _MEANS:
            raise RowError("means", f"must be one of {', '.join(sorted(_MEANS))}, not {means!r}")
        grade = (row.get("grade") or "").strip() or None
        if grade is not None:
            try:
                grade = parse_grade(grade)
            except InvalidInput as exc:
                raise RowError("grade", exc.message) from None
        lat, lon = cell_float(row.get("lat") or "", "lat"), cell_float(row.get("lon") or "", "lon")
        try:
            check_coordinates(lat, lon)
        except InvalidInput as exc:
            raise RowError("lat", exc.message) from None
        name = row["place"].strip()
        if not name:
            raise RowError("place", "is empty")
        place_id = cell_int(row.get("place_id") or "", "place_id")
        operator = (row.get("operator") or "").strip()
        recorded = (row.get("recorded_at") or "").strip()
        recorded_at = cell_instant(recorded, "recorded_at", self.req.tz) if recorded else self.req.now
        claimed = cell_bool(row.get("claimed") or "", "claimed")
        retracted = cell_bool(row.get("retracted") or "", "retracted")
        actors, against = cell_list(row.get("actors")), cell_list(row.get("against"))
        side = (row.get("side") or "").strip() or None
        to = (row.get("to") or "").strip() or None

        def opt(column: str) -> str | None:
            return row.get(column) or None

        baseline = cell_bool(row.get("baseline") or "", "baseline")
        relation = (row.get("relation") or "").strip().lower() or None
        if relation is not None and relation not in _RELATIONS:
            raise RowError("relation", f"must be toward or near, not {relation!r}")
        try:
            distance = Distance.parse(row["distance_km"]) if (row.get("distance_km") or "").strip() else None
        except InvalidInput as exc:
            raise RowError("distance_km", exc.message) from None
        sides = _cell_sides(row.get("sides") or "")
        precheck(kind, actors, quantities, opt("person"), opt("role"), status, len(sides))
        spec = ForeignPlace(name, opt("admin1"), opt("admin2"), opt("admin3"), opt("pcode"), lat, lon)
        place = self._place(spec, place_id)
        ids: dict[str, int] = {}

        def named(text: str) -> str:
            aid, canonical = self._actor(text)
            ids[canonical] = aid
            return canonical

        to_place = self._place(ForeignPlace(to), None) if to else None
        event = Event(
            id=event_id, kind=kind, place_id=place.id, place=place.name, when=when,
            actors=tuple(dict.fromkeys(named(a) for a in actors)), status=ControlStatus(status) if status else None,
            part=opt("part"), against=tuple(dict.fromkeys(named(a) for a in against)), outcome=opt("outcome"),
            side=side.lower() if side and side.lower() in _SIDE_WORDS else named(side) if side else None,
            person=opt("person"), role=opt("role"), means=Means(means) if means else None,
            to=to_place.name if to_place else None, to_place_id=to_place.id if to_place else None,
            source=opt("source"), grade=grade, claimed=claimed or bool(opt("claimed_by")), claimed_by=opt("claimed_by"),
            note=opt("note"), tags=tuple(cell_list(row.get("tags"))), operator=operator or self.req.operator,
            recorded_at=recorded_at, retracted=retracted, reason=opt("reason"), duplicate_of=opt("duplicate_of"),
            killed=quantities["killed"], injured=quantities["injured"], captured=quantities["captured"],
            people=quantities["people"], families=quantities["families"], baseline=baseline,
            from_actor=named(opt("from") or "") if opt("from") else None,
            relation=Relation(relation) if relation else None, distance_km=distance, direction=opt("direction"),
            sides=tuple(Side(named(a), tuple(named(n) for n in assoc)) for a, assoc in sides),
        )  # fmt: skip
        try:
            validate_event(event)
        except InvalidInput as exc:
            raise RowError(None, exc.message) from None
        match = Match.REVISION if operator and recorded else Match.HEAD
        return [(event_to_row(event, ids), match)]
