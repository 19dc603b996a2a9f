"""ACLED import: rows of an ACLED CSV export become events ``acled:ID`` (mapping in docs/exchange.md).

A row's fatalities become a linked casualties event ``acled:ID:casualties``; associated actors are
kept as the event's ``sides``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sitlog.domain.model import ActorType, Event, Kind, Means, Precision, Quantity, Side, When
from sitlog.errors import InvalidInput
from sitlog.exchange.acled import ASSOC_TAG, EXPLOSIONS, INTER_TYPE, INTER_WORDS, TYPE_TAG
from sitlog.exchange.base import RowError
from sitlog.exchange.csv import cell_count, cell_int, checked_year, split_list
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

_BLOCK = re.compile(r"\s*\[sitlog: (.*)\]\s*$", re.DOTALL)

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
    """ACLED's ``event_date`` (``2024-11-27`` or ``27 November 2024``); RowError outside the years 1900-2100."""
    text = value.strip()
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d %B %Y").date()):
        try:
            if parse is date.fromisoformat and len(text) != 10:
                continue
            day = parse(text)
        except ValueError:
            continue
        checked_year(day.year, value, "event_date")
        return day
    raise RowError("event_date", f"{value!r} is not a date (YYYY-MM-DD or 27 November 2024)")


def fatalities_quantity(fatalities: int) -> Quantity:
    """ACLED's ``fatalities`` as a quantity: the most conservative reported figure, so a lower bound.

    ``low`` is the figure, ``high`` unknown (null) and ``best`` null: ACLED gives no most likely
    figure. The text reads ``N+`` (at least N). Zero stays an exact 0 (no death reported).
    """
    return Quantity(fatalities, None, f"{fatalities}+") if fatalities else Quantity.exact(0)


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
    """Reads an ACLED CSV export (one row: an event, and its fatalities as a linked casualties event).

    Rows of types sitlog does not model (protests, riots, most strategic developments) are counted as
    ignored, unless they report fatalities: then they still give their casualties event, so a file's
    deaths and sitlog's agree.
    """

    REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "location")
    NAME = "ACLED"
    SOURCE = "acled"

    def convert(self, line: int, row: dict[str, str]) -> list[tuple[tuple[Any, ...], Match]]:
        event_id = foreign_id("acled", row["event_id_cnty"], "event_id_cnty")
        types = (row["event_type"].strip(), row["sub_event_type"].strip())
        fatalities = cell_count(row.get("fatalities") or "", "fatalities") or 0
        mapped = _ACLED_KINDS.get((types[0].lower(), types[1].lower()))
        if mapped is None and types[0].lower() == EXPLOSIONS.lower() and not types[1]:
            mapped = (Kind.STRIKE, None)  # sitlog's own export of a strike of unknown means
        if mapped is None and not fatalities:
            key = f"{types[0]}/{types[1]}"
            self.ignored[key] = self.ignored.get(key, 0) + 1
            return []
        kind, means = mapped or (Kind.CASUALTIES, None)
        day = _acled_date(row["event_date"])
        year = cell_int(row.get("year") or "", "year")
        if year is not None and year != day.year:
            raise RowError("year", f"{year} is not the year of event_date {row['event_date'].strip()!r}")
        precision = _ACLED_PRECISION.get(cell_int(row.get("time_precision") or "", "time_precision") or 1)
        if precision is None:
            raise RowError("time_precision", f"must be 1, 2 or 3, not {row.get('time_precision')!r}")
        actor1, actor2 = row["actor1"].strip(), (row.get("actor2") or "").strip()
        inter1, inter2 = _inter(row.get("inter1") or "", "inter1"), _inter(row.get("inter2") or "", "inter2")
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
        assoc1, assoc2 = split_list(row.get("assoc_actor_1")), split_list(row.get("assoc_actor_2"))
        ids: dict[str, int] = {}
        units = (row.get("admin1") or None, row.get("admin2") or None, row.get("admin3") or None)
        place = self.place(ForeignPlace(row["location"].strip() or "unknown", *units, None, lat, lon))
        type1, type2 = INTER_TYPE.get(inter1 or 0, ActorType.OTHER), INTER_TYPE.get(inter2 or 0, ActorType.OTHER)
        one = self.actor(actor1, type1, ids) if actor1 else None
        two = None
        if actor2 and not is_civilians(actor2, inter2):
            two = self.actor(actor2, type2, ids)
        tags = split_list(row.get("tags"))
        if geo and geo != 1:
            tags.append(f"{GEO_TAG}{geo}")
        if mapped is None:
            tags.append(f"{TYPE_TAG}{types[0]}/{types[1]}")
        if assoc2 and two is None:  # associated with a civilians side, which sitlog does not keep as an actor
            tags.extend(f"{ASSOC_TAG}{name}" for name in assoc2)
        sides: tuple[Side, ...] = ()
        if one is not None and (assoc1 or (assoc2 and two) or one == two):
            sides = (Side(one, tuple(self.actor(a, type1, ids) for a in assoc1)),)
            if two is not None:
                sides += (Side(two, tuple(self.actor(a, type2, ids) for a in assoc2)),)
        base = Event(
            id=event_id, kind=kind, place_id=place.id, place=place.name, when=When.window(day, precision),
            source=(row.get("source") or "").strip() or None, grade=restored.get("grade"),
            tags=tuple(dict.fromkeys(tags)), operator=self.req.operator, recorded_at=recorded_at,
        )  # fmt: skip
        dead = fatalities_quantity(fatalities) if fatalities else None
        claim = {"claimed": restored.get("claimed", False), "claimed_by": restored.get("claimed_by")}
        actors = tuple(dict.fromkeys(a for a in (one, two) if a))
        match = Match.STAMPED if stamp is not None else Match.HEAD
        if mapped is None:  # a type sitlog does not model, with deaths: its casualties, saying what it was
            what = f"ACLED {types[0]} / {types[1]}"
            civilians = civilian_target or types[1].lower() == "excessive force against protesters"
            victims = base.with_changes(
                id=event_id + CASUALTIES_SUFFIX, kind=Kind.CASUALTIES, actors=actors, killed=dead,
                side="civilians" if civilians else None, note=f"{what}: {note}" if note else what, sides=sides, **claim,
            )  # fmt: skip
            return revision_rows([victims], ids, match)
        if kind is Kind.CASUALTIES or lone:
            civilians = kind is Kind.CASUALTIES
            default_captured = Quantity(1, None, "1+") if types[1].lower().startswith("abduction") else None
            main = base.with_changes(
                kind=Kind.CASUALTIES, actors=tuple(a for a in (one,) if a), side="civilians" if civilians else one,
                killed=figures["killed"] or dead or (None if default_captured else Quantity.exact(0)),
                injured=figures["injured"], captured=figures["captured"] or default_captured,
                person=restored.get("person"), role=restored.get("role"), note=note, sides=sides, **claim,
            )  # fmt: skip
            events = [main]
        else:
            main = base.with_changes(actors=actors, note=note, means=means, sides=sides, **claim)
            if kind is Kind.CONTROL:  # the holder; whom it was taken from contests it (ACLED's actor2)
                main = main.with_changes(actors=actors[:1], against=actors[1:])
            events = [main]
            if dead is not None:
                side = "civilians" if civilian_target else None
                events.append(base.with_changes(
                    id=event_id + CASUALTIES_SUFFIX, kind=Kind.CASUALTIES, killed=dead, side=side, actors=actors,
                ))  # fmt: skip
        return revision_rows(events, ids, match)
