"""The docs keep up with the CLI: every command has help and a section in docs/cli.md naming its options."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sitlog.cli.root import whole_app

DOCS = Path(__file__).resolve().parents[1] / "docs"


def leaf_commands(command: Any, path: tuple[str, ...] = ("sitlog",)) -> Iterator[tuple[str, Any]]:
    subcommands = getattr(command, "commands", None)
    if subcommands:
        if len(path) > 1 and any(p.name != "help" for p in command.params):
            yield " ".join(path), command  # a group with options of its own: `log --file`
        for name, sub in sorted(subcommands.items()):
            yield from leaf_commands(sub, (*path, name))
    else:
        yield " ".join(path), command


COMMANDS = dict(leaf_commands(whole_app()))


def sections() -> dict[str, str]:
    """docs/cli.md split at its ``## sitlog …`` headings."""
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    parts = re.split(r"^## `(sitlog[^`]*)`\s*$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def test_the_tree_has_every_spec_command() -> None:
    for name in ("log control", "log clash", "log casualties", "log strike", "log displacement", "events",
                 "history", "status", "summary", "amend", "retract", "undo", "show", "export", "import",
                 "places list", "places add", "places alias", "places import", "actors list", "actors add",
                 "actors alias", "demo", "check", "backup", "log advance", "corroborate"):  # fmt: skip
        assert f"sitlog {name}" in COMMANDS


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_help_and_a_docs_section_naming_its_options(name: str) -> None:
    command = COMMANDS[name]
    assert command.help and command.help.strip(), f"{name} has no help text"
    documented = sections()
    assert name in documented, f"docs/cli.md has no '## `{name}`' section"
    for param in command.params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert opt in documented[name], f"docs/cli.md section {name} does not mention {opt}"


def test_docs_name_no_command_that_does_not_exist() -> None:
    assert set(sections()) <= set(COMMANDS)


def test_the_demo_table_traces_every_scenario_event() -> None:
    """docs/demo.md (seed sentence → event ids) and the demo scenario name the same events (issue 11)."""
    scenario = (DOCS.parent / "sitlog" / "data" / "demo_scenario.jsonl").read_text(encoding="utf-8")
    events = {json.loads(line)["event"]["id"] for line in scenario.splitlines() if '"event"' in line}
    table = set(re.findall(r"`([0-9A-HJKMNP-TV-Z]{26})`", (DOCS / "demo.md").read_text(encoding="utf-8")))
    assert events and table == events


def test_ci_runs_the_readme_test_command() -> None:
    """CI (``.ci/run``) runs exactly the README's test command: the one a reader copies is the one enforced."""
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if line.rstrip().endswith(".venv/bin/pytest"))
    ci = (DOCS.parent / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in ci and "chromium" in command and "postgresql" in command
