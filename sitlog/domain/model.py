"""The domain: frozen dataclasses, enums and the parse/validate functions. No I/O, no clock, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from typing import Any

from sitlog.domain.ids import new_event_id as new_event_id
from sitlog.domain.ids import parse_client_id as parse_client_id
from sitlog.domain.measures import CREDIBILITY as CREDIBILITY
from sitlog.domain.measures import RELIABILITY as RELIABILITY
from sitlog.domain.measures import Distance as Distance
from sitlog.domain.measures import Relation as Relation
from sitlog.domain.measures import SourceRef as SourceRef
from sitlog.domain.measures import parse_grade as parse_grade
from sitlog.domain.quantity import QUANTITY_WORDS as QUANTITY_WORDS  # re-exported: quantities live there
from sitlog.domain.quantity import Quantity as Quantity
from sitlog.domain.quantity import Range as Range
from sitlog.domain.quantity import check_quantity as check_quantity
from sitlog.errors import InvalidInput


class Kind(StrEnum):
    CONTROL = "control"
    CLASH = "clash"
    CASUALTIES = "casualties"
    STRIKE = "strike"
    DISPLACEMENT = "displacement"
    ADVANCE = "advance"  # front-line movement: never a change of control (ISW/CTP "assessed advances")


class ControlStatus(StrEnum):
    HELD = "held"
    CONTESTED = "contested"
    PARTIAL = "partial"


class Means(StrEnum):
    AIR = "air"
    DRONE = "drone"
    ARTILLERY = "artillery"
    MISSILE = "missile"
    OTHER = "other"


class Precision(StrEnum):
    """How exactly an event's time is known; everything coarser than ``exact`` is a date window."""

    EXACT = "exact"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class ActorType(StrEnum):
    STATE = "state"
    REBEL = "rebel"
    MILITIA = "militia"
    EXTERNAL = "external"
    CIVILIANS = "civilians"
    OTHER = "other"


def parse_enum(enum: type[Any], value: str, what: str) -> Any:
    """``enum(value)`` with a one-line error naming the allowed values."""
    try:
        return enum(value.strip().lower())
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidInput(f"{what} must be one of {allowed}, not {value!r}") from None


# --- places and actors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    aliases: tuple[str, ...] = ()
    admin1: str | None = None
    admin2: str | None = None
    admin3: str | None = None
    pcode: str | None = None
    lat: float | None = None
    lon: float | None = None
    source: str | None = None
    pcode_scheme: str | None = None  # ocha-community (C####), ocha-admin (SY…), ocha (given by hand)
    admin1_pcode: str | None = None
    admin2_pcode: str | None = None
    admin3_pcode: str | None = None

    def label(self) -> str:
        """The name with the admin units that tell homonyms apart."""
        units = [u for u in (self.admin2, self.admin1) if u]
        return f"{self.name} ({', '.join(units)})" if units else self.name

    def candidate(self) -> str:
        """``label`` with the P-code (else the point): how an ambiguous name lists its candidates."""
        units = ", ".join(u for u in (self.admin2, self.admin1) if u)
        where = f"{self.lat:.3f}, {self.lon:.3f}" if self.lat is not None and self.lon is not None else None
        inside = "; ".join(x for x in (units, self.pcode or where) if x)
        return f"{self.name} ({inside})" if inside else self.name

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "aliases": list(self.aliases),
            "admin1": self.admin1,
            "admin2": self.admin2,
            "admin3": self.admin3,
            "pcode": self.pcode,
            "lat": self.lat,
            "lon": self.lon,
            "source": self.source,
            "pcode_scheme": self.pcode_scheme,
            "admin1_pcode": self.admin1_pcode,
            "admin2_pcode": self.admin2_pcode,
            "admin3_pcode": self.admin3_pcode,
        }


@dataclass(frozen=True)
class Actor:
    id: int
    name: str
    aliases: tuple[str, ...] = ()
    type: ActorType = ActorType.OTHER
    parent: str | None = None
    side: str | None = None
    members: tuple[str, ...] = ()  # a coalition's member actors (names)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "aliases": list(self.aliases),
            "type": self.type.value,
            "parent": self.parent,
            "side": self.side,
            "members": list(self.members),
        }


