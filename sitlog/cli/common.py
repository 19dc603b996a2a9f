"""What every command module shares: the session (db, zone, clock), option aliases, output switches."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer
from typer.core import TyperGroup

from sitlog.cli.inputs import check_arguments
from sitlog.cli.words import (
    _ClickException,
    _ClickUsageError,
    expand_abbreviations,
    hoist_global_options,
    leaf_of,
)
from sitlog.errors import SitlogError, ctrl_c_seen
from sitlog.ops.session import Session

if TYPE_CHECKING:
    from sitlog.ops.filters import EventQuery
    from sitlog.render.output import Display, Format, Report


def notice(text: str) -> None:
    """A line for the user on stderr, now (the store's: a backup made before migrating, a file initialised)."""
    from sitlog.render.output import message

    message(text)


def session(ctx: typer.Context) -> Session:
    obj = ctx.find_root().obj
    assert isinstance(obj, Session)
    return obj


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
ActorFilterOpt = Annotated[
    Optional[str], typer.Option("--actor", help="Only events involving this actor, its sub-units or its coalitions.")
]
ExactOpt = Annotated[bool, typer.Option("--exact", help="--actor means that actor only (no sub-units, coalitions).")]
KindFilterOpt = Annotated[
    Optional[str], typer.Option("--kind", help="control, clash, casualties, strike, displacement, advance.")
]
# Counts a person types are at most a billion: beyond any log, and safe for SQLite's 64-bit integers
# (``--limit 99999999999999999999`` is a usage error, not an overflow inside a query).
MAX_COUNT = 1_000_000_000
MinSourcesOpt = Annotated[
    Optional[int],
    typer.Option("--min-sources", min=1, max=MAX_COUNT, help="Only events backed by at least N reports."),
]
OverlappingOpt = Annotated[
    bool,
    typer.Option(
        "--overlapping",
        help="With --since/--until: also events known only within a window that overlaps the range "
        "(not only those whose window starts in it).",
    ),
]
LimitOpt = Annotated[Optional[int], typer.Option("--limit", min=0, max=MAX_COUNT, help="At most N events.")]
# Which events a listing or export picks beyond place/actor/kind/time, and in what order (issue 13).
NewestOpt = Annotated[
    Optional[int],
    typer.Option("-n", "--newest", min=0, max=MAX_COUNT, help="The newest N events, newest first.", show_default=False),
]
ReverseOpt = Annotated[bool, typer.Option("--reverse", help="Reverse the order (newest first by default sort).")]
SortOpt = Annotated[
    Optional[str], typer.Option("--sort", help="Order by at (default), recorded, place, kind, grade or id.")
]
TagFilterOpt = Annotated[Optional[list[str]], typer.Option("--tag", help="Only events with this tag (repeat: all).")]
SourceFilterOpt = Annotated[
    Optional[str], typer.Option("--source", help="Only events whose source contains this text (any case).")
]
GradeFilterOpt = Annotated[
    Optional[str], typer.Option("--grade", help="Only this Admiralty grade: B2, or B (any credibility), or 2.")
]
MinGradeOpt = Annotated[
    Optional[str],
    typer.Option("--min-grade", help="At least this good: B2 keeps A1..B2 (reliability A best, credibility 1 best)."),
]
OperatorFilterOpt = Annotated[Optional[str], typer.Option("--operator", help="Only events this operator recorded.")]
ClaimFilterOpt = Annotated[
    Optional[bool],
    typer.Option("--claimed/--assessed", help="Only parties' claims, or only assessments.", show_default=False),
]
RecordedSinceOpt = Annotated[
    Optional[str], typer.Option("--recorded-since", help="Only events recorded (last revised) from this time.")
]
RecordedUntilOpt = Annotated[
    Optional[str], typer.Option("--recorded-until", help="Only events recorded before this time (a date: its end).")
]


def event_query(
    tag: list[str] | None,
    source: str | None,
    grade: str | None,
    min_grade: str | None,
    operator: str | None,
    claimed: bool | None,
    recorded_since: str | None,
    recorded_until: str | None,
    sort: str | None,
    reverse: bool,
    newest: int | None,
    limit: int | None,
) -> tuple[EventQuery, int | None, bool]:
    """The query options, the limit, and whether to flip the rows afterwards (``-n N --reverse``)."""
    from sitlog.errors import UsageError
    from sitlog.ops.filters import EventQuery

    descending = reverse
    if newest is not None:
        if limit is not None:
            raise UsageError("give -n/--newest or --limit, not both")
        if sort is not None:
            raise UsageError("-n/--newest picks by time; use --sort with --limit instead")
        limit, descending = newest, True
    query = EventQuery(tuple(tag or ()), source, grade, min_grade, operator, claimed, recorded_since,
                       recorded_until, sort, descending)  # fmt: skip
    return query, limit, newest is not None and reverse


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
CorroboratesOpt = Annotated[
    Optional[str],
    typer.Option(
        "--corroborates", help="Add this report as a source of event ID (id, prefix, handle or last), not a new event."
    ),
]
NewAdmin1Opt = Annotated[Optional[str], typer.Option("--admin1", help="With --new-place: its governorate.")]
NewLatOpt = Annotated[Optional[float], typer.Option("--lat", help="With --new-place: its latitude (WGS84).")]
NewLonOpt = Annotated[Optional[float], typer.Option("--lon", help="With --new-place: its longitude (WGS84).")]
NewActorOpt = Annotated[bool, typer.Option("--new-actor", help="Create every actor named that is unknown.")]
ActorTypeOpt = Annotated[
    Optional[str],
    typer.Option("--actor-type", help="With --new-actor: state, rebel, militia, external, civilians, other."),
]
PlaceArg = Annotated[str, typer.Argument(help="Place name, or 'NAME, ADMIN' to tell homonyms apart.")]


# --width/--color/--no-pager are set by their callbacks (they need not reach each command's body) and read
# by ``show``; the root callback resets them, so in-process runs (tests) never inherit another run's.
_display: dict[str, Any] = {}


def reset_display() -> None:
    _display.clear()


def _set_width(value: Optional[int]) -> None:
    if value is not None:
        _display["width"] = value


def _set_color(value: Optional[str]) -> None:
    if value is not None:
        from sitlog.errors import UsageError
        from sitlog.render.output import Color

        try:
            _display["color"] = Color(value.strip().lower())
        except ValueError:
            raise UsageError(f"--color must be auto, always or never, not {value!r}") from None


def _set_pager(value: bool) -> None:
    if not value:
        _display["pager"] = False


def display() -> Display:
    """The screen settings the command line asked for."""
    from sitlog.render.output import Display

    return Display(**_display)


WidthOpt = Annotated[
    Optional[int],
    typer.Option(
        "--width",
        min=20,
        max=10_000,
        callback=_set_width,
        help="Lay tables out for N columns (default: the terminal's).",
    ),
]
ColorOpt = Annotated[
    Optional[str],
    typer.Option(
        "--color", callback=_set_color, help="auto (default: on a terminal, unless NO_COLOR is set), always, never."
    ),
]
NoPagerOpt = Annotated[
    bool,
    typer.Option(
        "--pager/--no-pager", callback=_set_pager, help="Page long tables on a terminal ($PAGER, else less -FRX)."
    ),
]


def output_format(fmt: str | None, as_json: bool) -> Format:
    from sitlog.errors import UsageError
    from sitlog.render.output import Format

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
    from sitlog.render.output import emit

    emit(report, output_format(fmt, as_json), display=display())


def fail(text: str, exit_code: int) -> NoReturn:
    """The one way a command ends in error: ``Error: text`` on stderr (control characters made visible)."""
    from sitlog.render.output import message

    message(f"Error: {text}")
    raise typer.Exit(exit_code)


def one_line_usage_error(exc: Exception) -> NoReturn:
    """click's usage errors (a bad option value, a missing argument) as one ``Error:`` line, exit 2, with the
    help command to run instead of click's usage block. A group given no command still shows its help."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        raise exc
    text = exc.format_message()  # type: ignore[attr-defined]
    sub = getattr(exc, "ctx", None)
    hint = f" (see {sub.command_path} --help)" if sub is not None else ""
    fail(f"{text}{hint}", getattr(exc, "exit_code", 2))


class SitlogGroup(TyperGroup):
    """The only exit point for errors: a SitlogError becomes ``Error: …`` on stderr and its exit code.

    A group built by ``lazy_group`` builds each subcommand when it is first asked for (``sitlog log
    control`` builds one of ``log``'s seven commands: Typer reads every parameter of each it builds)."""

    _pending: dict[str, Callable[[], Any]] | None = None  # subcommand name → its builder, in creation order
    _path = ""  # the group's command path under the root ("log"): where its help examples are found

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self._pending and cmd_name in self._pending and cmd_name not in self.commands:
            self._build(cmd_name)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: Any) -> list[str]:
        if not self._pending:
            return super().list_commands(ctx)
        for name in self._pending:
            if name not in self.commands:
                self._build(name)
        return [*self._pending, *(name for name in self.commands if name not in self._pending)]

    def _build(self, name: str) -> None:
        from sitlog.cli.helptext import teach

        assert self._pending is not None
        built = self._pending[name]()
        teach(built, f"{self._path} {name}")
        self.add_command(built, name)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if ctx.parent is None:
            from sitlog.cli.helptext import OVERVIEW, teach

            if ctx.resilient_parsing:  # shell completion: values from the database
                from sitlog.cli.completion import attach

                attach(self)
            elif not args:  # `sitlog` alone: a short overview, not the whole reference, and success
                sys.stdout.write(OVERVIEW)
                ctx.exit(0)
            teach(self)
            try:
                if not ctx.resilient_parsing:
                    check_arguments(self, args)
                args = hoist_global_options(args, lambda opt: self._command_takes(args, opt))
                leaf, start = leaf_of(self, args)
                if leaf is not self:
                    args = args[:start] + expand_abbreviations(leaf, args[start:])
                return super().parse_args(ctx, args)
            except SitlogError as exc:  # raised before `invoke`, whose handler is the usual exit point
                fail(exc.message, exc.exit_code)
            except _ClickException as exc:
                name = getattr(exc, "option_name", None)
                if type(exc).__name__ == "NoSuchOption" and name:
                    command = next((a for a in args if a in self.commands), "COMMAND")
                    exc.possibilities = None  # type: ignore[attr-defined]
                    exc.message = (  # type: ignore[attr-defined]
                        f"{name} is not an option of sitlog itself: put it after the command "
                        f"(sitlog {command} … {name} …); only --db and --tz go anywhere"
                    )
                if ctx.resilient_parsing:
                    raise
                one_line_usage_error(exc)
        return super().parse_args(ctx, args)

    def _command_takes(self, args: list[str], option: str) -> bool:
        """Whether the subcommand ``args`` name has an option of its own spelled ``option`` (``demo --db``)."""
        command, _ = leaf_of(self, args)
        return command is not self and any(option in p.opts for p in command.params)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        if ctx.parent is not None:
            return super().format_commands(ctx, formatter)
        from sitlog.cli.helptext import format_panels

        format_panels(self, ctx, formatter)

    def invoke(self, ctx: Any) -> Any:
        try:
            result = super().invoke(ctx)
            if isinstance(ctx.obj, Session) and ctx.parent is None and ctx.obj.warnings:
                from sitlog.render.output import message

                for warning in ctx.obj.warnings:
                    message(f"Warning: {warning}")
            return result
        except SitlogError as exc:
            fail(exc.message, exc.exit_code)
        except _ClickUsageError as exc:  # a subcommand's own options, parsed inside this call
            one_line_usage_error(exc)
        except BrokenPipeError:
            # The reader went away (``sitlog events | head -1``): end quietly, as ``git log | head`` does.
            # Point stdout at /dev/null so the interpreter's final flush cannot fail again.
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            sys.stderr.write("Interrupted\n")
            raise typer.Exit(130) from None
        except Exception as exc:
            if ctrl_c_seen():  # a Ctrl-C inside a function SQLite called surfaces as its OperationalError
                sys.stderr.write("Interrupted\n")
                raise typer.Exit(130) from None
            mapped = _storage_failure(exc, ctx)
            if mapped is None:
                raise
            from sitlog.render.output import message

            message(f"Error: {mapped.message}")
            raise typer.Exit(mapped.exit_code) from None
        finally:
            if isinstance(ctx.obj, Session) and ctx.parent is None:
                ctx.obj.close()


def _storage_failure(exc: Exception, ctx: Any) -> SitlogError | None:
    """SQLite's storage errors met anywhere in a command (a damaged page, a full disk, a lock) as the
    user's error; None for everything else, which stays a bug with its traceback."""
    if "sqlite3" not in sys.modules:
        return None
    from pathlib import Path

    from sitlog.store.opening import failure

    obj = ctx.find_root().obj
    path = obj.db_path if isinstance(obj, Session) else Path("the database")
    return failure(exc, path) if isinstance(path, Path) else None


# Which module registers each top-level command, in the order `sitlog --help` and completion list them.
# The root builds only the command being run (issue 14): `sitlog log …` never imports the report, exchange
# or gazetteer commands. tests/test_quick.py checks this map against the commands the modules define.
COMMAND_MODULES = {
    "events": "listing", "config": "config", "amend": "corrections", "corroborate": "corrections",
    "retract": "corrections", "undo": "corrections", "show": "corrections", "export": "exchange",
    "import": "exchange", "status": "reports", "history": "reports", "summary": "reports", "diff": "reports",
    "demo": "reports", "check": "reports", "backup": "reports", "migrate": "reports", "when": "when",
    "log": "log", "chart": "charts", "session": "config", "places": "gazetteer", "actors": "gazetteer",
    "serve": "web",
}  # fmt: skip


class SitlogRoot(SitlogGroup):
    """The root command: its subcommands are built when first asked for, from the module that defines them."""

    def _load(self, module: str, only: str | None = None) -> None:
        """Import ``module`` and build the commands it registers (``only``: just that one)."""
        import importlib

        import typer.main

        importlib.import_module(f"sitlog.cli.{module}")
        short, markup = app.pretty_exceptions_short, app.rich_markup_mode
        for info in app.registered_commands:
            if info.name and info.name not in self.commands and only in (None, info.name):
                built = typer.main.get_command_from_info(info, pretty_exceptions_short=short, rich_markup_mode=markup)
                self.add_command(built, info.name)
        for group in app.registered_groups:
            if group.name and group.name not in self.commands and only in (None, group.name):
                self.add_command(lazy_group(group, short, markup), group.name)
        from sitlog.cli.helptext import teach

        teach(self)  # examples, metavars and [required] marks on the commands just built

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            self._load(COMMAND_MODULES[cmd_name], only=cmd_name)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: Any) -> list[str]:
        for module in dict.fromkeys(["listing", "log", *COMMAND_MODULES.values()]):  # built as before the split
            self._load(module)
        known = [name for name in COMMAND_MODULES if name in self.commands]
        return known + [name for name in self.commands if name not in COMMAND_MODULES]


