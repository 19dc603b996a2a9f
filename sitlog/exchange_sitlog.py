"""sitlog's own exchange formats: jsonl (lossless, importable), json, csv (importable) and geojson.

Layouts are documented in docs/exchange.md. jsonl lines are records told apart by ``record``:
one ``sitlog`` header, then ``place`` and ``actor`` records, then one ``revision`` record per stored
revision in recording order (the SPEC event shape of that revision, times in UTC).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any, TextIO

from sitlog.errors import InvalidInput
from sitlog.exchange import ByteLines, ExportRequest, ImportRequest, RowError
from sitlog.model import (
    ActorType,
    ControlStatus,
    Event,
    Kind,
    Means,
    Place,
    Precision,
    Quantity,
    When,
    check_coordinates,
    parse_client_id,
    parse_grade,
    rfc3339,
    validate_event,
)
from sitlog.store_exchange import (
    ForeignPlace,
    ImportCounts,
    Match,
    event_to_row,
    find_actor,
    find_or_add_actor,
    find_or_add_place,
    id_list,
    import_actor_record,
    import_place_record,
    quantity_text,
)

if TYPE_CHECKING:
    from sitlog.store import Store

JSONL_VERSION = 1
UTC = timezone.utc


def _line(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False) + "\n"


def header_record(store: Store, now: datetime) -> dict[str, Any]:
    return {
        "record": "sitlog",
        "version": JSONL_VERSION,
        "schema": store.schema_version,
        "exported_at": rfc3339(now, UTC),
    }


def revision_record(event: Event) -> dict[str, Any]:
    """One stored revision: the SPEC event shape in UTC, plus the id of the ``to`` place."""
    data = event.to_json(UTC)
    if event.to_place_id is not None:
        data["to_place_id"] = event.to_place_id
    return data


def _gazetteer(store: Store, req: ExportRequest) -> tuple[Iterator[dict[str, Any]], Iterator[dict[str, Any]]]:
    from sitlog.store_exchange import actor_records, place_records, referenced

    refs = referenced(store, req.flt)
    return place_records(store, refs[0] if refs else None), actor_records(store, refs[1] if refs else None)


def write_jsonl(store: Store, req: ExportRequest, out: TextIO) -> int:
    """The lossless export: header, places, actors, then every revision of the picked events."""
    from sitlog.store_exchange import export_revisions

    out.write(_line(header_record(store, req.now)))
    places, actors = _gazetteer(store, req)
    for place in places:
        out.write(_line({"record": "place", **place}))
    for actor in actors:
        out.write(_line({"record": "actor", **actor}))
    count = 0
    write = out.write
    for event in export_revisions(store, req.flt):
        write(_line({"record": "revision", **revision_record(event)}))
        count += 1
    return count


def write_json(store: Store, req: ExportRequest, out: TextIO) -> int:
    """One JSON document: header fields, places, actors, and events (head shape) each with its revisions."""
    from sitlog.store_exchange import export_revisions

    revisions: dict[str, list[dict[str, Any]]] = {}
    for event in export_revisions(store, req.flt):
        revisions.setdefault(event.id, []).append(revision_record(event))
    places, actors = _gazetteer(store, req)
    head = header_record(store, req.now)
    head.pop("record")
    out.write(json.dumps({"format": "sitlog", **head}, ensure_ascii=False)[:-1])
    out.write(', "places": ' + json.dumps(list(places), ensure_ascii=False))
    out.write(', "actors": ' + json.dumps(list(actors), ensure_ascii=False))
    out.write(', "events": [')
    count = 0
    for event in store.events(req.flt):
        data = event.to_json(UTC)
        data["revisions"] = revisions.get(event.id, [])
        out.write((",\n" if count else "\n") + json.dumps(data, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


# --- csv and geojson: one flat row per event (its latest revision) ------------------------------------

QUANTITIES = ("killed", "injured", "captured", "people", "families")
CSV_COLUMNS = (
    "id", "kind", "at", "precision", "at_end", "place", "place_id", "admin1", "admin2", "admin3", "pcode",
    "lat", "lon", "actors", "status", "part", "against", "outcome",
    "killed", "killed_low", "killed_high", "injured", "injured_low", "injured_high",
    "captured", "captured_low", "captured_high", "side", "person", "role", "means",
    "people", "people_low", "people_high", "families", "families_low", "families_high", "to",
    "source", "grade", "claimed", "claimed_by", "note", "tags",
    "operator", "recorded_at", "revision", "retracted", "reason", "duplicate_of",
)  # fmt: skip
# HXL hashtags (DOMAIN.md); bookkeeping columns stay untagged.
HXL_TAGS = {
    "id": "#event+id", "kind": "#event+type", "at": "#date+occurred", "place": "#loc+name", "pcode": "#loc+code",
    "admin1": "#adm1+name", "admin2": "#adm2+name", "admin3": "#adm3+name", "lat": "#geo+lat", "lon": "#geo+lon",
    "actors": "#group+name", "killed_low": "#affected+killed", "killed_high": "#affected+killed+max",
    "injured_low": "#affected+injured", "injured_high": "#affected+injured+max",
    "people_low": "#affected+displaced+ind", "families_low": "#affected+displaced+hh",
    "source": "#meta+source", "note": "#description",
}  # fmt: skip
LIST_SEPARATOR = "; "


def flat(event: Event, place: Place, tz: tzinfo) -> dict[str, Any]:
    """An event as one flat record (CSV_COLUMNS, typed values): csv rows and geojson properties."""
    data: dict[str, Any] = {
        "id": event.id, "kind": event.kind.value, "at": event.when.to_json(tz),
        "precision": event.when.precision.value, "at_end": event.when.end.isoformat() if event.when.end else None,
        "place": place.name, "place_id": place.id, "admin1": place.admin1, "admin2": place.admin2,
        "admin3": place.admin3, "pcode": place.pcode, "lat": place.lat, "lon": place.lon,
        "actors": LIST_SEPARATOR.join(event.actors) or None, "status": event.status.value if event.status else None,
        "part": event.part, "against": LIST_SEPARATOR.join(event.against) or None, "outcome": event.outcome,
    }  # fmt: skip
    for name in QUANTITIES:
        q: Quantity | None = getattr(event, name)
        data[name] = q.text if q else None
        data[f"{name}_low"] = q.low if q else None
        data[f"{name}_high"] = q.high if q else None
    data.update(
        side=event.side, person=event.person, role=event.role, means=event.means.value if event.means else None,
        to=event.to, source=event.source, grade=event.grade, claimed=event.claimed, claimed_by=event.claimed_by,
        note=event.note, tags=LIST_SEPARATOR.join(event.tags) or None, operator=event.operator,
        recorded_at=rfc3339(event.recorded_at, tz), revision=event.revision, retracted=event.retracted,
        reason=event.reason, duplicate_of=event.duplicate_of,
    )  # fmt: skip
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
            place = cache[place_id] = store.get_place(place_id)
        return place

    return get


def write_csv(store: Store, req: ExportRequest, out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    if req.hxl:
        writer.writerow([HXL_TAGS.get(c, "") for c in CSV_COLUMNS])
    place = places_of(store)
    count = 0
    for event in store.events(req.flt):
        writer.writerow([_cell(v) for v in flat(event, place(event.place_id), req.tz).values()])
        count += 1
    return count


def write_geojson(store: Store, req: ExportRequest, out: TextIO, note: Callable[[str], None]) -> int:
    """A FeatureCollection (RFC 7946, WGS84 lon/lat) of the events at places with coordinates."""
    place = places_of(store)
    out.write('{"type": "FeatureCollection", "features": [')
    count = unplaced = 0
    for event in store.events(req.flt):
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
        out.write((",\n" if count else "\n") + json.dumps(feature, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    if unplaced:
        note(f"{unplaced} event{'s' if unplaced != 1 else ''} at places without coordinates left out of the geojson")
    return count


# --- reading jsonl ------------------------------------------------------------------------------------


def jsonl_records(lines: ByteLines) -> Iterator[tuple[int, Any]]:
    loads = json.loads
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield n, loads(line)
        except ValueError as exc:
            yield n, RowError(None, f"not JSON ({exc})")


_KINDS = frozenset(k.value for k in Kind)
_WINDOWS = frozenset(p.value for p in Precision if p is not Precision.EXACT)
_STATUSES = frozenset(s.value for s in ControlStatus)
_MEANS = frozenset(m.value for m in Means)
_ACTOR_TYPES = frozenset(t.value for t in ActorType)
_SIDE_WORDS = ("civilians", "unknown")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$")
_GRADE = re.compile(r"^[A-F][1-6]$")


def _text(d: dict[str, Any], key: str, required: bool = False) -> Any:
    value = d.get(key)
    if value is None:
        if required:
            raise RowError(key, "is missing")
        return None
    if not isinstance(value, str):
        raise RowError(key, f"must be text, not {value!r}")
    if required and not value.strip():
        raise RowError(key, "is empty")
    return value


def _texts(d: dict[str, Any], key: str) -> list[str]:
    value = d.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RowError(key, "must be a list of text")
    return value


def instant_key(text: Any, key: str) -> str:
    """An RFC 3339 timestamp as the store's UTC key ('YYYY-MM-DDTHH:MM:SSZ')."""
    if not isinstance(text, str):
        raise RowError(key, f"must be an RFC 3339 timestamp, not {text!r}")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise RowError(key, f"{text!r} is not an RFC 3339 timestamp") from None
    if parsed.tzinfo is None:
        raise RowError(key, f"{text!r} has no UTC offset")
    if len(text) == 25 and text.endswith("+00:00"):  # what sitlog writes: no conversion needed
        return text[:19] + "Z"
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(value: Any, key: str) -> str:
    if not isinstance(value, str) or len(value) != 10:
        raise RowError(key, f"must be a date YYYY-MM-DD, not {value!r}")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise RowError(key, f"{value!r} is not a real date") from None
    return value


