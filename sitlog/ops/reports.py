"""The analyst reports as use cases: the store's queries handed to the pure report functions.

Each returns data (``domain.report`` types); the CLI hands it to ``render``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sitlog.domain import report
from sitlog.domain import summary as summaries
from sitlog.errors import NotFound
from sitlog.store import reports as store_reports

if TYPE_CHECKING:
    from sitlog.store import Store


def status(
    store: Store, tz: tzinfo, cutoff: datetime, known_at: datetime | None, actor: str | None, admin1: str | None
) -> list[report.StatusEntry]:
    """Who holds each place as of ``cutoff`` (as known at ``known_at``), filtered by actor family and admin1.

    Raises NotFound (exit 4) for an unknown actor name.
    """
    family = None
    if actor:
        family = report.actor_family(store.actors.resolve(actor, NotFound).item.name, store.actors.by_id().values())
    return report.filter_status(store_reports.status(store, cutoff, tz, known_at), family, admin1)


def place_history(
    store: Store,
    tz: tzinfo,
    now: datetime,
    place_text: str,
    since: datetime | None,
    until: datetime | None,
    include_retracted: bool,
    known_at: datetime | None,
) -> report.History:
    """A place's control spans and events; raises NotFound (exit 4, with candidates) for an unknown place."""
    place = store.places.resolve(place_text, NotFound).item
    events = store_reports.place_events(store, place.id, known_at, include_retracted=True)
    return report.history(place, events, since, until, known_at or now, tz, include_retracted)


def summary(
    store: Store,
    tz: tzinfo,
    first: date,
    last: date,
    known_at: datetime | None,
    by: str = "day",
    actor: str | None = None,
    exact: bool = False,
) -> dict[str, Any]:
    """Summary of the local days ``first``..``last`` (inclusive) per day, ISO week or month (``by``), plus
    their total, as JSON-ready data (``domain.summary``): ``summary_stream`` gathered. Raises ValueError for
    another ``by``, NotFound (exit 4) for an unknown ``actor``."""
    days, total = summary_stream(store, tz, first, last, known_at, by, actor, exact)
    entries = list(days)
    return {"days": entries, "total": total()}


def summary_stream(
    store: Store,
    tz: tzinfo,
    first: date,
    last: date,
    known_at: datetime | None,
    by: str = "day",
    actor: str | None = None,
    exact: bool = False,
) -> tuple[Iterator[dict[str, Any]], Callable[[], dict[str, Any]]]:
    """``summary`` as it goes: its period entries (JSON-ready, ``domain.summary``) one by one, each let go once
    handed out, then a function giving the total (call it after the entries). Raises ValueError for another
    ``by``.

    ``actor``: only events that involve it (as an actor, an opponent, a side or a casualties side), with
    its sub-units and coalitions unless ``exact`` — the roll-up of ``events --actor``. Unknown: NotFound.
    """
    from sitlog.store import summary as store_summary

    periods = summaries.periods(first, last, by)
    involved = None
    if actor:
        who = store.actors.resolve(actor, NotFound).item
        ids = frozenset([who.id]) if exact else store.actors.family_ids(who)
        by_id = store.actors.by_id()
        involved = (ids, frozenset(by_id[i].name for i in ids if i in by_id))
    # Events added up by day in SQL, the others read one by one in report order (store/summary.py).
    controlled = store_summary.control_places(store, first, last, tz, known_at)
    before = store_reports.state_before(store, controlled, first, tz, known_at)
    plain, items = store_summary.summary_facts(store, first, last, tz, known_at, involved)
    return summaries.stream_summary(items, periods, before, plain)


def diff(
    store: Store, tz: tzinfo, start: datetime, end: datetime, known_at: datetime | None, learned: bool
) -> dict[str, Any]:
    """What changed from ``start`` to ``end``: in the world (as known at ``known_at``, default now), or with
    ``learned`` in what the log said about ``end`` — what was recorded between the two moments."""
    from sitlog.domain.diff import diff as compute

    if learned:
        before = store_reports.status(store, end, tz, start)
        after = store_reports.status(store, end, tz, end)
        events = store_reports.events_between(store, start, end, tz, end, by_recording=True)
    else:
        before = store_reports.status(store, start, tz, known_at)
        after = store_reports.status(store, end, tz, known_at)
        events = store_reports.events_between(store, start, end, tz, known_at)
    return compute(before, after, events, tz)
