"""Generate a benchmark database: 1,000,000 events over 10,000 places and 730 days.

    .venv/bin/python bench/generate.py [PATH] [--events N] [--places N] [--days N] [--seed S]

The file gets the real schema (``Store`` migrates it), then every row goes in with ``executemany``
inside one transaction: places and their names, actors, one change set, the append-only
``revisions`` (about 5 % of events amended once, 1 % retracted, 8 % claims) and the ``events`` head
table with every column the store derives (claimed, at_last), so that ``sitlog check`` passes on it and
the ``control_current`` triggers see claims as claims.
Rows are generated in time order and the secondary indexes are rebuilt after the load, as the
bulk-load notes in STYLE.md advise. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitlog.domain import gazetteer  # noqa: E402
from sitlog.domain.model import utc_key  # noqa: E402
from sitlog.store import Store  # noqa: E402
from sitlog.store.codecs import window_last  # noqa: E402

START = date(2023, 1, 1)
GOVERNORATES = ["Aleppo", "Idleb", "Hama", "Homs", "Lattakia", "Tartous", "Damascus", "Rural Damascus",
                "Dar'a", "As-Sweida", "Quneitra", "Deir-ez-Zor", "Ar-Raqqa", "Al-Hasakeh"]  # fmt: skip
ACTOR_NAMES = [f"Bench {name}" for name in ("Army", "Rebels", "Militia", "Coalition", "Front", "Brigade", "Guard",
                                             "Movement", "Forces", "Council", "Legion", "Unit")]  # fmt: skip
KINDS = ["control"] * 10 + ["clash"] * 35 + ["casualties"] * 25 + ["strike"] * 25 + ["displacement"] * 5
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

REVISION_SQL = (
    "INSERT INTO revisions (seq, event_id, revision, kind, place_id, at_utc, precision, at_date, at_end, actor_ids, "
    "against_ids, status, part, outcome, killed, injured, captured, side, person, role, means, people, families, "
    "to_place_id, source, grade, claimed, claimed_by, note, tags, operator, recorded_at, retracted, reason, "
    "duplicate_of, changeset) VALUES (" + ", ".join("?" * 36) + ")"
)


def place_name(i: int) -> str:
    """A unique pronounceable name: digits and doubled letters would fold together in name keys."""
    consonants, vowels = "bdfgklmnprstvz", "aiu"
    syllables = [c + v for c in consonants for v in vowels]
    parts = []
    for _ in range(3):
        i, k = divmod(i, len(syllables))
        parts.append(syllables[k])
    return ("".join(parts) + "n").capitalize()


def ulid(millis: int, rng: random.Random) -> str:
    value = (millis << 80) | rng.getrandbits(80)
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(25, -1, -1))


def quantity(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.7:
        n = rng.randint(0, 30)
        return json.dumps({"low": n, "high": n, "text": str(n)})
    if roll < 0.9:
        low = rng.randint(1, 20)
        return json.dumps({"low": low, "high": low + rng.randint(1, 20), "text": f"{low}-{low + 5}"})
    return json.dumps({"low": 12, "high": None, "text": "dozens"})


def generate(path: Path, n_events: int, n_places: int, n_days: int, seed: int) -> None:
    if path.exists():
        sys.exit(f"{path} exists; remove it first")
    rng = random.Random(seed)
    t0 = time.perf_counter()
    store = Store(path)
    conn = store.conn
    created = "2022-12-31T00:00:00Z"
    conn.execute("PRAGMA synchronous=OFF")
    # The indexes are rebuilt after the load: inserting into them row by row is most of the cost.
    index_sql = [
        (name, sql)
        for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('events', 'revisions')"
        )
    ]
    with store.transaction():
        for name, _sql in index_sql:
            conn.execute(f"DROP INDEX {name}")
        first_place = int(conn.execute("SELECT coalesce(max(id), 0) FROM places").fetchone()[0]) + 1
        place_ids = list(range(first_place, first_place + n_places))
        conn.executemany(
            "INSERT INTO places (id, name, admin1, lat, lon, source, created_at) VALUES (?, ?, ?, ?, ?, 'bench', ?)",
            [
                (
                    pid,
                    place_name(i),
                    GOVERNORATES[i % len(GOVERNORATES)],
                    32 + rng.random() * 5,
                    35.5 + rng.random() * 6,
                    created,
                )
                for i, pid in enumerate(place_ids)
            ],  # fmt: skip
        )
        conn.executemany(
            "INSERT INTO place_names (place_id, name, key, skeleton) VALUES (?, ?, ?, ?)",
            [
                (pid, place_name(i), gazetteer.name_key(place_name(i)), gazetteer.skeleton(place_name(i)))
                for i, pid in enumerate(place_ids)
            ],  # fmt: skip
        )
        actor_ids = []
        for i, name in enumerate(ACTOR_NAMES):
            cur = conn.execute(
                "INSERT INTO actors (name, type, created_at) VALUES (?, ?, ?)",
                (name, "state" if i == 0 else "rebel", created),
            )
            aid = int(cur.lastrowid or 0)
            actor_ids.append(aid)
            conn.execute(
                "INSERT INTO actor_names (actor_id, name, key, skeleton) VALUES (?, ?, ?, ?)",
                (aid, name, gazetteer.name_key(name), gazetteer.skeleton(name)),
            )
        conn.execute(
            "INSERT INTO changesets (id, operator, command, created_at, summary) VALUES "
            "('BENCH', 'bench', 'bench/generate.py', ?, 'generated')",
            (created,),
        )
        t_gen = time.perf_counter()
        # Times in order, so that seq (recording order) follows event time as it does in real use.
        span = n_days * 86400
        base = datetime(START.year, START.month, START.day, tzinfo=timezone.utc)
        offsets = sorted(rng.randrange(span) for _ in range(n_events))
        holders: dict[int, int] = {}
        instants: dict[tuple[int, str], tuple[list[int], list[int], str | None, str | None]] = {}
        revisions: list[tuple[object, ...]] = []
        heads: list[tuple[object, ...]] = []
        seq = 0
        for offset in offsets:
            at = base + timedelta(seconds=offset)
            kind = rng.choice(KINDS)
            place = rng.choice(place_ids)
            roll = rng.random()
            if roll < 0.85:
                precision, at_date, at_end = "exact", None, None
            else:
                precision = "day" if roll < 0.97 else ("week" if roll < 0.99 else "month")
                day = at.date()
                if precision == "week":
                    day -= timedelta(days=day.weekday())
                elif precision == "month":
                    day = day.replace(day=1)
                at = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
                at_date, at_end = day.isoformat(), None
            actors: list[int] = []
            against: list[int] = []
            status = part = outcome = killed = injured = captured = side = means = people = families = None
            if kind == "control" and (place, utc_key(at)) in instants:
                # A second report of one place at one instant (two reports dated the same day) agrees with the
                # first: disagreeing ones are a conflict `sitlog check` reports, which a clean log does not have.
                actors, against, status, part = instants[place, utc_key(at)]
            elif kind == "control":
                # A holder persists more often than not; contested and partial now and then.
                holder = holders.get(place, actor_ids[0])
                if rng.random() < 0.4:
                    holder = rng.choice(actor_ids)
                holders[place] = holder
                actors = [holder]
                s = rng.random()
                status = "held" if s < 0.8 else ("contested" if s < 0.95 else "partial")
                if status != "held":
                    against = [rng.choice([a for a in actor_ids if a != holder])]
                if status == "partial":
                    part = rng.choice(["north", "south", "east", "west"])
                instants[place, utc_key(at)] = (actors, against, status, part)
            elif kind == "clash":
                actors = rng.sample(actor_ids, 2)
                outcome = rng.choice([None, "repelled", "ongoing"])
            elif kind == "casualties":
                killed = quantity(rng)
                injured = quantity(rng) if rng.random() < 0.5 else None
                side_actor = rng.choice(actor_ids)
                actors, side = [side_actor], ACTOR_NAMES[actor_ids.index(side_actor)]
            elif kind == "strike":
                actors = [rng.choice(actor_ids)]
                means = rng.choice(["air", "drone", "artillery", "missile", "other"])
            else:
                people = quantity(rng)
            claimed = 1 if rng.random() < 0.08 else 0
            recorded = at + timedelta(minutes=rng.randint(5, 600))
            event_id = ulid(int(recorded.timestamp() * 1000), rng)
            common = (
                kind, place, utc_key(at), precision, at_date, at_end, json.dumps(actors), json.dumps(against),
                status, part, outcome, killed, injured, captured, side, None, None, means, people, families, None,
                "bench", rng.choice(["A1", "B2", "C3", "D4"]), claimed, "bench party" if claimed else None, None,
                "[]", "bench", utc_key(recorded),
            )  # fmt: skip
            seq += 1
            revisions.append((seq, event_id, 1, *common, 0, None, None, "BENCH"))
            head_seq, retracted = seq, 0
            later = rng.random()
            if later < 0.06:
                # A later revision: an amended figure, or (one in six) a retraction.
                retracted = 1 if later < 0.01 else 0
                seq += 1
                amended = (*common[:-1], utc_key(recorded + timedelta(hours=2)))
                reason = "bench retraction" if retracted else "bench amendment"
                revisions.append((seq, event_id, 2, *amended, retracted, reason, None, "BENCH"))
                head_seq = seq
            at_last = None if at_date is None else window_last(precision, at_date, at_end)
            heads.append((event_id, head_seq, kind, place, utc_key(at), at_date, retracted, claimed, at_last))
        t_rows = time.perf_counter()
        conn.executemany(REVISION_SQL, revisions)
        conn.executemany(
            # n_sources keeps its default (1): every revision names its one report (sources '[]').
            "INSERT INTO events (event_id, seq, kind, place_id, at_utc, at_date, retracted, claimed, at_last) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            heads,
        )
        t_insert = time.perf_counter()
        for _name, sql in index_sql:
            conn.execute(sql)
        t_index = time.perf_counter()
    conn.execute("ANALYZE")
    store.close()
    t_end = time.perf_counter()
    print(f"wrote {path}: {n_events:,} events ({len(revisions):,} revisions) over {n_places:,} places, {n_days} days")
    print(
        f"  setup {t_gen - t0:.1f} s · rows generated {t_rows - t_gen:.1f} s · executemany {t_insert - t_rows:.1f} s"
        f" · indexes {t_index - t_insert:.1f} s · analyze {t_end - t_index:.1f} s · total {t_end - t0:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default="bench/out/bench.db", type=Path)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--places", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    args.path.parent.mkdir(parents=True, exist_ok=True)
    generate(args.path, args.events, args.places, args.days, args.seed)


if __name__ == "__main__":
    main()