def _quantity(d: dict[str, Any], key: str) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RowError(key, "must be {low, high, text}")
    low, high, text = value.get("low"), value.get("high"), value.get("text")
    if type(low) is not int or low < 0:
        raise RowError(key, f"low must be a whole number >= 0, not {low!r}")
    if high is not None and (type(high) is not int or high < low):
        raise RowError(key, f"high must be empty or a whole number >= low, not {high!r}")
    if not isinstance(text, str):
        raise RowError(key, "text must be text")
    return quantity_text(low, high, text)


class JsonlConverter:
    """Reads a sitlog jsonl export: places and actors matched or created, revisions merged by identity."""

    def __init__(self, store: Store, req: ImportRequest, counts: ImportCounts) -> None:
        self.store = store
        self.req = req
        self.counts = counts
        self.ignored: dict[str, int] = {}
        self.places: dict[Any, int] = {}  # the file's place id → local id
        self.actors: dict[str, tuple[int, str]] = {}  # the file's actor name → (local id, local name)

    def convert(self, line: int, d: Any) -> list[tuple[tuple[Any, ...], Match]]:
        if not isinstance(d, dict):
            raise RowError(None, "not a JSON object")
        record = d.get("record")
        if record == "revision":
            return [(self.revision(d), Match.REVISION)]
        if record == "place":
            self.place(d)
        elif record == "actor":
            self.actor(d)
        elif record == "sitlog":
            version = d.get("version")
            if not isinstance(version, int) or version > JSONL_VERSION:
                raise RowError("version", f"written by a newer sitlog (format version {version!r})")
        else:
            raise RowError("record", f"must be sitlog, place, actor or revision, not {record!r}")
        return []

    def place(self, d: dict[str, Any]) -> None:
        _text(d, "name", required=True)
        _texts(d, "aliases")
        for key in ("admin1", "admin2", "admin3", "pcode", "source", "created_at"):
            _text(d, key)
        lat, lon = d.get("lat"), d.get("lon")
        for key, value in (("lat", lat), ("lon", lon)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise RowError(key, f"must be a number, not {value!r}")
        try:
            check_coordinates(lat, lon)
        except InvalidInput as exc:
            raise RowError("lat", exc.message) from None
        place, how = import_place_record(self.store, d)
        self.places[d.get("id")] = place.id
        self.counts.places += how == "created"

    def actor(self, d: dict[str, Any]) -> None:
        name = _text(d, "name", required=True)
        _texts(d, "aliases")
        if d.get("type") is not None and d.get("type") not in _ACTOR_TYPES:
            raise RowError("type", f"must be one of {', '.join(sorted(_ACTOR_TYPES))}")
        parent = _text(d, "parent")
        _text(d, "side")
        parent_id = None
        if parent:
            known = self.actors.get(parent) or find_actor(self.store, parent)
            parent_id = known[0] if known else None
        aid, local_name, how = import_actor_record(self.store, d, parent_id)
        self.actors[name] = (aid, local_name)
        self.counts.actors += how == "created"

    def _actor(self, name: Any, key: str) -> tuple[int, str]:
        known = self.actors.get(name)
        if known is None:
            if not isinstance(name, str) or not name.strip():
                raise RowError(key, f"actor names must be text, not {name!r}")
            known = find_actor(self.store, name)
            if known is None:
                raise RowError(key, f"unknown actor {name!r} (not among the file's actor records)")
            self.actors[name] = known
        return known

    def _place(self, d: dict[str, Any], id_key: str, name_key: str) -> int:
        local = self.places.get(d.get(id_key))
        if local is None:
            name = _text(d, name_key, required=True)
            try:
                local = self.store.resolve_place(name).item.id
            except InvalidInput as exc:
                raise RowError(
                    name_key, f"{exc.message} (and {id_key} is not among the file's place records)"
                ) from None
        return local

    def revision(self, d: dict[str, Any]) -> tuple[Any, ...]:
        get = d.get
        event_id = get("id")
        if not isinstance(event_id, str) or not _ID.match(event_id):
            raise RowError("id", f"bad event id {event_id!r}")
        kind = get("kind")
        if kind not in _KINDS:
            raise RowError("kind", f"must be one of {', '.join(sorted(_KINDS))}, not {kind!r}")
        precision, at = get("precision"), get("at")
        if precision == "exact":
            at_utc, at_date, at_end = instant_key(at, "at"), None, None
        elif precision in _WINDOWS:
            at_date = _day(at, "at")
            at_utc = at_date + "T00:00:00Z"
            at_end = get("at_end")
            if at_end is not None and _day(at_end, "at_end") < at_date:
                raise RowError("at_end", "ends before the window starts")
        else:
            raise RowError("precision", f"must be exact, day, week, month or year, not {precision!r}")
        actors = [self._actor(n, "actors") for n in _texts(d, "actors")]
        against = [self._actor(n, "against")[0] for n in _texts(d, "against")]
        status, means, side = get("status"), get("means"), get("side")
        if status is not None and status not in _STATUSES:
            raise RowError("status", f"must be held, contested or partial, not {status!r}")
        if means is not None and means not in _MEANS:
            raise RowError("means", f"must be one of {', '.join(sorted(_MEANS))}, not {means!r}")
        if side is not None and side not in _SIDE_WORDS:
            side = self._actor(side, "side")[1]
        killed, injured, captured = _quantity(d, "killed"), _quantity(d, "injured"), _quantity(d, "captured")
        people, families = _quantity(d, "people"), _quantity(d, "families")
        to_place = self._place(d, "to_place_id", "to") if get("to") is not None else None
        grade = get("grade")
        if grade is not None and (not isinstance(grade, str) or not _GRADE.match(grade)):
            raise RowError("grade", f"must be A1..F6, not {grade!r}")
        claimed, retracted = get("claimed", False), get("retracted", False)
        if not isinstance(claimed, bool) or not isinstance(retracted, bool):
            raise RowError("claimed" if not isinstance(claimed, bool) else "retracted", "must be true or false")
        person = _text(d, "person")
        if kind == "control" and not actors:
            raise RowError("actors", "a control event needs its holder")
        if kind == "clash" and len({a[0] for a in actors}) < 2:
            raise RowError("actors", "a clash needs at least two different actors")
        if kind == "casualties" and not (killed or injured or captured):
            raise RowError("killed", "casualties need killed, injured or captured")
        if kind == "strike" and not actors:
            raise RowError("actors", "a strike needs who struck")
        if kind == "displacement" and not (people or families):
            raise RowError("people", "displacement needs people or families")
        if get("role") is not None and person is None:
            raise RowError("role", "describes a person; give the person too")
        return (
            event_id, get("revision"), kind, self._place(d, "place_id", "place"), at_utc, precision, at_date, at_end,
            id_list(a[0] for a in actors), id_list(against), status, _text(d, "part"), _text(d, "outcome"),
            killed, injured, captured, side, person, _text(d, "role"), means, people, families, to_place,
            _text(d, "source"), grade, int(claimed), _text(d, "claimed_by"), _text(d, "note"),
            json.dumps(_texts(d, "tags"), ensure_ascii=False), _text(d, "operator", required=True),
            instant_key(get("recorded_at"), "recorded_at"), int(retracted), _text(d, "reason"),
            _text(d, "duplicate_of"), None,
        )  # fmt: skip


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
    """A quantity from its ``NAME`` (as reported), ``NAME_low`` and ``NAME_high`` cells."""
    text = (row.get(name) or "").strip()
    low = cell_int(row.get(f"{name}_low") or "", f"{name}_low")
    high = cell_int(row.get(f"{name}_high") or "", f"{name}_high")
    if low is None:
        if not text:
            return None
        try:
            return Quantity.parse(text)
        except InvalidInput as exc:
            raise RowError(name, exc.message) from None
    if high is not None and high < low:
        raise RowError(f"{name}_high", f"{high} is below the low figure {low}")
    return Quantity(low, high, text or (str(low) if high == low else f"{low}+" if high is None else f"{low}-{high}"))


def cell_instant(value: str, column: str, tz: tzinfo) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise RowError(column, f"{value!r} is not an ISO 8601 date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def cell_date(value: str, column: str) -> date:
    text = value.strip()
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(column, f"{value!r} is not a date YYYY-MM-DD") from None


def split_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def precheck(
    kind: Kind, actors: list[str], quantities: dict[str, Quantity | None], person: str | None, role: str | None
) -> None:
    """The per-kind rules on names as given, before any name is resolved (and a place or actor created)."""
    if kind in (Kind.CONTROL, Kind.STRIKE) and not actors:
        raise RowError(
            "actors", f"a {kind.value} event needs an actor (its {'holder' if kind is Kind.CONTROL else 'striker'})"
        )
    if kind is Kind.CLASH and len({a.casefold() for a in actors}) < 2:
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
            from sitlog.store_exchange import place_by_id

            same = place_by_id(self.store, place_id) if place_id is not None else None
            if same is not None and same.name == spec.name:
                place = same
            else:
                place, created = find_or_add_place(self.store, spec, "import", self.req.now)
                self.counts.places += created
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
        actors, against = split_list(row.get("actors")), split_list(row.get("against"))
        side = (row.get("side") or "").strip() or None
        to = (row.get("to") or "").strip() or None

        def opt(column: str) -> str | None:
            return row.get(column) or None

        precheck(kind, actors, quantities, opt("person"), opt("role"))
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
            side=side if side is None or side.lower() in _SIDE_WORDS else named(side),
            person=opt("person"), role=opt("role"), means=Means(means) if means else None,
            to=to_place.name if to_place else None, to_place_id=to_place.id if to_place else None,
            source=opt("source"), grade=grade, claimed=claimed or bool(opt("claimed_by")), claimed_by=opt("claimed_by"),
            note=opt("note"), tags=tuple(split_list(row.get("tags"))), operator=operator or self.req.operator,
            recorded_at=recorded_at, retracted=retracted, reason=opt("reason"), duplicate_of=opt("duplicate_of"),
            killed=quantities["killed"], injured=quantities["injured"], captured=quantities["captured"],
            people=quantities["people"], families=quantities["families"],
        )  # fmt: skip
        try:
            validate_event(event)
        except InvalidInput as exc:
            raise RowError(None, exc.message) from None
        match = Match.REVISION if operator and recorded else Match.HEAD
        return [(event_to_row(event, ids), match)]
