"""``sitlog chart``: PNG or SVG pictures of a summary or a place's history, for briefings (issue 13)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sitlog.cli.common import KnownAtOpt, PlaceArg, SinceOpt, UntilOpt, app, make_app, session

chart_app = make_app("Pictures for briefings: PNG or SVG (needs the optional extra: pip install 'sitlog[chart]').")
app.add_typer(chart_app, name="chart")

OutputOpt = Annotated[Path, typer.Option("--output", "-o", help="The .png or .svg file to write (replaced whole).")]


@chart_app.command("summary")
def chart_summary(
    ctx: typer.Context,
    output: OutputOpt,
    day: Annotated[Optional[str], typer.Option("--day", help="One day (default today, in the report zone).")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="First day of a range (inclusive).")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Last day of a range (inclusive).")] = None,
    known_at: KnownAtOpt = None,
) -> None:
    """Events and killed (low to high estimate) per day, as bars."""
    from sitlog.cli.reports import summary_days
    from sitlog.ops import reports
    from sitlog.render.chart import check_target, summary_chart
    from sitlog.render.output import message

    check_target(output)
    sess = session(ctx)
    first, last = summary_days(sess, day, since, until)
    data = reports.summary(sess.existing_store(), sess.tz, first, last, sess.known_at(known_at))
    summary_chart(data, str(sess.tz), output)
    message(f"wrote {output} ({first} to {last})")


@chart_app.command("history")
def chart_history(
    ctx: typer.Context,
    place: PlaceArg,
    output: OutputOpt,
    since: SinceOpt = None,
    until: UntilOpt = None,
    known_at: KnownAtOpt = None,
) -> None:
    """A place's control timeline, coloured by holder as on the terminal, with its events."""
    from sitlog.domain.timeparse import since_instant, until_instant
    from sitlog.errors import InvalidInput
    from sitlog.ops import reports
    from sitlog.render.chart import check_target, history_chart
    from sitlog.render.output import message

    check_target(output)
    sess = session(ctx)
    start = since_instant(sess.when(since), sess.tz) if since else None
    end = until_instant(sess.when(until), sess.tz) if until else None
    if start and end and start >= end:
        raise InvalidInput("--since must be before --until")
    cutoff = sess.known_at(known_at)
    result = reports.place_history(sess.existing_store(), sess.tz, sess.now, place, start, end, False, cutoff)
    history_chart(result.to_json(sess.tz), (cutoff or sess.now).astimezone(sess.tz), output)
    message(f"wrote {output} ({result.place.name}: {len(result.spans)} spans, {len(result.events)} events)")
