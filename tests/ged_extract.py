"""A synthetic UCDP GED extract in the layouts UCDP and HDX publish, for truth tests (issue 9).

The rows are invented but shaped like a Syria extract: state-based, non-state and one-sided
violence, coalition sides (``Government of Syria, Government of Russia (Soviet Union)``), windows
(``date_prec`` 2–5 with ``date_start < date_end``), rows whose published ``best`` lies outside
``low..high`` (as in UCDP's own releases), quoted commas, quotes and line breaks in the text fields.
Nothing here imports sitlog: the expected figures are computed from these rows alone.
"""

from __future__ import annotations

import calendar
import csv
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# GED 19.1 column order (ends low, best, high), as in tests/fixtures/cases/ucdp-best-outside-low-high.csv.
GED_191 = (
    "id,year,active_year,type_of_violence,conflict_new_id,conflict_name,dyad_new_id,dyad_name,side_a_new_id,"
    "gwnoa,side_a,side_b_new_id,gwnob,side_b,number_of_sources,source_article,source_office,source_date,"
    "source_headline,source_original,where_prec,where_coordinates,adm_1,adm_2,latitude,longitude,geom_wkt,"
    "priogrid_gid,country,country_id,region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,"
    "deaths_civilians,deaths_unknown,low,best,high"
).split(",")

# GED 20.1 and later (49 columns: relid, code_status, the *_dset_id columns, where_description; best, high, low).
GED_201 = (
    "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,conflict_name,"
    "dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,side_b_dset_id,side_b_new_id,side_b,"
    "number_of_sources,source_article,source_office,source_date,source_headline,source_original,where_prec,"
    "where_coordinates,where_description,adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,country_id,"
    "region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,deaths_civilians,deaths_unknown,"
    "best,high,low,gwnoa,gwnob"
).split(",")

# HDX's hashtag row tags only some columns (the first, id, is left empty).
HXL = {
    "year": "#date+year", "side_a": "#group+name+first", "side_b": "#group+name+second",
    "source_article": "#meta+source", "source_headline": "#description", "where_coordinates": "#loc+name",
    "adm_1": "#adm1+name", "adm_2": "#adm2+name", "latitude": "#geo+lat", "longitude": "#geo+lon",
    "country": "#country+name", "region": "#region+name", "date_start": "#date+start", "date_end": "#date+end",
    "best": "#affected+killed",
}  # fmt: skip

PLACES = (  # where_coordinates, adm_1, adm_2, lat, lon, where_prec
    ("Ariha town", "Idlib governorate", "Ariha district", 35.8137, 36.6096, 1),
    ("Anadan town", "Aleppo governorate", "Jabal Saman district", 36.2937, 37.0443, 1),
    ("Saraqib town", "Idlib governorate", "Idlib district", 35.8647, 36.8006, 1),
    ("Palmyra town", "Homs governorate", "Tadmur district", 34.5601, 38.2672, 2),
    ("Deir ez-Zor city", "Deir ez-Zor governorate", "Deir ez-Zor district", 35.3359, 40.1408, 1),
    ("Idlib governorate", "Idlib governorate", "", 35.93, 36.63, 4),
)

DYADS = (  # type_of_violence, side_a, side_b, conflict_name
    (1, "Government of Syria", "Syrian insurgents", "Syria: Government"),
    (1, "Government of Syria, Government of Russia (Soviet Union)", "Syrian insurgents", "Syria: Government"),
    (1, "Government of Syria, Government of Iran", "IS", "Syria: IS"),
    (2, "Hayat Tahrir al-Sham, Jaysh al-Izza", "Ahrar al-Sham", "Ahrar al-Sham - Hayat Tahrir al-Sham"),
    (2, "SDF", "IS", "IS - SDF"),
    (3, "IS", "Civilians", "IS - civilians"),
    (3, "Government of Syria", "Civilians", "Government of Syria - civilians"),
)

FIRST_DAY = date(2016, 11, 1)  # rows start within 120 days from here; year windows reach 2016-01-01..2017-12-31


