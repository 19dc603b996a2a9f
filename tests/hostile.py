"""What the hostile-input suites share: SPEC's exit codes, the one-line error check, a real process run on
raw bytes with its peak memory measured, and the characters that must never reach a terminal raw."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# SPEC "Exit codes": what a user may see for bad input. 1 is an internal error (a traceback): never allowed here.
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
