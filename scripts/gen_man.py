"""Generate the man page, docs/sitlog.1, from the CLI itself (commands, help, options, examples).

    .venv/bin/python scripts/gen_man.py            # writes docs/sitlog.1
    .venv/bin/python scripts/gen_man.py -          # to stdout;  man -l docs/sitlog.1 to read it

tests/test_help.py fails when docs/sitlog.1 is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from sitlog import __version__
from sitlog.cli import app
from sitlog.cli.root import whole_app
from sitlog.cli.helptext import EXAMPLES, PANEL_OF, PANELS, teach


def esc(text: str) -> str:
    """Text as roff reads it literally: backslashes doubled, a leading dot or quote guarded, dashes kept."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    lines = [("\\&" + line) if line.startswith((".", "'")) else line for line in text.splitlines()]
    return "\n".join(lines)


def command_section(path: str, command) -> list[str]:  # type: ignore[no-untyped-def]
    args = " ".join((p.metavar or p.name.upper()) for p in command.params
                    if p.param_type_name == "argument")  # fmt: skip
    out = [".TP", f".B sitlog {esc(path)}" + (f" {esc(args)}" if args else "") + " [OPTIONS]"]
    out.append(esc((command.help or "").strip().split("\n\n")[0].replace("\n", " ")))
    for p in command.params:
        if p.param_type_name != "option" or p.name == "help":
            continue
        names = ", ".join(p.opts + p.secondary_opts)
        meta = "" if p.is_flag else f" {p.metavar or 'TEXT'}"
        env = f" (env {p.envvar})" if p.envvar else ""
        out += [".RS", ".TP", f".B {esc(names)}{esc(meta)}", esc((p.help or "") + env), ".RE"]
    example = EXAMPLES.get(path)
    if example:
        out += [".RS", ".PP", "Example:", ".nf", esc(f"  {example}"), ".fi", ".RE"]
    return out


def leaves(command, path: str):  # type: ignore[no-untyped-def]
    subs = getattr(command, "commands", None)
    if subs:
        if path and any(p.name != "help" for p in command.params):
            yield path, command
        for name, sub in subs.items():
            yield from leaves(sub, f"{path} {name}".strip())
    else:
        yield path, command


def render() -> str:
    root = whole_app()
    out = [
        f'.TH SITLOG 1 "" "sitlog {__version__}" "User Commands"',
        ".SH NAME",
        "sitlog \\- a situation log for conflict monitoring",
        ".SH SYNOPSIS",
        ".B sitlog",
        "[\\-\\-db PATH] [\\-\\-tz ZONE] COMMAND [ARGS]...",
        ".SH DESCRIPTION",
        esc("Operators record control changes, clashes, casualties, strikes and displacement as reports arrive; "
            "analysts print who holds what as of any moment; scripts pipe JSON out and bulk-load data in. "
            "Everything lives in one SQLite file and nothing recorded is ever lost."),
        ".SH GLOBAL OPTIONS",
    ]  # fmt: skip
    for p in root.params:
        if p.name == "help":
            continue
        meta = "" if p.is_flag else f" {p.metavar or 'TEXT'}"
        env = f" (env {p.envvar})" if p.envvar else ""
        out += [".TP", f".B {esc(', '.join(p.opts))}{esc(meta)}", esc((p.help or "") + env)]
    commands = list(leaves(root, ""))
    for panel in PANELS:
        out.append(f".SH {panel.upper()} COMMANDS")
        for path, command in commands:
            if PANEL_OF.get(path.split()[0], "Admin") == panel:
                out += command_section(path, command)
    out += [
        ".SH ENVIRONMENT",
        esc("SITLOG_DB, SITLOG_TZ, SITLOG_OPERATOR, SITLOG_FORMAT, SITLOG_SOURCE, SITLOG_GRADE, SITLOG_AT: defaults "
            "for the matching options (an option wins, then the logging session, then the variable, then the "
            "config file). SITLOG_CONFIG: the config file. SITLOG_NOW: pin the clock. NO_COLOR: no colours."),
        ".SH FILES",
        esc("config.toml in the user config directory (see `sitlog config`); sessions.json in the user state "
            "directory; the database, by default sitlog/sitlog.db in the user data directory."),
        ".SH EXIT STATUS",
        esc("0 success, 1 internal error, 2 usage, 3 invalid input, 4 not found, 5 database busy, "
            "6 storage problem, 130 interrupted."),
    ]  # fmt: skip
    return "\n".join(out) + "\n"


def main() -> None:
    text = render()
    if sys.argv[1:] == ["-"]:
        sys.stdout.write(text)
        return
    (Path(__file__).resolve().parents[1] / "docs" / "sitlog.1").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
