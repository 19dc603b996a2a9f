"""The village layer of sitlog's Syria pack: OCHA communities reconciled with the schema-2 pack.

    python scripts/build_pack.py ../shared/data/gazetteer sitlog/data   (calls ``village_pack``)

Reads ``syr_communities.csv`` (5,251 OCHA admin4 communities, 2015 vintage, CC BY-IGO; see
SOURCES.md) and the frozen schema-2 pack ``syria_places.jsonl``, and writes
``syria_gazetteer.jsonl``: one record per place, each naming the schema-2 rows it supersedes
(``pack2``: [name, source]) so migration m007 updates those rows in place (event ids stay valid).

Reconciliation: a schema-2 place and a community are one place when they share the governorate,
a name (same Arabic key, or same ``name_key``/``sound_key`` of any Latin name) and lie within 5 km
(10 km for a governorate or district capital: city centroids differ between sources); the nearest
community wins. The merged place keeps the pack's readable name, takes the community's P-code, admin
units and coordinates (GeoNames' for capitals), and the union of both name lists.
"""

from __future__ import annotations

import csv
import json
import math
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sitlog.domain.gazetteer import name_key, sound_key  # noqa: E402

_ARABIC = re.compile("[\u0600-\u06ff]")
_JOINED_ARTICLE = re.compile(r"^(El|Al)([a-z]{3,})$")
# A leading English word OCHA translated, the Arabic that shows it, and the press's Arabic-derived form.
_TRANSLATED = {
    "Little": ("صغ", "al-Sughra"),
    "Big": ("كب", "al-Kubra"),
    "Upper": ("فوق", "al-Fawqani"),
    "Lower": ("تحت", "al-Tahtani"),
    "Eastern": ("شرق", "al-Sharqi"),
    "Western": ("غرب", "al-Gharbi"),
    "Northern": ("شمال", "al-Shamali"),
    "Southern": ("جنوب", "al-Janubi"),
}
LINK_KM = 5.0
CITY_LINK_KM = 10.0


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def generated_aliases(en: str, ar: str) -> list[str]:
    """Press spellings derivable from OCHA's English name: a joined article split (``Qabtan Eljabal`` →
    ``Qabtan al-Jabal``) and a translated leading word put back (``Little Orm`` → ``Orm al-Sughra``),
    each only when the Arabic name confirms it."""
    out = []
    words = en.split()
    split = [("al-" + m.group(2)) if (m := _JOINED_ARTICLE.match(w)) and i > 0 else w for i, w in enumerate(words)]
    if split != words and "ال" in ar:
        out.append(" ".join(split))
    if len(words) >= 2 and words[0] in _TRANSLATED and _TRANSLATED[words[0]][0] in ar:
        out.append(f"{' '.join(split[1:])} {_TRANSLATED[words[0]][1]}")
    return out


