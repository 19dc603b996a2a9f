"""How fast the analyst reports answer on a large database (issue 3). Not part of the test run.

    .venv/bin/python bench/generate.py                  # once: bench/out/bench.db, 1M events (~1 min)
    .venv/bin/python bench/bench_reports.py [PATH] [--runs N] [--cli-runs N]

Measures, as medians:

- in-process query time (the store query plus the pure report function, no rendering) of
  ``history`` of the busiest place, ``status --at`` over all places and ``summary`` of one day;
- baselines in the same run: raw ``sqlite3`` fetching the same rows, and for status the window
  function over the whole events table ("latest control event per place" the slow way);
- the whole CLI call (``python -m sitlog …``, output to /dev/null) against bare ``sitlog --version``;

and prints the EXPLAIN QUERY PLAN of each report query. Targets: each query under 100 ms; each CLI
call within 150 ms of ``--version``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitlog.domain import report
from sitlog.domain import summary as daily  # noqa: E402
from sitlog.domain.model import Kind  # noqa: E402
from sitlog.store import Store  # noqa: E402
from sitlog.store import reports as store_reports  # noqa: E402
from sitlog.store.events import EVENT_SELECT  # noqa: E402

UTC = timezone.utc
STATUS_AT = datetime(2024, 6, 1, 12, tzinfo=UTC)
SUMMARY_DAY = date(2024, 6, 15)
NOW = datetime(2025, 1, 1, tzinfo=UTC)

WINDOW_BASELINE = """
SELECT place_id, seq FROM (
  SELECT e.place_id, e.seq, row_number() OVER (PARTITION BY e.place_id ORDER BY e.at_utc DESC, e.seq DESC) AS rn
  FROM events e WHERE e.kind = 'control' AND e.retracted = 0 AND e.at_utc <= ?
) WHERE rn = 1
"""


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    fn()  # warm the page cache and the statement cache once
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def cli_ms(db: Path, args: list[str], runs: int) -> float:
    env = {**os.environ, "SITLOG_DB": str(db), "SITLOG_TZ": "UTC", "SITLOG_NOW": NOW.isoformat()}
    # An installed sitlog runs from cached bytecode; with PYTHONDONTWRITEBYTECODE every call would
    # compile every module it imports first (~40 ms more for a report than for --version).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "sitlog", *args], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, check=False)  # fmt: skip
        times.append((time.perf_counter() - start) * 1000)
        if proc.returncode != 0:
            sys.exit(f"sitlog {' '.join(args)} failed: {proc.stderr}")
    return statistics.median(times[1:])


def plan(store: Store, sql: str, params: Any) -> list[str]:
    return [row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default="bench/out/bench.db", type=Path)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--cli-runs", type=int, default=9)
    args = parser.parse_args()
    if not args.path.exists():
        sys.exit(f"{args.path} not found: run bench/generate.py first")
    store = Store(args.path)
    counts = store.counts()
    place_id, place_events = store.conn.execute(
        "SELECT place_id, count(*) FROM events GROUP BY place_id ORDER BY 2 DESC, 1 LIMIT 1"
    ).fetchone()
    place = store.places.get(place_id)
    version = store.conn.execute("SELECT sqlite_version()").fetchone()[0]
    print(f"database {args.path}: {counts['events']:,} events, {counts['revisions']:,} revisions, "
          f"{counts['places']:,} places; SQLite {version}; load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"history place: {place.name} ({place_events} events, the busiest); status at {STATUS_AT:%Y-%m-%d %H:%M}Z; "
          f"summary of {SUMMARY_DAY} (UTC)\n")  # fmt: skip

    def history() -> Any:
        found = store.places.resolve(place.name).item
        events = store_reports.place_events(store, found.id, None, include_retracted=True)
        return report.history(found, events, None, None, NOW, UTC)

    def status() -> Any:
        return report.filter_status(store_reports.status(store, STATUS_AT, UTC))

    def summary() -> Any:
        events = store_reports.day_events(store, SUMMARY_DAY, SUMMARY_DAY, UTC, None)
        controlled = {e.place_id for e in events if e.kind is Kind.CONTROL}
        before = store_reports.state_before(store, controlled, SUMMARY_DAY, UTC, None)
        return daily.summary(events, [SUMMARY_DAY], before, UTC)

    history_sql = f"{EVENT_SELECT} JOIN events e ON e.seq = r.seq WHERE e.place_id = ? ORDER BY e.at_utc, e.seq"
    status_sql = store_reports.STATUS_SQL.format(where="")
    status_params = store_reports.cutoff_params(STATUS_AT, UTC)
    summary_sql, summary_params = store_reports.day_events_sql(store, SUMMARY_DAY, SUMMARY_DAY, UTC, None)
    raw = {
        "history": lambda: store.conn.execute(history_sql, (place_id,)).fetchall(),
        "status": lambda: store.conn.execute(status_sql, status_params).fetchall(),
        "summary": lambda: store.conn.execute(summary_sql, summary_params).fetchall(),
    }
    rows = []
    for name, fn in (("history", history), ("status", status), ("summary", summary)):
        ms, result = median_ms(fn, args.runs)
        raw_ms, raw_rows = median_ms(raw[name], args.runs)
        rows.append((name, ms, raw_ms, len(raw_rows)))
    window_ms, window_rows = median_ms(
        lambda: store.conn.execute(WINDOW_BASELINE, (status_params["exact"],)).fetchall(), 3
    )

    print("In-process query time (median; store query + pure report function, no rendering)")
    print(f"  {'report':<9}{'median':>10}{'raw SQL only':>15}{'ratio':>7}{'rows':>8}   target")
    for name, ms, raw_ms, n in rows:
        verdict = "ok" if ms < 100 else "OVER"
        print(f"  {name:<9}{ms:>8.1f} ms{raw_ms:>12.1f} ms{ms / raw_ms:>6.1f}x{n:>8}   < 100 ms: {verdict}")
    status_ms = next(ms for name, ms, _, _ in rows if name == "status")
    print(f"  baseline: window function over all events for status: {window_ms:.0f} ms ({len(window_rows)} rows) — "
          f"{window_ms / status_ms:.0f}x the per-place seeks\n")  # fmt: skip

    print("Whole CLI call (median of subprocess runs after one warm-up, bytecode cached, stdout to /dev/null)")
    startup = cli_ms(args.path, ["--version"], args.cli_runs)
    print(f"  {'sitlog --version':<58}{startup:>8.0f} ms")
    at = STATUS_AT.strftime("%Y-%m-%dT%H:%M:%SZ")
    for cmd in (
        ["history", place.name, "-f", "json"],
        ["history", place.name],
        ["status", "--at", at, "-f", "json"],
        ["status", "--at", at],
        ["summary", "--day", SUMMARY_DAY.isoformat(), "-f", "json"],
        ["summary", "--day", SUMMARY_DAY.isoformat()],
    ):
        ms = cli_ms(args.path, cmd, args.cli_runs)
        verdict = "ok" if ms - startup <= 150 else "OVER"
        print(f"  {'sitlog ' + ' '.join(cmd):<58}{ms:>8.0f} ms  (+{ms - startup:.0f} ms; within 150: {verdict})")

    print("\nEXPLAIN QUERY PLAN")
    plans = {
        "history (store.events for one place)": (history_sql, (place_id,)),
        "status (latest control event per place, one seek each)": (status_sql, status_params),
        "summary (the day's events: instants by time, windows by date)": (summary_sql, summary_params),
    }
    for title, (sql, params) in plans.items():
        print(f"  {title}")
        for line in plan(store, sql, params):
            print(f"    {line}")
    store.close()


if __name__ == "__main__":
    main()
