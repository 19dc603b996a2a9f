"""Corrections without loss: amend, retract and undo append revisions; nothing stored is changed.

Every correction reads the event's head revision *inside* the ``BEGIN IMMEDIATE`` transaction that
writes the next one, so two operators correcting the same event at once get consecutive revisions
(or one waits past the busy timeout and gets exit 5) — never a lost update.

``undo`` reverts a change set (the revisions one command wrote) by appending, for each event it
touched, a revision that restores the state before it: an event the change set created is retracted,
an amended or retracted one gets its previous content back. Which change set is "the last one":
the most recently recorded change set of this operator that has not itself been undone. An undo is
a change set too, so running ``undo`` twice re-applies what the first one reverted (undo of an undo).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sitlog.domain.model import (
    ChangeSet,
    ControlStatus,
    Distance,
    Event,
    Kind,
    Means,
    Quantity,
    When,
    new_event_id,
    parse_enum,
    parse_grade,
    validate_event,
)
from sitlog.domain.revisions import (
    Correction,
    EventHistory,
    Revert,
    RevisionStep,
    UndoPlan,
    changes_between,
    describe_changeset,
)
from sitlog.errors import Busy, InvalidInput, NotFound, UsageError
from sitlog.store.revisions import (
    changesets_after,
    get_changeset,
    insert_changeset,
    latest_changeset,
    next_revision,
    revision,
    touches,
    undone_by,
)

if TYPE_CHECKING:
    from sitlog.store import Store

# Kind-specific amend options: the Event field each sets, its option name, the kinds it applies to.
KIND_OPTIONS: dict[str, tuple[str, tuple[Kind, ...]]] = {
    "by": ("--by", (Kind.CONTROL, Kind.STRIKE, Kind.ADVANCE)),
    "from": ("--from", (Kind.CONTROL,)),
    "baseline": ("--baseline", (Kind.CONTROL,)),
    "distance": ("--distance", (Kind.ADVANCE,)),
    "direction": ("--direction", (Kind.ADVANCE,)),
    "status": ("--status", (Kind.CONTROL,)),
    "part": ("--part", (Kind.CONTROL,)),
    "against": ("--against", (Kind.CONTROL,)),
    "actors": ("--actor", (Kind.CLASH,)),
    "outcome": ("--outcome", (Kind.CLASH,)),
    "killed": ("--killed", (Kind.CASUALTIES,)),
    "injured": ("--injured", (Kind.CASUALTIES,)),
    "captured": ("--captured", (Kind.CASUALTIES,)),
    "side": ("--side", (Kind.CASUALTIES,)),
    "person": ("--person", (Kind.CASUALTIES,)),
    "role": ("--role", (Kind.CASUALTIES,)),
    "means": ("--means", (Kind.STRIKE,)),
    "people": ("--people", (Kind.DISPLACEMENT,)),
    "families": ("--families", (Kind.DISPLACEMENT,)),
    "to": ("--to", (Kind.DISPLACEMENT,)),
}
COMMON_OPTIONS = (
    "kind",
    "place",
    "new_place",
    "at",
    "source",
    "grade",
    "claimed",
    "claimed_by",
    "note",
    "tags",
    "unretract",
)
_QUANTITIES = ("killed", "injured", "captured", "people", "families")
_SIDE_WORDS = ("civilians", "unknown")
# Cleared when an amendment changes the kind: what belonged to the old kind does not carry over.
_KIND_FIELDS: dict[str, Any] = dict(
    actors=(), status=None, part=None, against=(), outcome=None, killed=None, injured=None, captured=None,
    side=None, person=None, role=None, means=None, people=None, families=None, to=None, to_place_id=None,
    baseline=False, from_actor=None, relation=None, distance_km=None, direction=None,
)  # fmt: skip


def state(event: Event) -> tuple[Any, ...]:
    """What an event says, the reports behind it and whether it stands: equal states are no change."""
    return (event.content(), event.retracted, event.duplicate_of, event.sources)


def _check_reason(reason: str) -> None:
    if not reason.strip():
        raise UsageError("--reason cannot be empty: say why the event is corrected")


# --- amend -----------------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    """An empty option value (``--note ''``, ``--tag ''``) clears the field."""
    if isinstance(value, (list, tuple)):
        return not any(str(v).strip() for v in value)
    return isinstance(value, str) and not value.strip()


def _quantity(value: str, option: str) -> Quantity:
    try:
        return Quantity.parse(value)
    except InvalidInput as exc:
        raise InvalidInput(f"{option}: {exc.message}") from None


def _resolved(notes: list[str], typed: str, how: str, canonical: str) -> None:
    if how != "name":
        notes.append(f"{typed!r} → {canonical} ({how})")


def _actor(store: Store, text: str, notes: list[str]) -> str:
    match = store.actors.resolve(text)
    _resolved(notes, text, match.how, match.item.name)
    return match.item.name


def check_options(kind: Kind, changes: dict[str, Any]) -> None:
    """Exit 3 for a kind-specific option that does not apply to ``kind``, or an unknown key."""
    for key in changes:
        if key in COMMON_OPTIONS:
            continue
        if key not in KIND_OPTIONS:
            raise InvalidInput(f"amend cannot change {key!r}")
        option, kinds = KIND_OPTIONS[key]
        if kind not in kinds:
            fits = " or ".join(k.value for k in kinds)
            raise InvalidInput(f"{option} does not apply to a {kind.value} event (it is for {fits} events)")


def amended(
    store: Store, head: Event, changes: dict[str, Any], when: When | None, now: datetime, notes: list[str]
) -> Event:
    """``head`` with the given options applied, names resolved like ``log`` does; not stored.

    ``changes`` holds only the options given; an empty string (or list of them) clears a field.
    The bookkeeping fields (revision, operator, recorded_at, reason) are left to the caller.
    """
    kind = parse_enum(Kind, changes["kind"], "--kind") if "kind" in changes else head.kind
    check_options(kind, changes)
    event = head if kind is head.kind else head.with_changes(kind=kind, **_KIND_FIELDS)
    if kind is Kind.CONTROL and event.status is None:
        event = event.with_changes(status=ControlStatus.HELD)
    # Cheap checks first, so a bad figure fails before any name is looked up.
    update = _parsed_values(changes)
    if "at" in changes and when is not None:
        update["when"] = when
    update.update(_resolved_names(store, changes, now, notes))
    if changes.get("unretract"):
        update.update(retracted=False, duplicate_of=None)
    event = event.with_changes(**update)
    if event.sources and ("source" in changes or "grade" in changes):
        # The first source is the event's own report: it says what --source and --grade now say.
        first = replace(event.sources[0], source=event.source, grade=event.grade)
        event = event.with_changes(sources=(first, *event.sources[1:]))
    if event.kind is Kind.CONTROL:
        # "held" means the whole place: saying so drops a part; naming a part of a held place makes it partial.
        if "status" in changes and event.status is ControlStatus.HELD and "part" not in changes:
            event = event.with_changes(part=None)
        elif event.part and event.status is ControlStatus.HELD:
            event = event.with_changes(status=ControlStatus.PARTIAL)
    validate_event(event)
    return event


def _parsed_values(c: dict[str, Any]) -> dict[str, Any]:
    """The Event fields that come from parsing an option's text alone: figures, grade, enums, free text."""
    update: dict[str, Any] = {}
    for name in _QUANTITIES:
        if name in c:
            update[name] = None if _blank(c[name]) else _quantity(c[name], KIND_OPTIONS[name][0])
    if "grade" in c:
        update["grade"] = None if _blank(c["grade"]) else parse_grade(c["grade"])
    if "status" in c:
        update["status"] = parse_enum(ControlStatus, c["status"], "--status")
    if "means" in c:
        update["means"] = None if _blank(c["means"]) else parse_enum(Means, c["means"], "--means")
    for name in ("part", "outcome", "person", "role", "source"):
        if name in c:
            update[name] = None if _blank(c[name]) else c[name].strip()
    if "note" in c:
        update["note"] = None if _blank(c["note"]) else c["note"]
    if "distance" in c:
        update["distance_km"] = None if _blank(c["distance"]) else Distance.parse(c["distance"])
    if "direction" in c:
        update["direction"] = None if _blank(c["direction"]) else c["direction"].strip()
    if "baseline" in c:
        update["baseline"] = bool(c["baseline"])
    if "tags" in c:
        update["tags"] = tuple(dict.fromkeys(t.strip() for t in c["tags"] if t.strip()))
    if "claimed" in c:
        update["claimed"] = bool(c["claimed"])
        if not c["claimed"]:
            update["claimed_by"] = None
    if "claimed_by" in c:
        update["claimed_by"] = None if _blank(c["claimed_by"]) else c["claimed_by"].strip()
        if update["claimed_by"]:
            update["claimed"] = True
    return update


