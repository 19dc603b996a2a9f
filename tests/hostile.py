"""Helpers for the fault and abuse tests (issue 15): file snapshots, an unprivileged runner, old schemas,
damaged pages and a scratch mount."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Run

Entry = tuple[str, int, int, int, str]


def entry(path: Path) -> Entry:
    """What a directory entry is, byte for byte: type, mode, size, mtime (ns) and a hash of a regular file."""
    info = path.lstat()
    digest = ""
    if stat.S_ISREG(info.st_mode) and os.access(path, os.R_OK):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    elif stat.S_ISLNK(info.st_mode):
        digest = os.readlink(path)
    return (stat.filemode(info.st_mode), info.st_mode, info.st_size, info.st_mtime_ns, digest)


def snapshot(folder: Path) -> dict[str, Entry]:
    """Every entry of ``folder`` (not recursing): a changed, added or removed file shows as a difference."""
    return {p.name: entry(p) for p in sorted(folder.iterdir())}


def clean_error(run: Run, codes: set[int] | int = 6) -> None:
    """Exit code from SPEC's list, one ``Error:`` line on stderr, nothing on stdout, no traceback."""
    allowed = {codes} if isinstance(codes, int) else codes
    assert run.exit_code in allowed, (run.exit_code, run.stdout[:300], run.stderr[-1500:])
    assert "Traceback" not in run.stderr, run.stderr[-1500:]
    assert run.stderr.startswith("Error: ") and run.stderr.count("\n") == 1, run.stderr
    assert run.stdout == "", run.stdout[:300]


