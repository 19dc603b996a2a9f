"""ACLED: export in ACLED's column layout, and import of ACLED CSV exports.

Mappings follow the public codebook (DOMAIN.md) and are documented in docs/exchange.md. Rows become
events with ids ``acled:ID``; a row's fatalities become a linked casualties event ``acled:ID:casualties``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO

from sitlog.domain.model import ActorType, Event, Kind, Means, Place, Precision, Quantity, When
from sitlog.errors import InvalidInput
from sitlog.exchange.base import ExportRequest, RowError
from sitlog.exchange.csv import cell_int, places_of, split_list
from sitlog.exchange.ucdp import (
    CASUALTIES_SUFFIX,
    GEO_TAG,
    UTC,
    ForeignConverter,
    coordinates,
    foreign_id,
    is_civilians,
    revision_rows,
)
from sitlog.store.bulk import ForeignPlace, Match
from sitlog.store.export import previous_holder

if TYPE_CHECKING:
    from sitlog.store import Store

# --- ACLED -------------------------------------------------------------------------------------------

ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
BATTLES, EXPLOSIONS, CIVILIANS_VIOLENCE, STRATEGIC = (
    "Battles",
    "Explosions/Remote violence",
    "Violence against civilians",
    "Strategic developments",
)
INTER_CODE = {
    ActorType.STATE: 1, ActorType.REBEL: 2, ActorType.MILITIA: 3, ActorType.CIVILIANS: 7,
    ActorType.EXTERNAL: 8, ActorType.OTHER: 8,
}  # fmt: skip
INTER_TYPE = {1: ActorType.STATE, 2: ActorType.REBEL, 3: ActorType.MILITIA, 4: ActorType.MILITIA,
              5: ActorType.OTHER, 6: ActorType.OTHER, 7: ActorType.CIVILIANS, 8: ActorType.EXTERNAL}  # fmt: skip
INTER_WORDS = {"state forces": 1, "rebel group": 2, "political militia": 3, "identity militia": 4, "rioters": 5,
               "protesters": 6, "civilians": 7, "external/other forces": 8}  # fmt: skip
TIME_PRECISION = {Precision.EXACT: 1, Precision.DAY: 1, Precision.WEEK: 2, Precision.MONTH: 3, Precision.YEAR: 3}
STRIKE_SUB = {Means.AIR: "Air/drone strike", Means.DRONE: "Air/drone strike", Means.ARTILLERY:
              "Shelling/artillery/missile attack", Means.MISSILE: "Shelling/artillery/missile attack"}  # fmt: skip
OTHER_STRIKE = "Remote explosive/landmine/IED"
_BLOCK = re.compile(r"\s*\[sitlog: (.*)\]\s*$", re.DOTALL)


def _country(place: Place) -> tuple[str, str, str]:
    """(iso, region, country) as far as sitlog knows: its gazetteer is Syria's OCHA P-codes (a place's own,
    or its governorate's)."""
    codes = (place.pcode or "", place.admin1_pcode or "")
    return ("760", "Middle East", "Syria") if any(c.upper().startswith("SY") for c in codes) else ("", "", "")


def _geo_precision(event: Event, place: Place) -> int:
    for tag in event.tags:
        if tag.startswith(GEO_TAG) and tag[len(GEO_TAG) :].isdigit():
            return int(tag[len(GEO_TAG) :])
    return 1 if place.lat is not None else 3


def _claim(event: Event) -> str:
    return f"claimed by {event.claimed_by}" if event.claimed_by else "claimed"


def _figures(event: Event) -> list[str]:
    items = [f"{name} {q.text}" for name, q in (("killed", event.killed), ("injured", event.injured),
                                                 ("captured", event.captured)) if q]  # fmt: skip
    if event.person:
        items.append(f"person {event.person}" + (f" ({event.role})" if event.role else ""))
    return items


def _notes(event: Event, folded: list[Event]) -> str:
    """The event's note, then a ``[sitlog: …]`` block with its claim, figures, folded claims, grade and source."""
    note = event.note or ""
    items = [_claim(event)] if event.claimed else []
    if event.kind is Kind.CASUALTIES:
        items.extend(_figures(event))
    for other in folded:
        if other.claimed:
            side = f", side {other.side}" if other.side else ""
            items.append(f"{_claim(other).replace('claimed', 'claim', 1)}: {', '.join(_figures(other))}{side}")
    if event.grade:
        items.append(f"grade {event.grade}")
    if event.source:
        items.append(f"source {event.source}")
    block = f"[sitlog: {'; '.join(items)}]" if items else ""
    return f"{note} {block}".strip() if note and block else note or block