def _resolved_names(store: Store, c: dict[str, Any], now: datetime, notes: list[str]) -> dict[str, Any]:
    """The Event fields that name places and actors, resolved as ``log`` resolves them."""
    from sitlog.ops.recording import resolve_or_create_place

    def actors(names: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_actor(store, a, notes) for a in names if a.strip()))

    update: dict[str, Any] = {}
    if "place" in c:
        place = resolve_or_create_place(store, c["place"], bool(c.get("new_place")), now, notes)
        update.update(place_id=place.id, place=place.name)
    if "by" in c:  # --by '' leaves a contested place with no holder
        update["actors"] = () if _blank(c["by"]) else (_actor(store, c["by"], notes),)
    if "from" in c:
        update["from_actor"] = None if _blank(c["from"]) else _actor(store, c["from"], notes)
    if "against" in c:
        update["against"] = actors(c["against"])
    if "actors" in c:
        update["actors"] = actors(c["actors"])
    if "side" in c:
        side = c["side"].strip()
        if not side:
            update.update(side=None, actors=())
        elif side.lower() in _SIDE_WORDS:
            update.update(side=side.lower(), actors=())
        else:
            name = _actor(store, side, notes)
            update.update(side=name, actors=(name,))
    if "to" in c:
        if _blank(c["to"]):
            update.update(to=None, to_place_id=None)
        else:
            to_place = resolve_or_create_place(store, c["to"], bool(c.get("new_place")), now, notes)
            update.update(to=to_place.name, to_place_id=to_place.id)
    return update


