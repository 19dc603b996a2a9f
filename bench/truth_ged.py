"""Truth check: import a UCDP GED CSV and compare sitlog's per-year totals with an independent sum.

    .venv/bin/python bench/truth_ged.py [FILE.csv] [--rows 20000] [--dir /tmp/sitlog-truth]

Without FILE it writes a generated extract in GED 20.1+ layout (``tests/ged_extract.py``: windows,
coalition sides, rows whose published best lies outside low..high, quoted line breaks). It then
1. runs ``sitlog import`` on the file (wall time, rows/s, the adjusted rows the import reports);
2. asks ``sitlog summary --since YEAR-01-01 --until YEAR-12-31 --json`` for every year in the file;
3. sums the same CSV here, with the csv module only: for each year, rows whose date_start..date_end
   lies in the year give ``low = sum(min(low, best, high))``, ``best = sum(best)``,
   ``high = sum(max(...))``; rows whose window straddles the year are the ``windowed`` figures;
4. prints both side by side and exits 1 if they differ.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def create_database(path: Path) -> None:
    """A new, migrated sitlog database (read commands refuse a missing one; the pack load is not timed)."""
    code = f"from pathlib import Path; from sitlog.store import Store; Store(Path({str(path)!r})).close()"
    subprocess.run([sys.executable, "-c", code], check=True)


def independent(path: Path) -> tuple[int, int, dict[int, dict[str, list[int]]]]:
    """(rows, disagreeing rows, {year: {"inside": [low, best, high], "windowed": [...]}}) from the CSV alone."""
    years: dict[int, dict[str, list[int]]] = defaultdict(lambda: {"inside": [0, 0, 0], "windowed": [0, 0, 0]})
    rows = disagreeing = 0
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if not (row.get("id") or "").strip().isdigit():
                continue  # an HXL hashtag row
            rows += 1
            low, best, high = int(row["low"]), int(row["best"]), int(row["high"])
            disagreeing += not low <= best <= high
            first, last = date.fromisoformat(row["date_start"][:10]), date.fromisoformat(row["date_end"][:10])
            figures = (min(low, best, high), best, max(low, best, high))
            for year in range(first.year, last.year + 1):
                key = "inside" if first.year == last.year else "windowed"
                years[year][key] = [a + b for a, b in zip(years[year][key], figures, strict=True)]
    return rows, disagreeing, dict(sorted(years.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the generated extract (no FILE given)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/sitlog-truth"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.file
    if path is None:
        sys.path.insert(0, str(ROOT))
        from tests.ged_extract import ged_rows, write_ged

        path = write_ged(args.dir / f"ged-{args.rows}.csv", ged_rows(args.rows), "201")
    db = args.dir / "truth.db"
    db.unlink(missing_ok=True)
    env = dict(os.environ, SITLOG_DB=str(db), SITLOG_TZ="UTC", SITLOG_NOW="2030-01-01T00:00:00Z")
    sitlog = [sys.executable, "-m", "sitlog"]
    create_database(db)  # migrated before the clock starts: the import alone is timed
    start = time.perf_counter()
    run = subprocess.run([*sitlog, "import", str(path), "--format", "ucdp", "--json"], env=env, capture_output=True,
                         text=True, check=True)  # fmt: skip
    seconds = time.perf_counter() - start
    result = json.loads(run.stdout)
    rows, disagreeing, years = independent(path)
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB, {rows} rows)")
    print(f"import: {seconds:.1f} s, {rows / seconds:,.0f} rows/s; added {result['added']} events, "
          f"adjusted {result['adjusted']} rows (independent count of disagreeing rows: {disagreeing})")  # fmt: skip
    print(f"{'year':<6}{'':>10}{'sitlog low/best/high':>26}{'independent':>26}  windowed (sitlog | independent)")
    same = result["adjusted"] == disagreeing
    for year, want in years.items():
        total = json.loads(subprocess.run([*sitlog, "summary", "--since", f"{year}-01-01", "--until",
                                           f"{year}-12-31", "--json"], env=env, capture_output=True, text=True,
                                          check=True).stdout)["total"]  # fmt: skip
        got = [total["killed"][k] for k in ("low", "best", "high")]
        got_w = [total["windowed"]["killed"][k] for k in ("low", "best", "high")]
        ok = got == want["inside"] and got_w == want["windowed"] and total["killed"]["without_best"] == 0
        same &= ok
        print(f"{year:<6}{'ok' if ok else 'DIFFERS':>10}{'/'.join(map(str, got)):>26}"
              f"{'/'.join(map(str, want['inside'])):>26}  {'/'.join(map(str, got_w))} | "
              f"{'/'.join(map(str, want['windowed']))}")  # fmt: skip
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
