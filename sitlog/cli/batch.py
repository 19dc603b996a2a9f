"""``sitlog log --file report.txt``: a whole report typed as lines of ``sitlog log`` words.

Each line is split with ``shlex`` (quotes and ``#`` comments as in a shell) and parsed by the very
click command ``sitlog log KIND`` uses, so every option, default and error is identical; the parsed
lines are then stored in one transaction and one change set by ``sitlog.ops.batch``.

A line that starts with an option (``--source "Reuters" --grade B2 --at 2024-11-27``) sets
defaults for the lines after it; each line's own options win. A leading ``sitlog log`` or ``log``
is ignored, so lines can be pasted from a shell history.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from sitlog.cli.common import app, session
from sitlog.cli.words import GLOBAL_OPTIONS, _ClickException, expand_abbreviations
from sitlog.errors import InvalidInput, SitlogError, UsageError

BATCH_META = "sitlog.batch"
# `sitlog log`, registered by sitlog/cli/log.py before it imports this module (no import circle back).
log_app = next(group.typer_instance for group in app.registered_groups if group.name == "log")
assert log_app is not None


@log_app.callback(invoke_without_command=True)
def log_group(
    ctx: typer.Context,
    file: Annotated[
        Optional[str],
        typer.Option(
            "--file",
            metavar="FILE",
            help="Log every line of FILE ('-': stdin), one event per line, as one all-or-nothing change set.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --file: show how each line resolves, store nothing.")
    ] = False,
    operator: Annotated[
        Optional[str], typer.Option("--operator", envvar="SITLOG_OPERATOR", help="With --file: who records.")
    ] = None,
) -> None:
    """Record an event as a report comes in (or a whole report with --file)."""
    if ctx.invoked_subcommand is not None:
        if file is not None or dry_run:
            raise UsageError(f"--file/--dry-run go alone after `log`, not with `log {ctx.invoked_subcommand}`")
        return
    if file is None:
        raise UsageError(
            "`sitlog log` needs a kind (control, clash, casualties, strike, displacement, advance) or --file FILE"
        )
    log_file(ctx, file, dry_run, operator)


def read_lines(file: str) -> list[str]:
    """The lines of ``file`` (``-``: stdin), UTF-8 (exit 2 when it cannot be read, is a device or is larger than
    ``SMALL_FILE_LIMIT``: the whole report is parsed before anything is stored)."""
    from sitlog.cli.inputs import read_small_file

    if file != "-" and not Path(file).exists():
        raise UsageError(f"cannot read {file}: no such file")
    try:
        # Lines end at LF, CRLF or CR only: str.splitlines would also cut a quoted note at U+2028, U+0085 or a
        # form feed pasted into it.
        return re.split(r"\r\n|\r|\n", read_small_file(file).decode("utf-8").removesuffix("\n"))
    except InvalidInput as exc:
        raise UsageError(exc.message) from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"cannot read {file}: not UTF-8 text ({exc})") from None


def split_line(text: str, number: int) -> list[str]:
    """A line's words as a shell would split them; ``#`` starts a comment (exit 2 naming the line)."""
    import shlex  # only for --file: not on every `log` line's start-up

    try:
        words = shlex.split(text, comments=True)
    except ValueError as exc:
        raise UsageError(f"line {number}: {exc} in {text.strip()!r}") from None
    if words[:2] == ["sitlog", "log"]:
        words = words[2:]
    elif words[:1] == ["log"]:
        words = words[1:]
    return words


def parse_lines(ctx: typer.Context, lines: list[str]) -> list[Any]:
    """Each event line parsed by its ``log KIND`` command, collected as ``BatchLine``s (nothing stored)."""
    from sitlog.ops.batch import BatchLine

    group = ctx.command
    group.list_commands(ctx)  # type: ignore[attr-defined]  # the group builds its subcommands when listed
    commands: dict[str, Any] = getattr(group, "commands", {})
    collected: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []
    ctx.meta[BATCH_META] = collected
    defaults: list[str] = []
    parsed: list[BatchLine] = []
    sess = session(ctx)
    for number, text in enumerate(lines, 1):
        words = split_line(text, number)
        if not words:
            continue
        if words[0].startswith("-"):
            defaults = words  # shared defaults for the lines that follow
            continue
        kind, rest = words[0], words[1:]
        misplaced = [w.partition("=")[0] for w in [*defaults, *rest] if w.partition("=")[0] in GLOBAL_OPTIONS]
        if misplaced:
            raise UsageError(
                f"line {number}: {misplaced[0]} is a global option: give it on the command line "
                f"(sitlog {misplaced[0]} … log --file FILE), not in the file"
            )
        command = commands.get(kind)
        if command is None:
            known = ", ".join(commands)
            raise UsageError(f"line {number}: unknown kind {kind!r} (one of {known}; defaults lines start with --)")
        try:
            with command.make_context(kind, expand_abbreviations(command, [*defaults, *rest]), parent=ctx) as sub:
                command.invoke(sub)
        except _ClickException as exc:
            raise UsageError(f"line {number}: {exc.format_message()}") from None  # type: ignore[attr-defined]
        except SitlogError as exc:
            exc.message = f"line {number}: {exc.message}"
            raise
        kind_name, place, common, fields = collected.pop()
        from sitlog.ops.recording import LogRequest

        common = {k: v for k, v in common.items() if k != "as_json"}
        try:
            when = sess.when(common["at"], warn_future=True)
        except SitlogError as exc:
            exc.message = f"line {number}: {exc.message}"
            raise
        parsed.append(BatchLine(number, LogRequest(kind=kind_name, place=place, fields=fields, **common), when))
    return parsed


def log_file(ctx: typer.Context, file: str, dry_run: bool, operator: str | None) -> None:
    """Parse every line first, then store them all in one transaction (or, dry, roll it back)."""
    from sitlog.ops.batch import record_batch
    from sitlog.ops.handles import with_handle
    from sitlog.ops.session import operator_name
    from sitlog.render.events import corroboration_receipt, log_receipt
    from sitlog.render.output import message

    lines = parse_lines(ctx, read_lines(file))
    if not lines:
        raise InvalidInput(f"{file}: no event lines (only blank lines and comments)")
    sess = session(ctx)
    store = sess.store()
    results = record_batch(store, lines, operator_name(operator), sess.now, dry_run, sess.tz)
    created = corroborated = 0
    for number, result in results:
        event = result.event if dry_run else with_handle(store, result.event)
        created += result.created
        corroborated += result.corroborated
        if result.corroborated:
            receipt = corroboration_receipt(event, result.notes)
        else:
            receipt = log_receipt(event, result.notes, result.created, sess.tz)
        if dry_run:
            receipt = receipt.replace("logged ", "would log ", 1).replace("corroborated ", "would corroborate ", 1)
        message(f"line {number}: {receipt}")
        for warning in result.warnings:
            message(f"line {number}: {warning}")
    places = [n.removeprefix("new place ") for _, r in results for n in r.notes if n.startswith("new place ")]
    if places:
        message(f"{'would create' if dry_run else 'created'} {len(places)} places: {', '.join(places)}")
    verb = "would log" if dry_run else "logged"
    tail = "; nothing stored (dry run)" if dry_run else " as one change set (`sitlog undo` reverts it)"
    also = f" and {corroborated} corroborations" if corroborated else ""
    message(f"{verb} {created} events{also} from {file}{tail}")
