"""The Typer-free answers (issues 12 and 14): `--version` and shell completion give what Typer gives.

`sitlog.cli.quick` completes from a tree generated from the real app. Here both routes answer the same
command lines — every command, option name, option value and argument slot, for bash, zsh and fish —
and must print the same text; the quick route must serve the everyday lines itself, not fall back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from sitlog.cli import app, quick
from sitlog.cli.completion import tree
from sitlog.cli.root import whole_app
from sitlog.store import SCHEMA_VERSION, SQLITE_VERSION
from tests.conftest import Run

Sitlog = Callable[..., Run]
EXE = Path(sys.executable).parent / "sitlog"
SHELLS = ("bash", "zsh", "fish")


def shell_env(shell: str, line: str) -> dict[str, str]:
    if shell == "bash":
        return {"COMP_WORDS": line, "COMP_CWORD": str(len(line.split(" ")) - 1)}
    return {"_TYPER_COMPLETE_ARGS": line, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}


def typer_answer(cli: Any, shell: str) -> str:
    """What Typer's own completion class prints (without the final newline), in-process."""
    from typer._click.shell_completion import get_completion_class
    from typer._completion_classes import completion_init

    completion_init()
    comp = get_completion_class(shell)(cli, {}, "sitlog", "_SITLOG_COMPLETE")  # type: ignore[misc]
    return str(comp.complete())


def lines(node: dict[str, Any], path: str = "sitlog") -> Iterator[str]:
    """Command lines that reach every completion slot under ``node`` (cursor at the end of each)."""
    fill = " ".join("Zabun" for _ in node["arguments"])
    here = f"{path} {fill}".rstrip()
    yield f"{path} "
    yield f"{path} -"
    yield f"{path} --"
    yield f"{here} --n"
    for name in node.get("commands", {}):
        yield f"{path} {name[:2]}"
    if node["arguments"]:
        for prefix in ("Z", "zab", "Ka", "1", "la", "H", "x y"):
            yield f"{path} {prefix}"
    for option in node["options"]:
        first = option["opts"][0]
        if option["flag"]:
            yield f"{here} {first} -"
            continue
        for prefix in ("", "Z", "h", "S", "c", "1", "j", "l"):
            yield f"{here} {first} {prefix}"
        yield f"{here} {first} Zabun --"
        yield f"{here} {first}=Zabun --"
        yield f"{here} {first}="
        yield f"{here} {first}=H"
    yield f"{here} --tz UTC --"
    yield f"{path} --db nowhere.db "
    for name, sub in node.get("commands", {}).items():
        yield from lines(sub, f"{path} {name}")


@pytest.fixture
def logged(sitlog: Sitlog, actors: None) -> None:
    assert sitlog("places", "add", "Zabun", "--alias", "Zaboun", "--admin1", "Aleppo").exit_code == 0
    for place in ("Zabun", "Idlib", "Ariha"):
        assert sitlog("log", "control", place, "--by", "HTS", "--at", "2024-11-27").exit_code == 0


def test_the_tree_is_current() -> None:
    shipped = json.loads((Path(quick.__file__).parent.parent / "data" / "completion.json").read_text("utf-8"))
    assert shipped == tree(whole_app()), "run scripts/gen_completion_tree.py"


