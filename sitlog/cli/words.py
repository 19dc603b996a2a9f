"""The words of a command line before click parses them: global options hoisted from after the
subcommand, long options given by an unambiguous prefix, and the command the words name (issues 12, 14)."""

from __future__ import annotations

from typing import Any

import typer

# typer's own click, reached without importing click (STYLE.md): the base of its parse errors.
_ClickException: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
_ClickUsageError: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
GLOBAL_OPTIONS = ("--db", "--tz")  # root options also accepted after the subcommand


def hoist_global_options(args: list[str], takes: Any = None) -> list[str]:
    """``sitlog log control X --db a.db`` → ``sitlog --db a.db log control X``: the global options (and
    their values) move in front of the subcommand; ``--`` ends the search. Exit 2 (a usage error, as
    click reports them) for a global option without its value."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    seen_command = False
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        name, eq, value = arg.partition("=")
        if seen_command and name in GLOBAL_OPTIONS and not (takes and takes(name)):
            if eq:
                front.append(arg)
            elif i + 1 < len(args) and not args[i + 1].startswith("--"):
                front.extend([arg, args[i + 1]])
                i += 1
            else:
                raise _ClickUsageError(f"{name} needs a value ({name} goes before or after the command)")
        else:
            if not arg.startswith("-"):
                seen_command = True
            rest.append(arg)
        i += 1
    return front + rest


def expand_abbreviations(command: Any, args: list[str]) -> list[str]:
    """Long options shortened to an unambiguous prefix, as getopt_long and argparse accept them:
    ``--ag SAA`` → ``--against SAA``, ``--new-p`` → ``--new-place``. An exact name always wins; an
    ambiguous prefix is a usage error naming the candidates; an unknown one is left for click. Values of
    options that take one are never touched; ``--`` ends the options. Scripts should spell options
    out: a new option can make an old prefix ambiguous."""
    params = [p for p in getattr(command, "params", []) if p.param_type_name == "option"]
    owner = {name: p for p in params for name in (*p.opts, *p.secondary_opts) if name.startswith("--")}
    out: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            out.extend(args[i:])
            break
        name, eq, value = arg.partition("=")
        if name.startswith("--") and name not in owner:
            matches = [full for full in owner if full.startswith(name)]
            if len(matches) == 1:
                name = matches[0]
                arg = f"{name}{eq}{value}"
            elif len(matches) > 1 and len(name) > 2:
                raise _ClickUsageError(f"{name} is ambiguous: {', '.join(sorted(matches))} (type more of it)")
        out.append(arg)
        param = owner.get(name)
        takes_value = param is not None and not (getattr(param, "is_flag", False) or getattr(param, "count", False))
        if takes_value and not eq and i + 1 < len(args):
            out.append(args[i + 1])  # the option's value, whatever it looks like
            i += 1
        i += 1
    return out


def leaf_of(group: Any, args: list[str]) -> tuple[Any, int]:
    """The command ``args`` name under ``group`` (built on demand) and the index its own words start at.
    Options are skipped, and the values of the global ``--db``/``--tz``."""
    command: Any = group
    start = i = 0
    while i < len(args):
        word = args[i]
        if word in GLOBAL_OPTIONS:
            i += 2
            continue
        if word.startswith("-"):
            i += 1
            continue
        sub = command.get_command(None, word) if hasattr(command, "get_command") else None
        if sub is None:
            break
        command, start = sub, i + 1
        i += 1
    return command, start
