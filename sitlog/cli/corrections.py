"""Corrections: amend, retract, undo, show (issue 4). Nothing is deleted; every change is a revision."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from sitlog.cli.common import (
    AtOpt,
    ClaimedByOpt,
    ColorOpt,
    FormatOpt,
    GradeOpt,
    JsonOpt,
    KnownAtOpt,
    NewPlaceOpt,
    NoPagerOpt,
    NoteOpt,
    OperatorOpt,
    SourceOpt,
    WidthOpt,
    app,
    session,
    show,
)
from sitlog.ops.session import operator_name

if TYPE_CHECKING:
    from datetime import tzinfo

    from sitlog.domain.revisions import Correction, UndoPlan

IdArg = Annotated[
    str, typer.Argument(metavar="ID", help="Event handle, id or unique id prefix; `last`: your last logged event.")
]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (required; kept with the revision).")]
Opt = Optional[str]
ListOpt = Optional[list[str]]


@app.command("amend")
def amend_cmd(
    ctx: typer.Context,
    event_id: IdArg,
    reason: ReasonOpt,
    kind: Annotated[Opt, typer.Option("--kind", help="Change the kind (its own options then apply).")] = None,
    place: Annotated[Opt, typer.Option("--place", help="Move the event to this place.")] = None,
    by: Annotated[
        Opt, typer.Option("--by", help="control: holder ('' for none, contested) · strike, advance: who.")
    ] = None,
    from_: Annotated[Opt, typer.Option("--from", help="control: who held it before ('' clears).")] = None,
    baseline: Annotated[
        Optional[bool], typer.Option("--baseline/--no-baseline", help="control: a held-as-of observation.")
    ] = None,
    distance: Annotated[Opt, typer.Option("--distance", help="advance: km as reported ('' clears).")] = None,
    direction: Annotated[Opt, typer.Option("--direction", help="advance: from where ('' clears).")] = None,
    status: Annotated[Opt, typer.Option("--status", help="control: held, contested or partial.")] = None,
    part: Annotated[Opt, typer.Option("--part", help="control: part of the town ('' clears).")] = None,
    against: Annotated[ListOpt, typer.Option("--against", help="control: who contests it (replaces).")] = None,
    actor: Annotated[ListOpt, typer.Option("--actor", help="clash: the parties (replaces; two or more).")] = None,
    outcome: Annotated[Opt, typer.Option("--outcome", help="clash: how it ended.")] = None,
    killed: Annotated[Opt, typer.Option("--killed", help="casualties: Q ('' clears).")] = None,
    injured: Annotated[Opt, typer.Option("--injured", help="casualties: Q.")] = None,
    captured: Annotated[Opt, typer.Option("--captured", help="casualties: Q.")] = None,
    side: Annotated[Opt, typer.Option("--side", help="casualties: ACTOR, civilians or unknown.")] = None,
    person: Annotated[Opt, typer.Option("--person", help="casualties: a named individual.")] = None,
    role: Annotated[Opt, typer.Option("--role", help="casualties: the person's role.")] = None,
    means: Annotated[Opt, typer.Option("--means", help="strike: air, drone, artillery, missile, other.")] = None,
    people: Annotated[Opt, typer.Option("--people", help="displacement: Q people.")] = None,
    families: Annotated[Opt, typer.Option("--families", help="displacement: Q families.")] = None,
    to: Annotated[Opt, typer.Option("--to", help="displacement: where they went.")] = None,
    at: AtOpt = None,
    source: SourceOpt = None,
    grade: GradeOpt = None,
    claimed: Annotated[
        Optional[bool], typer.Option("--claimed/--assessed", help="A party's claim, or an assessment.")
    ] = None,
    claimed_by: ClaimedByOpt = None,
    note: NoteOpt = None,
    tag: Annotated[ListOpt, typer.Option("--tag", help="Tags (replace the event's; --tag '' clears).")] = None,
    unretract: Annotated[bool, typer.Option("--unretract", help="Bring a retracted event back.")] = False,
    operator: OperatorOpt = None,
    new_place: NewPlaceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Correct an event: a new revision with the given options changed, the rest carried over.

    Takes the options of `log` for the event's kind; an empty value ('') clears a field, a repeatable
    option replaces the whole list. Asking for what the event already says records nothing.
    """
    from sitlog.errors import UsageError
    from sitlog.ops.corrections import amend

    given: dict[str, Any] = dict(
        kind=kind, place=place, by=by, status=status, part=part, against=against, actors=actor, outcome=outcome,
        killed=killed, injured=injured, captured=captured, side=side, person=person, role=role, means=means,
        people=people, families=families, to=to, at=at, source=source, grade=grade, claimed=claimed,
        claimed_by=claimed_by, note=note, tags=tag, baseline=baseline, distance=distance, direction=direction,
    )  # fmt: skip
    given["from"] = from_
    changes = {key: value for key, value in given.items() if value is not None}
    if unretract:
        changes["unretract"] = True
    if new_place:
        if place is None and to is None:
            raise UsageError("--new-place goes with --place PLACE (or --to PLACE)")
        changes["new_place"] = True
    from sitlog.ops.handles import resolve_event_ref

    sess = session(ctx)
    when = sess.when(at) if at is not None else None
    who = operator_name(operator)
    result = amend(sess.store(), resolve_event_ref(sess.store(), event_id, who), changes, when, reason, who, sess.now)
    _tell("amended", result, sess.tz, as_json)