def community_places(rows: list[dict[str, str]], units: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One place per OCHA community: OCHA's English name, its reference and Arabic names, alternates."""

    def unit(r: dict[str, str], level: int) -> str:
        # COD-AB v02 names where its P-code is known; a few 2015 sub-district codes changed since.
        known = units.get(r[f"admin{level}_pcode"])
        return str(known["name"]) if known else r[f"admin{level}_en"]

    places = []
    for r in rows:
        names = [
            r["name_en"],
            r["name_en_ref"],
            *r["alt_names_en"].split("|"),
            *generated_aliases(r["name_en"], r["name_ar"]),
        ]
        if r["ar_truncated"] != "1":
            names += [r["name_ar"].replace("_", " "), *r["alt_names_ar"].split("|")]
        aliases = unique_names(r["name_en"], names)
        places.append(dict(
            name=r["name_en"], aliases=aliases,
            admin1=unit(r, 1), admin2=unit(r, 2), admin3=unit(r, 3), pcode=r["pcode"], pcode_scheme="ocha-community",
            admin1_pcode=r["admin1_pcode"], admin2_pcode=r["admin2_pcode"], admin3_pcode=r["admin3_pcode"],
            lat=float(r["lat"]), lon=float(r["lon"]), capital=r["capital_level"] in ("1", "2"),
            source="OCHA COD populated places (2015)", pack2=None, folded=[],
        ))  # fmt: skip
    return places


def unique_names(name: str, names: list[str]) -> list[str]:
    """Aliases of ``name``: each distinct spelling once, ``name`` itself left out."""
    seen, out = {name}, []
    for n in names:
        n = n.strip()
        if n and n not in seen:
            seen.add(n)
            out.append(n)
    return out


def _keys(names: list[str]) -> set[str]:
    keys = set()
    for n in names:
        keys.add(name_key(n))
        if not _ARABIC.search(n) and len(sound_key(n).replace(" ", "").replace("_", "")) >= 3:
            keys.add("~" + sound_key(n))
    return keys


def reconcile(pack: list[dict[str, Any]], communities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The merged gazetteer: communities, each absorbing the schema-2 places that are the same place."""
    index: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in communities:
        for k in _keys([c["name"], *c["aliases"]]):
            index[k].append(c)
    claims: dict[str, list[tuple[float, dict[str, Any]]]] = defaultdict(list)
    unlinked = []
    for p in pack:
        found: dict[str, tuple[float, dict[str, Any]]] = {}
        for k in _keys([p["name"], *p["aliases"]]):
            for c in index.get(k, []):
                d = km(p["lat"], p["lon"], c["lat"], c["lon"])
                if c["admin1"] == p["admin1"] and d <= (CITY_LINK_KM if c["capital"] else LINK_KM):
                    found[c["pcode"]] = (d, c)
        if found:
            d, best = min(found.values(), key=lambda t: t[0])
            claims[best["pcode"]].append((d, p))
        else:
            unlinked.append(p)
    by_code = {c["pcode"]: c for c in communities}
    for code, pairs in claims.items():
        c = by_code[code]
        pairs.sort(key=lambda t: t[0])
        winner = pairs[0][1]
        names = [c["name"], *c["aliases"]]
        for _d, p in pairs:
            names += [p["name"], *p["aliases"]]
        c["aliases"] = unique_names(winner["name"], names)
        c["name"] = winner["name"]
        c["pack2"] = [winner["name"], winner["source"]]
        c["folded"] = [[p["name"], p["source"]] for _d, p in pairs[1:]]
        if c["capital"]:
            c["lat"], c["lon"] = winner["lat"], winner["lon"]
        c["source"] = f"OCHA COD populated places (2015) + {winner['source'].split(' (')[0]}"
    for p in unlinked:
        # A schema-2 place no community matches: a sub-district centre or a GeoNames town OCHA lacks.
        # Its old ``pcode`` was the enclosing sub-district's: kept as admin3_pcode, not as its own code.
        own = p["source"].startswith("OCHA COD-AB sub-district centre")
        communities.append(dict(
            p, pcode=p["pcode"] if own else None, pcode_scheme="ocha-admin" if own else None,
            admin1_pcode=p["pcode"][:4], admin2_pcode=p["pcode"][:6], admin3_pcode=p["pcode"],
            capital=False, pack2=[p["name"], p["source"]], folded=[],
        ))  # fmt: skip
    return communities


def village_pack(src: Path, dest: Path, curated: Path) -> None:
    """Write ``dest/syria_gazetteer.jsonl`` from ``src/syr_communities.csv`` and ``dest/syria_places.jsonl``."""
    units = {u["pcode"]: u for u in map(json.loads, (dest / "syria_admin.jsonl").read_text("utf-8").splitlines())}
    with open(src / "syr_communities.csv", newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    pack = [json.loads(line) for line in (dest / "syria_places.jsonl").read_text("utf-8").splitlines() if line]
    places = reconcile(pack, community_places(rows, units))
    by_code = {p["pcode"]: p for p in places if p["pcode"]}
    with open(curated, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            # A press spelling; ``canonical``: the name the place is shown by (OCHA's becomes an alias).
            place = by_code[row["pcode"]]
            if row["canonical"] == "yes" and not place["pack2"]:
                place["aliases"] = unique_names(row["alias"], [place["name"], *place["aliases"]])
                place["name"] = row["alias"]
            else:
                place["aliases"] = unique_names(place["name"], [*place["aliases"], row["alias"]])
    codes = [p["pcode"] for p in places if p["pcode"]]
    assert len(codes) == len(set(codes)), "one place per P-code"
    assert all(p["lat"] is not None for p in places)
    with open(dest / "syria_gazetteer.jsonl", "w", encoding="utf-8") as out:
        for place in sorted(places, key=lambda p: (p["admin1"], p["name"], p["pcode"] or "")):
            place.pop("capital")
            place["keys"] = [[name_key(n), sound_key(n)] for n in (place["name"], *place["aliases"])]
            out.write(json.dumps(place, ensure_ascii=False) + "\n")
    linked = sum(1 for p in places if p["pack2"] and p["pcode_scheme"] == "ocha-community")
    folded = sum(len(p["folded"]) for p in places)
    print(
        f"{len(places)} places ({len(rows)} communities; {linked} schema-2 places linked, {folded} folded "
        f"into another, {len(places) - len(rows)} kept alone) -> {dest / 'syria_gazetteer.jsonl'}"
    )