def unprivileged_prefix() -> list[str]:
    """A command prefix that runs a child without root's power over file permissions (or nothing when not
    root): root reads and writes through mode bits, so read-only files and folders need this to mean anything."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root without setpriv (util-linux): cannot drop the permission-override capabilities")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]


def run_cli(args: list[str], env: dict[str, str], prefix: list[str] | None = None, timeout: float = 60) -> Run:
    """``python -m sitlog ARGS`` in a real process (optionally under ``prefix``); a hang fails the test."""
    try:
        proc = subprocess.run(
            [*(prefix or []), sys.executable, "-m", "sitlog", *args],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"sitlog {' '.join(args)} hung for {timeout} s")
    return Run(proc.returncode, proc.stdout, proc.stderr)


def schema_rows(db: Path) -> list[str]:
    # A plain connection: its close removes the -wal/-shm it made (a mode=ro one leaves them behind).
    with closing(sqlite3.connect(db)) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")]


def downgrade_before_handles(db: Path) -> int:
    """Turn a current database into one made by the release before m009 (short handles) and m010 (derived
    control state): returns that schema version. The database is left checkpointed (no -wal beside it)."""
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("BEGIN")
        # m010 (derived control state, issue 14): its triggers, table and indexes go first.
        for trigger in ("control_current_insert", "control_current_update", "control_current_delete"):
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("DROP TABLE control_current")
        for index in ("at", "later", "place", "date", "window", "control", "control_days", "claims", "ahead"):
            conn.execute(f"DROP INDEX revisions_{index}")
        conn.execute("DROP TRIGGER events_handle")
        conn.execute("DROP TABLE handles")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name >= 'm009'")
        conn.execute("COMMIT")
        version = int(conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0])
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return version


def damage_page(db: Path, index: str, kind: str = "leaf") -> int:
    """Overwrite one page of ``index`` (a ``leaf`` or ``internal`` b-tree page) with junk; returns its number."""
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        row = conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ? ORDER BY pageno LIMIT 1", (index, kind)
        ).fetchone()
    assert row is not None, f"no {kind} page in {index}"
    with open(db, "r+b") as fh:
        fh.seek((row[0] - 1) * page_size + 8)
        fh.write(bytes((i * 37 + 11) % 251 for i in range(page_size - 16)))
    return int(row[0])


def integrity(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as conn:
        return [r[0] for r in conn.execute("PRAGMA integrity_check")]


@contextmanager
def scratch_mount(where: Path, size: str = "16m") -> Iterator[Path]:
    """A tmpfs of its own at ``where`` (root only); ``remount_ro(where)`` makes it read-only."""
    where.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.fail("mounting a scratch file system needs root (mount -t tmpfs): run the suite as root, as CI does")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def remount_ro(where: Path) -> None:
    done = subprocess.run(["mount", "-o", "remount,ro", str(where)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# Runs several commands in one process (CliRunner there), so that a batch under `setpriv` costs one start.
_BATCH = """
import json, sys
from typer.testing import CliRunner
from sitlog.cli import app
runner = CliRunner()
results = []
for args in json.loads(sys.argv[1]):
    result = runner.invoke(app, args)
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    results.append([result.exit_code, result.stdout, result.stderr + (repr(result.exception) if crashed else "")])
sys.stdout.write(json.dumps(results))
"""


def run_batch(commands: list[list[str]], env: dict[str, str], prefix: list[str] | None = None) -> list[Run]:
    """Each of ``commands`` run through the CLI in one real process (optionally under ``prefix``)."""
    import json

    proc = subprocess.run(
        [*(prefix or []), sys.executable, "-c", _BATCH, json.dumps(commands)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [Run(code, out, err) for code, out, err in json.loads(proc.stdout)]


# --- hostile text and arguments (tests/test_hostile_text.py, _args.py, _files.py) ---

SPEC_EXITS = frozenset({0, 2, 3, 4, 5, 6})
MiB = 1 << 20

# Runs a command, then reports the peak resident set of its process tree in KiB on fd 3 (a file): the
# wrapper's own rusage of its children is the sitlog process alone, unpolluted by earlier test processes.
# The address space is capped at 2 GiB so that a regression fails with MemoryError instead of taking the machine.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
    "rc = subprocess.call(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(rc if rc >= 0 else 128 - rc)\n"
)


@dataclass
class Proc:
    """A finished real sitlog process: exit code, raw stdout and stderr bytes, peak RSS in MiB (0: not measured)."""

    exit_code: int
    stdout: bytes
    stderr: bytes
    peak_mib: float = 0.0

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", "replace")


def run_sitlog(
    args: list[str | bytes],
    env: dict[str, str],
    tmp_path: Path,
    stdin: int | bytes | None = None,
    extra_env: dict[str, str | bytes] | None = None,
    measure: bool = False,
) -> Proc:
    """``python -m sitlog ARGS`` as a real process; ``args`` may hold raw bytes (an argument a Latin-1 terminal
    typed). ``stdin`` is bytes to feed, a file descriptor, or None (/dev/null). A 300 s safety timeout stops a
    hang (a hang is a failure, never a timing assertion)."""
    full_env: dict[bytes, bytes] = {os.fsencode(k): os.fsencode(v) for k, v in {**os.environ, **env}.items()}
    for key, value in (extra_env or {}).items():
        full_env[os.fsencode(key)] = value if isinstance(value, bytes) else os.fsencode(value)
    command: list[str | bytes] = [sys.executable, "-m", "sitlog", *args]
    rss_file = tmp_path / f"rss-{os.getpid()}-{len(list(tmp_path.iterdir()))}"
    if measure:
        command = [sys.executable, "-c", _MEASURE, str(rss_file), *command]
    proc = subprocess.run(
        command,
        input=stdin if isinstance(stdin, bytes) else None,
        stdin=stdin if isinstance(stdin, int) else (None if isinstance(stdin, bytes) else subprocess.DEVNULL),
        capture_output=True,
        env=full_env,
        timeout=300,
        cwd=tmp_path,
    )
    peak = int(rss_file.read_text()) / 1024 if measure else 0.0
    return Proc(proc.returncode, proc.stdout, proc.stderr, peak)


def one_line_error(exit_code: int, stdout: str | bytes, stderr: str | bytes) -> str | None:
    """Why a failed command's output breaks the contract (None when it keeps it): an exit code from SPEC's list,
    nothing on stdout, exactly one ``Error: …`` line on stderr and no traceback."""
    err = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    if exit_code not in SPEC_EXITS:
        return f"exit {exit_code} is not in SPEC's list: {err[-600:]}"
    if exit_code == 0:
        return None
    if stdout:
        return f"stdout before an error: {stdout[:200]!r}"
    if "Traceback" in err:
        return f"a traceback: {err[-600:]}"
    lines = err.splitlines()
    if len(lines) != 1 or not lines[0].startswith("Error: "):
        return f"not one Error: line on stderr: {err[:600]!r}"
    return None


# Characters that must never reach a terminal raw from user data: C0/C1 controls and DEL (escape sequences,
# bells, carriage returns that overwrite), bidi embeddings/overrides/isolates and marks (Trojan Source), line
# and paragraph separators, and other invisible format characters.
def unsafe_for_terminal(c: str) -> bool:
    return unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")


def raw_unsafe(text: str, allowed: str = "\n") -> list[str]:
    """The unsafe characters ``text`` holds raw (``allowed``: the layout's own, such as line ends)."""
    return sorted({c for c in text if c not in allowed and unsafe_for_terminal(c)})


def printable_runs(text: str) -> list[str]:
    """The stretches of ``text`` a table shows as typed: what lies between the characters it shows escaped."""
    runs: list[str] = []
    current: list[str] = []
    for c in text:
        if c.isprintable():
            current.append(c)
        else:
            runs.append("".join(current))
            current = []
    runs.append("".join(current))
    return [run.strip() for run in runs if run.strip()]
