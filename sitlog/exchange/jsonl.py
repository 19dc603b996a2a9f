"""sitlog's lossless exchange format: jsonl (exported and imported) and json (exported).

jsonl lines are records told apart by ``record``: one ``sitlog`` header, then ``place`` and
``actor`` records, then one ``revision`` record per stored revision in recording order (the SPEC
event shape of that revision, times in UTC). See docs/exchange.md. The reader is the bulk path of
``sitlog import``: it checks each record with plain comparisons and caches what repeats (actor
lists, quantities, tags), because a million lines go through it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, TextIO

from sitlog.domain.model import (
    ActorType,
    ControlStatus,
    Distance,
    Kind,
    Means,
    Precision,
    Relation,
    SourceRef,
    check_coordinates,
    from_utc_key,
    rfc3339,
)
from sitlog.domain.text import json_safe, json_safe_bytes
from sitlog.errors import InvalidInput
from sitlog.exchange.base import ExportRequest, ImportRequest, RowError
from sitlog.render.stream import utf8_writer
from sitlog.store.bulk import (
    ImportCounts,
    Match,
    find_actor,
    id_list,
    import_actor_record,
    import_place_record,
)
from sitlog.store.codecs import distance_text, quantity_text, sources_text
from sitlog.store.pyjson import revision_record as revision_record  # the revision record's shape

if TYPE_CHECKING:
    from sitlog.store import Store

JSONL_VERSION = 1
UTC = timezone.utc


def _line(data: dict[str, Any]) -> str:
    return _dumps(data) + "\n"


def _dumps(data: Any) -> str:
    """Compact JSON, readable UTF-8, control and bidi characters escaped (see ``sitlog.domain.text``)."""
    return json_safe(json.dumps(data, ensure_ascii=False))


def header_record(store: Store, now: datetime) -> dict[str, Any]:
    return {
        "record": "sitlog",
        "version": JSONL_VERSION,
        "schema": store.schema_version,
        "exported_at": rfc3339(now, UTC),
    }


def _gazetteer(store: Store, req: ExportRequest) -> tuple[Iterator[dict[str, Any]], Iterator[dict[str, Any]]]:
    from sitlog.store.export import actor_records, place_records, referenced

    refs = referenced(store, req.flt)
    return place_records(store, refs[0] if refs else None), actor_records(store, refs[1] if refs else None)


def write_jsonl(store: Store, req: ExportRequest, out: TextIO) -> int:
    """The lossless export: header, places, actors, then every revision of the picked events.

    The revision records are built by SQLite (``store.export.revision_lines``: the text
    ``revision_record`` gives, see tests/test_eventjson.py) and streamed out in batches."""
    from sitlog.store.export import revision_lines

    out.write(_line(header_record(store, req.now)))
    places, actors = _gazetteer(store, req)
    for place in places:
        out.write(_line({"record": "place", **place}))
    for actor in actors:
        out.write(_line({"record": "actor", **actor}))
    count = 0
    write = utf8_writer(out)
    for batch in revision_lines(store, req.flt):
        write(json_safe_bytes(b"\n".join(batch)))
        write(b"\n")
        count += len(batch)
    return count


def write_json(store: Store, req: ExportRequest, out: TextIO) -> int:
    """One JSON document: header fields, places, actors, and events (head shape) each with its revisions,
    streamed one event at a time (``store.export.event_documents``)."""
    from sitlog.store.export import event_documents

    places, actors = _gazetteer(store, req)
    head = header_record(store, req.now)
    head.pop("record")
    out.write(_dumps({"format": "sitlog", **head})[:-1])
    out.write(', "places": ' + _dumps(list(places)))
    out.write(', "actors": ' + _dumps(list(actors)))
    out.write(', "events": [')
    count = 0
    write = utf8_writer(out)
    for batch in event_documents(store, req.flt):
        write((b",\n" if count else b"\n") + json_safe_bytes(b",\n".join(batch)))
        count += len(batch)
    write(b"\n]}\n")
    return count


# --- reading ------------------------------------------------------------------------------------------

_KINDS = frozenset(k.value for k in Kind)
_WINDOWS = frozenset(p.value for p in Precision if p is not Precision.EXACT)
_STATUSES = frozenset(s.value for s in ControlStatus)
_MEANS = frozenset(m.value for m in Means)
_RELATIONS = frozenset(r.value for r in Relation)
_ACTOR_TYPES = frozenset(t.value for t in ActorType)
_NUMBER_OR_NONE = (int, type(None))


def _one_of(value: Any, allowed: frozenset[str]) -> bool:
    """``value in allowed`` for any JSON value (a list or an object is never hashed, never allowed)."""
    return type(value) is str and value in allowed


def _key(value: Any) -> Any:
    """A file's place id as a dict key: a list or an object (no id sitlog writes) matches nothing."""
    return None if isinstance(value, (list, dict)) else value