def _tell(verb: str, result: Correction, tz: tzinfo, as_json: bool) -> None:
    """The receipt on stderr and, with --json, the event as it now stands on stdout."""
    from sitlog.render.events import correction_receipt
    from sitlog.render.output import dumps, message

    message(correction_receipt(verb, result, tz))
    if as_json:
        sys.stdout.write(dumps(result.event.to_json(tz)) + "\n")


@app.command("corroborate")
def corroborate_cmd(
    ctx: typer.Context,
    event_id: IdArg,
    source: Annotated[str, typer.Option("--source", help="The report that corroborates the event (required).")],
    grade: GradeOpt = None,
    operator: OperatorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a second (third…) report to an event: one fact, several sources; `undo` takes it back.

    Summaries count the fact once and show how many sources it has; `events --min-sources N` filters.
    """
    from sitlog.ops.recording import corroborate
    from sitlog.render.events import corroboration_receipt
    from sitlog.render.output import dumps, message

    sess = session(ctx)
    event = corroborate(sess.store(), event_id, source, grade, operator_name(operator), sess.now)
    message(corroboration_receipt(event, []))
    if as_json:
        sys.stdout.write(dumps(event.to_json(sess.tz)) + "\n")


@app.command("retract")
def retract_cmd(
    ctx: typer.Context,
    event_id: IdArg,
    reason: ReasonOpt,
    duplicate_of: Annotated[
        Opt, typer.Option("--duplicate-of", help="The event this one double-reports (id, prefix, handle or last).")
    ] = None,
    operator: OperatorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Withdraw an event: reports leave it out; `show` and `events --all` still have it."""
    from sitlog.ops.corrections import retract
    from sitlog.ops.handles import resolve_event_ref

    sess = session(ctx)
    who = operator_name(operator)
    store = sess.store()
    original = resolve_event_ref(store, duplicate_of, who) if duplicate_of is not None else None
    result = retract(store, resolve_event_ref(store, event_id, who), reason, original, who, sess.now)
    _tell("retracted", result, sess.tz, as_json)


@app.command("undo")
def undo_cmd(
    ctx: typer.Context,
    changeset: Annotated[
        Opt, typer.Argument(help="A change set id (see `show ID --revisions`); default: your last one.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (for scripts).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would be reverted.")] = False,
    any_operator: Annotated[bool, typer.Option("--any-operator", help="Undo the last change whoever made it.")] = False,
    operator: OperatorOpt = None,
) -> None:
    """Revert your last change (a log, amend, retract, import or undo) by appending revisions.

    "Last" is the most recent change set of this operator that has not been undone yet. Events it
    logged are retracted, events it amended or retracted get their previous content back; nothing is
    deleted and the undo itself is recorded, so `undo` run again re-applies what was reverted.
    If later changes to the same events sit on top of it, undo refuses (exit 3): undo those first.
    Places and actors added along the way stay. Asks for confirmation on a terminal; without one,
    pass --yes (or --dry-run to look).
    """
    from sitlog.errors import UsageError
    from sitlog.ops.corrections import undo
    from sitlog.render.events import undo_plan_lines
    from sitlog.render.output import message

    sess = session(ctx)
    who = operator_name(operator)

    def confirm(plan: UndoPlan) -> bool:
        for line in undo_plan_lines(plan, sess.tz):
            message(line)
        if dry_run:
            return False
        if not sys.stdin.isatty():
            raise UsageError("undo asks for confirmation, and there is no terminal to ask on: add --yes")
        return typer.confirm("Undo this?", default=False, err=True)

    result = undo(
        sess.store(), who, sess.now, sess.tz, None if yes and not dry_run else confirm, any_operator, changeset
    )
    if result.changeset is None:
        message("dry run: nothing undone" if dry_run else "nothing undone")
        return
    lines = undo_plan_lines(result.plan, sess.tz)
    message(f"undone in change set {result.changeset}: {lines[0].removeprefix('undo ').rstrip(':')}")
    for line in lines[1:]:
        message(line)


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    event_id: IdArg,
    revisions: Annotated[
        bool, typer.Option("--revisions", help="Every revision: who, when, why, what changed.")
    ] = False,
    known_at: KnownAtOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    width: WidthOpt = None,
    color: ColorOpt = None,
    pager: NoPagerOpt = True,
    operator: OperatorOpt = None,
) -> None:
    """One event, retracted or not; with --revisions its whole history of corrections."""
    from sitlog.ops.corrections import event_history
    from sitlog.ops.handles import resolve_event_ref
    from sitlog.render.events import show_report

    sess = session(ctx)
    cutoff = sess.known_at(known_at)
    store = sess.existing_store()
    full_id = resolve_event_ref(store, event_id, operator_name(operator))  # whose `last`
    show(show_report(event_history(store, full_id, revisions, cutoff, sess.tz), sess.tz), fmt, as_json)
