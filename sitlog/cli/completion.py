"""Shell completion (bash, zsh, fish) through Typer's own mechanism: ``sitlog --install-completion``.

Commands and options come from Typer/click; this module adds the values: kinds, statuses, means,
formats and actor types; place and actor names with their aliases, read from the database the
command line (``--db``), ``SITLOG_DB``, the config file or the default names; recent event handles
and ``last`` for ids. ``attach`` sets the completers on the click command tree when the root command
parses in completion mode (resilient parsing), so ordinary runs pay nothing.

Nothing here imports rich, tabulate or sqlite-utils: completion answers in tens of milliseconds
(``bench/bench_completion.py`` prints the figures).
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


def _item(value: str, help: str | None = None) -> Any:
    from typer._click.shell_completion import CompletionItem  # typer's bundled click, not `click`

    return CompletionItem(value, help=help)


def database(ctx: Any) -> Path:
    """The database completion reads: --db as typed, else SITLOG_DB, the config file, the default."""
    import os

    given = ctx.find_root().params.get("db")
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


def complete_values(name: str) -> Any:
    """A completer for a fixed set of words."""

    def complete(ctx: Any, param: Any, incomplete: str) -> list[Any]:
        return [_item(v) for v in VALUES[name] if v.startswith(incomplete.lower())]

    return complete


def complete_names(table: str, extra: tuple[str, ...] = ()) -> Any:
    """A completer for place or actor names and aliases (an alias shows its canonical name as help)."""

    def complete(ctx: Any, param: Any, incomplete: str) -> list[Any]:
        from sitlog.store.completion import names

        words = [_item(w) for w in extra if w.startswith(incomplete.lower())]
        found = names(database(ctx), table, incomplete)
        return words + [_item(name, None if name == canonical else f"→ {canonical}") for name, canonical in found]

    return complete


def complete_ids(ctx: Any, param: Any, incomplete: str) -> list[Any]:
    """``last`` and the newest events' handles (with kind and place as help)."""
    from sitlog.store.completion import handles

    items = [_item("last", "your last logged event")] if "last".startswith(incomplete.lower()) else []
    for handle, kind, place in handles(database(ctx)):
        if handle.startswith(incomplete.lower()):
            items.append(_item(handle, f"{kind} at {place}"))
    return items


def completer_for(name: str, command_path: str) -> Any:
    """The completer for a parameter called ``name`` of ``command_path``, or None."""
    if name in VALUES:
        return complete_values(name)
    if name in PLACE_PARAMS:
        return complete_names("place")
    if name == "side":
        return complete_names("actor", ("civilians", "unknown"))
    if name in ACTOR_PARAMS:
        return complete_names("actor")
    if name in ID_PARAMS:
        return complete_ids
    if name == "name" and command_path.startswith("places alias"):
        return complete_names("place")
    if name == "name" and command_path.startswith("actors alias"):
        return complete_names("actor")
    return None


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
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}".strip())

    walk(root, "")
