"""What every command module shares: the session (db, zone, clock), option aliases, output switches."""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from typer.core import TyperGroup

from sitlog.errors import SitlogError

if TYPE_CHECKING:
    from sitlog.model import When
    from sitlog.render import Format, Report
    from sitlog.store import Store


@dataclass
class Session:
    """Read once per invocation in the app callback: where the data is, the report zone, and now."""

    db_path: Path
    tz: tzinfo
    now: datetime
    _store: Store | None = None

    def store(self) -> Store:
        if self._store is None:
            from sitlog.store import Store

            self._store = Store(self.db_path, busy_timeout=busy_timeout())
        return self._store

    def when(self, text: str | None) -> When:
        from sitlog.model import When
        from sitlog.timeparse import parse_when

        return When.exact(self.now) if text is None else parse_when(text, self.now, self.tz)

    def moment(self, text: str) -> datetime:
        """A point in time for ``--at``/``--known-at``: a date (week, month) means the end of it."""
        from datetime import timedelta

        from sitlog.timeparse import until_instant

        when = self.when(text)
        return until_instant(when, self.tz) - timedelta(seconds=1) if when.day is not None else when.instant

    def known_at(self, text: str | None) -> datetime | None:
        return self.moment(text) if text else None

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def busy_timeout() -> float:
    """Seconds to wait for another writer (``SITLOG_BUSY_TIMEOUT``, default 5) before exit 5."""
    from sitlog.errors import UsageError

    text = os.environ.get("SITLOG_BUSY_TIMEOUT", "").strip()
    try:
        seconds = float(text) if text else 5.0
    except ValueError:
        raise UsageError(f"SITLOG_BUSY_TIMEOUT must be a number of seconds, not {text!r}") from None
    if not 0 <= seconds < 86400:
        raise UsageError(f"SITLOG_BUSY_TIMEOUT must be between 0 and 86400 seconds, not {text!r}")
    return seconds


def default_db() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("sitlog", appauthor=False)) / "sitlog.db"


def session(ctx: typer.Context) -> Session:
    obj = ctx.find_root().obj
    assert isinstance(obj, Session)
    return obj


def operator_name(given: str | None) -> str:
    if given and given.strip():
        return given.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


FormatOpt = Annotated[
    Optional[str],
    typer.Option(
        "--format",
        "-f",
        envvar="SITLOG_FORMAT",
        help="Output format: table, json, jsonl, csv, tsv, markdown.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")]
SinceOpt = Annotated[Optional[str], typer.Option("--since", help="From this time or date (inclusive).")]
UntilOpt = Annotated[Optional[str], typer.Option("--until", help="Up to this time or date (a date includes its day).")]
PlaceFilterOpt = Annotated[Optional[str], typer.Option("--place", help="Only events at this place.")]
ActorFilterOpt = Annotated[Optional[str], typer.Option("--actor", help="Only events involving this actor.")]
KindFilterOpt = Annotated[
    Optional[str], typer.Option("--kind", help="control, clash, casualties, strike, displacement.")
]
LimitOpt = Annotated[Optional[int], typer.Option("--limit", min=0, help="At most N events.")]
KnownAtOpt = Annotated[
    Optional[str], typer.Option("--known-at", help="Answer with only what had been recorded by this time.")
]

# Options every ``log`` command (and ``amend``) takes.
AtOpt = Annotated[Optional[str], typer.Option("--at", help="When it happened (default now; a date = day precision).")]
SourceOpt = Annotated[Optional[str], typer.Option("--source", help="Where the report came from.")]
GradeOpt = Annotated[Optional[str], typer.Option("--grade", help="Admiralty grade A1..F6.")]
ClaimedOpt = Annotated[bool, typer.Option("--claimed", help="A party's claim, not an assessment.")]
ClaimedByOpt = Annotated[Optional[str], typer.Option("--claimed-by", help="Whose claim (implies --claimed).")]
NoteOpt = Annotated[Optional[str], typer.Option("--note", help="Free text.")]
TagOpt = Annotated[Optional[list[str]], typer.Option("--tag", help="A tag (repeatable).")]
OperatorOpt = Annotated[
    Optional[str], typer.Option("--operator", envvar="SITLOG_OPERATOR", help="Who records (default: login name).")
]
IdOpt = Annotated[Optional[str], typer.Option("--id", help="Client-supplied event id: makes a retry idempotent.")]
NewPlaceOpt = Annotated[bool, typer.Option("--new-place", help="Create the place if it is unknown.")]
PlaceArg = Annotated[str, typer.Argument(help="Place name, or 'NAME, ADMIN' to tell homonyms apart.")]


def output_format(fmt: str | None, as_json: bool) -> Format:
    from sitlog.errors import UsageError
    from sitlog.render import Format

    if as_json:
        return Format.JSON
    if not fmt:
        return Format.TABLE
    try:
        return Format(fmt.strip().lower())
    except ValueError:
        allowed = ", ".join(f.value for f in Format)
        raise UsageError(f"--format must be one of {allowed}, not {fmt!r}") from None


def show(report: Report, fmt: str | None, as_json: bool) -> None:
    from sitlog.render import emit

    emit(report, output_format(fmt, as_json))


class SitlogGroup(TyperGroup):
    """The only exit point for errors: a SitlogError becomes ``Error: …`` on stderr and its exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SitlogError as exc:
            from sitlog.render import message

            message(f"Error: {exc.message}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            sys.stderr.write("Interrupted\n")
            raise typer.Exit(130) from None
        finally:
            if isinstance(ctx.obj, Session) and ctx.parent is None:
                ctx.obj.close()


def make_app(help_text: str) -> typer.Typer:
    return typer.Typer(
        cls=SitlogGroup,
        help=help_text,
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        add_completion=False,
        rich_markup_mode=None,
    )


app = make_app("sitlog — a situation log for conflict monitoring.")
