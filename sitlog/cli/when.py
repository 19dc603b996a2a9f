"""``sitlog when EXPR``: how sitlog reads a time, before it is stored."""

from __future__ import annotations

from typing import Annotated

import typer

from sitlog.cli.common import FormatOpt, JsonOpt, app, session, show


@app.command("when", rich_help_panel="Admin")
def when_cmd(
    ctx: typer.Context,
    expression: Annotated[str, typer.Argument(metavar="WHEN", help="A when-expression, e.g. 'last monday 14:30'.")],
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show how a when-expression is read: the instant, its precision and the zone (warnings on stderr).

    Forms: ISO 8601 (2024-11-27, 2024-11-27T06:30, …+03:00), now, today, yesterday, tomorrow [HH:MM],
    monday…sunday and last monday [HH:MM], 27 Nov 2024 / Nov 27 2024 [HH:MM], 2h ago, now-2h, now+30m."""
    from datetime import timezone

    from sitlog.domain.model import rfc3339
    from sitlog.domain.when import zone_name
    from sitlog.render.output import Report, Table

    sess = session(ctx)
    when = sess.when(expression, warn_future=True)
    start = when.instant if when.day is None else None
    data = {
        "expression": expression,
        "at": when.to_json(sess.tz),
        "precision": when.precision.value,
        "zone": zone_name(sess.tz),
        "utc": rfc3339(start, timezone.utc) if start else None,
        "until": when.end.isoformat() if when.end else None,
        "warnings": list(sess.warnings),
    }
    rows = [[key, str(value)] for key, value in data.items() if key != "warnings" and value is not None]
    show(Report(data, [Table(("field", "value"), rows)]), fmt, as_json)
