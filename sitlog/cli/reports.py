"""Analyst reports: status, history, summary, demo, check, backup (issue 3)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from sitlog.cli.common import (
    ColorOpt,
    ExactOpt,
    FormatOpt,
    JsonOpt,
    KnownAtOpt,
    NoPagerOpt,
    PlaceArg,
    SinceOpt,
    UntilOpt,
    WidthOpt,
    app,
    output_format,
    session,
    show,
)
from sitlog.errors import InvalidInput, UsageError

if TYPE_CHECKING:
    from sitlog.ops.session import Session
    from sitlog.render.output import Format, Report
    from sitlog.store import Store

AsOfOpt = Annotated[
    Optional[str], typer.Option("--at", help="As of this time (default now; a date means the end of that day).")
]
ActorFilterOpt = Annotated[
    Optional[str], typer.Option("--actor", help="Only places this actor (or a unit under it) holds or contests.")
]
Admin1Opt = Annotated[Optional[str], typer.Option("--admin1", help="Only places in this governorate.")]

# The demo is reproducible: its clock is pinned to the evening of the day it tells.
DEMO_NOW = "2024-11-27T21:00:00+03:00"
DEMO_ZONE = "Asia/Damascus"
DEMO_DAY = date(2024, 11, 27)
DEMO_TOWN = "Urum al-Sughra"
_MAX_SUMMARY_DAYS = 3660


def _stamp(instant: datetime, tz: tzinfo) -> str:
    return instant.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z").strip()


def status_report(
    store: Store,
    tz: tzinfo,
    cutoff: datetime,
    known_at: datetime | None,
    actor: str | None,
    admin1: str | None,
    fmt: Format | None = None,
    with_claims: bool = False,
) -> Report:
    """The status report of every place as of ``cutoff``, filtered by actor and governorate."""
    from sitlog.ops import reports
    from sitlog.render import reports as render

    entries = reports.status(store, tz, cutoff, known_at, actor, admin1)
    as_of = _stamp(cutoff, tz) + (f", as known at {_stamp(known_at, tz)}" if known_at else "")
    return render.status_report(entries, tz, as_of, fmt, with_claims)


@app.command("status")
def status_cmd(
    ctx: typer.Context,
    at: AsOfOpt = None,
    known_at: KnownAtOpt = None,
    actor: ActorFilterOpt = None,
    admin1: Admin1Opt = None,
    claims: Annotated[
        bool, typer.Option("--claims", help="Also list each party's claim of control, on its own row.")
    ] = False,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    width: WidthOpt = None,
    color: ColorOpt = None,
    pager: NoPagerOpt = True,
) -> None:
    """Who holds each place as of a moment: assessed control; claims beside it (never over it)."""
    sess = session(ctx)
    cutoff = sess.moment(at) if at else sess.now
    chosen = output_format(fmt, as_json)
    report = status_report(
        sess.existing_store(), sess.tz, cutoff, sess.known_at(known_at), actor, admin1, chosen, claims
    )
    show(report, chosen.value, False)


def history_report(
    store: Store,
    tz: tzinfo,
    now: datetime,
    place_text: str,
    since: datetime | None,
    until: datetime | None,
    include_retracted: bool,
    known_at: datetime | None,
    fmt: Format | None = None,
) -> Report:
    """A place's control spans and events (unknown place: exit 4 with candidates); ``fmt``: build only what
    that format prints."""
    from sitlog.ops import reports
    from sitlog.render import reports as render

    result = reports.place_history(store, tz, now, place_text, since, until, include_retracted, known_at)
    return render.history_report(result, tz, fmt)


@app.command("history")
def history_cmd(
    ctx: typer.Context,
    place: PlaceArg,
    since: SinceOpt = None,
    until: UntilOpt = None,
    show_all: Annotated[bool, typer.Option("--all", help="Show retracted events too (struck through).")] = False,
    known_at: KnownAtOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    width: WidthOpt = None,
    color: ColorOpt = None,
    pager: NoPagerOpt = True,
) -> None:
    """A place: its control timeline as spans and every event there in time order."""
    from sitlog.domain.timeparse import since_instant, until_instant

    sess = session(ctx)
    start = since_instant(sess.when(since), sess.tz) if since else None
    end = until_instant(sess.when(until), sess.tz) if until else None
    if start and end and start >= end:
        raise InvalidInput("--since must be before --until")
    store = sess.existing_store()
    chosen = output_format(fmt, as_json)
    report = history_report(store, sess.tz, sess.now, place, start, end, show_all, sess.known_at(known_at), chosen)
    show(report, chosen.value, False)


def _local_date(sess: Session, text: str) -> date:
    when = sess.when(text)
    return when.day if when.day is not None else when.instant.astimezone(sess.tz).date()


def summary_days(sess: Session, day: str | None, since: str | None, until: str | None) -> tuple[date, date]:
    """The inclusive days a ``summary`` covers (default today in the report zone)."""

    if day and (since or until):
        raise UsageError("give either --day or --since/--until, not both")
    if until and not since:
        raise UsageError("--until needs --since (or use --day)")
    if day:
        first = last = _local_date(sess, day)
    elif since:
        first = _local_date(sess, since)
        last = _local_date(sess, until) if until else sess.now.astimezone(sess.tz).date()
    else:
        first = last = sess.now.astimezone(sess.tz).date()
    if first > last:
        raise InvalidInput(f"--since {first} is after --until {last}")
    if (last - first).days >= _MAX_SUMMARY_DAYS:
        raise InvalidInput(f"a summary covers at most {_MAX_SUMMARY_DAYS} days; narrow --since/--until")
    return first, last


def summary_report(
    store: Store,
    tz: tzinfo,
    first: date,
    last: date,
    known_at: datetime | None,
    by: str = "day",
    actor: str | None = None,
    exact: bool = False,
    fmt: Format | None = None,
) -> Report:
    """Summary entries for ``first``..``last`` per day, week or month, plus their total (``fmt``: build only
    what that format prints)."""
    from sitlog.ops import reports
    from sitlog.render import reports as render

    data = reports.summary(store, tz, first, last, known_at, by, actor, exact)
    return render.summary_report(data, str(tz), by, fmt)


@app.command("summary")
def summary_cmd(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option("--day", help="One day (default today, in the report zone).")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="First day of a range (inclusive).")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Last day of a range (inclusive).")] = None,
    by: Annotated[
        str, typer.Option("--by", help="One entry per day, ISO week (Monday-Sunday) or calendar month.")
    ] = "day",
    actor: Annotated[
        Optional[str], typer.Option("--actor", help="Only events involving this actor (or a unit under it).")
    ] = None,
    exact: ExactOpt = False,
    known_at: KnownAtOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    width: WidthOpt = None,
    color: ColorOpt = None,
    pager: NoPagerOpt = True,
) -> None:
    """Per-day summary: events by kind, control changes, casualty totals (claims apart), displacement.

    Figures count events whose whole window lies in the day (or week, month); windows that only
    overlap it are listed apart as windowed.
    """
    sess = session(ctx)
    period = by.strip().lower()
    if period not in ("day", "week", "month"):
        raise UsageError(f"--by must be day, week or month, not {by!r}")
    first, last = summary_days(sess, day, since, until)
    store = sess.existing_store()
    chosen = output_format(fmt, as_json)
    if chosen.value in ("json", "jsonl"):  # written period by period as the events are read (issue 14)
        from sitlog.ops import reports
        from sitlog.render.reports import emit_summary

        days, total = reports.summary_stream(store, sess.tz, first, last, sess.known_at(known_at), period, actor, exact)
        emit_summary(days, total, chosen)
        return
    report = summary_report(store, sess.tz, first, last, sess.known_at(known_at), period, actor, exact, chosen)
    show(report, chosen.value, False)


@app.command("diff")
def diff_cmd(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="The earlier moment (a date means the end of that day).")],
    end: Annotated[Optional[str], typer.Option("--to", help="The later moment (default now).")] = None,
    known_at: KnownAtOpt = None,
    learned: Annotated[
        bool,
        typer.Option("--learned", help="What the log learned: the state at --to as recorded by --from vs by --to."),
    ] = False,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    width: WidthOpt = None,
    color: ColorOpt = None,
    pager: NoPagerOpt = True,
) -> None:
    """What changed between two moments: holders and statuses, contests begun and ended, figures added."""
    from sitlog.ops import reports
    from sitlog.render.diff import diff_report

    sess = session(ctx)
    first = sess.moment(start)
    last = sess.moment(end) if end else sess.now
    if first >= last:
        raise InvalidInput("--from must be before --to")
    if learned and known_at:
        raise UsageError("--learned compares what was known at --from and --to; leave out --known-at")
    cutoff = sess.known_at(known_at)
    data = reports.diff(sess.existing_store(), sess.tz, first, last, cutoff, learned)
    heading = f"From {_stamp(first, sess.tz)} to {_stamp(last, sess.tz)}"
    if learned:
        heading = f"Learned between {_stamp(first, sess.tz)} and {_stamp(last, sess.tz)}"
    elif cutoff:
        heading += f", as known at {_stamp(cutoff, sess.tz)}"
    data = {"from": first.astimezone(sess.tz).isoformat(timespec="seconds"),
            "to": last.astimezone(sess.tz).isoformat(timespec="seconds"),
            "known_at": cutoff.astimezone(sess.tz).isoformat(timespec="seconds") if cutoff else None,
            "learned": learned, **data}  # fmt: skip
    show(diff_report(data, heading), fmt, as_json)


# --- demo --------------------------------------------------------------------------------------------


@app.command("demo")
def demo_cmd(
    ctx: typer.Context,
    db: Annotated[
        Optional[str],
        typer.Option(
            "--db",
            help="Keep the demo database in this new file or empty postgresql:// database (default: a temporary file).",
        ),
    ] = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    width: WidthOpt = None,
    color: ColorOpt = None,
    pager: NoPagerOpt = True,
) -> None:
    """Load the bundled scenario (27 Nov 2024, western Aleppo) and print status, a town's history, the day."""
    import tempfile
    from importlib.resources import files

    from sitlog.domain.timeparse import parse_now, report_zone
    from sitlog.ops.demo import load_scenario
    from sitlog.render.output import message
    from sitlog.render.reports import combined_report
    from sitlog.store import open_store
    from sitlog.store.pg.target import PgTarget, db_target

    root = ctx.find_root()
    tz_given = root.params.get("tz")
    tz = report_zone(tz_given or DEMO_ZONE)
    given = root.get_parameter_source("db")
    target = db_target(db) if db is not None else None
    if target is None and given is not None and given.name == "COMMANDLINE":
        target = session(ctx).db_path  # `sitlog --db X demo`; SITLOG_DB (your own log) is never the demo's
    now = parse_now(DEMO_NOW, tz)
    scenario = (files("sitlog") / "data" / "demo_scenario.jsonl").read_text("utf-8").splitlines()
    with tempfile.TemporaryDirectory(prefix="sitlog-demo-") as tmp:
        path = target if target is not None else Path(tmp) / "demo.db"
        if isinstance(path, Path) and path.exists() and path.stat().st_size > 0:
            raise InvalidInput(f"{path} already exists; the demo loads into a new database file")
        store = open_store(path, notify=message)
        try:
            if isinstance(path, PgTarget) and store.counts()["events"]:
                raise InvalidInput(f"{path} already holds events; the demo loads into an empty database")
            loaded = load_scenario(store, scenario)
            report = combined_report(
                {
                    "status": status_report(store, tz, now, None, None, None),
                    "history": history_report(store, tz, now, DEMO_TOWN, None, None, False, None),
                    "summary": summary_report(store, tz, DEMO_DAY, DEMO_DAY, None),
                }
            )
        finally:
            store.close()
        show(report, fmt, as_json)
        where = f"kept in {path}: try `sitlog --db {path} history Anjara`" if target else "in a temporary database"
        message(f"demo: {loaded} events of 27 Nov 2024 loaded {where}; clock pinned to {DEMO_NOW}")


