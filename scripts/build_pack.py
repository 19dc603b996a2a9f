"""Build sitlog's bundled Syria place pack from the raw gazetteer files.

    python scripts/build_pack.py ../shared/data/gazetteer sitlog/data

Writes ``syria_admin.jsonl`` (OCHA governorates, districts, sub-districts), ``syria_places.jsonl``
(the schema-2 pack: GeoNames populated places plus OCHA sub-district centres GeoNames lacks; frozen,
written only when absent) and, through ``build_villages.py``, ``syria_gazetteer.jsonl``: the village
layer (OCHA communities) reconciled with the schema-2 pack, loaded by migration m007. GeoNames places get their
admin units from the nearest OCHA sub-district centre inside the governorate that most places of
their GeoNames admin1 code fall in: an approximation, recorded as such in each place's ``source``.
"""

from __future__ import annotations

import csv
import json
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sitlog.domain.gazetteer import name_key, same_name  # noqa: E402

_ARABIC = re.compile("[\u0600-\u06ff]")
_CENTRE = "مركز "


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return math.hypot(lat1 - lat2, (lon1 - lon2) * math.cos(math.radians(lat1)))


def keep_alias(name: str) -> bool:
    """Latin names as written (with a capital) and Arabic script; GeoNames' lowercase romanisations are noise."""
    if _ARABIC.search(name):
        return True
    return bool(re.search(r"[A-Z]", name)) and all(ord(c) < 0x250 or c in "ʿʾ‘’" for c in name)


def legacy_pack(src: Path, dest: Path) -> None:
    """The schema-2 pack (``syria_admin.jsonl`` + ``syria_places.jsonl``) that migration m002 loads: frozen.

    Kept for the record; ``main`` no longer rewrites ``syria_places.jsonl`` (every database holds it,
    and ``syria_gazetteer.jsonl`` names its rows), only the admin units.
    """
    admin1 = read_csv(src / "syr_admin1.csv")
    admin2 = read_csv(src / "syr_admin2.csv")
    admin3 = read_csv(src / "syr_admin3.csv")
    units = []
    for row in admin1:
        units.append(
            dict(
                pcode=row["adm1_pcode"],
                level=1,
                name=row["adm1_name"],
                name_ar=row["adm1_name1"],
                parent=None,
                lat=float(row["center_lat"]),
                lon=float(row["center_lon"]),
            )
        )
    for row in admin2:
        units.append(
            dict(
                pcode=row["adm2_pcode"],
                level=2,
                name=row["adm2_name"],
                name_ar=row["adm2_name1"],
                parent=row["adm1_pcode"],
                lat=float(row["center_lat"]),
                lon=float(row["center_lon"]),
            )
        )
    for row in admin3:
        units.append(
            dict(
                pcode=row["adm3_pcode"],
                level=3,
                name=row["adm3_name"],
                name_ar=row["adm3_name1"],
                parent=row["adm2_pcode"],
                lat=float(row["center_lat"]),
                lon=float(row["center_lon"]),
            )
        )
    subdistricts = [(r, float(r["center_lat"]), float(r["center_lon"])) for r in admin3]

    def nearest(lat: float, lon: float, adm1: str | None = None) -> dict[str, str]:
        pool = [s for s in subdistricts if adm1 is None or s[0]["adm1_pcode"] == adm1]
        return min(pool, key=lambda s: distance(lat, lon, s[1], s[2]))[0]

    geonames = []
    with open(src / "SY_cities500.txt", encoding="utf-8") as handle:
        for line in handle:
            cols = line.rstrip("\n").split("\t")
            geonames.append(cols)
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for cols in geonames:
        votes[cols[10]][nearest(float(cols[4]), float(cols[5]))["adm1_pcode"]] += 1
    adm1_of_code = {code: counter.most_common(1)[0][0] for code, counter in votes.items()}

    places: list[dict[str, object]] = []
    for cols in geonames:
        lat, lon = float(cols[4]), float(cols[5])
        sub = nearest(lat, lon, adm1_of_code[cols[10]])
        aliases = [cols[1], *[a for a in cols[3].split(",") if a and keep_alias(a)]]
        seen = {name_key(cols[2])}
        unique = []
        for alias in aliases:
            key = name_key(alias)
            if key and alias not in unique and (key not in seen or alias == cols[1] != cols[2]):
                seen.add(key)
                unique.append(alias)
        places.append(
            dict(
                name=cols[2],
                aliases=unique,
                admin1=sub["adm1_name"],
                admin2=sub["adm2_name"],
                admin3=sub["adm3_name"],
                pcode=sub["adm3_pcode"],
                lat=lat,
                lon=lon,
                source=f"GeoNames {cols[0]} (admin units: nearest OCHA sub-district centre)",
            )
        )
    for row in admin3:
        arabic = row["adm3_name1"].removeprefix(_CENTRE).strip()
        lat, lon = float(row["center_lat"]), float(row["center_lon"])
        match = next(
            (
                p
                for p in places
                if p["admin1"] == row["adm1_name"]
                and (
                    same_name(str(p["name"]), row["adm3_name"])
                    or any(same_name(str(a), row["adm3_name"]) for a in p["aliases"])
                )  # type: ignore[attr-defined]
                and distance(lat, lon, float(p["lat"]), float(p["lon"])) < 0.2
            ),  # type: ignore[arg-type]
            None,
        )
        if match is not None:
            for alias in (row["adm3_name"], arabic):
                if all(name_key(alias) != name_key(a) for a in [match["name"], *match["aliases"]]):  # type: ignore[misc]
                    match["aliases"].append(alias)  # type: ignore[attr-defined]
            continue
        places.append(
            dict(
                name=row["adm3_name"],
                aliases=[arabic],
                admin1=row["adm1_name"],
                admin2=row["adm2_name"],
                admin3=row["adm3_name"],
                pcode=row["adm3_pcode"],
                lat=lat,
                lon=lon,
                source="OCHA COD-AB sub-district centre",
            )
        )
    dest.mkdir(parents=True, exist_ok=True)
    with open(dest / "syria_admin.jsonl", "w", encoding="utf-8") as out:
        for unit in units:
            out.write(json.dumps(unit, ensure_ascii=False) + "\n")
    if not (dest / "syria_places.jsonl").exists():
        with open(dest / "syria_places.jsonl", "w", encoding="utf-8") as out:
            for place in sorted(places, key=lambda p: (str(p["admin1"]), str(p["name"]))):
                out.write(json.dumps(place, ensure_ascii=False) + "\n")
    print(f"{len(units)} admin units, {len(places)} places (schema 2) -> {dest}")


def main(src: Path, dest: Path) -> None:
    legacy_pack(src, dest)
    from build_villages import village_pack  # scripts/build_villages.py: the village layer (m007)

    village_pack(src, dest, Path(__file__).with_name("pack_aliases.csv"))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
