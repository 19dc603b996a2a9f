"""The pure report functions: spans, status, windows, summaries (no database, no CLI)."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitlog.domain.model import Actor, ControlStatus, Event, Kind, Place, Precision, Quantity, When
from sitlog.domain.report import (
    actor_family,
    clip_spans,
    control_spans,
    filter_status,
    history,
    known_by,
    status_from_events,
    when_in,
)
from sitlog.domain.summary import day_range, periods, summary

UTC = timezone.utc
PLACE = Place(1, "Anjara", ("Anjarah",), "Aleppo")


def at(day: int, hour: int = 12) -> When:
    return When.exact(datetime(2024, 11, day, hour, tzinfo=UTC))


def control(n: int, when: When, holder: str, status: ControlStatus = ControlStatus.HELD, **extra: object) -> Event:
    return Event(id=f"E{n:03d}", kind=Kind.CONTROL, place_id=1, place="Anjara", when=when, actors=(holder,),
                 status=status, **extra)  # type: ignore[arg-type]  # fmt: skip


def casualties(n: int, when: When, **figures: object) -> Event:
    return Event(id=f"C{n:03d}", kind=Kind.CASUALTIES, place_id=2, place="Bala", when=when, **figures)  # type: ignore[arg-type]


def test_capture_then_recapture_gives_two_spans() -> None:
    spans = control_spans([control(1, at(27), "HTS"), control(2, at(29), "SAA")], UTC)
    assert [(s.holder, s.start, s.end) for s in spans] == [("HTS", at(27), at(29)), ("SAA", at(29), None)]


def test_repeated_report_of_the_same_state_extends_the_span() -> None:
    spans = control_spans([control(1, at(27), "HTS"), control(2, at(28), "HTS"), control(3, at(29), "SAA")], UTC)
    assert [(s.holder, s.event_ids) for s in spans] == [("HTS", ("E001", "E002")), ("SAA", ("E003",))]


def test_status_or_part_change_starts_a_new_span() -> None:
    events = [
        control(1, at(27), "SAA"),
        control(2, at(28), "SAA", ControlStatus.CONTESTED, against=("HTS",)),
        control(3, at(29), "SAA", ControlStatus.PARTIAL, part="south"),
    ]
    spans = control_spans(events, UTC)
    assert [(s.status, s.part) for s in spans] == [
        (ControlStatus.HELD, None),
        (ControlStatus.CONTESTED, None),
        (ControlStatus.PARTIAL, "south"),
    ]
    assert spans[1].against == ("HTS",)


def test_clashes_and_retracted_events_do_not_make_spans() -> None:
    clash = Event(id="K1", kind=Kind.CLASH, place_id=1, place="Anjara", when=at(28), actors=("HTS", "SAA"))
    retracted = control(2, at(29), "SAA", retracted=True)
    spans = control_spans([control(1, at(27), "HTS"), clash, retracted], UTC)
    assert [(s.holder, s.end) for s in spans] == [("HTS", None)]


def test_a_claim_makes_no_span_and_an_assessment_after_it_starts_its_own() -> None:
    """Issue 11: spans are assessed control only (ISW/CTP); a claim never opens or extends one."""
    claimed = control_spans([control(1, at(27), "HTS", claimed=True), control(2, at(28), "HTS", claimed=True)], UTC)
    mixed = control_spans([control(1, at(27), "HTS", claimed=True), control(2, at(28), "HTS")], UTC)
    assert claimed == []
    assert [(s.holder, s.start, s.event_ids, s.claimed) for s in mixed] == [("HTS", at(28), ("E002",), False)]


def test_status_before_the_first_control_event_is_none() -> None:
    events = [control(1, at(27), "HTS")]
    assert status_from_events(PLACE, events, datetime(2024, 11, 26, tzinfo=UTC), UTC) is None
    entry = status_from_events(PLACE, events, datetime(2024, 11, 27, 12, tzinfo=UTC), UTC)
    assert entry is not None and entry.holder == "HTS" and entry.event_id == "E001"


def test_status_same_instant_later_in_store_order_wins() -> None:
    events = [control(1, at(27), "HTS"), control(2, at(27), "SAA")]
    entry = status_from_events(PLACE, events, datetime(2024, 11, 28, tzinfo=UTC), UTC)
    assert entry is not None and entry.holder == "SAA"


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "America/Los_Angeles", "Asia/Damascus"])
def test_a_day_window_falls_in_its_day_in_any_zone(zone: str) -> None:
    tz = UTC if zone == "UTC" else ZoneInfo(zone)
    when = When.window(date(2024, 11, 27), Precision.DAY)
    assert when.local_day(tz) == date(2024, 11, 27)

    def local(d: int, h: int = 0) -> datetime:
        return datetime(2024, 11, d, h, tzinfo=tz)

    assert when_in(when, local(27), local(28), tz)
    assert not when_in(when, local(28), local(29), tz)
    assert not when_in(when, local(26), local(27), tz)
    assert known_by(when, local(27, 23), tz) and not known_by(when, local(26, 23), tz)


def test_clipping_keeps_who_held_the_place_when_the_window_opens() -> None:
    spans = control_spans([control(1, at(1), "SAA"), control(2, at(20), "HTS")], UTC)
    since, until, now = datetime(2024, 11, 10, tzinfo=UTC), datetime(2024, 11, 25, tzinfo=UTC), at(28).instant
    shown = clip_spans(spans, since, until, now, UTC)
    assert [(s.span.holder, s.start.instant, s.end.instant if s.end else None) for s in shown] == [
        ("SAA", since, at(20).instant),
        ("HTS", at(20).instant, until),
    ]
    assert shown[0].clipped_start and shown[1].clipped_end
    assert shown[0].seconds == (at(20).instant - since).total_seconds()


def test_history_window_filters_events_not_the_derivation() -> None:
    events = [control(1, at(1), "SAA"), casualties(2, at(15), killed=Quantity.exact(3))]
    result = history(PLACE, events, datetime(2024, 11, 10, tzinfo=UTC), None, at(28).instant, UTC)
    assert [e.id for e in result.events] == ["C002"]
    assert [s.span.holder for s in result.spans] == ["SAA"]


def test_actor_family_takes_units_under_an_actor() -> None:
    actors = [Actor(1, "HTS"), Actor(2, "Northern Storm Brigade", parent="HTS"), Actor(3, "SAA")]
    assert actor_family("HTS", actors) == {"HTS", "Northern Storm Brigade"}
    entries = [
        e
        for e in (
            status_from_events(Place(i, name, admin1="Aleppo"), [control(i, at(27), holder)], at(28).instant, UTC)
            for i, (name, holder) in enumerate([("A", "Northern Storm Brigade"), ("B", "SAA")], 1)
        )
        if e is not None
    ]
    assert [e.place for e in filter_status(entries, actor_family("HTS", actors))] == ["A"]
    assert filter_status(entries, None, "Idlib") == []
    assert len(filter_status(entries, None, "aleppo")) == 2


def test_summary_keeps_claims_apart_and_unknown_high_stays_unknown() -> None:
    events = [
        casualties(1, at(27), killed=Quantity.parse("10-15")),
        casualties(2, at(27), killed=Quantity.parse("40+")),
        casualties(3, at(27), killed=Quantity.parse("dozens"), claimed=True, claimed_by="pro-government media"),
        casualties(4, at(28), killed=Quantity.exact(2)),
    ]
    result = summary(events, periods(date(2024, 11, 27), date(2024, 11, 29)), {}, UTC)
    first, second, empty = result["days"]
    assert first["killed"] == {"low": 50, "best": 0, "high": None, "without_best": 2}
    assert [c["party"] for c in first["claims"]] == ["pro-government media"]
    assert first["claims"][0]["killed"] == {"low": 12, "best": None, "high": None, "text": "dozens"}
    assert second["killed"] == {"low": 2, "best": 0, "high": 2, "without_best": 1}
    assert empty["events"] == 0 and empty["killed"] is None  # nobody reported a figure: unknown, not zero
    assert (
        result["total"]["killed"] == {"low": 52, "best": 0, "high": None, "without_best": 3}
        and result["total"]["day_count"] == 3
    )


def test_summary_control_changes_are_relative_to_what_held_before() -> None:
    before = {1: ("SAA", ControlStatus.HELD, None)}
    events = [control(1, at(27), "SAA"), control(2, at(27, 14), "HTS"), control(3, at(27, 15), "HTS")]
    day = summary(events, [(date(2024, 11, 27), date(2024, 11, 27))], before, UTC)["days"][0]
    assert [(c["from"], c["to"]) for c in day["control_changes"]] == [("SAA", "HTS")]
    assert day["gains"] == {"HTS": ["Anjara"]} and day["losses"] == {"SAA": ["Anjara"]}


def test_summary_counts_a_window_in_the_period_holding_it_and_marks_it() -> None:
    # Issue 9: a week window counts in a period that holds the whole week, each day lists it as windowed.
    week = When.window(date(2024, 11, 25), Precision.WEEK)
    events = [casualties(1, week, killed=Quantity.exact(4))]
    result = summary(events, periods(date(2024, 11, 25), date(2024, 12, 1)), {}, ZoneInfo("America/New_York"))
    days = result["days"]
    assert [d["events"] for d in days] == [0, 0, 0, 0, 0, 0, 0]
    assert [d["windowed"]["killed"]["low"] for d in days] == [4] * 7
    assert result["total"]["events"] == 1 and result["total"]["killed"]["low"] == 4
    assert result["total"]["imprecise"][0]["precision"] == "week"
    weeks = summary(events, periods(date(2024, 11, 20), date(2024, 12, 3), "week"), {}, UTC)["days"]
    assert [(d["day"], d["until"], d["events"], d["windowed"]["events"]) for d in weeks] == [
        ("2024-11-20", "2024-11-24", 0, 0),
        ("2024-11-25", "2024-12-01", 1, 0),
        ("2024-12-02", "2024-12-03", 0, 0),
    ]


def test_day_range_is_inclusive() -> None:
    assert day_range(date(2024, 11, 27), date(2024, 11, 29)) == [
        date(2024, 11, 27) + timedelta(days=n) for n in range(3)
    ]


# --- the fast status query agrees with the pure derivation -----------------------------------------------

ZONES = [UTC, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Damascus")]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    events=st.lists(
        st.tuples(
            st.integers(0, 2),  # place
            st.integers(0, 2),  # holder
            st.sampled_from(list(ControlStatus)),
            st.integers(0, 5 * 24),  # hours after the start; day windows use the day only
            st.booleans(),  # day precision?
            st.booleans(),  # retracted?
        ),
        max_size=12,
    ),
    cutoff_hours=st.integers(-24, 6 * 24),
    zone=st.sampled_from(ZONES),
)
def test_status_query_agrees_with_the_pure_function(
    tmp_path_factory: pytest.TempPathFactory,
    template_db: Path,
    events: list[tuple[int, int, ControlStatus, int, bool, bool]],
    cutoff_hours: int,
    zone: tzinfo,
) -> None:
    from sitlog.store import Store
    from sitlog.store import reports as store_reports

    # A copy of the migrated template: since issue 10 migrating a new database loads 5,300 places.
    path = tmp_path_factory.mktemp("status") / "s.db"
    shutil.copyfile(template_db, path)
    store = Store(path)
    start = datetime(2024, 11, 25, tzinfo=UTC)
    with store.transaction():
        holders = [store.actors.add(f"Actor {c}", now=start).name for c in "ABC"]
        places = [store.places.add(f"Testplace {c}", admin1="Aleppo", now=start) for c in "KLM"]
        stored: dict[int, list[Event]] = {}
        for n, (p, h, status, hours, by_day, retracted) in enumerate(events):
            instant = start + timedelta(hours=hours)
            when = When.window(instant.date(), Precision.DAY) if by_day else When.exact(instant)
            event = Event(id=f"EV{n:04d}", kind=Kind.CONTROL, place_id=places[p].id, place=places[p].name,
                          when=when, actors=(holders[h],), status=status, operator="t", recorded_at=start,
                          retracted=retracted)  # fmt: skip
            store.events.insert_revision(event, None)
            stored.setdefault(p, []).append(event)
    cutoff = start + timedelta(hours=cutoff_hours)
    fast = {e.place_id: e for e in store_reports.status(store, cutoff, zone)}
    slow = {e.place_id: e for e in store_reports.status(store, cutoff, zone, known_at=start + timedelta(days=1))}
    assert fast == slow
    for p, place_events in stored.items():
        # The store's order: time, then recording order (here: list order).
        ordered = sorted(place_events, key=lambda e: (e.when.instant, int(e.id[2:])))
        pure = status_from_events(places[p], ordered, cutoff, zone)
        assert fast.get(places[p].id) == pure
    store.close()
