"""What amend, retract, undo and show cost on a big log, against the plain SQL they cannot beat.

    .venv/bin/python bench/bench_corrections.py [--events N] [--runs R]

Builds a database of N events (default 200,000), each logged in its own change set as `log` does,
alternating two operators (plus one "carol" change set at the very start), through the store's
write path inside one transaction. Then times, as medians over R runs (each on a fresh event, in
its own transaction, rolled back for the read-only ones):

- baseline write: one raw ``INSERT`` into a scratch table + ``COMMIT`` on the same connection (the
  floor for any durable write with ``synchronous=FULL``);
- baseline read: raw ``SELECT`` of the newest revision row;
- ``amend`` (one figure) and ``retract``: read head in the write transaction, append, move the head;
- ``plan_undo`` for alice (her last change is recent) and for carol (her only change set is the
  oldest: the walk back over every revision is the worst case);
- ``show --revisions`` data for one event (``event_history``).

Not part of the test run.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sitlog.domain.model import ActorType, Event, Kind, Quantity, When, new_event_id
from sitlog.ops import corrections
from sitlog.store import Store

UTC = timezone.utc
START = datetime(2024, 11, 1, tzinfo=UTC)


def build(path: Path, n: int) -> list[str]:
    store = Store(path)
    ids = []
    with store.transaction():
        store.actors.add("HTS", type=ActorType.REBEL, now=START)
        place = store.places.resolve("Aleppo").item
        for i in range(n + 1):
            now = START + timedelta(seconds=i)
            operator = "carol" if i == 0 else ("alice", "bob")[i % 2]
            event = Event(
                id=new_event_id(now),
                kind=Kind.CASUALTIES,
                place_id=place.id,
                place=place.name,
                when=When.exact(now),
                killed=Quantity.exact(i % 40),
                side="civilians",
                operator=operator,
                recorded_at=now,
            )
            changeset = new_event_id(now)
            store.begin_changeset(changeset, operator, "log casualties", now, event.id)
            store.events.insert_revision(event, changeset)
            ids.append(event.id)
    store.conn.execute("CREATE TABLE scratch (x)")
    store.close()
    return ids


def median_ms(fn: Callable[[int], object], runs: int) -> float:
    times = []
    for i in range(runs):
        t = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t = time.perf_counter()
        ids = build(path, args.events)
        print(f"built {args.events:,} events in {time.perf_counter() - t:.1f} s")
        store = Store(path)
        raw = sqlite3.connect(path, isolation_level=None)
        now = START + timedelta(days=60)

        def raw_write(i: int) -> None:
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("INSERT INTO scratch VALUES (?)", (i,))
            raw.execute("COMMIT")

        def raw_read(_: int) -> None:
            raw.execute("SELECT * FROM revisions ORDER BY seq DESC LIMIT 1").fetchone()

        def amend(i: int) -> None:
            corrections.amend(store, ids[1000 + i], {"killed": str(50 + i)}, None, "bench", "alice", now)

        def retract(i: int) -> None:
            corrections.retract(store, ids[2000 + i], "bench", None, "alice", now)

        def plan(operator: str) -> Callable[[int], object]:
            def run(_: int) -> None:
                with store.transaction():
                    corrections.plan_undo(store, operator, now, UTC)

            return run

        def show(i: int) -> None:
            corrections.event_history(store, ids[1000 + i], True, None, UTC)

        results = {
            "baseline: raw INSERT + COMMIT": median_ms(raw_write, args.runs),
            "baseline: raw SELECT newest revision": median_ms(raw_read, args.runs),
            "amend (one figure)": median_ms(amend, args.runs),
            "retract": median_ms(retract, args.runs),
            "plan_undo, recent change set": median_ms(plan("alice"), args.runs),
            "plan_undo, oldest change set (worst case)": median_ms(plan("carol"), args.runs),
            "show --revisions (event_history)": median_ms(show, args.runs),
        }
        write_floor = results["baseline: raw INSERT + COMMIT"]
        read_floor = results["baseline: raw SELECT newest revision"]
        for name, ms in results.items():
            floor = read_floor if name.startswith(("plan_undo", "show", "baseline: raw SELECT")) else write_floor
            print(f"{name:45s} {ms:9.2f} ms   {ms / floor:8.1f}× its baseline")
        store.close()
        raw.close()


if __name__ == "__main__":
    main()
