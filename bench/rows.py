"""The rows of the performance table (issue 14): what each runs for sitlog and for its floor.

Every row measures sitlog and its floor in the same run as interleaved pairs (``measure.paired``).
Whole-process rows run the installed ``sitlog`` script; their floor replays, in a bare ``sqlite3``
process, the trace ``sqltrace.py`` captured from the very same command just before (so the floor runs
exactly the SQL this build of sitlog runs). In-process rows call sitlog inside this process after a
warm-up call, against the captured SQL replayed on an open connection. ``export`` is measured against
SQLite building the lines itself (``floor.py export``), ``import`` against a raw ``executemany`` of the
rows it stored (``bench_import.py``).
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import bench_import
import floor
import measure
import sqltrace
from measure import FLOOR, PYTHON, SITLOG, Pairs, Sample

NOW = "2025-01-01T00:00:00+00:00"  # SITLOG_NOW: the generated data spans 2023-01-01 .. 2024-12-31
STATUS_AT = datetime(2024, 6, 1, 12, tzinfo=timezone.utc)
KNOWN_AT_TEXT = "2024-06-01T12:00:00+00:00"
KNOWN_AT = datetime(2024, 6, 1, 12, tzinfo=timezone.utc)
DAY = "2024-06-15"
LOG_AT = "2024-12-31T12:00:00+00:00"
COMPLETE_LINE = "sitlog events --place Ka"


@dataclass
class Row:
    """One line of the issue's table: key, label, target (text), the figure when the issue was filed, and
    whether the answer has a fixed size (so should cost the same at every database size)."""

    key: str
    what: str
    target: str
    filed: str
    fixed: bool = True
    rate: str = ""  # for throughput rows: what is counted (events, revisions)
    why_not: str = ""  # when the target is missed: why, and what meeting it would take (shown only then)


# Why a target is missed and what meeting it would take (shown under the table only while it is missed).
# The causes come from profiles: `python -X importtime -m sitlog …` and cProfile of the same command.
WHY_START_UP = (
    "The floor is a bare `sqlite3` process; sitlog's own work here is a few milliseconds. Most of the gap is "
    "start-up: importing Typer and building the command (~50 ms, even with only the command run built), "
    "the model's frozen dataclasses and the regular expressions the time and quantity parsers compile at "
    "import (~40–50 ms together), and for reports the table renderer. Meeting 2× would take a parser for "
    "these commands that does not import Typer (as `--version` and completion already have, with a test "
    "that both parsers agree) and dataclasses/regexes built on first use; we kept one parser, Typer's."
)
WHY_STATUS = (
    "At a past moment the answer is a pair of index seeks per place (an exact instant and a date window), "
    "10,000 places: the floor, that SQL alone in bare `sqlite3`, takes more than the target by itself, and "
    "sitlog then builds 10,000 entries and their claims in Python. Meeting it would take a control-history "
    "table maintained on write (place, valid from, valid until, holder), so that status at T is one range "
    "scan, and rows rendered from SQL without Python objects. `status` as of now already reads the derived "
    "`control_current` table."
)
WHY_KNOWN = (
    "The SQL (heads, plus the revisions recorded after T, through the covering indexes) is within the "
    "target on its own — that is the floor; the rest is sitlog building 10,000 entries and their claims as "
    "Python objects (cProfile: the entry loop, claim attachment and the sort). Meeting it would take rows "
    "rendered straight from SQL, as `events` now streams them, instead of entry objects."
)
WHY_SUMMARY = (
    "Two years are 730 days of every event and figure: the floor, sitlog's SQL aggregates run in bare "
    "`sqlite3`, takes longer than the target by itself, and sitlog adds the per-day Python that keeps "
    "vague figures (low, best, high, unknown) apart. Meeting it would take per-day aggregates maintained on "
    "write, like the derived control table, so that a summary reads 730 rows."
)
WHY_EXPORT = (
    "The floor (`bench/floor.py export`) writes one `json_object` of the stored columns per revision. "
    "sitlog writes the documented export shape (fields per kind, vague figures with their best estimate, "
    "RFC 3339 times in the report zone, the handle in base 32, the list of sources), built by SQLite in one "
    "`printf` per revision with no Python per row when the zone has a fixed offset; a profile shows nearly "
    "all of the time in that statement. Meeting it would take storing each revision's export line when it "
    "is written (a bigger file, every write a little slower), so that export only copies text."
)


ROWS = [
    Row("version", "`sitlog --version`", "≤ 1.5× floor", "2.9× floor"),
    Row("log", "`sitlog log control …` (one event)", "≤ 2.0× floor", "3.0× floor", why_not=WHY_START_UP),
    Row("history", "`history` (busiest place), whole command", "≤ 2.0× floor", "3.0× floor", why_not=WHY_START_UP),
    Row("summary_day", "`summary --day`, whole command", "≤ 2.0× floor", "3.0× floor", why_not=WHY_START_UP),
    Row(
        "status_at",
        "`status --at`, in-process, 10k places",
        "≤ 30 ms",
        "128 ms (raw SQL alone 81 ms)",
        why_not=WHY_STATUS,
    ),
    Row("status_known", "`status --known-at`, in-process", "≤ 100 ms", "2,165 ms, 181 MiB", why_not=WHY_KNOWN),
    Row(
        "events_kind",
        "`events --kind control --limit 50`, in-process",
        "flat within 2× over sizes",
        "5 → 780 ms (156×)",
    ),
    Row(
        "events_known",
        "`events --known-at … --limit 50`, in-process",
        "flat within 2× over sizes",
        "12.5 → 2,121 ms (170×)",
    ),
    Row(
        "events_all",
        "`events --all` piped to `wc -l`",
        "first line < 0.3 s, peak < 150 MB, ≥ 100k events/s",
        "54 s, 2.98 GB peak",
        fixed=False,
        rate="events",
    ),
    Row("summary_2y", "2-year `summary`", "≤ 3 s, peak < 200 MB", "54 s, 2.46 GB", fixed=False, why_not=WHY_SUMMARY),
    Row(
        "export",
        "`export` (jsonl)",
        "≥ 200k revisions/s",
        "28k revisions/s",
        fixed=False,
        rate="revisions",
        why_not=WHY_EXPORT,
    ),
    Row(
        "import",
        "`import` (jsonl)",
        "≥ 0.7× raw executemany, peak < 200 MB",
        "0.68× raw executemany, 200 MB",
        fixed=False,
        rate="revisions",
    ),
    Row("completion", "shell completion of a place name, whole process", "< 80 ms", "none"),
]
ROW_KEYS = [r.key for r in ROWS]


@dataclass
class Measured:
    """A row at one database size: the pairs, how many items a throughput row moved, peak memory of the
    in-process runs (tracemalloc) and what was run."""

    pairs: Pairs
    items: int | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # why the row could not be measured

    def rate(self, which: str) -> float:
        assert self.items is not None
        return self.items / self.pairs.median(which)


@dataclass
class Dataset:
    """One generated database and what the rows need to know about it."""

    size: int
    db: Path
    work: Path  # scratch directory for traces, copies and imports
    fresh: Path  # a new, migrated sitlog database (what `import` starts from)
    import_jsonl: Path
    import_revisions: int
    env: dict[str, str]
    pairs: int
    heavy: float
    place: str = ""
    events: int = 0
    revisions: int = 0

    def describe(self) -> None:
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        self.place = conn.execute(
            "SELECT p.name FROM events e JOIN places p ON p.id = e.place_id GROUP BY e.place_id "
            "ORDER BY count(*) DESC, e.place_id LIMIT 1"
        ).fetchone()[0]
        self.events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        self.revisions = conn.execute("SELECT count(*) FROM revisions").fetchone()[0]
        conn.close()


def whole_process(
    ds: Dataset,
    name: str,
    args: list[str],
    env: dict[str, str] | None = None,
    db: Path | None = None,
    fresh_ids: bool = False,
    streamed: bool = False,
    listing: bool = True,
) -> Measured:
    """``sitlog ARGS`` against the replay of its own trace, both as child processes.

    ``listing``: sitlog prints the rows it reads, so the floor writes each row it fetched to stdout too;
    otherwise (summaries, ``log``) the floor only fetches them.
    """
    env = env or ds.env
    trace = ds.work / f"{name}.trace"
    replay = [*FLOOR, "replay", str(trace), *(["--db", str(db)] if db else [])]
    replay += (["--fresh-ids"] if fresh_ids else []) + ([] if listing else ["--quiet"])
    how = measure.stream if streamed else measure.run
    # The capture is timed like any run; when it is heavy it is the row's one sitlog sample (tracing adds
    # one Python call per row fetched: under 1 % of a run that long), which spares a second long run.
    traced = how([PYTHON, str(measure.BENCH / "sqltrace.py"), str(trace), "--", *args], env)
    notes = [command_text(ds, args)]
    if traced.wall > ds.heavy:
        pairs = Pairs([traced], [how(replay, env)])
        notes.append("one pair, the sitlog sample being the traced run")
    else:
        pairs = measure.paired(lambda: how([SITLOG, *args], env), lambda: how(replay, env), ds.pairs, ds.heavy)
    return Measured(pairs, notes=notes)


def command_text(ds: Dataset, args: list[str]) -> str:
    """``sitlog ARGS`` as the docs show it: the database as DB (COPY for a scratch copy)."""
    names = {str(ds.db): "DB", str(ds.work / "scratch.db"): "COPY"}
    shown = [names.get(a, f"'{a}'" if " " in a or not a else a) for a in args]
    return "`" + " ".join(["sitlog", *shown]) + "`"


def cli_in_process(ds: Dataset, name: str, args: list[str]) -> Measured:
    """``sitlog ARGS`` called in this process (output to /dev/null) against its trace replayed in-process."""

    with measure.quiet() as err:  # around every call, so that redirecting is no part of the timings

        def sitlog() -> None:
            code = sqltrace.run_cli(args)
            if code != 0:
                sys.stderr.flush()
                raise RuntimeError(f"sitlog {' '.join(args)} exited {code}: {err.read_text()[-2000:]}")

        sitlog()  # warm-up: imports, module-level caches, the page cache; the trace is of a warm call
        with sqltrace.capture() as recorder:
            sitlog()
        recorder.write(ds.work / f"{name}.trace", ds.db)
        meta, ops = floor.load(str(ds.work / f"{name}.trace"))
        floor.replay(meta, ops)
        pairs = measure.paired(
            lambda: measure.timed(sitlog), lambda: measure.timed(lambda: floor.replay(meta, ops)), ds.pairs, ds.heavy
        )
    return Measured(pairs, notes=[command_text(ds, args)])


def status_call(store: Any, known_at: datetime | None) -> Callable[[], object]:
    """The use case behind ``status --at`` / ``--known-at`` (store queries + report, no rendering)."""
    from sitlog.ops import reports

    if known_at is None:
        return lambda: reports.status(store, timezone.utc, STATUS_AT, None, None, None)
    return lambda: reports.status(store, timezone.utc, datetime.fromisoformat(NOW), known_at, None, None)


def status_in_process(ds: Dataset, name: str, known_at: datetime | None) -> Measured:
    """The status use case on an open store against its SQL replayed on an open connection; peak memory of
    each (tracemalloc) from one more, untimed call."""
    from sitlog.store import Store

    store = Store(ds.db)
    call = status_call(store, known_at)
    call()  # warm-up: imports, the store's own caches, the page cache
    with sqltrace.capture() as recorder:
        traced = Store(ds.db)
        status_call(traced, known_at)()  # warmed as the timed store is; its SQL is set-up for the floor
        recorder.mark()
        status_call(traced, known_at)()
    traced.close()
    recorder.write(ds.work / f"{name}.trace", ds.db)
    meta, ops = floor.load(str(ds.work / f"{name}.trace"))
    setup, work = floor.split_at_mark(ops)
    work = [op for op in work if op[1] != "close"]  # the traced store's close: the replays share one connection
    conns: dict[int, sqlite3.Connection] = {}
    floor.replay(meta, setup, conns=conns)
    floor.replay(meta, work, conns=conns)
    pairs = measure.paired(
        lambda: measure.timed(call),
        lambda: measure.timed(lambda: floor.replay(meta, work, conns=conns)),
        ds.pairs,
        ds.heavy,
    )
    pairs.sitlog[0].rss = measure.traced_peak(call)
    pairs.floor[0].rss = measure.traced_peak(lambda: floor.replay(meta, work, conns=conns))
    store.close()
    for conn in conns.values():
        conn.close()
    at = f"--known-at {KNOWN_AT_TEXT}" if known_at else f"--at {STATUS_AT.isoformat()}"
    return Measured(pairs, notes=[f"`sitlog.ops.reports.status` as `sitlog status {at}` calls it"])


def export_row(ds: Dataset) -> Measured:
    args = ["--db", str(ds.db), "export", "-f", "jsonl"]
    pairs = measure.paired(
        lambda: measure.run([SITLOG, *args], ds.env),
        lambda: measure.run([*FLOOR, "export", "--db", str(ds.db)], ds.env),
        ds.pairs,
        ds.heavy,
    )
    return Measured(pairs, items=ds.revisions, notes=["`sitlog export -f jsonl > /dev/null`"])


def import_row(ds: Dataset) -> Measured:
    """``sitlog import`` of a jsonl export into a new database, then the raw copy of the rows it stored."""
    target, raw = ds.work / "import.db", ds.work / "import-raw.db"
    pairs = Pairs()
    for i in range(ds.pairs):
        for path in (target, raw):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(ds.fresh, target)
        sample = measure.run([SITLOG, "--db", str(target), "import", str(ds.import_jsonl)], ds.env)
        seconds, rows = bench_import.executemany_baseline(target, ds.fresh, raw)
        if rows != ds.import_revisions:
            raise RuntimeError(f"import stored {rows} revisions, the file has {ds.import_revisions}")
        pairs.sitlog.append(sample)
        pairs.floor.append(Sample(seconds))
        if i == 0 and sample.wall > ds.heavy:
            break
    return Measured(
        pairs, items=ds.import_revisions, notes=["`sitlog import` of `bench_import.py`'s jsonl into a new database"]
    )


def measure_all(ds: Dataset, keys: list[str], progress: Callable[[str], None]) -> dict[str, Measured]:
    """Every row asked for (``keys``) at this dataset's size."""
    db = ["--db", str(ds.db)]
    scratch = ds.work / "scratch.db"
    runs: dict[str, Callable[[], Measured]] = {
        "version": lambda: whole_process(ds, "version", ["--version"]),
        "log": lambda: whole_process(
            ds,
            "log",
            ["--db", str(scratch), "log", "control", ds.place, "--by", "Bench Army", "--at", LOG_AT],
            db=scratch,
            fresh_ids=True,
            listing=False,
        ),
        "history": lambda: whole_process(ds, "history", [*db, "history", ds.place]),
        "summary_day": lambda: whole_process(ds, "summary_day", [*db, "summary", "--day", DAY], listing=False),
        "status_at": lambda: status_in_process(ds, "status_at", None),
        "status_known": lambda: status_in_process(ds, "status_known", KNOWN_AT),
        "events_kind": lambda: cli_in_process(ds, "events_kind", [*db, "events", "--kind", "control", "--limit", "50"]),
        "events_known": lambda: cli_in_process(
            ds, "events_known", [*db, "events", "--known-at", KNOWN_AT_TEXT, "--limit", "50"]
        ),
        "events_all": lambda: whole_process(ds, "events_all", [*db, "events", "--all"], streamed=True),
        "summary_2y": lambda: whole_process(
            ds, "summary_2y", [*db, "summary", "--since", "2023-01-01", "--until", "2024-12-31"], listing=False
        ),
        "export": lambda: export_row(ds),
        "import": lambda: import_row(ds),
        "completion": lambda: completion_row(ds),
    }
    results: dict[str, Measured] = {}
    for key in keys:
        progress(f"{ds.size:,} events: {key}")
        if key == "log":
            copy_db(ds.db, scratch)
        try:
            results[key] = runs[key]()
        except Exception as exc:  # noqa: BLE001 - one broken row must not lose the others' figures
            traceback.print_exc()
            message = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
            results[key] = Measured(Pairs(), error=f"{type(exc).__name__}: {message}"[:200])
        finally:
            if key == "log":
                remove_db(scratch)
        if key == "events_all":
            results[key].items = ds.events
    return results


def completion_row(ds: Dataset) -> Measured:
    """What a bash completion function runs on TAB after ``sitlog events --place Ka``."""
    env = {
        **ds.env,
        "SITLOG_DB": str(ds.db),
        "_SITLOG_COMPLETE": "complete_bash",
        "COMP_WORDS": COMPLETE_LINE,
        "COMP_CWORD": str(len(COMPLETE_LINE.split()) - 1),
    }
    measured = whole_process(ds, "completion", [], env=env)
    measured.notes = [
        f"`_SITLOG_COMPLETE=complete_bash COMP_WORDS='{COMPLETE_LINE}' COMP_CWORD={env['COMP_CWORD']} "
        "SITLOG_DB=DB sitlog`"
    ]
    return measured


def copy_db(src: Path, dst: Path) -> None:
    """A copy of a database no one is writing (its WAL file too, if any)."""
    remove_db(dst)
    shutil.copyfile(src, dst)
    if Path(f"{src}-wal").exists():
        shutil.copyfile(f"{src}-wal", f"{dst}-wal")


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