def amend(
    store: Store,
    event_id: str,
    changes: dict[str, Any],
    when: When | None,
    reason: str,
    operator: str,
    now: datetime,
) -> Correction:
    """Append a revision of the event with ``changes`` applied (one transaction, one change set).

    Asking for what the event already says writes nothing (a retried amend is harmless).
    """
    if not changes:
        raise UsageError("nothing to amend: give at least one option to change (see sitlog amend --help)")
    _check_reason(reason)
    notes: list[str] = []
    with store.transaction():
        head = store.events.get(event_id)
        if head.retracted and not changes.get("unretract"):
            raise InvalidInput(
                f"event {head.id} is retracted ({head.reason or 'no reason given'}); "
                "add --unretract to amend it back into the reports"
            )
        event = amended(store, head, changes, when, now, notes)
        if state(event) == state(head):
            return Correction(head, head, False, notes)
        event = event.with_changes(
            revision=next_revision(store, head.id), operator=operator, recorded_at=now, reason=reason
        )
        changeset = new_event_id(now)
        store.begin_changeset(changeset, operator, "amend", now, f"{head.id} r{event.revision}")
        store.events.insert_revision(event, changeset)
    return Correction(event, head, True, notes)


# --- retract ---------------------------------------------------------------------------------------


def retract(
    store: Store, event_id: str, reason: str, duplicate_of: str | None, operator: str, now: datetime
) -> Correction:
    """Append a revision marking the event retracted; reports leave it out, ``show`` still has it."""
    _check_reason(reason)
    with store.transaction():
        head = store.events.get(event_id)
        original: str | None
        if duplicate_of is not None:
            original = store.events.get(duplicate_of).id
            if original == head.id:
                raise InvalidInput(f"event {head.id} cannot be a duplicate of itself")
        else:
            original = head.duplicate_of if head.retracted else None
        if head.retracted and head.duplicate_of == original:
            return Correction(head, head, False)
        event = head.with_changes(
            retracted=True,
            duplicate_of=original,
            revision=next_revision(store, head.id),
            operator=operator,
            recorded_at=now,
            reason=reason,
        )
        changeset = new_event_id(now)
        store.begin_changeset(changeset, operator, "retract", now, f"{head.id} r{event.revision}")
        store.events.insert_revision(event, changeset)
    return Correction(event, head, True)


# --- undo ------------------------------------------------------------------------------------------


def _target(store: Store, operator: str, any_operator: bool, changeset: str | None, tz: tzinfo) -> ChangeSet:
    if changeset is not None:
        if not changeset.strip():
            raise UsageError("give a change set id, or none to undo your last change")
        target = get_changeset(store, changeset)
        undoer = undone_by(store, target.id)
        if undoer is not None:
            raise InvalidInput(f"change set {target.id} was already undone by {describe_changeset(undoer, tz)}")
        if target.operator != operator and not any_operator:
            raise UsageError(
                f"change set {target.id} is {target.operator}'s, not {operator}'s; "
                "add --any-operator to undo another operator's change"
            )
        if not target.last_seq:
            raise InvalidInput(f"change set {target.id} wrote no events; there is nothing to undo")
        return target
    found = latest_changeset(store, None if any_operator else operator)
    if found is not None:
        return found
    other = latest_changeset(store, None)
    if other is not None:
        raise UsageError(
            f"operator {operator} has nothing to undo; the last change is {other.operator}'s: "
            f"{describe_changeset(other, tz)} — add --any-operator to undo it"
        )
    raise NotFound("nothing to undo: no change has been recorded")