def test_both_routes_give_the_same_answer(env: dict[str, str], logged: None, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    cli = typer.main.get_command(app)
    served = fell_back = 0
    cases = sorted(set(lines(quick._tree())))
    assert len(cases) > 1000
    for line in cases:
        for shell in SHELLS:
            variables = shell_env(shell, line)
            for key, value in variables.items():
                monkeypatch.setenv(key, value)
            fast = quick.complete(shell, {**os.environ, **variables})
            if fast is None:
                fell_back += 1
                continue
            served += 1
            assert fast == typer_answer(cli, shell), (shell, line)
    assert served > 10 * fell_back, (served, fell_back)


@pytest.mark.parametrize(
    "line",
    ["sitlog ", "sitlog log control Zab", "sitlog log control X --by H", "sitlog show ", "sitlog amend 10",
     "sitlog events --kind c", "sitlog log control X --", "sitlog --db x.db history Idl", "sitlog status --pl"],
)  # fmt: skip
def test_everyday_lines_never_need_typer(env: dict[str, str], logged: None, line: str) -> None:
    for shell in SHELLS:
        assert quick.complete(shell, {**env, **shell_env(shell, line)}) is not None, (shell, line)


def test_the_entry_point_answers_without_importing_typer(env: dict[str, str], logged: None) -> None:
    run = subprocess.run(
        [sys.executable, "-X", "importtime", str(EXE)], capture_output=True, text=True, timeout=60,
        env={**os.environ, **env, "_SITLOG_COMPLETE": "complete_zsh", **shell_env("zsh", "sitlog log control Zabo")},
    )  # fmt: skip
    assert run.returncode == 0 and '"Zaboun":"→ Zabun"' in run.stdout
    imported = {line.split("|")[-1].strip().split(".")[0] for line in run.stderr.splitlines() if "|" in line}
    assert imported & {"typer", "click", "rich", "tabulate", "sqlite_utils"} == set()


def test_a_file_argument_falls_back_to_typer(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "report.jsonl").write_text("", "utf-8")
    variables = {**env, **shell_env("bash", "sitlog --db ")}
    assert quick.complete("bash", variables) is None  # click completes paths; the entry point asks Typer
    run = subprocess.run([str(EXE)], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                         env={**os.environ, **variables, "_SITLOG_COMPLETE": "complete_bash"})  # fmt: skip
    assert run.returncode == 0 and run.stderr == ""


def test_version_without_typer_says_what_typer_says(env: dict[str, str]) -> None:
    run = subprocess.run([sys.executable, "-X", "importtime", str(EXE), "--version"], capture_output=True,
                         text=True, timeout=60, env={**os.environ, **env})  # fmt: skip
    assert run.stdout == f"sitlog 0.1.0 (schema {SCHEMA_VERSION}, SQLite {SQLITE_VERSION})\n"
    assert "typer" not in run.stderr
    slow = subprocess.run([str(EXE), "--tz", "UTC", "--version"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})  # fmt: skip
    assert slow.stdout == run.stdout


def test_every_command_is_built_from_the_module_that_defines_it() -> None:
    import importlib

    from sitlog.cli.common import COMMAND_MODULES, app

    for name, module in COMMAND_MODULES.items():
        importlib.import_module(f"sitlog.cli.{module}")
        defined = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
        assert name in defined, (name, module)
    assert set(whole_app().commands) == set(COMMAND_MODULES)


def test_log_builds_only_what_it_runs(env: dict[str, str], sitlog: Sitlog, tmp_path: Path) -> None:
    """The modules a real `sitlog log control` process ends with (sys.modules: `-X importtime` misses the
    command modules, which the root loads through importlib)."""
    assert sitlog("actors", "add", "Liwa al-Quds", "--type", "militia").exit_code == 0
    listing = tmp_path / "modules.txt"
    script = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(listing)!r}, 'w').write('\\n'.join(sorted(sys.modules))))\n"
        "from sitlog.__main__ import main\nmain()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, "log", "control", "Idlib", "--by", "Liwa al-Quds"],
        capture_output=True, text=True, timeout=60, env={**os.environ, **env},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    imported = set(listing.read_text().splitlines())
    assert {"sitlog.cli.root", "sitlog.cli.log", "sitlog.ops.recording"} <= imported
    heavy = {"rich", "tabulate", "sqlite_utils", "sitlog.cli.reports", "sitlog.cli.exchange", "sitlog.cli.gazetteer",
             "sitlog.cli.listing"}  # fmt: skip
    assert imported & heavy == set()


def test_the_root_and_sub_apps_build_only_the_command_asked_for() -> None:
    """`sitlog log control` builds `log` and `control` alone (Typer reads every parameter of what it builds);
    listing builds the rest, in the order `sitlog log --help` has always shown. In a fresh process, as a
    real run starts: this test process has every command module imported already."""
    script = """if True:
        import json, typer.main
        from sitlog.cli import app
        root = typer.main.get_command(app)
        log = root.get_command(None, "log")
        seen = {"root": sorted(root.commands), "log": sorted(log.commands)}
        control = log.get_command(None, "control")
        seen["after"] = list(log.commands)
        seen["epilog"] = control.epilog
        seen["params"] = [p.name for p in control.params]
        seen["listed"] = log.list_commands(None)
        print(json.dumps(seen))
    """
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["root"] == ["log"] and seen["log"] == [] and seen["after"] == ["control"]
    assert "sitlog log control" in seen["epilog"]  # taught as whole_app teaches
    full = whole_app().commands["log"]
    assert seen["listed"] == full.list_commands(None)  # type: ignore[attr-defined]
    assert seen["params"] == [p.name for p in full.commands["control"].params]  # type: ignore[attr-defined]
