"""How long `sitlog events` takes to list 10,000 events, against simply reading them.

    .venv/bin/python bench/bench_events.py [--events N] [--runs R] [--keep PATH]

Builds a database of N events (default 10,000) through the store's own write path
(``Store.insert_revision`` inside one transaction), then times, as medians over R runs:

- the baseline: raw ``sqlite3`` reading the same head revisions (joined to their place) and writing
  them as CSV with the ``csv`` module — what "reading them" costs;
- ``sitlog events -f csv``, ``-f json`` and the plain table (stdout not a terminal), both in-process
  (the Typer app called directly, stdout sent to /dev/null) and as a ``python -m sitlog`` subprocess,
  against a subprocess running the baseline.

The issue asks that listing 10,000 events not take much longer than reading them; the ratios say how
close it comes. Not part of the test run.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitlog.domain.model import (  # noqa: E402
    ActorType,
    ControlStatus,
    Event,
    Kind,
    Means,
    Precision,
    Quantity,
    When,
    new_event_id,
)
from sitlog.store import Store  # noqa: E402

NOW = datetime(2024, 11, 28, 12, tzinfo=timezone.utc)
ACTORS = [("HTS", ActorType.REBEL), ("Syrian Arab Army", ActorType.STATE), ("SNA", ActorType.REBEL),
          ("SDF", ActorType.MILITIA), ("Russian Air Force", ActorType.EXTERNAL),
          ("Hezbollah", ActorType.EXTERNAL)]  # fmt: skip
NOTES = ["", "reported by two local sources", "[bold]not markup[/] \x1b[31m literal", "اشتباكات عنيفة في المنطقة",
         "figures disputed; see claim", "Kfar Bissin, south side"]  # fmt: skip
QUANTITIES = ["3", "10-15", "40+", "several", "dozens", "hundreds", "7"]

# The baseline: what it costs to read the same rows and write them out, with nothing in between.
BASELINE = """
import csv, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
rows = conn.execute(
    "SELECT r.event_id, r.at_utc, r.kind, p.name, r.actor_ids, r.claimed_by, r.grade, r.source, r.note "
    "FROM events e JOIN revisions r ON r.seq = e.seq JOIN places p ON p.id = r.place_id "
    "WHERE e.retracted = 0 ORDER BY e.at_utc, e.seq"
)
writer = csv.writer(sys.stdout, lineterminator="\\n")
writer.writerow(["id", "at", "kind", "place", "actors", "claimed", "grade", "source", "note"])
writer.writerows(rows)
"""


def build(path: Path, n_events: int, seed: int = 1) -> None:
    """A database of ``n_events`` varied events over 40 bundled places and 30 days."""
    rng = random.Random(seed)
    store = Store(path)
    with store.transaction():
        for name, actor_type in ACTORS:
            store.actors.add(name, (), actor_type, None, None, now=NOW)
        places = [p for p in store.places.search()][:40]
        store.begin_changeset("BENCH", "bench", "bench", NOW, "generated")
        start = datetime(2024, 10, 29, tzinfo=timezone.utc)
        names = [name for name, _ in ACTORS]
        for i in range(n_events):
            at = start + timedelta(seconds=rng.randrange(30 * 86400))
            when = When.exact(at) if rng.random() < 0.8 else When.window(at.date(), Precision.DAY)
            kind = rng.choice(list(Kind))
            place = rng.choice(places)
            a, b = rng.sample(names, 2)
            fields: dict[str, object] = {}
            if kind is Kind.CONTROL:
                fields = {"actors": (a,), "status": rng.choice(list(ControlStatus)), "against": (b,)}
            elif kind is Kind.CLASH:
                fields = {"actors": (a, b), "outcome": rng.choice([None, "repelled", "town taken"])}
            elif kind is Kind.CASUALTIES:
                fields = {"actors": (a,), "side": a, "killed": Quantity.parse(rng.choice(QUANTITIES))}
            elif kind is Kind.STRIKE:
                fields = {"actors": (a,), "means": rng.choice(list(Means))}
            else:
                fields = {"families": Quantity.parse(rng.choice(QUANTITIES))}
            event = Event(
                id=new_event_id(NOW + timedelta(milliseconds=i)),
                kind=kind,
                place_id=place.id,
                place=place.name,
                when=when,
                source=rng.choice([None, "SOHR", "Enab Baladi", "local"]),
                grade=rng.choice([None, "B2", "C3"]),
                claimed=rng.random() < 0.1,
                note=rng.choice(NOTES) or None,
                tags=("bench",),
                operator="bench",
                recorded_at=NOW,
                **fields,  # type: ignore[arg-type]
            )
            store.events.insert_revision(event, "BENCH")
    store.close()


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@contextlib.contextmanager
def stdout_to_devnull() -> Iterator[None]:
    saved = sys.stdout
    with open(os.devnull, "w", encoding="utf-8") as sink:
        sys.stdout = sink
        try:
            yield
        finally:
            sys.stdout = saved


def baseline_in_process(path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    with open(os.devnull, "w", encoding="utf-8", newline="") as sink:
        rows = conn.execute(
            "SELECT r.event_id, r.at_utc, r.kind, p.name, r.actor_ids, r.claimed_by, r.grade, r.source, r.note "
            "FROM events e JOIN revisions r ON r.seq = e.seq JOIN places p ON p.id = r.place_id "
            "WHERE e.retracted = 0 ORDER BY e.at_utc, e.seq"
        )
        writer = csv.writer(sink, lineterminator="\n")
        writer.writerow(["id", "at", "kind", "place", "actors", "claimed", "grade", "source", "note"])
        writer.writerows(rows)
    conn.close()


def store_read(path: Path) -> None:
    """What "reading them" costs inside sitlog: every head revision as an Event, nothing rendered."""
    from sitlog.store import EventFilter

    store = Store(path)
    for _event in store.events.select(EventFilter()):
        pass
    store.close()


def sitlog_in_process(path: Path, fmt: str) -> Callable[[], None]:
    import sitlog.cli  # noqa: F401  (registers every command on the app)
    from sitlog.cli.common import app

    def run() -> None:
        with stdout_to_devnull():
            try:
                app(["--db", str(path), "events", "-f", fmt], standalone_mode=False)
            except SystemExit as exc:  # pragma: no cover - a failure here is a bench bug
                if exc.code:
                    raise

    return run


def subprocess_run(args: list[str], env: dict[str, str]) -> Callable[[], None]:
    def run() -> None:
        subprocess.run(args, stdout=subprocess.DEVNULL, env=env, check=True)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the database here and keep it")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.db"
        if path.exists():
            sys.exit(f"{path} exists; give a new path")
        started = time.perf_counter()
        build(path, args.events)
        print(f"built {args.events:,} events in {time.perf_counter() - started:.2f} s ({path})")

        env = {**os.environ, "SITLOG_TZ": "UTC", "SITLOG_NOW": NOW.isoformat(), "SITLOG_DB": str(path)}
        os.environ.update({"SITLOG_TZ": "UTC", "SITLOG_NOW": NOW.isoformat()})
        runs = args.runs
        base = median_seconds(lambda: baseline_in_process(path), runs)
        read = median_seconds(lambda: store_read(path), runs)
        base_proc = median_seconds(subprocess_run([sys.executable, "-c", BASELINE, str(path)], env), runs)
        start_proc = median_seconds(subprocess_run([sys.executable, "-m", "sitlog", "--version"], env), runs)

        def row(label: str, seconds: float, baseline: float, reading: float | None = None) -> None:
            versus_read = f"{seconds / reading:14.2f}" if reading else ""
            print(f"{label:36}{seconds:9.3f}{seconds / baseline:12.2f}{versus_read}")

        print(f"\nmedian of {runs} runs, {args.events:,} events")
        print(f"{'':36}{'seconds':>9}{'× baseline':>12}{'× store read':>14}")
        row("baseline: sqlite3 → csv (in-process)", base, base)
        row("Store.events() → Event objects", read, base, read)
        for fmt in ("csv", "json", "table"):
            row(f"sitlog events -f {fmt} (in-process)", median_seconds(sitlog_in_process(path, fmt), runs), base, read)
        row("baseline: sqlite3 → csv (subprocess)", base_proc, base_proc)
        row("sitlog --version (subprocess)", start_proc, base_proc)
        for fmt in ("csv", "json", "table"):
            cmd = [sys.executable, "-m", "sitlog", "events", "-f", fmt]
            row(f"sitlog events -f {fmt} (subprocess)", median_seconds(subprocess_run(cmd, env), runs), base_proc)


if __name__ == "__main__":
    main()