# --- admin -------------------------------------------------------------------------------------------


@app.command("check")
def check_cmd(
    ctx: typer.Context,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    width: WidthOpt = None,
    color: ColorOpt = None,
    pager: NoPagerOpt = True,
) -> None:
    """Check the database: SQLite integrity, foreign keys, head table, revision chains, control conflicts,
    and the derived current-control table against a recomputation from the revisions."""
    from sitlog.errors import StorageError
    from sitlog.render.output import message
    from sitlog.render.reports import check_report
    from sitlog.store.opening import recover_hint
    from sitlog.store.reports import check

    sess = session(ctx)
    store = sess.existing_store()
    results = check(store)
    show(check_report(results), fmt, as_json)
    problems = sum(len(r.problems) for r in results)
    damage = sum(len(r.problems) for r in results if r.name == "integrity")
    if damage and isinstance(sess.db_path, Path):
        raise StorageError(
            f"{sess.db_path} is damaged: SQLite's integrity check found {damage} problem{'s' if damage != 1 else ''}; "
            f"{recover_hint(sess.db_path)}"
        )
    if problems:
        raise InvalidInput(f"check found {problems} problem{'s' if problems != 1 else ''}")
    counts = store.counts()
    message(f"all {len(results)} checks passed ({counts['events']} events, {counts['revisions']} revisions)")