_SIDE_WORDS = ("civilians", "unknown")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._-]{0,127}").fullmatch
_GRADE = re.compile(r"[A-F][1-6]").fullmatch
# Free-text keys of a revision record: each is text or null.
_TEXT_KEYS = ("part", "outcome", "person", "role", "source", "claimed_by", "note", "reason", "duplicate_of")


def _text(d: dict[str, Any], key: str, required: bool = False) -> Any:
    value = d.get(key)
    if value is None:
        if required:
            raise RowError(key, "is missing")
        return None
    if type(value) is not str:
        raise RowError(key, f"must be text, not {value!r}")
    if required and not value.strip():
        raise RowError(key, "is empty")
    return value


def _texts(d: dict[str, Any], key: str) -> list[str]:
    value = d.get(key)
    if value is None:
        return []
    if type(value) is not list or not all(type(v) is str for v in value):
        raise RowError(key, "must be a list of text")
    return value


def instant_key(text: Any, key: str) -> str:
    """An RFC 3339 timestamp as the store's UTC key ('YYYY-MM-DDTHH:MM:SSZ')."""
    if type(text) is not str:
        raise RowError(key, f"must be an RFC 3339 timestamp, not {text!r}")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise RowError(key, f"{text!r} is not an RFC 3339 timestamp") from None
    if parsed.tzinfo is None:
        raise RowError(key, f"{text!r} has no UTC offset")
    if len(text) == 25 and text.endswith("+00:00"):  # what sitlog writes: no conversion needed
        return text[:19] + "Z"
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}").fullmatch


def _day(value: Any, key: str) -> str:
    """A calendar date exactly as YYYY-MM-DD (``2024-W48-3`` is a date to Python, not to the store's SQL)."""
    if type(value) is not str or not _ISO_DAY(value):
        raise RowError(key, f"must be a date YYYY-MM-DD, not {value!r}")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise RowError(key, f"{value!r} is not a real date") from None
    return value