class _AcledWriter:
    def __init__(self, store: Store, req: ExportRequest, out: TextIO) -> None:
        self.store = store
        self.req = req
        self.writer = csv.writer(out)  # RFC 4180 (CRLF): see exchange.csv.write_csv
        self.place = places_of(store)
        self.types = {a.name: a.type for a in store.actors.by_id().values()}
        self.count = 0

    def inter(self, name: str) -> str:
        if not name:
            return ""
        if name.lower().startswith("civilians"):
            return "7"
        return str(INTER_CODE[self.types.get(name, ActorType.OTHER)])

    def day(self, events: list[Event]) -> None:
        """One day's events: casualties fold into the clash or strike they belong to, the rest are rows."""
        hosts = {e.id: e for e in events if e.kind in (Kind.CLASH, Kind.STRIKE, Kind.CONTROL)}
        folded: dict[str, list[Event]] = {}
        rows: list[Event] = []
        for event in events:
            if event.kind is Kind.CASUALTIES:
                host = (
                    hosts.get(event.id.removesuffix(CASUALTIES_SUFFIX))
                    if event.id.endswith(CASUALTIES_SUFFIX)
                    else None
                )
                host = host or next(
                    (h for h in events if h.kind in (Kind.CLASH, Kind.STRIKE) and h.place_id == event.place_id), None
                )
                if host is not None:
                    folded.setdefault(host.id, []).append(event)
                    continue
            rows.append(event)
        for event in rows:
            self.row(event, folded.get(event.id, []))

    def row(self, event: Event, folded: list[Event]) -> None:
        place = self.place(event.place_id)
        iso, region, country = _country(place)
        civilians = f"Civilians ({country})" if country else "Civilians"
        assessed = [c for c in ([event] if event.kind is Kind.CASUALTIES else []) + folded if not c.claimed]
        fatalities = sum(c.killed.low for c in assessed if c.killed)
        targets_civilians = any(c.side == "civilians" for c in assessed)
        actors, assoc1 = list(event.actors), ""
        actor1 = actors[0] if actors else ""
        actor2: str | None = ""
        if event.kind is Kind.CLASH:
            kind, sub = BATTLES, "Armed clash"
            actor2, assoc1 = actors[1], "; ".join(actors[2:])
        elif event.kind is Kind.CONTROL:
            before = previous_holder(self.store, event, self.req.flt.known_at) or event.from_actor
            if not actors:  # contested with no holder: fighting between the parties named
                kind, sub = BATTLES, "Armed clash"
                actor1, actor2 = event.against[0], ", ".join(event.against[1:2])
                assoc1 = "; ".join(event.against[2:])
            elif event.status is not None and event.status.value != "held" or event.part:
                kind, sub = BATTLES, "Armed clash"
                actor2 = event.against[0] if event.against else before if before != actor1 else ""
            elif before == actor1 or before is None and not event.against:  # held on, or nobody named before
                kind, sub = STRATEGIC, "Other"
            else:
                state = self.types.get(actor1) is ActorType.STATE
                kind, sub = BATTLES, "Government regains territory" if state else "Non-state actor overtakes territory"
                actor2 = before or (event.against[0] if event.against else "")
        elif event.kind is Kind.STRIKE:
            kind, sub = EXPLOSIONS, STRIKE_SUB.get(event.means, OTHER_STRIKE) if event.means else OTHER_STRIKE
            actor2 = civilians if targets_civilians else ""
        elif event.kind is Kind.CASUALTIES and event.side == "civilians":
            kind = CIVILIANS_VIOLENCE
            sub = "Abduction/forced disappearance" if event.captured and not event.killed else "Attack"
            actor2, targets_civilians = civilians, True
        elif event.kind is Kind.CASUALTIES:
            kind, sub = BATTLES, "Armed clash"  # losses of one side, fighting not logged as a clash
        else:
            kind, sub = STRATEGIC, "Other"
        actor2 = actor2 or ""
        inter1, inter2 = self.inter(actor1), self.inter(actor2)
        interaction = "".join(sorted([inter1, inter2])) if inter1 and inter2 else f"{inter1}0" if inter1 else ""
        sources = list(dict.fromkeys(s for s in [event.source, *(c.source for c in folded)] if s))
        day = event.when.local_day(self.req.tz)
        self.writer.writerow([
            event.id.removeprefix("acled:"), day.isoformat(), day.year, TIME_PRECISION[event.when.precision],
            "Strategic developments" if kind == STRATEGIC else "Political violence", kind, sub,
            actor1, assoc1, inter1, actor2, "", inter2, interaction, "Civilian targeting" if targets_civilians else "",
            iso, region, country, place.admin1 or "", place.admin2 or "", place.admin3 or "", place.name,
            "" if place.lat is None else place.lat, "" if place.lon is None else place.lon,
            _geo_precision(event, place), "; ".join(sources), "", _notes(event, folded), fatalities,
            "; ".join(t for t in event.tags if not t.startswith(GEO_TAG)), int(event.recorded_at.timestamp()),
        ])  # fmt: skip
        self.count += 1


