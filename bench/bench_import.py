"""Benchmark: `sitlog import` of a jsonl export vs a plain sqlite3 executemany and vs `sqlite-utils insert`.

    .venv/bin/python bench/bench_import.py [--events 1000000] [--dir /tmp/sitlog-bench]

1. writes a synthetic sitlog jsonl export (the documented layout: header, places, actors, one
   revision record per line; every event has one revision, a tenth of them a second one);
2. runs ``sitlog import`` on it in a subprocess: wall time and peak memory (``wait4`` maxrss);
3. baseline: a plain ``sqlite3`` ``executemany`` of exactly the rows the import stored (places and
   their names, actors, the change set, revisions, event heads), already in memory as tuples, into a
   copy of the database the import started from, parents first, in one transaction;
4. baseline: ``sqlite-utils insert --csv`` of the same events exported as sitlog csv;
5. prints rows/s and the ratios against the targets of issue 5
   (import >= 0.5x the executemany rate, faster than sqlite-utils, peak memory < 300 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
START = datetime(2024, 11, 27, tzinfo=timezone.utc)


def create_database(path: Path) -> None:
    """A new, migrated sitlog database (read commands refuse a missing one; the pack load is not timed)."""
    code = f"from pathlib import Path; from sitlog.store import Store; Store(Path({str(path)!r})).close()"
    subprocess.run([sys.executable, "-c", code], check=True)


def ulid(millis: int, counter: int) -> str:
    value = (millis << 80) | (counter * 2654435761 % (1 << 80))
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


SYLLABLES = ("kan", "lom", "mir", "nus", "pet", "raz", "sib", "tuk", "vod", "zel")


def village(i: int) -> str:
    """A distinct place name per number (digit runs would fold together in the gazetteer: 11 ~ 1)."""
    return "".join(SYLLABLES[int(d)] for d in str(i)).capitalize()


def rfc3339(instant: datetime) -> str:
    return instant.isoformat(timespec="seconds")


def generate(path: Path, events: int) -> int:
    """A synthetic jsonl export; returns the number of revision records written."""
    actors = [("HTS", "rebel"), ("Syrian Arab Army", "state"), ("SDF", "militia"), ("Turkish Armed Forces", "external"),
              ("SNA", "rebel"), ("Liwa al-Quds", "militia"), ("Hezbollah", "external"), ("IS", "other")]  # fmt: skip
    places = 300
    revisions = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps({"record": "sitlog", "version": 1, "schema": 2, "exported_at": rfc3339(START)}) + "\n")
        for i in range(places):
            out.write(json.dumps({
                "record": "place", "id": 1000 + i, "name": f"Tall {village(i)}", "aliases": [f"Qaryat {village(i)}"],
                "admin1": "Aleppo", "admin2": f"Nahiya {village(i % 8)}", "admin3": None, "pcode": None,
                "lat": 36.0 + i / 1000, "lon": 37.0 + i / 1000, "source": "bench", "created_at": "2024-11-01T00:00:00Z",
            }, ensure_ascii=False) + "\n")  # fmt: skip
        for i, (name, kind) in enumerate(actors, 1):
            actor = {"record": "actor", "id": i, "name": name, "aliases": [], "type": kind, "parent": None,
                     "side": None, "created_at": "2024-11-01T00:00:00Z"}  # fmt: skip
            out.write(json.dumps(actor) + "\n")
        for n in range(events):
            at = START + timedelta(seconds=n * 7)
            event_id = ulid(int(at.timestamp() * 1000), n)
            place = 1000 + n % places
            common = {"record": "revision", "id": event_id, "place": f"Tall {village(place - 1000)}", "place_id": place}
            kind = n % 5
            # Control reports are timed to the second: two day-precision reports of one place disagreeing on
            # a day are a conflict `sitlog check` reports, not the clean log this file stands for.
            exact = n % 3 or kind == 0
            when = {"at": rfc3339(at), "precision": "exact"} if exact else {"at": at.date().isoformat(),
                                                                            "precision": "day"}  # fmt: skip
            a, b = actors[n % len(actors)][0], actors[(n + 1) % len(actors)][0]
            if kind == 0:
                body = {"kind": "control", "actors": [a], "status": "held", "part": None, "against": [b]}
            elif kind == 1:
                body = {"kind": "clash", "actors": [a, b], "outcome": None}
            elif kind == 2:
                body = {"kind": "casualties", "actors": [a], "killed": {"low": n % 40, "high": n % 40 + 5,
                        "text": f"{n % 40}-{n % 40 + 5}"}, "injured": None, "captured": None, "side": a,
                        "person": None, "role": None}  # fmt: skip
            elif kind == 3:
                body = {"kind": "strike", "actors": [a], "means": "air"}
            else:
                body = {"kind": "displacement", "actors": [], "people": None,
                        "families": {"low": 100, "high": None, "text": "hundreds"}, "to": None}  # fmt: skip
            tail = {"source": "bench wire", "grade": "B2", "claimed": False, "claimed_by": None,
                    "note": f"synthetic event {n}, quoted \"text\"", "tags": ["bench"], "operator": "bench",
                    "recorded_at": rfc3339(at + timedelta(minutes=5)), "revision": 1, "retracted": False}  # fmt: skip
            record = {**common, **when, **body, **tail}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            revisions += 1
            if n % 10 == 9:  # an amendment an hour later
                record.update(note=f"synthetic event {n}, amended", revision=2,
                              recorded_at=rfc3339(at + timedelta(hours=1)), reason="bench amend")  # fmt: skip
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                revisions += 1
    return revisions


def timed_subprocess(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(seconds, peak RSS in bytes, stderr) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({proc.returncode}):\n{err}")
    return elapsed, usage.ru_maxrss * 1024, err


def _trigger_targets(conn: sqlite3.Connection) -> set[str]:
    """Tables that triggers fill (``handles``): the copy leaves them to the triggers, as the import does."""
    sqls = [sql for (sql,) in conn.execute("SELECT sql FROM main.sqlite_master WHERE type = 'trigger'")]
    return {m.lower() for sql in sqls for m in re.findall(r"INSERT\s+(?:OR\s+\w+\s+)?INTO\s+\"?(\w+)", sql, re.I)}


def added_rows(source: Path, fresh: Path) -> list[tuple[str, list[str], list[tuple[object, ...]]]]:
    """The rows an import added to ``source`` (absent from the ``fresh`` database it started as), per table,
    parents before children (foreign-key order): [(table, columns, rows)]."""
    conn = sqlite3.connect(source)
    conn.execute("ATTACH ? AS fresh", (str(fresh),))
    tables = {
        name: sql
        for name, sql in conn.execute(
            "SELECT name, sql FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != '_sqlite_migrations'"
        )
    }
    derived = _trigger_targets(conn)
    parents = {t: {r[2] for r in conn.execute(f"PRAGMA main.foreign_key_list('{t}')")} - {t} for t in tables}
    order: list[str] = []
    while len(order) < len(tables):
        ready = sorted(t for t in tables if t not in order and parents[t] <= set(order))
        if not ready:
            raise RuntimeError(f"foreign keys form a cycle among {sorted(set(tables) - set(order))}")
        order.extend(ready)
    copied = []
    for table in order:
        if table.lower() in derived:
            continue
        info = list(conn.execute(f"PRAGMA main.table_info('{table}')"))
        cols = [r[1] for r in info]
        if "WITHOUT ROWID" in tables[table].upper():
            key = ", ".join(f'"{r[1]}"' for r in sorted(info, key=lambda r: r[5]) if r[5])
        else:
            key = "rowid"
        names = ", ".join(f'"{c}"' for c in cols)
        where = f'({key}) NOT IN (SELECT {key} FROM fresh."{table}")'
        rows = conn.execute(f'SELECT {names} FROM main."{table}" WHERE {where} ORDER BY {key}').fetchall()
        if rows:
            copied.append((table, cols, rows))
    conn.close()
    return copied


def executemany_baseline(source: Path, fresh: Path, target: Path, cache_kib: int = 0) -> tuple[float, int]:
    """Insert the rows the import stored, as in-memory tuples, into a copy of the database the import started
    from (``fresh``, same schema and pack), with ``executemany`` in one transaction: (seconds, revisions).

    Tables go parents first and foreign keys stay on (as sitlog opens the file), checked at commit
    (``defer_foreign_keys``) so a row may name a parent later in its own table. ``cache_kib``: give the
    connection the page cache the import uses (0: SQLite's default).
    """
    shutil.copyfile(fresh, target)
    tables = added_rows(source, fresh)
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")  # as sitlog opens it
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    if cache_kib:
        conn.execute(f"PRAGMA cache_size = -{cache_kib}")
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("PRAGMA defer_foreign_keys=ON")
    for table, cols, rows in tables:
        names = ", ".join(f'"{c}"' for c in cols)
        conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(cols))})', rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    revisions = sum(len(rows) for table, _cols, rows in tables if table == "revisions")
    return elapsed, revisions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/sitlog-bench-import"))
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--no-sqlite-utils", action="store_true", help="skip the (slow) sqlite-utils baseline")
    args = parser.parse_args()
    work: Path = args.dir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {**os.environ, "SITLOG_TZ": "UTC", "SITLOG_OPERATOR": "bench", "SITLOG_NOW": "2024-12-01T00:00:00+00:00"}
    python = sys.executable

    data = work / "export.jsonl"
    started = time.perf_counter()
    revisions = generate(data, args.events)
    print(f"generated {args.events:,} events ({revisions:,} revisions, {data.stat().st_size / 1e6:,.0f} MB) "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip

    fresh = work / "fresh.db"
    create_database(fresh)  # create and migrate outside the timing
    db = work / "sitlog.db"
    shutil.copyfile(fresh, db)
    seconds, peak, err = timed_subprocess([python, "-m", "sitlog", "--db", str(db), "import", str(data)], env)
    sitlog_rate = revisions / seconds
    print(f"sitlog import:          {seconds:7.1f} s  {sitlog_rate:>10,.0f} rows/s  peak RSS {peak / 1e6:,.0f} MB")
    print(f"  {err.strip()}")

    raw_seconds, raw_rows = executemany_baseline(db, fresh, work / "raw.db")
    raw_rate = raw_rows / raw_seconds
    print(f"sqlite3 executemany:    {raw_seconds:7.1f} s  {raw_rate:>10,.0f} rows/s  (same rows, same schema)")
    from sitlog.store.bulk import CACHE_KIB

    tuned_seconds, _ = executemany_baseline(db, fresh, work / "raw-tuned.db", CACHE_KIB)
    tuned_rate = raw_rows / tuned_seconds
    print(
        f"  … with the import's {CACHE_KIB // 1024} MB page cache: {tuned_seconds:5.1f} s  {tuned_rate:>10,.0f} rows/s"
    )

    if args.no_sqlite_utils:
        print(f"\nimport vs executemany:  {sitlog_rate / raw_rate:.2f}x  (target >= 0.5); "
              f"vs executemany with the same cache: {sitlog_rate / tuned_rate:.2f}x")  # fmt: skip
        return
    csv_path = work / "events.csv"
    subprocess.run([python, "-m", "sitlog", "--db", str(db), "export", "-o", str(csv_path)], env=env, check=True,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    sqlite_utils = shutil.which("sqlite-utils", path=str(Path(python).parent)) or "sqlite-utils"
    su_seconds, su_peak, _ = timed_subprocess(
        [sqlite_utils, "insert", str(work / "su.db"), "events", str(csv_path), "--csv"], env
    )
    su_rate = args.events / su_seconds
    print(f"sqlite-utils insert:    {su_seconds:7.1f} s  {su_rate:>10,.0f} rows/s  peak RSS {su_peak / 1e6:,.0f} MB "
          f"({args.events:,} csv rows)")  # fmt: skip

    print()
    ratio_raw = sitlog_rate / raw_rate
    ratio_su = sitlog_rate / su_rate
    print(f"import vs executemany:  {ratio_raw:.2f}x  (target >= 0.5)  {'ok' if ratio_raw >= 0.5 else 'MISSED'}")
    print(f"  vs executemany with the same page cache: {sitlog_rate / tuned_rate:.2f}x")
    print(f"import vs sqlite-utils: {ratio_su:.2f}x  (target > 1)    {'ok' if ratio_su > 1 else 'MISSED'}")
    print(f"peak memory:            {peak / 1e6:,.0f} MB (target < 300)  {'ok' if peak < 300e6 else 'MISSED'}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