class JsonlConverter:
    """Reads a sitlog jsonl export: places and actors matched or created, revisions merged by identity."""

    def __init__(self, store: Store, req: ImportRequest, counts: ImportCounts) -> None:
        self.store = store
        self.req = req
        self.counts = counts
        self.ignored: dict[str, int] = {}
        self.places: dict[Any, int] = {}  # the file's place id → local id
        self.actors: dict[str, tuple[int, str]] = {}  # the file's actor name → (local id, local name)
        self._actor_lists: dict[tuple[Any, ...], tuple[str, int]] = {}  # names → (ids as stored, how many distinct)
        self._quantities: dict[tuple[Any, ...], str] = {}
        self._tags: dict[tuple[Any, ...], str] = {}
        self._matched: set[int] = set()  # local places the file's place records went to

    def convert(self, line: int, d: Any) -> list[tuple[tuple[Any, ...], Match]]:
        if type(d) is not dict:
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
            if type(version) is not int or version > JSONL_VERSION:
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
            if value is not None and type(value) not in (int, float):
                raise RowError(key, f"must be a number, not {value!r}")
        try:
            check_coordinates(lat, lon)
        except InvalidInput as exc:
            raise RowError("lat", exc.message) from None
        place, how = import_place_record(self.store, d, self._matched)
        self.places[_key(d.get("id"))] = place.id
        self._matched.add(place.id)
        self.counts.places += how == "created"

    def actor(self, d: dict[str, Any]) -> None:
        name = _text(d, "name", required=True)
        _texts(d, "aliases")
        if d.get("type") is not None and not _one_of(d.get("type"), _ACTOR_TYPES):
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
        known = self.actors.get(name) if type(name) is str else None
        if known is None:
            if type(name) is not str or not name.strip():
                raise RowError(key, f"actor names must be text, not {name!r}")
            known = find_actor(self.store, name)  # an actor the database already has (the bundled pack…)
            if known is None:
                raise RowError(key, f"unknown actor {name!r} (not among the file's actor records or the database's)")
            self.actors[name] = known
        return known

    def _actor_list(self, d: dict[str, Any], key: str) -> tuple[str, int]:
        """The ids text of an actor list and how many different actors it names (cached per list)."""
        names = d.get(key)
        if not names:
            if names is None or names == []:
                return "[]", 0
            raise RowError(key, "must be a list of actor names")
        if type(names) is not list:
            raise RowError(key, "must be a list of actor names")
        if not all(type(name) is str for name in names):
            raise RowError(key, "must be a list of actor names")
        cache_key = tuple(names)
        found = self._actor_lists.get(cache_key)
        if found is None:
            ids = [self._actor(name, key)[0] for name in names]
            found = self._actor_lists[cache_key] = (id_list(ids), len(set(ids)))
        return found

    def _quantity(self, value: Any, key: str) -> str | None:
        if value is None:
            return None
        if type(value) is not dict:
            raise RowError(key, "must be {low, best, high, text}")
        low, high, text, best = value.get("low"), value.get("high"), value.get("text"), value.get("best")
        cache_key = (low, high, text, best)
        hashable = (
            type(low) is int and type(text) is str and type(high) in _NUMBER_OR_NONE and type(best) in _NUMBER_OR_NONE
        )
        found = self._quantities.get(cache_key) if hashable else None
        if found is None:
            if type(low) is not int or low < 0:
                raise RowError(key, f"low must be a whole number >= 0, not {low!r}")
            if high is not None and (type(high) is not int or high < low):
                raise RowError(key, f"high must be empty or a whole number >= low, not {high!r}")
            if best is not None and (type(best) is not int or best < 0):
                raise RowError(key, f"best must be empty or a whole number >= 0, not {best!r}")
            if type(text) is not str:
                raise RowError(key, "text must be text")
            found = quantity_text(low, high, text, best)
            if hashable:
                self._quantities[cache_key] = found
        return found

    def _place(self, d: dict[str, Any], id_key: str, name_key: str) -> int:
        local = self.places.get(_key(d.get(id_key)))
        if local is None:
            name = _text(d, name_key, required=True)
            try:
                local = self.store.places.resolve(name).item.id
            except InvalidInput as exc:
                hint = f"(and {id_key} is not among the file's place records)"
                raise RowError(name_key, f"{exc.message} {hint}") from None
        return local

    def revision(self, d: dict[str, Any]) -> tuple[Any, ...]:
        """One revision record as a revision row in local terms (place and actor ids of this database)."""
        get = d.get
        event_id = get("id")
        if type(event_id) is not str or not _ID(event_id):
            raise RowError("id", f"bad event id {event_id!r}")
        kind = get("kind")
        if not _one_of(kind, _KINDS):
            raise RowError("kind", f"must be one of {', '.join(sorted(_KINDS))}, not {kind!r}")
        precision, at = get("precision"), get("at")
        if precision == "exact":
            at_utc, at_date, at_end = instant_key(at, "at"), None, None
        elif _one_of(precision, _WINDOWS):
            at_date = _day(at, "at")
            at_utc = at_date + "T00:00:00Z"
            at_end = get("at_end")
            if at_end is not None and _day(at_end, "at_end") < at_date:
                raise RowError("at_end", "ends before the window starts")
        else:
            raise RowError("precision", f"must be exact, day, week, month or year, not {precision!r}")
        actor_ids, distinct = self._actor_list(d, "actors")
        against_ids = self._actor_list(d, "against")[0]
        status, means, side = get("status"), get("means"), get("side")
        if status is not None and not _one_of(status, _STATUSES):
            raise RowError("status", f"must be held, contested or partial, not {status!r}")
        if means is not None and not _one_of(means, _MEANS):
            raise RowError("means", f"must be one of {', '.join(sorted(_MEANS))}, not {means!r}")
        if side is not None and side not in _SIDE_WORDS:
            side = self._actor(side, "side")[1]
        quantity = self._quantity
        killed, injured = quantity(get("killed"), "killed"), quantity(get("injured"), "injured")
        captured, people = quantity(get("captured"), "captured"), quantity(get("people"), "people")
        families = quantity(get("families"), "families")
        to_place = self._place(d, "to_place_id", "to") if get("to") is not None else None
        grade = get("grade")
        if grade is not None and (type(grade) is not str or not _GRADE(grade)):
            raise RowError("grade", f"must be A1..F6, not {grade!r}")
        claimed, retracted = get("claimed", False), get("retracted", False)
        if type(claimed) is not bool or type(retracted) is not bool:
            raise RowError("claimed" if type(claimed) is not bool else "retracted", "must be true or false")
        texts = [get(key) for key in _TEXT_KEYS]
        if any(value is not None and type(value) is not str for value in texts):
            for key in _TEXT_KEYS:
                _text(d, key)
        part, outcome, person, role, source, claimed_by, note, reason, duplicate_of = texts
        operator = get("operator")
        if type(operator) is not str or not operator:
            _text(d, "operator", required=True)
        tags = get("tags")
        if not tags and (tags is None or type(tags) is list):
            tags_text = "[]"
        else:
            plain = type(tags) is list and all(type(t) is str for t in tags)
            found = self._tags.get(tuple(tags)) if plain else None
            if found is None:
                listed = _texts(d, "tags")
                found = self._tags[tuple(listed)] = json.dumps(listed, ensure_ascii=False)
            tags_text = found
        if kind == "control" and not distinct and status != "contested":
            raise RowError("actors", "a control event needs its holder (unless contested)")
        if kind == "advance" and not distinct:
            raise RowError("actors", "an advance needs who advanced")
        sides, side_count = self._sides(get("sides"))
        if kind == "clash" and distinct < 2 and side_count < 2:
            raise RowError("actors", "a clash needs at least two different actors")
        if kind == "casualties" and not (killed or injured or captured):
            raise RowError("killed", "casualties need killed, injured or captured")
        if kind == "strike" and not distinct:
            raise RowError("actors", "a strike needs who struck")
        if kind == "displacement" and not (people or families):
            raise RowError("people", "displacement needs people or families")
        if role is not None and person is None:
            raise RowError("role", "describes a person; give the person too")
        return (
            event_id, get("revision"), kind, self._place(d, "place_id", "place"), at_utc, precision, at_date, at_end,
            actor_ids, against_ids, status, part, outcome, killed, injured, captured, side, person, role, means,
            people, families, to_place, source, grade, int(claimed), claimed_by, note, tags_text, operator,
            instant_key(get("recorded_at"), "recorded_at"), int(retracted), reason, duplicate_of, None,
            *self.assessment(d, source, grade), sides,
        )  # fmt: skip

    def assessment(self, d: dict[str, Any], source: Any, grade: Any) -> tuple[Any, ...]:
        """The m004 columns of a revision record (all optional: files from before issue 11 lack them).

        A ``sources`` list that names only the record's own report is stored as ``[]``, as ``log`` stores it,
        so re-importing an export finds every revision already here.
        """
        get = d.get
        baseline = get("baseline", False)
        if type(baseline) is not bool:
            raise RowError("baseline", "must be true or false")
        from_name = get("from")
        from_id = self._actor(from_name, "from")[0] if from_name is not None else None
        relation = get("relation")
        if relation is not None and not _one_of(relation, _RELATIONS):
            raise RowError("relation", f"must be toward or near, not {relation!r}")
        distance = get("distance_km")
        try:
            distance_text_ = distance_text(Distance.from_json(distance)) if distance is not None else None
        except (KeyError, TypeError, ValueError, AttributeError):
            raise RowError("distance_km", "must be {low, high, text} in km, not negative") from None
        direction = _text(d, "direction")
        sources = get("sources") or []
        if type(sources) is list and len(sources) == 1 and type(sources[0]) is dict:
            only = sources[0]  # the event's own report, as every export lists it: stored as no list at all
            if (only.get("recorded_at") is None and only.get("operator") is None and only.get("source") == source
                    and only.get("grade") == grade):  # fmt: skip
                return int(baseline), from_id, relation, distance_text_, direction, "[]"
        if type(sources) is not list or not all(type(s) is dict for s in sources):
            raise RowError("sources", "must be a list of {source, grade, operator, recorded_at}")
        refs = []
        for item in sources:
            stamp = item.get("recorded_at")
            who = item.get("operator")
            if any(v is not None and type(v) is not str for v in (item.get("source"), item.get("grade"), who)):
                raise RowError("sources", "source, grade and operator must be text or null")
            when = from_utc_key(instant_key(stamp, "sources")) if stamp is not None else None
            refs.append(SourceRef(item.get("source"), item.get("grade"), who, when))
        if refs == [SourceRef(source, grade, None, None)]:
            refs = []
        return int(baseline), from_id, relation, distance_text_, direction, sources_text(refs)

    def _sides(self, value: Any) -> tuple[str | None, int]:
        """An event's ``sides`` ([{actor, associated}, ...]) as the store keeps them (None: none), and how many."""
        if not value:
            return None, 0
        if type(value) is not list or not all(type(s) is dict for s in value):
            raise RowError("sides", "must be a list of {actor, associated}")
        stored = []
        for side in value:
            associated = _texts(side, "associated")
            ids = [self._actor(name, "sides")[0] for name in associated]
            stored.append([self._actor(side.get("actor"), "sides")[0], ids])
        return json.dumps(stored), len(stored)