def write_acled(store: Store, req: ExportRequest, out: TextIO, note: Callable[[str], None] | None = None) -> int:
    """ACLED's column layout, one row per event; casualties fold into their clash or strike as fatalities.

    Baselines and advances are left out (ACLED codes changes and violence only), with one ``note``.
    """
    writer = _AcledWriter(store, req, out)
    writer.writer.writerow(ACLED_COLUMNS)
    days: dict[date, list[Event]] = {}
    left = {"baseline": 0, "advance": 0}
    for event in store.events.select(req.flt):
        if event.baseline or event.kind is Kind.ADVANCE:
            left["baseline" if event.baseline else "advance"] += 1
            continue
        day = event.when.local_day(req.tz)
        for old in sorted(d for d in days if d < day - timedelta(days=1)):  # events come in UTC order
            writer.day(days.pop(old))
        days.setdefault(day, []).append(event)
    for old in sorted(days):
        writer.day(days[old])
    if note is not None and any(left.values()):
        note(f"left out {left['baseline']} baseline(s) and {left['advance']} advance(s): "
             "ACLED codes changes and violence only")  # fmt: skip
    return writer.count


# --- ACLED import ---------------------------------------------------------------------------------------

_ACLED_KINDS: dict[tuple[str, str], tuple[Kind, Means | None]] = {
    ("battles", "armed clash"): (Kind.CLASH, None),
    ("battles", "government regains territory"): (Kind.CONTROL, None),
    ("battles", "non-state actor overtakes territory"): (Kind.CONTROL, None),
    ("strategic developments", "non-violent transfer of territory"): (Kind.CONTROL, None),
    ("explosions/remote violence", "air/drone strike"): (Kind.STRIKE, Means.AIR),
    ("explosions/remote violence", "shelling/artillery/missile attack"): (Kind.STRIKE, Means.ARTILLERY),
    ("explosions/remote violence", "remote explosive/landmine/ied"): (Kind.STRIKE, Means.OTHER),
    ("explosions/remote violence", "grenade"): (Kind.STRIKE, Means.OTHER),
    ("explosions/remote violence", "suicide bomb"): (Kind.STRIKE, Means.OTHER),
    ("violence against civilians", "attack"): (Kind.CASUALTIES, None),
    ("violence against civilians", "abduction/forced disappearance"): (Kind.CASUALTIES, None),
}
_ACLED_PRECISION = {1: Precision.DAY, 2: Precision.WEEK, 3: Precision.MONTH}


def _acled_date(value: str) -> date:
    text = value.strip()
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d %B %Y").date()):
        try:
            if parse is date.fromisoformat and len(text) != 10:
                continue
            return parse(text)
        except ValueError:
            continue
    raise RowError("event_date", f"{value!r} is not a date (YYYY-MM-DD or 27 November 2024)")


def _inter(value: str, column: str) -> int | None:
    text = value.strip().lower()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if text in INTER_WORDS:
        return INTER_WORDS[text]
    raise RowError(column, f"unknown actor type {value!r}")


def _block(notes: str) -> tuple[str | None, dict[str, Any]]:
    """The note without sitlog's ``[sitlog: …]`` block, and what the block restores."""
    found = _BLOCK.search(notes)
    note = (notes[: found.start()] if found else notes).strip() or None
    restored: dict[str, Any] = {}
    if found:
        for item in found.group(1).split("; "):
            if item == "claimed":
                restored["claimed"] = True
            elif item.startswith("claimed by "):
                restored.update(claimed=True, claimed_by=item[len("claimed by ") :])
            elif re.fullmatch(r"grade [A-F][1-6]", item):
                restored["grade"] = item[-2:]
            elif (m := re.fullmatch(r"(killed|injured|captured) (.+)", item)) and ":" not in item:
                try:
                    restored[m[1]] = Quantity.parse(m[2])
                except InvalidInput:
                    restored[m[1]] = None
            elif m := re.fullmatch(r"person (.+?)(?: \((.+)\))?", item):
                restored.update(person=m[1], role=m[2])
    return note, restored


