"""The benchmark suite in one command: issue 14's table, sitlog against its floors, and the scaling table.

    .venv/bin/python bench/run.py [--events 1000000] [--scale 10000,100000] [--pairs 5]
                                  [--out docs/performance.md] [--cache bench/.cache] [--only ROW,...]

For each database size (``--events`` and the smaller ``--scale`` sizes) it takes a database from
``bench/generate.py`` (cached in ``--cache``; regenerated when missing or when the generator or the
installed sitlog's schema changed) and measures every row of the table (``bench/rows.py``): sitlog
and its floor (``bench/floor.py``: the same SQL with bare sqlite3) in the same run, as interleaved pairs,
reporting medians, the median per-pair ratio and whether the issue's target is met at the largest size.
The markdown goes to stdout and to ``--out``; progress goes to stderr.

Measures whatever sitlog is installed in this Python environment. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402
import measure  # noqa: E402
import report  # noqa: E402
import rows  # noqa: E402
from measure import BENCH, PYTHON, ROOT, SITLOG  # noqa: E402


def sitlog_version() -> str:
    return subprocess.run([SITLOG, "--version"], capture_output=True, text=True, check=True).stdout.strip()


def digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def stamp_for(size: int, args: argparse.Namespace, version: str) -> str:
    """What a cached database depends on: the generator, its parameters, the installed sitlog (schema)."""
    return (
        f"generate.py {digest(BENCH / 'generate.py')}\nevents {size} places {args.places} days {args.days} "
        f"seed {args.seed}\n{version}\n"
    )


def ensure_db(size: int, args: argparse.Namespace, version: str, adopt: dict[int, Path], say: Stderr) -> Path:
    """The cached database of ``size`` events, generated (or adopted from ``--adopt``) when missing or stale."""
    path = args.cache / f"bench-{size}.db"
    stamp_path = Path(f"{path}.stamp")
    stamp = stamp_for(size, args, version)
    if path.exists() and stamp_path.exists() and stamp_path.read_text() == stamp:
        return path
    rows.remove_db(path)
    stamp_path.unlink(missing_ok=True)
    if size in adopt:
        say(f"adopting {adopt[size]} as the {size:,}-event database")
        src = sqlite3.connect(f"file:{adopt[size]}?mode=ro", uri=True)
        dst = sqlite3.connect(path)
        src.backup(dst)
        ok = (
            dst.execute("SELECT count(*) FROM events").fetchone()[0] == size
            and dst.execute("SELECT count(*) FROM places WHERE source = 'bench'").fetchone()[0] == args.places
        )
        src.close()
        dst.close()
        if not ok:
            rows.remove_db(path)
            sys.exit(f"{adopt[size]} does not hold {size:,} events over {args.places:,} generated places")
    else:
        say(f"generating the {size:,}-event database (bench/generate.py)")
        subprocess.run(
            [
                PYTHON,
                str(BENCH / "generate.py"),
                str(path),
                "--events",
                str(size),
                "--places",
                str(args.places),
                "--days",
                str(args.days),
                "--seed",
                str(args.seed),
            ],
            check=True,
            stdout=sys.stderr,
        )
    stamp_path.write_text(stamp)
    return path


def ensure_import_file(size: int, args: argparse.Namespace, say: Stderr) -> tuple[Path, int]:
    """The cached jsonl export ``bench_import.py`` writes for ``size`` events, and its revision count."""
    path = args.cache / f"import-{size}.jsonl"
    stamp_path = Path(f"{path}.stamp")
    stamp = f"bench_import.py {digest(BENCH / 'bench_import.py')} events {size}\n"
    if path.exists() and stamp_path.exists() and stamp_path.read_text().startswith(stamp):
        return path, int(stamp_path.read_text().split()[-1])
    say(f"writing the {size:,}-event jsonl to import (bench/bench_import.py)")
    revisions = bench_import.generate(path, size)
    stamp_path.write_text(f"{stamp}revisions {revisions}\n")
    return path, revisions


def ensure_fresh(args: argparse.Namespace, version: str) -> Path:
    """A new, migrated sitlog database (the pack loaded), copied for each import."""
    path = args.cache / "fresh.db"
    stamp_path = Path(f"{path}.stamp")
    if not (path.exists() and stamp_path.exists() and stamp_path.read_text() == version):
        rows.remove_db(path)
        bench_import.create_database(path)
        stamp_path.write_text(version)
    return path


class Stderr:
    """Progress lines on stderr, with the time since the start."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self, text: str) -> None:
        print(f"[{time.perf_counter() - self.start:6.1f} s] {text}", file=sys.stderr, flush=True)