def plan_undo(
    store: Store, operator: str, now: datetime, tz: tzinfo, any_operator: bool = False, changeset: str | None = None
) -> UndoPlan:
    """What undoing the last change set (or ``changeset``) would append; exit 3 if later changes are in the way."""
    target = _target(store, operator, any_operator, changeset, tz)
    reverts: list[Revert] = []
    for touch in touches(store, target.id):
        head = store.events.find(touch.event_id)
        last = revision(store, touch.event_id, touch.last_revision)
        assert head is not None and last is not None
        if state(head) != state(last):
            later = changesets_after(store, touch.event_id, touch.last_revision)
            by = "; ".join(describe_changeset(c, tz) for c in later) or "a change outside any change set"
            raise InvalidInput(
                f"cannot undo change set {target.id}: event {touch.event_id} was changed after it by {by}. "
                "Undo that first (--any-operator if it is another operator's) or amend the event"
            )
        before = revision(store, touch.event_id, touch.first_revision - 1) if touch.first_revision > 1 else None
        restored = before if before is not None else head.with_changes(retracted=True, duplicate_of=None)
        restored = restored.with_changes(
            revision=head.revision + 1,
            operator=operator,
            recorded_at=now,
            reason=f"undo of {target.command} (change set {target.id})",
        )
        if state(restored) != state(head):
            reverts.append(Revert(head, restored, before.revision if before is not None else None))
    return UndoPlan(target, tuple(reverts))


def apply_undo(store: Store, plan: UndoPlan, operator: str, now: datetime) -> str:
    """Append the plan's revisions as one change set that records what it undoes; inside a transaction."""
    changeset = new_event_id(now)
    count = len(plan.reverts)
    summary = f"reverts {plan.target.command} {plan.target.id} ({count} event{'s' if count != 1 else ''})"
    insert_changeset(store, changeset, operator, "undo", now, summary, plan.target.id)
    for revert in plan.reverts:
        number = next_revision(store, revert.current.id)
        store.events.insert_revision(revert.restored.with_changes(revision=number), changeset)
    store.places.revert_changes(plan.target.id)  # a `places merge`: names and the merged mark go back
    return changeset


@dataclass
class UndoResult:
    plan: UndoPlan
    changeset: str | None  # None: the user declined, nothing was written


def undo(
    store: Store,
    operator: str,
    now: datetime,
    tz: tzinfo,
    confirm: Callable[[UndoPlan], bool] | None,
    any_operator: bool = False,
    changeset: str | None = None,
) -> UndoResult:
    """Undo the last change set. ``confirm`` sees the plan first (None: go ahead, as ``--yes``).

    The write re-plans inside its transaction; if the log changed while the user was deciding,
    nothing is written and the command can simply be run again (exit 5).
    """
    if confirm is None:
        with store.transaction():
            plan = plan_undo(store, operator, now, tz, any_operator, changeset)
            return UndoResult(plan, apply_undo(store, plan, operator, now))
    shown = plan_undo(store, operator, now, tz, any_operator, changeset)
    if not confirm(shown):
        return UndoResult(shown, None)
    with store.transaction():
        plan = plan_undo(store, operator, now, tz, any_operator, shown.target.id)
        if plan.fingerprint() != shown.fingerprint():
            raise Busy("the log changed while you were deciding; nothing was undone — run undo again")
        return UndoResult(plan, apply_undo(store, plan, operator, now))


def event_history(
    store: Store, event_id: str, with_revisions: bool, known_at: datetime | None, tz: tzinfo
) -> EventHistory:
    """``show``: the event's head (as known at ``known_at``) and, if asked, each revision's diff."""
    from sitlog.store.revisions import revision_changesets

    head = store.events.get(event_id)
    chain = store.events.revisions_of(head.id)
    if known_at is not None:
        # As ``store.events.heads``: the latest revision recorded by then, and the ones before it.
        known = [e.revision for e in chain if e.recorded_at <= known_at]
        if not known:
            when = known_at.astimezone(tz).isoformat(timespec="seconds")
            raise NotFound(f"event {head.id} had not been recorded by {when}")
        chain = [e for e in chain if e.revision <= max(known)]
    if not with_revisions:
        return EventHistory(chain[-1], None)
    changesets = revision_changesets(store, head.id)
    previous: list[Event | None] = [None, *chain[:-1]]
    steps = [
        RevisionStep(e, changesets.get(e.revision), changes_between(p, e, tz))
        for p, e in zip(previous, chain, strict=True)
    ]
    return EventHistory(chain[-1], steps)