def lazy_group(info: Any, short: bool, markup: Any) -> Any:
    """The click group of a Typer sub-app (``log``, ``places``…) whose subcommands are built on first use."""
    import functools

    import typer.main

    instance = info.typer_instance
    commands, instance.registered_commands = instance.registered_commands, []
    try:
        group = typer.main.get_group_from_info(
            info, pretty_exceptions_short=short, rich_markup_mode=markup, suggest_commands=app.suggest_commands
        )
    finally:
        instance.registered_commands = commands
    if not isinstance(group, SitlogGroup):  # make_app's class: only it builds pending subcommands
        raise TypeError(f"sitlog {info.name}: a sub-app must be made by make_app")
    group._pending = {
        (c.name or typer.main.get_command_name(c.callback.__name__)): functools.partial(
            typer.main.get_command_from_info, c, pretty_exceptions_short=short, rich_markup_mode=markup
        )
        for c in commands
    }
    group._path = info.name
    return group


def make_app(help_text: str, add_completion: bool = False, cls: type[SitlogGroup] = SitlogGroup) -> typer.Typer:
    return typer.Typer(
        cls=cls,
        help=help_text,
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        add_completion=add_completion,
        rich_markup_mode=None,
    )


# The root alone gets Typer's --install-completion/--show-completion (measured: no start-up cost
# for `sitlog log …`; see docs/design.md).
app = make_app("sitlog — a situation log for conflict monitoring.", add_completion=True, cls=SitlogRoot)
