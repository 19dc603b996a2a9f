"""Timing primitives for ``bench/run.py``: child processes (wall time, peak RSS, first line), in-process
calls, interleaved pairs, and the description of the machine the figures come from."""

from __future__ import annotations

import atexit
import contextlib
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
SITLOG = str(Path(sys.executable).parent / "sitlog")
# The floor runs from its compiled module, as the sitlog script runs from compiled modules.
FLOOR = [PYTHON, "-c", f"import sys; sys.path.insert(0, {str(BENCH)!r}); import floor; floor.main()"]
# Peak RSS comes from GNU time when there is one: a child's ru_maxrss as wait4 reports it starts from the
# parent's (this runner's) RSS at fork, since Linux carries the high-water mark across exec.
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
_RSS_DIR = tempfile.mkdtemp(prefix="sitlog-bench-rss-")
atexit.register(shutil.rmtree, _RSS_DIR, True)


@dataclass
class Sample:
    """One timed run: wall seconds; peak RSS in bytes (child processes) or peak Python allocations
    (tracemalloc, in-process) when measured; for streamed output, seconds to the first line and lines."""

    wall: float
    rss: int | None = None
    first_line: float | None = None
    lines: int | None = None


@dataclass
class Pairs:
    """Interleaved runs of sitlog and its floor."""

    sitlog: list[Sample] = field(default_factory=list)
    floor: list[Sample] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.sitlog)

    def median(self, which: str) -> float:
        return statistics.median(s.wall for s in getattr(self, which))

    def ratio(self) -> float:
        """Median of the per-pair ratios sitlog ÷ floor (drift on a shared machine cancels within a pair)."""
        return statistics.median(s.wall / f.wall for s, f in zip(self.sitlog, self.floor, strict=True))

    def peak(self, which: str) -> int | None:
        values = [s.rss for s in getattr(self, which) if s.rss is not None]
        return max(values) if values else None


def paired(sitlog: Callable[[], Sample], floor: Callable[[], Sample], n: int, heavy: float) -> Pairs:
    """``n`` pairs, alternating which runs first; a single pair when sitlog's first run takes over ``heavy`` s."""
    out = Pairs()
    for i in range(n):
        if i % 2 == 0:
            s, f = sitlog(), floor()
        else:
            f, s = floor(), sitlog()
        out.sitlog.append(s)
        out.floor.append(f)
        if i == 0 and s.wall > heavy:
            break
    return out


def _timed_args(args: list[str]) -> tuple[list[str], Path | None]:
    if TIME is None:
        return args, None
    out = Path(_RSS_DIR) / "rss"
    out.unlink(missing_ok=True)
    return [TIME, "-f", "%M", "-o", str(out), *args], out


def _peak(rss_file: Path | None, usage: Any) -> int:
    """Peak RSS in bytes: GNU time's figure (KiB) if it ran, else wait4's (which may be the runner's)."""
    if rss_file is not None:
        return int(rss_file.read_text().split()[-1]) * 1024
    return int(usage.ru_maxrss) * 1024


def run(args: list[str], env: dict[str, str], stdout: Any = subprocess.DEVNULL) -> Sample:
    """A child process to completion: wall time and peak RSS. Raises on a non-zero exit."""
    args, rss_file = _timed_args(args)
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=stdout, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{err.decode(errors='replace')[-2000:]}")
    return Sample(wall, rss=_peak(rss_file, usage))


def stream(args: list[str], env: dict[str, str]) -> Sample:
    """A child process whose stdout is read as ``wc -l`` reads a pipe: seconds to the first complete line,
    lines, wall time, peak RSS."""
    args, rss_file = _timed_args(args)
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    lines, first = 0, None
    while chunk := os.read(fd, 1 << 20):
        n = chunk.count(b"\n")
        if n and first is None:
            first = time.perf_counter() - started
        lines += n
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.stdout.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(args)} exited {code}")
    return Sample(wall, rss=_peak(rss_file, usage), first_line=first, lines=lines)


def timed(fn: Callable[[], object]) -> Sample:
    """One in-process call: wall time."""
    started = time.perf_counter()
    fn()
    return Sample(time.perf_counter() - started)


def traced_peak(fn: Callable[[], object]) -> int:
    """Peak Python allocations (bytes, tracemalloc) during one in-process call (not timed: tracing is slow)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@contextlib.contextmanager
def quiet() -> Iterator[Path]:
    """stdout to /dev/null and stderr to a temporary file (yielded), at the file-descriptor level too."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    saved_objects = sys.stdout, sys.stderr
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as null:
        err_path = Path(tmp) / "stderr"
        with open(err_path, "w") as err:
            os.dup2(null.fileno(), 1)
            os.dup2(err.fileno(), 2)
            sys.stdout, sys.stderr = null, err
            try:
                yield err_path
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                sys.stdout, sys.stderr = saved_objects
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(saved[0])
                os.close(saved[1])


def machine() -> dict[str, str]:
    """CPU model, cores, RAM, Python, SQLite, OS, and the load average when asked."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError), open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    os_name = platform.system()
    with contextlib.suppress(OSError), open("/etc/os-release") as handle:
        for line in handle:
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip().strip('"')
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sqlite": sqlite3.sqlite_version,
        "os": f"{os_name} (kernel {platform.release()})",
    }


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def git_commit() -> str:
    """The commit of the code measured, with ``+changes`` when the work tree differs from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "sitlog"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes in sitlog/" if dirty else "")
