"""Script safety (issue 13): a closed pipe ends quietly; read commands never create a database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Run

Sitlog = Callable[..., Run]


def _logged_events(sitlog: Sitlog, n: int) -> None:
    assert sitlog("actors", "add", "someone").exit_code == 0
    for i in range(n):
        run = sitlog("log", "strike", "Anjara", "--by", "someone", "--new-place", "--at", f"2024-11-{1 + i % 27:02d}")
        assert run.exit_code == 0, run.stderr


@pytest.mark.parametrize("args", [["events"], ["export", "-f", "csv"], ["status"]])
def test_a_pipe_closed_by_the_reader_ends_quietly_with_exit_0(
    sitlog: Sitlog, env: dict[str, str], args: list[str]
) -> None:
    _logged_events(sitlog, 3)
    # The read end is closed before sitlog writes a byte, so its first write meets a broken pipe.
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitlog", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert err == ""


def test_head_of_a_long_listing_exits_0(sitlog: Sitlog, env: dict[str, str], db: Path) -> None:
    _logged_events(sitlog, 30)
    script = f'{sys.executable} -m sitlog events --format tsv | head -1; echo "rc=${{PIPESTATUS[0]}}"'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env={**os.environ, **env})
    assert done.stdout.splitlines()[-1] == "rc=0", done.stderr
    assert "Traceback" not in done.stderr


READ_COMMANDS = [
    ["events"],
    ["status"],
    ["history", "Anjara"],
    ["summary"],
    ["show", "01ABC"],
    ["export"],
    ["check"],
    ["places", "list"],
    ["actors", "list"],
]


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: " ".join(a))
def test_read_commands_on_a_missing_database_fail_and_create_nothing(
    sitlog: Sitlog, tmp_path: Path, args: list[str]
) -> None:
    missing = tmp_path / "typo" / "sitlgo.db"
    run = sitlog("--db", str(missing), *args)
    assert run.exit_code == 6
    assert run.stderr.startswith("Error: no sitlog database at ") and str(missing) in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert run.stdout == ""
    assert not missing.exists() and not missing.parent.exists()


def test_db_naming_a_directory_says_so(sitlog: Sitlog, tmp_path: Path) -> None:
    for args in (["events"], ["log", "strike", "Anjara", "--by", "x", "--new-place"]):
        run = sitlog("--db", str(tmp_path), *args)
        assert run.exit_code == 6
        assert run.stderr == f"Error: {tmp_path} is a directory, not a database file\n"


@pytest.mark.fresh_db
def test_write_commands_still_create_a_new_database(sitlog: Sitlog, db: Path) -> None:
    assert not db.exists()
    run = sitlog("places", "add", "Somewhere New")
    assert run.exit_code == 0, run.stderr
    assert db.exists()
    assert sitlog("places", "list", "Somewhere", "--json").json()[0]["name"] == "Somewhere New"
