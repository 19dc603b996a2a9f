"""Shell completion (issue 12) through the real entry point, in subprocesses, for bash, zsh and fish."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Run

Sitlog = Callable[..., Run]
EXE = Path(sys.executable).parent / "sitlog"


def complete(env: dict[str, str], shell: str, line: str, *python: str) -> subprocess.CompletedProcess[str]:
    """What the shell's completion function gets for the command line ``line`` (cursor at its end)."""
    words = line.split(" ")
    extra = (
        {"COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
        if shell == "bash"
        else {"_TYPER_COMPLETE_ARGS": line, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    )
    return subprocess.run(
        [sys.executable, *python, str(EXE)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env, "_SITLOG_COMPLETE": f"complete_{shell}", **extra},
    )


def values(env: dict[str, str], shell: str, line: str) -> list[str]:
    proc = complete(env, shell, line)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    out = proc.stdout
    if shell == "zsh":  # _arguments '*: :(("value":"help" ...))'
        return [part.split('"')[1] for part in out.split("\n") if '"' in part]
    if shell == "fish":
        return [line.split("\t")[0] for line in out.splitlines() if line]
    return [line for line in out.splitlines() if line]


@pytest.fixture
def logged(sitlog: Sitlog, actors: None) -> None:
    # A made-up village the bundled pack lacks (issue 10), added with an alias.
    assert sitlog("places", "add", "Zabun", "--alias", "Zaboun", "--admin1", "Aleppo").exit_code == 0
    for place in ("Zabun", "Idlib", "Ariha"):
        assert sitlog("log", "control", place, "--by", "HTS", "--at", "2024-11-27").exit_code == 0


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_commands_options_and_values(env: dict[str, str], shell: str) -> None:
    commands = values(env, shell, "sitlog ")
    assert commands[:0] == [] and {"log", "amend", "events", "session", "config", "when"} <= set(commands)
    assert set(values(env, shell, "sitlog log ")) >= {"control", "clash", "casualties", "strike", "displacement"}
    assert {"--by", "--status", "--at", "--grade"} <= set(values(env, shell, "sitlog log control X --"))
    assert values(env, shell, "sitlog log control X --status ") == ["held", "contested", "partial"]
    assert values(env, shell, "sitlog log strike X --means d") == ["drone"]
    assert values(env, shell, "sitlog events --kind c") == ["control", "clash", "casualties"]
    assert values(env, shell, "sitlog events -f j") == ["json", "jsonl"]
    assert values(env, shell, "sitlog actors add X --type m") == ["militia"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_names_aliases_and_handles_from_the_database(env: dict[str, str], logged: None, shell: str) -> None:
    by_alias = values(env, shell, "sitlog log control Zabo")
    assert "Zaboun" in by_alias  # the alias as typed...
    assert "Zabun" in values(env, shell, "sitlog log control zabu")  # ...and the canonical name
    assert "Idlib" in values(env, shell, "sitlog history Idl")
    assert {"HTS", "Hayat Tahrir al-Sham", "Hezbollah"} <= set(values(env, shell, "sitlog log control Aleppo --by H"))
    assert "SAA" in values(env, shell, "sitlog log clash X --actor S")
    side = values(env, shell, "sitlog log casualties X --side ")
    assert side[:2] == ["civilians", "unknown"] and "HTS" in side
    assert values(env, shell, "sitlog show ") == ["last", "102", "101", "100"]
    assert values(env, shell, "sitlog amend 10") == ["102", "101", "100"]
    assert values(env, shell, "sitlog retract 101 --duplicate-of 100") == ["100"]


def test_zsh_and_fish_show_what_an_alias_and_a_handle_stand_for(env: dict[str, str], logged: None) -> None:
    zsh = complete(env, "zsh", "sitlog log control Zabo").stdout
    assert '"Zaboun":"→ Zabun"' in zsh
    fish = complete(env, "fish", "sitlog show 10").stdout
    assert "102\tcontrol at Ariha" in fish.splitlines()


def test_completion_reads_but_never_creates_a_database(env: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    proc = complete({**env, "SITLOG_DB": str(missing)}, "bash", "sitlog log control Kaf")
    assert proc.returncode == 0 and proc.stdout.strip() == "" and not missing.exists()
    broken = tmp_path / "broken.db"
    broken.write_text("not a database", "utf-8")
    proc = complete({**env, "SITLOG_DB": str(broken)}, "zsh", "sitlog show ")
    assert proc.returncode == 0 and "last" in proc.stdout and "Traceback" not in proc.stderr


def test_completion_imports_no_rich_tabulate_or_sqlite_utils(env: dict[str, str], logged: None) -> None:
    proc = complete(env, "zsh", "sitlog log control Zabo", "-X", "importtime")
    assert "Zaboun" in proc.stdout
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
    assert imported & {"rich", "tabulate", "sqlite_utils", "pydantic"} == set()
    assert "sqlite3" in imported  # it did read the database


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_and_install_completion(env: dict[str, str], tmp_path: Path, shell: str) -> None:
    # Typer detects the shell from the process tree; its test switch lets the shell be named instead.
    named = {**os.environ, **env, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1", "HOME": str(tmp_path / "home")}
    shown = subprocess.run([str(EXE), "--show-completion", shell], capture_output=True, text=True, timeout=60,
                           env=named)  # fmt: skip
    assert shown.returncode == 0 and f"complete_{shell}" in shown.stdout
    installed = subprocess.run([str(EXE), "--install-completion", shell], capture_output=True, text=True,
                               timeout=60, env=named)  # fmt: skip
    assert installed.returncode == 0 and "completion installed in" in installed.stdout, installed.stderr
    written = [p for p in (tmp_path / "home").rglob("*") if p.is_file() and f"complete_{shell}" in p.read_text()]
    assert written, list(tmp_path.rglob("*"))
