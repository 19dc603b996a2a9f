"""Shell completion (bash, zsh, fish) through Typer's own mechanism: ``sitlog --install-completion``.

Commands and options come from Typer/click; this module adds the values: kinds, statuses, means,
formats and actor types; place and actor names with their aliases, read from the database the
command line (``--db``), ``SITLOG_DB``, the config file or the default names; recent event handles
and ``last`` for ids. ``attach`` sets the completers on the click command tree when the root command
parses in completion mode (resilient parsing), so ordinary runs pay nothing.

Which parameter completes what is a *spec* string (``values:status``, ``names:place``, ``side``,
``ids``) so that :mod:`sitlog.cli.quick` can answer the same questions without Typer (issue 14).
Nothing here imports typer at module level, nor rich, tabulate or sqlite-utils.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

KINDS = ("control", "clash", "casualties", "strike", "displacement", "advance")
VALUES: dict[str, tuple[str, ...]] = {
    "status": ("held", "contested", "partial"),
    "means": ("air", "drone", "artillery", "missile", "other"),
    "kind": KINDS,
    "fmt": ("table", "json", "jsonl", "csv", "tsv", "markdown"),
    "actor_type": ("state", "rebel", "militia", "external", "civilians", "other"),
}
PLACE_PARAMS = {"place", "to", "toward", "near"}
ACTOR_PARAMS = {"by", "against", "actor", "side", "parent", "from_"}
ID_PARAMS = {"event_id", "duplicate_of", "corroborates"}


def database(given: str | Path | None) -> Path:
    """The database completion reads: --db as typed, else SITLOG_DB, the config file, the default."""
    import os

    if given:
        return Path(given).expanduser()
    env = os.environ.get("SITLOG_DB", "").strip()
    if env:
        return Path(env).expanduser()
    try:
        from sitlog.cli.settings import config_path, read_config

        configured = read_config(config_path()).get("db")
    except Exception:  # noqa: BLE001 - a broken config must not break the shell; `sitlog config` reports it
        configured = None
    if configured:
        return Path(configured).expanduser()
    from sitlog.ops.session import default_db

    return default_db()


def spec_for(name: str, command_path: str) -> str | None:
    """What the parameter ``name`` of ``command_path`` (``"log control"``) completes, as a spec, or None."""
    if name == "db":  # a file or a URL: left to the shell (Typer's scripts fall back to file names)
        return "?"
    if name in VALUES:
        return f"values:{name}"
    if name in PLACE_PARAMS:
        return "names:place"
    if name == "side":
        return "side"
    if name in ACTOR_PARAMS:
        return "names:actor"
    if name in ID_PARAMS:
        return "ids"
    if name == "name" and command_path.startswith("places alias"):
        return "names:place"
    if name == "name" and command_path.startswith("actors alias"):
        return "names:actor"
    return None


def candidates(spec: str, db: Path, incomplete: str) -> list[tuple[str, str | None]]:
    """The answers for ``spec`` as (value, help) pairs, in the order the shell shows them.

    ``values:NAME`` are fixed words; ``names:place``/``names:actor`` are names and aliases from ``db``
    (an alias carries ``→ canonical`` as help); ``side`` adds ``civilians`` and ``unknown`` before the
    actors; ``ids`` is ``last`` and the newest handles (help: kind and place). A missing or unreadable
    database gives no names, never an error."""
    kind, _, arg = spec.partition(":")
    if kind == "values":
        return [(v, None) for v in VALUES[arg] if v.startswith(incomplete.lower())]
    if kind in ("names", "side"):
        from sitlog.store.completion import names

        table = arg or "actor"
        extra = ("civilians", "unknown") if kind == "side" else ()
        words: list[tuple[str, str | None]] = [(w, None) for w in extra if w.startswith(incomplete.lower())]
        found = names(db, table, incomplete)
        return words + [(name, None if name == canonical else f"→ {canonical}") for name, canonical in found]
    if kind == "ids":
        from sitlog.store.completion import handles

        items: list[tuple[str, str | None]] = []
        if "last".startswith(incomplete.lower()):
            items.append(("last", "your last logged event"))
        items += [(h, f"{k} at {p}") for h, k, p in handles(db) if h.startswith(incomplete.lower())]
        return items
    raise ValueError(spec)


def _completer(spec: str) -> Any:
    from typer._click.shell_completion import CompletionItem  # typer's bundled click, not `click`

    def complete(ctx: Any, param: Any, incomplete: str) -> list[Any]:
        db = database(ctx.find_root().params.get("db")) if not spec.startswith("values:") else Path()
        return [CompletionItem(value, help=help) for value, help in candidates(spec, db, incomplete)]

    complete.sitlog_spec = spec  # type: ignore[attr-defined]
    return complete


def completer_for(name: str, command_path: str) -> Any:
    """The click completer for a parameter called ``name`` of ``command_path``, or None."""
    spec = spec_for(name, command_path)
    return None if spec is None or spec == "?" else _completer(spec)


def attach(root: Any) -> None:
    """Set the value completers on every parameter of the command tree under ``root``."""
    # Typer's zsh/fish completion passes every help text through rich to strip rich markup whenever rich
    # is installed (+30-60 ms). sitlog's help has no rich markup (rich_markup_mode=None): plain text it is.
    import typer._completion_classes as typer_completion

    typer_completion._sanitize_help_text = lambda text: text

    def walk(cmd: Any, path: str) -> None:
        for param in getattr(cmd, "params", []):
            completer = completer_for(param.name or "", path)
            if completer is not None:
                param._custom_shell_complete = completer
        for name in cmd.list_commands(None) if hasattr(cmd, "list_commands") else ():
            walk(cmd.commands[name], f"{path} {name}".strip())

    walk(root, "")


def tree(command: Any, name: str = "sitlog", path: str = "") -> dict[str, Any]:
    """The command tree as plain data for :mod:`sitlog.cli.quick`: per command its short help, options
    (names, whether they take a value, help, what completes the value) and arguments, and subcommands.

    A value's ``complete`` is a spec (see :func:`spec_for`), None
    when click completes nothing, or ``"?"`` when only click can answer (files, choices, other types). Written to
    ``sitlog/data/completion.json`` by ``scripts/gen_completion_tree.py``; a test keeps it current."""
    from typer._click.core import Context

    ctx = Context(command, info_name=name)

    def completes(param: Any) -> str | None:
        spec = spec_for(param.name or "", path)
        if spec is not None:
            return spec
        base = type(param.type).__name__
        return None if base in ("StringParamType", "IntParamType", "FloatParamType", "IntRange", "FloatRange",
                                "BoolParamType", "UUIDParameterType") else "?"  # fmt: skip

    options: list[dict[str, Any]] = []
    arguments: list[dict[str, Any]] = []
    for param in command.get_params(ctx):
        if param.param_type_name == "argument":
            arguments.append({"name": param.name, "nargs": param.nargs, "complete": completes(param)})
            continue
        flag = bool(getattr(param, "is_flag", False) or getattr(param, "count", False))
        options.append({
            "name": param.name, "opts": list(param.opts), "secondary": list(param.secondary_opts), "flag": flag,
            "multiple": bool(param.multiple), "nargs": param.nargs, "hidden": bool(getattr(param, "hidden", False)),
            "help": getattr(param, "help", None), "complete": None if flag else completes(param),
        })  # fmt: skip
    node: dict[str, Any] = {
        "help": command.get_short_help_str(),
        "hidden": bool(command.hidden),
        "options": options,
        "arguments": arguments,
    }
    if hasattr(command, "list_commands"):
        node["commands"] = {
            sub: tree(command.get_command(ctx, sub), sub, f"{path} {sub}".strip()) for sub in command.list_commands(ctx)
        }
    return node