def check_coordinates(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise InvalidInput("give both --lat and --lon, or neither")
    if lat is not None and not -90 <= lat <= 90:
        raise InvalidInput(f"latitude {lat} is outside -90..90")
    if lon is not None and not -180 <= lon <= 180:
        raise InvalidInput(f"longitude {lon} is outside -180..180")


# --- time ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class When:
    """When an event happened: an instant (exact) or a window of dates starting on ``day``.

    ``instant`` is always set (UTC) and orders events; for a window it is midnight UTC of ``day``.
    """

    instant: datetime
    precision: Precision
    day: date | None = None
    end: date | None = None

    @classmethod
    def exact(cls, instant: datetime) -> When:
        return cls(instant.astimezone(timezone.utc).replace(microsecond=0), Precision.EXACT)

    @classmethod
    def window(cls, day: date, precision: Precision, end: date | None = None) -> When:
        start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        return cls(start, precision, day, end if end != day else None)

    @property
    def last_day(self) -> date | None:
        """The last day of a window (``None`` for an instant): ``end`` when given, else the precision's own.

        A ``day`` window is that day; ``week`` the day and the six after it; ``month`` to the end of
        that month; ``year`` to 31 December.
        """
        day = self.day
        if day is None:
            return None
        if self.end is not None:
            return self.end
        if self.precision is Precision.WEEK:
            return day + timedelta(days=6)
        if self.precision is Precision.MONTH:
            following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            return following - timedelta(days=1)
        if self.precision is Precision.YEAR:
            return date(day.year, 12, 31)
        return day

    def local_days(self, tz: tzinfo) -> tuple[date, date]:
        """The first and last report-zone day this covers: an instant's local day twice, else the window."""
        if self.day is None:
            local = self.instant.astimezone(tz).date()
            return local, local
        return self.day, self.last_day or self.day

    def local_day(self, tz: tzinfo) -> date:
        """The day this falls on in the report zone; a window counts on its first day in any zone."""
        if self.day is not None:
            return self.day
        return self.instant.astimezone(tz).date()

    def start(self, tz: tzinfo) -> datetime:
        """When this begins in the report zone: the instant, or local midnight of a window's first day.

        Every report-side comparison (order, spans, durations, ``--at``) uses this; ``instant`` stays
        zone-free (midnight UTC of ``day``) for storage.
        """
        if self.day is None:
            return self.instant
        return day_bounds(self.day, tz)[0]

    def to_json(self, tz: tzinfo) -> str:
        if self.day is not None:
            return self.day.isoformat()
        return rfc3339(self.instant, tz)


def rfc3339(instant: datetime, tz: tzinfo) -> str:
    return instant.astimezone(tz).isoformat(timespec="seconds")


def utc_key(instant: datetime) -> str:
    """The fixed-width sortable text form the store keeps instants in."""
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_utc_key(text: str) -> datetime:
    """The instant a ``utc_key`` text names (``fromisoformat``: ~20x faster than ``strptime`` on bulk reads)."""
    instant = datetime.fromisoformat(text)
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=timezone.utc)


def day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The instants where ``day`` starts and ends in ``tz`` (DST-safe)."""
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


# --- events ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One side of an event as a source lists it: its principal actor and the actors associated with it.

    ACLED's ``actor1`` + ``assoc_actor_1`` is one side. Intra-group fighting is two sides with the
    same principal actor (told apart by their associated actors).
    """

    actor: str
    associated: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"actor": self.actor, "associated": list(self.associated)}


