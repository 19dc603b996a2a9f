"""ACLED: export in ACLED's column layout, and the vocabulary its import (``acled_import``) shares.

Mappings follow the public codebook (DOMAIN.md) and are documented in docs/exchange.md.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, TextIO

from sitlog.domain.gazetteer import same_name
from sitlog.domain.model import ActorType, Event, Kind, Means, Place, Precision
from sitlog.exchange.base import ExportRequest
from sitlog.exchange.csv import places_of
from sitlog.exchange.ucdp import CASUALTIES_SUFFIX, GEO_TAG
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
MEANS_UNKNOWN = "means unknown"  # in the [sitlog: …] block of a strike whose means nobody reported
TYPE_TAG = "acled:type="  # an ACLED row of a type sitlog does not model, kept as its casualties
ASSOC_TAG = "acled:assoc_actor_2="  # an actor associated with a civilians side


# Spellings of governorates the bundled pack does not list (it names them as OCHA does).
_GOVERNORATE_SPELLINGS = ("Rif Dimashq", "Damascus Countryside", "Reef Damascus", "Suwayda", "Sweida", "Hasakah")
SYRIA = ("760", "Middle East", "Syria")


def country_of(place: Place, governorates: list[str]) -> tuple[str, str, str]:
    """(iso, region, country) of a place: Syria unless its admin units say otherwise.

    sitlog is a Syria log: a place with an ``SY`` P-code (its own or its governorate's), with a Syrian
    governorate as admin1 (any spelling the gazetteer matches: ``Idlib`` = ``Idleb``), or with neither
    a P-code nor an admin1 is in Syria. A place whose admin1 is not a Syrian governorate gets empty columns.
    """
    codes = (place.pcode or "", place.admin1_pcode or "")
    if any(c.upper().startswith("SY") for c in codes) or (not place.pcode and not place.admin1):
        return SYRIA
    admin1 = place.admin1 or ""
    if admin1 and any(same_name(admin1, g) for g in (*governorates, *_GOVERNORATE_SPELLINGS)):
        return SYRIA
    return ("", "", "")


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
    if event.kind is Kind.STRIKE and event.means is None:
        items.append(MEANS_UNKNOWN)
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


def _foreign(event_id: str) -> bool:
    """An id taken from a source dataset (``ucdp:…``, ``acled:…``): that source's events stay one row each."""
    return event_id.startswith(("ucdp:", "acled:"))


class _AcledWriter:
    def __init__(self, store: Store, req: ExportRequest, out: TextIO) -> None:
        self.store = store
        self.req = req
        self.writer = csv.writer(out)  # RFC 4180 (CRLF): see exchange.csv.write_csv
        self.place = places_of(store)
        self.types = {a.name: a.type for a in store.actors.by_id().values()}
        self.governorates = store.places.governorates()
        self.count = 0
        self.left_out: dict[str, int] = {}  # why → how many events are not ACLED rows
        self.unknown_means = 0

    def inter(self, name: str) -> str:
        if not name:
            return ""
        if name.lower().startswith("civilians"):
            return "7"
        return str(INTER_CODE[self.types.get(name, ActorType.OTHER)])

    def leave_out(self, why: str) -> None:
        self.left_out[why] = self.left_out.get(why, 0) + 1

    def day(self, events: list[Event]) -> None:
        """One day's events: casualties fold into the clash or strike they belong to, the rest are rows.

        A casualties event ``X:casualties`` folds into ``X``. One logged by hand (no source prefix)
        folds into the first clash or strike logged by hand at its place that day; a source's events
        (UCDP, ACLED) are never folded into another of its events: one row per source event.
        """
        hosts = {e.id: e for e in events if e.kind in (Kind.CLASH, Kind.STRIKE, Kind.CONTROL)}
        folded: dict[str, list[Event]] = {}
        rows: list[Event] = []
        for event in events:
            if event.kind is Kind.DISPLACEMENT and not self.req.acled_displacement:
                self.leave_out("displacement events (ACLED does not code displacement; --acled-displacement)")
                continue
            if event.kind is Kind.CASUALTIES:
                own = event.id.removesuffix(CASUALTIES_SUFFIX) if event.id.endswith(CASUALTIES_SUFFIX) else None
                host = hosts.get(own) if own else None
                if host is None and own is None and not _foreign(event.id):
                    host = next((h for h in events if h.kind in (Kind.CLASH, Kind.STRIKE) and not _foreign(h.id)
                                 and h.place_id == event.place_id), None)  # fmt: skip
                if host is not None:
                    folded.setdefault(host.id, []).append(event)
                    continue
            rows.append(event)
        for event in rows:
            self.row(event, folded.get(event.id, []))

    def _control(self, event: Event, actor1: str) -> tuple[str, str, str]:
        """(event_type, sub_event_type, actor2) of a control event with a holder (baselines never get here).

        Whom it was taken from is the previous assessed holder, else the event's ``--from``. A holder
        observed with nobody named before (no earlier holder, no ``--from``, no ``--against``) is no change
        of hands: Strategic developments / Other, never one of ACLED's territory battles.
        """
        before = previous_holder(self.store, event, self.req.flt.known_at) or event.from_actor
        if event.status is not None and event.status.value != "held" or event.part:
            other = event.against[0] if event.against else (before or "") if before != actor1 else ""
            return BATTLES, "Armed clash", other
        if before == actor1 or before is None and not event.against:  # held on, or nobody named before
            return STRATEGIC, "Other", ""
        state = self.types.get(actor1) is ActorType.STATE
        sub = "Government regains territory" if state else "Non-state actor overtakes territory"
        return BATTLES, sub, before or event.against[0]

    def row(self, event: Event, folded: list[Event]) -> None:
        place = self.place(event.place_id)
        iso, region, country = country_of(place, self.governorates)
        civilians = f"Civilians ({country})" if country else "Civilians"
        assessed = [c for c in ([event] if event.kind is Kind.CASUALTIES else []) + folded if not c.claimed]
        fatalities = sum(c.killed.low for c in assessed if c.killed)
        targets_civilians = any(c.side == "civilians" for c in assessed)
        actors, assoc1, assoc2 = list(event.actors), "", ""
        actor1 = actors[0] if actors else ""
        actor2: str | None = ""
        original = next((t[len(TYPE_TAG) :] for t in event.tags if t.startswith(TYPE_TAG)), None)
        if event.kind is Kind.CLASH:
            kind, sub = BATTLES, "Armed clash"
            actor2, assoc1 = actors[1] if len(actors) > 1 else actor1, "; ".join(actors[2:])
        elif event.kind is Kind.CONTROL:
            if not actors:  # contested with no holder: fighting between the parties named
                kind, sub = BATTLES, "Armed clash"
                actor1, actor2 = event.against[0], ", ".join(event.against[1:2])
                assoc1 = "; ".join(event.against[2:])
            else:
                kind, sub, actor2 = self._control(event, actor1)
        elif event.kind is Kind.STRIKE:
            kind, sub = EXPLOSIONS, (STRIKE_SUB.get(event.means, OTHER_STRIKE) if event.means else "")
            self.unknown_means += event.means is None
            actor2 = civilians if targets_civilians else ""
        elif original is not None and "/" in original:
            kind, sub = original.split("/", 1)
            actor2 = actors[1] if len(actors) > 1 else ""
        elif event.kind is Kind.CASUALTIES and event.side == "civilians":
            kind = CIVILIANS_VIOLENCE
            sub = "Abduction/forced disappearance" if event.captured and not event.killed else "Attack"
            actor2, targets_civilians = civilians, True
        elif event.kind is Kind.CASUALTIES:
            kind, sub = BATTLES, "Armed clash"  # losses of one side, fighting not logged as a clash
        else:
            kind, sub = STRATEGIC, "Other"
        if event.sides:  # the sides as the source listed them: principal and associated actors
            actor1, assoc1 = event.sides[0].actor, "; ".join(event.sides[0].associated)
            if len(event.sides) > 1:
                actor2, assoc2 = event.sides[1].actor, "; ".join(event.sides[1].associated)
        assoc2 = "; ".join([*filter(None, [assoc2]), *(t[len(ASSOC_TAG) :] for t in event.tags
                                                        if t.startswith(ASSOC_TAG))])  # fmt: skip
        actor2 = actor2 or ""
        inter1, inter2 = self.inter(actor1), self.inter(actor2)
        interaction = "".join(sorted([inter1, inter2])) if inter1 and inter2 else f"{inter1}0" if inter1 else ""
        sources = list(dict.fromkeys(s for s in [event.source, *(c.source for c in folded)] if s))
        day = event.when.local_day(self.req.tz)
        tags = "; ".join(t for t in event.tags if not t.startswith((GEO_TAG, TYPE_TAG, ASSOC_TAG)))
        disorder = "Strategic developments" if kind == STRATEGIC else "Political violence"
        if kind == "Protests":
            disorder = "Demonstrations"
        self.writer.writerow([
            event.id.removeprefix("acled:").removesuffix(CASUALTIES_SUFFIX if original else ""), day.isoformat(),
            day.year, TIME_PRECISION[event.when.precision], disorder, kind, sub, actor1, assoc1, inter1,
            actor2, assoc2, inter2, interaction, "Civilian targeting" if targets_civilians else "",
            iso, region, country, place.admin1 or "", place.admin2 or "", place.admin3 or "", place.name,
            "" if place.lat is None else place.lat, "" if place.lon is None else place.lon,
            _geo_precision(event, place), "; ".join(sources), "", _notes(event, folded), fatalities,
            tags, int(event.recorded_at.timestamp()),
        ])  # fmt: skip
        self.count += 1


def write_acled(store: Store, req: ExportRequest, out: TextIO, note: Callable[[str], None]) -> int:
    """ACLED's column layout, one row per event; casualties fold into their clash or strike as fatalities.

    What ACLED does not code is left out and counted on ``note`` (control baselines and advances: ACLED
    codes changes and violence only; displacement unless ``req.acled_displacement``); strikes of unknown
    means get an empty sub_event_type. Returns the number of rows written.
    """
    writer = _AcledWriter(store, req, out)
    writer.writer.writerow(ACLED_COLUMNS)
    days: dict[date, list[Event]] = {}
    for event in store.events.select(req.flt):
        if event.baseline:
            writer.leave_out("control baselines (held-as-of observations, not changes: ACLED codes changes only)")
            continue
        if event.kind is Kind.ADVANCE:
            writer.leave_out("advances (front-line movement is no ACLED event)")
            continue
        day = event.when.local_day(req.tz)
        for old in sorted(d for d in days if d < day - timedelta(days=1)):  # events come in UTC order
            writer.day(days.pop(old))
        days.setdefault(day, []).append(event)
    for old in sorted(days):
        writer.day(days[old])
    for why, n in writer.left_out.items():
        note(f"{n} {why} left out of the ACLED export" if n != 1 else f"1 of the {why} left out of the ACLED export")
    if writer.unknown_means:
        n = writer.unknown_means
        note(f"{n} strike{'s' if n != 1 else ''} of unknown means: sub_event_type left empty, notes say so")
    return writer.count
