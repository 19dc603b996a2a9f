"""Import reconciliation over a generated UCDP-layout Syria file: places linked vs created, false merges.

    python bench/bench_reconcile.py [ROWS]

Rows are drawn from the OCHA communities (``syr_communities.csv``) with UCDP habits: a place word
(``town``/``village``), UCDP governorate spellings (``Idlib governorate``, ``Hamah``, ``Rif Dimashq``,
``Dayr al-Zawr``…), a point within ~1 km of OCHA's, and one row in ten a place OCHA lacks (a name
made up, a point beside a real village). Prints the import summary and the number of sitlog places
holding rows more than 5 km apart (target 0), and how many rows landed on the community they came from.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import sys
import tempfile
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from typer.testing import CliRunner

from sitlog.cli import app

UCDP_ADMIN1 = {"Idleb": "Idlib", "Hama": "Hamah", "Rural Damascus": "Rif Dimashq", "Dar'a": "Daraa",
               "Deir-ez-Zor": "Dayr al-Zawr", "Ar-Raqqa": "Ar Raqqah", "Al-Hasakeh": "Al Hasakah",
               "Lattakia": "Al Ladhiqiyah", "Tartous": "Tartus", "As-Sweida": "As Suwayda'", "Homs": "Hims",
               "Damascus": "Dimashq", "Quneitra": "Quneitra", "Aleppo": "Aleppo"}  # fmt: skip
HEADER = ["id", "year", "type_of_violence", "side_a", "side_b", "where_prec", "where_coordinates", "adm_1", "adm_2",
          "latitude", "longitude", "country", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b",
          "deaths_civilians", "deaths_unknown", "low", "best", "high"]  # fmt: skip


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def main(n_rows: int) -> None:
    rng = random.Random(10)
    src = Path(__file__).resolve().parents[2] / "shared" / "data" / "gazetteer" / "syr_communities.csv"
    with open(src, newline="", encoding="utf-8-sig") as handle:
        communities = list(csv.DictReader(handle))
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER)
    writer.writeheader()
    truth: dict[int, str | None] = {}
    for i in range(n_rows):
        c = rng.choice(communities)
        lat = float(c["lat"]) + rng.uniform(-0.008, 0.008)
        lon = float(c["lon"]) + rng.uniform(-0.008, 0.008)
        name, pcode = c["name_en"], c["pcode"]
        if i % 10 == 9:  # a place OCHA lacks, beside a real one
            name, pcode = f"Tall {rng.choice('BDKMNRSZ')}{rng.choice('aiu')}{rng.choice('bdlmnrt')}ab", None
        rid = 800000 + i
        truth[rid] = pcode
        writer.writerow(dict(id=rid, year=2016, type_of_violence=1, side_a="Government of Syria", side_b="IS",
                             where_prec=1, where_coordinates=f"{name} {rng.choice(['town', 'village'])}",
                             adm_1=f"{UCDP_ADMIN1[c['admin1_en']]} governorate", adm_2=f"{c['admin2_en']} district",
                             latitude=round(lat, 4), longitude=round(lon, 4), country="Syria", date_prec=1,
                             date_start="2016-06-01", date_end="2016-06-01", deaths_a=1, deaths_b=0,
                             deaths_civilians=0, deaths_unknown=0, low=1, best=1, high=1))  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        env = {"SITLOG_DB": str(Path(tmp) / "r.db"), "SITLOG_NOW": "2024-11-28T12:00:00+00:00", "SITLOG_TZ": "UTC"}
        runner = CliRunner()
        runner.invoke(app, ["events"], env=env)  # migrate first: the import is timed alone
        started = time.perf_counter()
        run = runner.invoke(app, ["import", "-", "--format", "ucdp", "--json"], input=out.getvalue(), env=env)
        took = time.perf_counter() - started
        if run.exit_code != 0:
            raise SystemExit(f"import failed: {run.stderr or run.exception!r}")
        summary = json.loads(run.stdout)
        places = {p["id"]: p for p in json.loads(runner.invoke(app, ["places", "list", "--json"], env=env).stdout)}
        evs = json.loads(runner.invoke(app, ["events", "--kind", "clash", "--json"], env=env).stdout)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    point = {int(r["id"]): (float(r["latitude"]), float(r["longitude"])) for r in rows}
    held: dict[int, list[tuple[float, float]]] = defaultdict(list)
    right = 0
    for e in evs:
        rid = int(e["id"].split(":")[1])
        held[e["place_id"]].append(point[rid])
        right += places[e["place_id"]]["pcode"] == truth[rid]
    apart = sum(1 for pts in held.values() if any(km(*a, *b) > 5 for a, b in combinations(pts, 2)))
    print(f"{n_rows} rows in {took:.1f} s: linked {summary['linked_places']}, created {summary['new_places']}, "
          f"ambiguous {summary['ambiguous_places']}; rows on their own community (or new when OCHA lacks it): "
          f"{right}/{len(evs)}; places holding rows > 5 km apart: {apart}")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