@dataclass(frozen=True)
class Event:
    """One observation at one revision. ``actors`` holds names, the principal first."""

    id: str
    kind: Kind
    place_id: int
    place: str
    when: When
    actors: tuple[str, ...] = ()
    status: ControlStatus | None = None
    part: str | None = None
    against: tuple[str, ...] = ()
    outcome: str | None = None
    killed: Quantity | None = None
    injured: Quantity | None = None
    captured: Quantity | None = None
    side: str | None = None
    person: str | None = None
    role: str | None = None
    means: Means | None = None
    people: Quantity | None = None
    families: Quantity | None = None
    to: str | None = None
    to_place_id: int | None = None
    source: str | None = None
    grade: str | None = None
    claimed: bool = False
    claimed_by: str | None = None
    note: str | None = None
    tags: tuple[str, ...] = ()
    operator: str = ""
    recorded_at: datetime = field(default_factory=lambda: datetime(1970, 1, 1, tzinfo=timezone.utc))
    revision: int = 1
    retracted: bool = False
    reason: str | None = None
    duplicate_of: str | None = None
    baseline: bool = False  # control: "held as of" (a ceasefire line), never a change or a battle
    from_actor: str | None = None  # control: who held it before, as the report says (no earlier event)
    relation: Relation | None = None  # advance: toward or near its place
    distance_km: Distance | None = None  # advance
    direction: str | None = None  # advance: e.g. west
    sources: tuple[SourceRef, ...] = ()  # every report behind the event, the original first; () = just its own
    sides: tuple[Side, ...] = ()
    handle: str | None = None  # the short handle the store gave it (None until stored)

    @property
    def holder(self) -> str | None:
        """The assessed or claimed holder of a control event; None for other kinds and contested-with-no-holder."""
        return self.actors[0] if self.kind is Kind.CONTROL and self.actors else None

    @property
    def all_sources(self) -> tuple[SourceRef, ...]:
        """The reports behind the event: ``sources``, or its own source when it has no list (older rows)."""
        return self.sources or (SourceRef(self.source, self.grade, None, None),)

    def content(self) -> dict[str, Any]:
        """What the reporter said, without bookkeeping: used to tell an idempotent retry from a conflict."""
        data = self.to_json(timezone.utc)
        # Sources are bookkeeping too: a corroboration adds a report, not a different fact.
        bookkeeping = ("operator", "recorded_at", "revision", "retracted", "reason", "duplicate_of", "place")
        for key in (*bookkeeping, "sources", "handle"):
            data.pop(key, None)
        return data

    def with_changes(self, **changes: Any) -> Event:
        return replace(self, **changes)

    def to_json(self, tz: tzinfo) -> dict[str, Any]:
        """The ``event`` JSON shape of SPEC.md."""

        def q(value: Quantity | None) -> dict[str, Any] | None:
            return value.to_json() if value else None

        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.value,
            "place": self.place,
            "place_id": self.place_id,
            "at": self.when.to_json(tz),
            "precision": self.when.precision.value,
        }
        if self.when.end is not None:
            data["at_end"] = self.when.end.isoformat()
        data["actors"] = list(self.actors)
        if self.kind is Kind.CONTROL:
            data.update(status=self.status.value if self.status else None, part=self.part, against=list(self.against),
                        baseline=self.baseline, **{"from": self.from_actor})  # fmt: skip
        elif self.kind is Kind.CLASH:
            data.update(outcome=self.outcome)
        elif self.kind is Kind.CASUALTIES:
            data.update(
                killed=q(self.killed),
                injured=q(self.injured),
                captured=q(self.captured),
                side=self.side,
                person=self.person,
                role=self.role,
            )
        elif self.kind is Kind.STRIKE:
            data.update(means=self.means.value if self.means else None)
        elif self.kind is Kind.DISPLACEMENT:
            data.update(people=q(self.people), families=q(self.families), to=self.to)
        elif self.kind is Kind.ADVANCE:
            data.update(
                relation=self.relation.value if self.relation else None,
                distance_km=self.distance_km.to_json() if self.distance_km else None,
                direction=self.direction,
            )
        data.update(
            source=self.source,
            grade=self.grade,
            claimed=self.claimed,
            claimed_by=self.claimed_by,
            note=self.note,
            tags=list(self.tags),
            operator=self.operator,
            recorded_at=rfc3339(self.recorded_at, tz),
            revision=self.revision,
            retracted=self.retracted,
        )
        if self.reason is not None:
            data["reason"] = self.reason
        if self.duplicate_of is not None:
            data["duplicate_of"] = self.duplicate_of
        data["sources"] = [s.to_json(rfc3339(s.recorded_at, tz) if s.recorded_at else None) for s in self.all_sources]
        if self.sides:
            data["sides"] = [side.to_json() for side in self.sides]
        if self.handle is not None:
            data["handle"] = self.handle
        return data


def validate_event(event: Event) -> None:
    """The rules SPEC.md sets per kind; raises InvalidInput with the first broken one."""
    kind = event.kind
    if kind is Kind.CONTROL:
        validate_control(event)
    if kind is Kind.ADVANCE:
        if not event.actors:
            raise InvalidInput("an advance needs --by ACTOR (who advanced)")
        if event.relation is None:
            raise InvalidInput("an advance needs --toward PLACE or --near PLACE")
    if kind is Kind.CLASH and len(set(event.actors)) < 2 and len(event.sides) < 2:
        raise InvalidInput("a clash needs at least two different --actor ACTOR")
    if kind is Kind.CASUALTIES and not (event.killed or event.injured or event.captured):
        raise InvalidInput("casualties need at least one of --killed, --injured, --captured")
    if kind is Kind.STRIKE and not event.actors:
        raise InvalidInput("a strike needs --by ACTOR (who struck)")
    if kind is Kind.DISPLACEMENT and not (event.people or event.families):
        raise InvalidInput("displacement needs --people Q or --families Q")
    if event.role and not event.person:
        raise InvalidInput("--role describes a --person; give the person too")


def validate_control(event: Event) -> None:
    """A control event's rules: a holder unless contested; contested names two distinct parties;
    ``--from`` is not the new holder; a baseline changes no hands. Raises InvalidInput (exit 3)."""
    status = event.status or ControlStatus.HELD
    if not event.actors and status is not ControlStatus.CONTESTED:
        raise InvalidInput("a control event needs --by ACTOR (who holds the place), unless it is --status contested")
    if status is ControlStatus.CONTESTED and len({*event.actors[:1], *event.against}) < 2:
        raise InvalidInput("contested needs two parties: give --against ACTOR twice, or --by and --against")
    if event.from_actor is not None and event.from_actor == event.holder:
        raise InvalidInput("--from names who held it before; it cannot be the new holder --by")
    if event.baseline and event.from_actor is not None:
        raise InvalidInput("a --baseline records who held the place as of then; it takes no --from")


@dataclass(frozen=True)
class ChangeSet:
    """One command that changed events (a log, amend, retract, import or undo)."""

    id: str
    operator: str
    command: str
    created_at: datetime
    summary: str | None
    undoes: str | None
    last_seq: int  # the recording position of its last revision: change sets are ordered by it