class AcledConverter(ForeignConverter):
    """Reads an ACLED CSV export; event types sitlog does not record (protests, riots…) are counted, not kept."""

    REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "location")
    NAME = "ACLED"
    SOURCE = "acled"

    def convert(self, line: int, row: dict[str, str]) -> list[tuple[tuple[Any, ...], Match]]:
        event_id = foreign_id("acled", row["event_id_cnty"], "event_id_cnty")
        types = (row["event_type"].strip(), row["sub_event_type"].strip())
        mapped = _ACLED_KINDS.get((types[0].lower(), types[1].lower()))
        if mapped is None:
            key = f"{types[0]}/{types[1]}"
            self.ignored[key] = self.ignored.get(key, 0) + 1
            return []
        kind, means = mapped
        day = _acled_date(row["event_date"])
        precision = _ACLED_PRECISION.get(cell_int(row.get("time_precision") or "", "time_precision") or 1)
        if precision is None:
            raise RowError("time_precision", f"must be 1, 2 or 3, not {row.get('time_precision')!r}")
        actor1, actor2 = row["actor1"].strip(), (row.get("actor2") or "").strip()
        inter1, inter2 = _inter(row.get("inter1") or "", "inter1"), _inter(row.get("inter2") or "", "inter2")
        fatalities = cell_int(row.get("fatalities") or "", "fatalities") or 0
        lat, lon = coordinates(row, "latitude", "longitude")
        geo = cell_int(row.get("geo_precision") or "", "geo_precision")
        stamp = cell_int(row.get("timestamp") or "", "timestamp")
        try:
            recorded_at = datetime.fromtimestamp(stamp, UTC) if stamp is not None else self.req.now
        except (OverflowError, OSError, ValueError):
            raise RowError("timestamp", f"{stamp} is not a Unix time") from None
        note, restored = _block(row.get("notes") or "")
        civilian_target = bool((row.get("civilian_targeting") or "").strip()) or is_civilians(actor2, inter2)
        if not actor1 and kind is not Kind.CASUALTIES:
            raise RowError("actor1", f"a {types[0]} row needs actor1")
        lone = kind is Kind.CLASH and (not actor2 or is_civilians(actor2, inter2))
        figures = {k: restored.get(k) for k in ("killed", "injured", "captured")}
        if lone and not (fatalities or any(figures.values())):
            raise RowError("actor2", "an armed clash needs actor2 (or fatalities of actor1's side)")
        ids: dict[str, int] = {}
        units = (row.get("admin1") or None, row.get("admin2") or None, row.get("admin3") or None)
        place = self.place(ForeignPlace(row["location"].strip() or "unknown", *units, None, lat, lon))
        one = self.actor(actor1, INTER_TYPE.get(inter1 or 0, ActorType.OTHER), ids) if actor1 else None
        two = None
        if actor2 and not is_civilians(actor2, inter2):
            two = self.actor(actor2, INTER_TYPE.get(inter2 or 0, ActorType.OTHER), ids)
        tags = split_list(row.get("tags"))
        if geo and geo != 1:
            tags.append(f"{GEO_TAG}{geo}")
        base = Event(
            id=event_id, kind=kind, place_id=place.id, place=place.name, when=When.window(day, precision),
            source=(row.get("source") or "").strip() or None, grade=restored.get("grade"),
            tags=tuple(dict.fromkeys(tags)), operator=self.req.operator, recorded_at=recorded_at,
        )  # fmt: skip
        dead = Quantity.exact(fatalities) if fatalities else None
        claim = {"claimed": restored.get("claimed", False), "claimed_by": restored.get("claimed_by")}
        if kind is Kind.CASUALTIES or lone:
            civilians = kind is Kind.CASUALTIES
            default_captured = Quantity(1, None, "1+") if types[1].lower().startswith("abduction") else None
            main = base.with_changes(
                kind=Kind.CASUALTIES, actors=tuple(a for a in (one,) if a), side="civilians" if civilians else one,
                killed=figures["killed"] or dead or (None if default_captured else Quantity.exact(0)),
                injured=figures["injured"], captured=figures["captured"] or default_captured,
                person=restored.get("person"), role=restored.get("role"), note=note, **claim,
            )  # fmt: skip
            events = [main]
        else:
            actors = tuple(a for a in (one, two) if a)
            main = base.with_changes(actors=actors, note=note, means=means, **claim)
            if kind is Kind.CONTROL:  # the holder; whom it was taken from contests it (ACLED's actor2)
                main = main.with_changes(actors=actors[:1], against=actors[1:])
            events = [main]
            if dead is not None:
                side = "civilians" if civilian_target else None
                events.append(base.with_changes(
                    id=event_id + CASUALTIES_SUFFIX, kind=Kind.CASUALTIES, killed=dead, side=side, actors=actors,
                ))  # fmt: skip
        return revision_rows(events, ids, Match.STAMPED if stamp is not None else Match.HEAD)