@app.command("backup")
def backup_cmd(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Argument(help="Where to write the copy (must not exist yet).")],
) -> None:
    """Write a consistent copy of the database (safe while others write); never overwrites; 0600.

    On PostgreSQL the copy is a jsonl bundle (every event, revision, place and actor, as `sitlog export`
    writes it, from one snapshot): `sitlog --db NEW import BUNDLE` restores it into a file or a server.
    For the server's own copy of the whole database, use pg_dump."""
    from sitlog.render.output import message
    from sitlog.store.reports import backup

    sess = session(ctx)
    if not isinstance(sess.db_path, Path):
        _backup_bundle(sess, dest)
        return
    counts = backup(sess.existing_store(accept_older=True), dest)
    if counts is None:
        message(f"backed up the database to {dest}, damage included: its events could not be counted")
        return
    message(f"backed up {counts['events']} events ({counts['revisions']} revisions) to {dest}")


def _backup_bundle(sess: Session, dest: Path) -> None:
    """``backup`` of a PostgreSQL log: the jsonl export of everything, written to a new 0600 file."""
    import os
    from datetime import timezone

    from sitlog.exchange import ExportFormat, ExportRequest, export
    from sitlog.render.output import message
    from sitlog.store import EventFilter

    store = sess.existing_store()
    request = ExportRequest(ExportFormat.JSONL, EventFilter(include_retracted=True), timezone.utc, sess.now)
    try:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        raise InvalidInput(f"{dest} already exists; sitlog backup never overwrites (choose a new name)") from None
    except OSError as exc:
        raise InvalidInput(f"cannot write {dest}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            revisions = export(store, request, out, message)
    except BaseException:
        os.unlink(dest)  # never a half-written bundle
        raise
    message(
        f"backed up {store.counts()['events']} events ({revisions} revisions) from {sess.db_path} to {dest} as a "
        "jsonl bundle (restore: `sitlog --db NEW import BUNDLE`; for the whole server, pg_dump)"
    )


@app.command("migrate")
def migrate_cmd(ctx: typer.Context) -> None:
    """Bring an older database to this sitlog's schema, after a backup beside it (NAME.vN.bak, 0600).

    Read commands refuse an older schema and never migrate; write commands migrate the same way."""
    from sitlog.render.output import message
    from sitlog.store import SCHEMA_VERSION

    sess = session(ctx)
    found = sess.existing_store(accept_older=True)
    version = found.schema_version
    if version == SCHEMA_VERSION and found.outdated:
        sess.store()  # a write open brings the server's functions up to date, saying so
        return
    if version == SCHEMA_VERSION:
        message(f"{sess.db_path} is already at schema {SCHEMA_VERSION}; nothing to migrate")
        return
    migrated = sess.store().schema_version
    message(f"migrated {sess.db_path} from schema {version} to schema {migrated}")
