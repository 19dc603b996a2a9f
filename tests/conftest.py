"""Shared fixtures: a fresh database per test, the CLI run in-process or as a real subprocess, and a private
PostgreSQL server (tests/pgserver.py: ``pg_server``, ``pg_url``, ``make_role``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sitlog.cli import app
from sitlog.store import Store
from tests.pgserver import make_role, pg_server, pg_url  # noqa: F401  (fixtures, re-exported for every test)

# Reports and receipts are reproducible: the clock and zone are pinned for every test.
NOW = "2024-11-28T12:00:00+00:00"


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the place pack, made once: copying it is ~10x cheaper than migrating."""
    path = tmp_path_factory.mktemp("template") / "sitlog.db"
    Store(path).close()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def db(request: pytest.FixtureRequest, tmp_path: Path, template_db: Path) -> Path:
    """The test's database path: a copy of the template, or absent for tests marked ``fresh_db``."""
    path = tmp_path / "sitlog.db"
    if request.node.get_closest_marker("fresh_db") is None:
        shutil.copyfile(template_db, path)
        path.chmod(0o600)
    return path


@pytest.fixture
def env(db: Path) -> dict[str, str]:
    return cli_env(db)


def cli_env(db: Path) -> dict[str, str]:
    """The environment every in-process or subprocess run of the CLI gets for the database ``db``."""
    return {
        "SITLOG_DB": str(db),
        "SITLOG_NOW": NOW,
        "SITLOG_TZ": "UTC",
        "SITLOG_OPERATOR": "tester",
        "COLUMNS": "200",
        "NO_COLOR": "1",
        # Never the real user's config file or logging session.
        "SITLOG_CONFIG": str(db.parent / "config.toml"),
        "SITLOG_STATE_DIR": str(db.parent / "state"),
    }


@pytest.fixture
def sitlog(env: dict[str, str]) -> Callable[..., Run]:
    """Run the CLI in-process: ``sitlog("log", "control", ...)`` → Run(exit_code, stdout, stderr)."""
    return cli_runner(env)


def cli_runner(env: dict[str, str]) -> Callable[..., Run]:
    """The ``sitlog`` fixture's runner for ``env`` (for fixtures of a wider scope than a test)."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, **extra_env: str) -> Run:
        result = runner.invoke(app, list(args), env={**env, **extra_env}, input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


@pytest.fixture
def sitlog_proc(env: dict[str, str]) -> Callable[..., Run]:
    """Run the CLI as a real subprocess (``python -m sitlog``)."""

    def invoke(*args: str, input: str | None = None, **extra_env: str) -> Run:
        proc = subprocess.run(
            [sys.executable, "-m", "sitlog", *args],
            input=input,
            capture_output=True,
            text=True,
            env={**os.environ, **env, **extra_env},
            timeout=120,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return invoke


@pytest.fixture
def actors(sitlog: Callable[..., Run]) -> None:
    """The two main parties of the seed scenario: the bundled actor pack (issue 10) provides them, with
    these names, aliases and types; the fixture checks so (it used to add them by hand)."""
    known = {a["name"]: a for a in sitlog("actors", "list", "--json").json()}
    for name, alias, kind in (("HTS", "Hayat Tahrir al-Sham", "rebel"), ("Syrian Arab Army", "SAA", "state")):
        assert name in known and known[name]["type"] == kind, known.get(name)
        if alias not in known[name]["aliases"]:
            assert sitlog("actors", "alias", name, alias).exit_code == 0


# --- Reliability ledger (issue 15) ------------------------------------------------------------------
# A fault or abuse test takes the `reliability` fixture, names its scenario and the command that reruns it,
# and records every trial. `scripts/reliability.py` runs the marked tests with SITLOG_RELIABILITY_OUT set
# and turns the ledger into docs/reliability.md (scenario, trials, passed, lost).


@dataclass
class Ledger:
    """Trials of one reliability scenario: how many ran, passed, and how many acknowledged writes were lost."""

    scenario: str
    rerun: str
    trials: int = 0
    passed: int = 0
    lost: int = 0

    def trial(self, passed: bool, lost: int = 0) -> None:
        """Count one trial (one generated input, one kill, one process run)."""
        self.trials += 1
        self.passed += int(passed)
        self.lost += lost


_LEDGERS: list[Ledger] = []


@pytest.fixture
def reliability(request: pytest.FixtureRequest) -> Callable[[str], Ledger]:
    """``ledger = reliability("SIGKILL during a 100k import")``; the rerun command is the test's node id."""

    def open_ledger(scenario: str) -> Ledger:
        ledger = Ledger(scenario, f".venv/bin/pytest '{request.node.nodeid}'")
        _LEDGERS.append(ledger)
        return ledger

    return open_ledger


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    out = os.environ.get("SITLOG_RELIABILITY_OUT")
    if out and _LEDGERS:
        with open(out, "a", encoding="utf-8") as fh:
            for ledger in _LEDGERS:
                fh.write(json.dumps(ledger.__dict__) + "\n")
