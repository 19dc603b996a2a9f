"""Answers that need no Typer: ``sitlog --version`` and shell completion (issues 12 and 14).

Importing Typer and building the command tree costs more than the answer itself. ``--version`` needs
two numbers; completion needs the command tree, which ``scripts/gen_completion_tree.py`` writes to
``sitlog/data/completion.json`` from the real Typer app (a test keeps it current), plus the database
names :mod:`sitlog.cli.completion` reads. :func:`answer` walks the words the shell sent the way click's
completion does and prints the same lines Typer's bash/zsh/fish classes would. Anything unusual (an
unknown option, ``--``, a file argument, a quoted value that starts with ``-``) returns False, and
the caller falls back to Typer's own completion — so this is only ever a faster route to the same answer.
tests/test_quick.py compares both routes on every command, option and value slot.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

GLOBAL_OPTIONS = ("--db", "--tz")  # root options accepted after the subcommand too (common.hoist_global_options)
Item = tuple[str, "str | None"]


class _Bail(Exception):
    """Only Typer can answer this one."""


def answer(argv: list[str], environ: Mapping[str, str] = os.environ) -> bool:
    """Print the answer and return True if this is ``--version`` or a completion request we can serve."""
    if argv == ["--version"]:
        from sitlog import __version__
        from sitlog.store.version import SCHEMA_VERSION, SQLITE_VERSION

        sys.stdout.write(f"sitlog {__version__} (schema {SCHEMA_VERSION}, SQLite {SQLITE_VERSION})\n")
        return True
    instruction = environ.get("_SITLOG_COMPLETE", "")
    if not instruction.startswith("complete_"):
        return False
    text = complete(instruction.removeprefix("complete_"), environ)
    if text is None:
        return False
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return True


def complete(shell: str, environ: Mapping[str, str]) -> str | None:
    """The completion text Typer would print for ``shell`` (bash, zsh, fish get-args), or None."""
    try:
        if shell == "bash":
            words = split_words(environ.get("COMP_WORDS", ""))
            cword = int(environ.get("COMP_CWORD", "0"))
            args, incomplete = words[1:cword], (words[cword] if cword < len(words) else "")
        elif shell in ("zsh", "fish"):
            if shell == "fish" and environ.get("_TYPER_COMPLETE_FISH_ACTION", "") != "get-args":
                return None
            line = environ.get("_TYPER_COMPLETE_ARGS", "")
            args = split_words(line)[1:]
            incomplete = ""
            if args and not line.endswith(" "):
                incomplete = args.pop()
        else:
            return None
        items = completions(args, incomplete)
    except (_Bail, ValueError, OSError):
        return None
    return _format(shell, items)


def split_words(line: str) -> list[str]:
    """Split a command line as a POSIX shell would, keeping a last word whose quote is still open."""
    import shlex

    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    words: list[str] = []
    try:
        words.extend(lexer)
    except ValueError:  # an open quote at the end: the partial word as typed so far
        words.append(lexer.token)
    return words


def _tree() -> dict[str, Any]:
    import json

    # Beside the package as package data (importlib.resources would cost more than the read: ~5 ms).
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "completion.json")
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def _option(node: dict[str, Any], word: str) -> dict[str, Any] | None:
    for option in node["options"]:
        if word in option["opts"] or word in option["secondary"]:
            return dict(option)
    return None


def completions(args: list[str], incomplete: str) -> list[Item]:
    """(value, help) pairs for the word being typed after the complete words ``args``.

    Raises _Bail for anything this module does not reproduce exactly."""
    root = _tree()
    node, given, positionals, db, waiting = root, set(), 0, None, None
    if incomplete == "=":
        incomplete = ""
    elif "=" in incomplete and incomplete.startswith("-"):
        name, _, incomplete = incomplete.partition("=")
        args = [*args, name]
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            raise _Bail
        if word.startswith("-") and word != "-":
            name, eq, value = word.partition("=")
            option = _option(node, name)
            scope = node
            if option is None and name in GLOBAL_OPTIONS:
                option, scope = _option(root, name), root
            if option is None or option["nargs"] != 1:
                raise _Bail
            if option["flag"]:
                if eq:
                    raise _Bail
                given.add(option["name"])
                i += 1
                continue
            if not eq:
                if i + 1 == len(args):
                    if scope is not node:  # a hoisted --db/--tz without its value: click reports a usage error
                        raise _Bail
                    waiting = option  # the shell is completing this option's value
                    i += 1
                    continue
                value = args[i + 1]
                if value.startswith("-"):
                    raise _Bail
                i += 1
            if scope is node:
                given.add(option["name"])
            if option["name"] == "db" and scope is root:
                db = value
            i += 1
            continue
        if "commands" in node and positionals == 0 and not node["arguments"]:
            if word not in node["commands"]:
                raise _Bail
            node, given, positionals = node["commands"][word], set(), 0
        else:
            positionals += 1
        i += 1
    if incomplete.startswith("-"):
        return _commands(node, incomplete) + _option_names(node, given, incomplete)
    if waiting is not None:
        return _values(waiting["complete"], db, incomplete)
    arguments = node["arguments"]
    if positionals < len(arguments) or any(a["nargs"] == -1 for a in arguments):
        free = arguments[min(positionals, len(arguments) - 1)]
        if free["nargs"] != 1:
            raise _Bail
        return _values(free["complete"], db, incomplete)
    items = _commands(node, incomplete)
    if incomplete and not incomplete[0].isalnum():
        items += _option_names(node, given, incomplete)
    return items


def _commands(node: dict[str, Any], incomplete: str) -> list[Item]:
    subs = node.get("commands", {})
    return [(name, sub["help"]) for name, sub in subs.items() if name.startswith(incomplete) and not sub["hidden"]]


def _option_names(node: dict[str, Any], given: set[str], incomplete: str) -> list[Item]:
    items: list[Item] = []
    for option in node["options"]:
        if option["hidden"] or (not option["multiple"] and option["name"] in given):
            continue
        items += [(n, option["help"]) for n in option["opts"] + option["secondary"] if n.startswith(incomplete)]
    return items


def _values(spec: str | None, db: str | None, incomplete: str) -> list[Item]:
    if spec is None:
        return []
    if spec == "?":
        raise _Bail
    from pathlib import Path

    from sitlog.cli.completion import candidates, database

    return candidates(spec, database(db) if not spec.startswith("values:") else Path(), incomplete)


def _format(shell: str, items: list[Item]) -> str:
    """The lines Typer's BashComplete/ZshComplete/FishComplete print for these items."""
    if shell == "bash":
        return "\n".join(value for value, _ in items)
    if shell == "fish":
        import re

        return "\n".join(v + "\t" + re.sub(r"\s", " ", h) if h else v for v, h in items)

    def escape(s: str) -> str:
        return s.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`").replace(":", r"\\:")

    lines = [f'"{escape(v)}":"{escape(h)}"' if h else f'"{escape(v)}"' for v, h in items]
    if not lines:
        return "_files"
    joined = "\n".join(lines)
    return f"_arguments '*: :(({joined}))'"