def _window(rng: random.Random, start: date, prec: int) -> tuple[date, date]:
    if prec == 1:
        return start, start
    if prec == 2:
        return start, start + timedelta(days=rng.randint(1, 5))
    if prec == 3:
        return start, start + timedelta(days=6)
    if prec == 4:
        return start.replace(day=1), start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return date(start.year, 1, 1), date(start.year, 12, 31)


def ged_rows(n: int = 300, seed: int = 9) -> list[dict[str, Any]]:
    """``n`` rows (every column of both layouts); dates and figures are plain Python values."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        violence, side_a, side_b, conflict = DYADS[i % len(DYADS)]
        where, adm_1, adm_2, lat, lon, where_prec = PLACES[rng.randrange(len(PLACES))]
        prec = rng.choices((1, 2, 3, 4, 5), weights=(60, 12, 10, 10, 8))[0]
        start, end = _window(rng, FIRST_DAY + timedelta(days=rng.randrange(120)), prec)
        if violence == 3:
            split = (0, 0, rng.randint(1, 30), 0)
        else:
            split = (rng.randint(0, 9), rng.randint(0, 9), rng.randint(0, 3), rng.randint(0, 2))
            split = split if sum(split) else (1, 0, 0, 0)
        best = sum(split)
        low, high = best - rng.randint(0, best), best + rng.randint(0, 5)
        if i % 25 == 7:  # published best above high (UCDP's own data has such rows)
            low, high = 0, 0
        elif i % 25 == 19:  # published low above best
            low, high = best + 2, best + 3
        headline = f'Clashes near {where.split()[0]},\n"heavy losses" reported' if i % 10 == 0 else "Fighting"
        rows.append({
            "id": 700000 + i, "relid": f"SYR-2016-1-{i}", "year": start.year, "active_year": 1,
            "code_status": "Clear", "type_of_violence": violence, "conflict_dset_id": 299,
            "conflict_new_id": 299 + violence, "conflict_name": conflict, "dyad_dset_id": 400 + i % len(DYADS),
            "dyad_new_id": 400 + i % len(DYADS), "dyad_name": f"{side_a} - {side_b}", "side_a_dset_id": 120,
            "side_a_new_id": 120, "gwnoa": 652 if side_a.startswith("Government") else "", "side_a": side_a,
            "side_b_dset_id": 1000 + i % 3, "side_b_new_id": 1000 + i % 3, "gwnob": "", "side_b": side_b,
            "number_of_sources": 1 + i % 3, "source_article": f'"Test Wire, {start:%d %B %Y}, \'Row {i}\'"; SOHR',
            "source_office": "Test Wire;SOHR", "source_date": start.isoformat(), "source_headline": headline,
            "source_original": "SOHR", "where_prec": where_prec, "where_coordinates": where,
            "where_description": f"{where}, {adm_1}", "adm_1": adm_1, "adm_2": adm_2, "latitude": lat,
            "longitude": lon, "geom_wkt": f"POINT ({lon} {lat})", "priogrid_gid": 178000, "country": "Syria",
            "country_id": 652, "region": "Middle East", "event_clarity": 1, "date_prec": prec,
            "date_start": start, "date_end": end, "deaths_a": split[0], "deaths_b": split[1],
            "deaths_civilians": split[2], "deaths_unknown": split[3], "low": low, "best": best, "high": high,
        })  # fmt: skip
    return rows


def write_ged(
    path: Path,
    rows: list[dict[str, Any]],
    layout: str = "191",
    *,
    header: bool = True,
    hxl: bool = False,
    bom: bool = False,
    line_end: str = "\n",
) -> Path:
    """Write ``rows`` as UCDP publishes them: layout ``191`` or ``201``, optionally headerless, HXL, BOM, CRLF."""
    columns = GED_191 if layout == "191" else GED_201

    def cell(column: str, value: Any) -> str:
        if isinstance(value, date):  # 19.1 wrote timestamps, later releases bare dates
            return f"{value.isoformat()} 00:00:00.000" if layout == "191" else value.isoformat()
        return str(value)

    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator=line_end)
        if header:
            writer.writerow(columns)
        if hxl:
            writer.writerow([HXL.get(c, "") for c in columns])
        for row in rows:
            writer.writerow([cell(c, row[c]) for c in columns])
    return path