def bench_env(cache: Path) -> dict[str, str]:
    """The environment every sitlog run gets: a fixed clock and zone, no config file, no colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SITLOG_", "_SITLOG_", "COMP_"))}
    # Measure what a user runs: Python's bytecode cache in use (a shell that sets PYTHONDONTWRITEBYTECODE
    # would have every run compile sitlog and its libraries from source, +100-300 ms a command).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        SITLOG_TZ="UTC",
        SITLOG_NOW=rows.NOW,
        SITLOG_OPERATOR="bench",
        NO_COLOR="1",
        COLUMNS="120",
        SITLOG_CONFIG=str(cache / "no-config.toml"),
        SITLOG_STATE_DIR=str(cache / "state"),
    )
    return env


def reproducible(argv: list[str]) -> list[str]:
    """The command line without what does not change a figure (``--note``)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--note":
            skip = True
        elif not arg.startswith("--note="):
            out.append(arg)
    return out


def document(results: dict[int, dict[str, rows.Measured]], args: argparse.Namespace, info: dict[str, str]) -> str:
    m = info
    top = max(results)
    missed = report.missed_section(results)
    peak_source = "GNU `time -f %M`" if measure.TIME else "`wait4`, which counts the runner's RSS at fork too"
    lines = [
        "# Performance",
        "",
        "Generated by `bench/run.py` (issue 14); regenerate it with the command at the end. Every figure is",
        "measured in one run on the machine below, sitlog and its floor as interleaved pairs (medians).",
        "",
    ]
    if args.note:
        lines += [f"**{args.note}**", ""]
    lines += [
        f"- measured: {m['date']}, sitlog commit {m['commit']} (`{m['version']}`)",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM; {m['os']}; {m['python']}; SQLite {m['sqlite']}",
        f"- load average (1/5/15 min) at start {m['load_start']}, at end {m['load_end']}; total run {m['wall']}",
        f"- databases: `bench/generate.py` (seed {args.seed}), {args.places:,} generated places, {args.days} days",
        "",
        "## The issue's table",
        "",
        *report.targets_table(results),
        "",
        "sitlog ÷ floor is the median of the per-pair ratios (of times; of rates for export and import); the",
        "sitlog and floor columns are medians. The events rows read smallest → largest size. A peak is the",
        f"process's highest RSS ({peak_source}), or for the in-process rows the highest Python allocation",
        "(`tracemalloc`, one extra untimed call); MB = 10⁶ bytes. A row whose first run takes longer than",
        f"{args.heavy:g} s runs one pair; for a whole-process row that first run is the traced one (below).",
        "",
        *(["## Targets missed: why, and what meeting them would take", "", *missed, ""] if missed else []),
        "## Scaling",
        "",
        "Each row at every size: fixed-size answers should cost the same at each; whole-log answers grow with it.",
        "",
        *report.scaling_table(results),
        "",
        "## What each row runs",
        "",
        "Whole-process rows run the installed `sitlog` script; their floor is `bench/floor.py replay`, which",
        "replays in a bare `sqlite3` process (it imports only `sqlite3` and `argparse`) the trace that",
        "`bench/sqltrace.py` captured from the same command in the same run: the same connections, statements,",
        "parameters and rows fetched (listings write each row to stdout). In-process rows call sitlog after one",
        "warm-up call and replay the trace on an open connection. Commands, on the largest database:",
        "",
    ]
    for row in rows.ROWS:
        if row.key in results[top]:
            lines.append(f"- {row.what}: {'; '.join(results[top][row.key].notes)}")
    lines += [
        "- `log` writes to a copy of the database; the floor's replay gets fresh event and change-set ids.",
        "- `export`'s floor is `bench/floor.py export`: SQLite builds one `json_object` line per revision.",
        "- `import`'s floor is `bench/bench_import.py`'s `executemany_baseline`: the rows the import stored,",
        "  already in memory, inserted parents first into a copy of the database the import started from.",
        "- Environment: `SITLOG_NOW=2025-01-01T00:00:00+00:00`, `SITLOG_TZ=UTC`, no config file, `NO_COLOR=1`.",
        "",
        "To see where start-up time goes: `python -X importtime -m sitlog --version`; peak memory of one",
        "command: `/usr/bin/time -v sitlog …`.",
        "",
        "## Reproduce",
        "",
        "```",
        shlex.join([".venv/bin/python", "bench/run.py", *reproducible(args.argv)]),
        "```",
        "",
        "Databases are generated into the cache directory (`--cache`, default `bench/.cache/`) on first use",
        "(1M events: about a minute) and reused while `bench/generate.py` and sitlog's schema stay the same.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="the size of the main table")
    parser.add_argument("--scale", default="10000,100000", help="smaller sizes for the scaling table (comma list)")
    parser.add_argument("--pairs", type=int, default=5, help="interleaved pairs per row (median)")
    parser.add_argument("--heavy", type=float, default=5.0, help="one pair only when a run takes longer (s)")
    parser.add_argument("--places", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--cache", type=Path, default=BENCH / ".cache", help="generated databases and scratch")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--only", help="measure only these rows (comma list of: " + ", ".join(rows.ROW_KEYS) + ")")
    parser.add_argument(
        "--adopt",
        action="append",
        default=[],
        metavar="SIZE=PATH",
        help="use a copy of this database (read-only) for SIZE events if the cache lacks one",
    )
    parser.add_argument("--note", default="", help="a line to print under the title")
    args = parser.parse_args()
    args.argv = sys.argv[1:]
    keys = rows.ROW_KEYS if not args.only else [k.strip() for k in args.only.split(",")]
    unknown = set(keys) - set(rows.ROW_KEYS)
    if unknown:
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")
    sizes = sorted({args.events, *(int(s) for s in args.scale.split(",") if s.strip() and int(s) < args.events)})
    adopt = {int(k): Path(v) for k, v in (a.split("=", 1) for a in args.adopt)}
    say = Stderr()
    args.cache.mkdir(parents=True, exist_ok=True)
    info = {
        **measure.machine(),
        "load_start": measure.load_average(),
        "commit": measure.git_commit(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    version = sitlog_version()  # also warms the start-up caches, as one floor run does:
    subprocess.run([*measure.FLOOR, "--help"], stdout=subprocess.DEVNULL, check=True)
    info["version"] = version
    env = bench_env(args.cache)
    os.environ.clear()
    os.environ.update(env)  # the in-process rows read the same environment
    fresh = ensure_fresh(args, version) if "import" in keys else args.cache / "fresh.db"
    results: dict[int, dict[str, rows.Measured]] = {}
    for size in sizes:
        db = ensure_db(size, args, version, adopt, say)
        jsonl, revisions = ensure_import_file(size, args, say) if "import" in keys else (Path(), 0)
        work = args.cache / f"work-{size}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        ds = rows.Dataset(size, db, work, fresh, jsonl, revisions, env, args.pairs, args.heavy)
        ds.describe()
        results[size] = rows.measure_all(ds, keys, say)
        shutil.rmtree(work, ignore_errors=True)
    info["load_end"] = measure.load_average()
    info["wall"] = f"{time.perf_counter() - say.start:,.0f} s"
    text = document(results, args, info)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    say(f"wrote {args.out}")
    failed = [f"{size:,} events: {key}" for size, by_key in results.items() for key, m in by_key.items() if m.error]
    if failed:
        sys.exit(f"rows not measured (see the tracebacks above): {', '.join(failed)}")


if __name__ == "__main__":
    main()
