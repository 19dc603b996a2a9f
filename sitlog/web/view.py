"""What the web view shows: Datasette's metadata (title, licences, facets, labels, canned queries, hidden
tables) and settings, built in code from the store's SQL and the licence notes bundled in ``sitlog/data``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sitlog.store import published

# The database's name in URLs (/sitlog/status), whatever the file is called.
DATABASE = "sitlog"

_ZONE_HELP = (
    "utc_offset: the report zone as a fixed offset such as +03:00 (empty: UTC); dates and local times "
    "are read in it, as sitlog --tz does."
)


@dataclass(frozen=True)
class DataSource:
    """One source of the bundled gazetteer as NOTICE.md names it: who, and under which licence."""

    name: str
    licence: str


def gazetteer_sources(notice: str) -> list[DataSource]:
    """The bundled gazetteer's sources from ``sitlog/data/NOTICE.md`` (its ``- **Source** … (LICENCE)``
    bullets): each bold source name with the first Creative Commons licence its bullet names. Sources
    written by hand (no licence named) are left out."""
    sources = []
    for bullet in re.split(r"\n(?=- )", notice):
        name = re.match(r"- \*\*(.+?)\*\*", bullet)
        licence = re.search(r"CC BY(?:-[A-Z]+)?(?: \d\.\d)?", bullet)
        if name and licence:
            sources.append(DataSource(" ".join(name.group(1).split()), licence.group(0)))
    return sources


def _notice() -> str:
    from importlib.resources import files

    return (files("sitlog") / "data" / "NOTICE.md").read_text("utf-8")


def _query(sql: str, title: str, description: str, params: list[str]) -> dict[str, Any]:
    return {"sql": sql, "title": title, "description": description, "params": params}


def metadata(notice: str | None = None) -> dict[str, Any]:
    """Datasette metadata (a JSON-ready dict) for a sitlog database served as ``DATABASE``.

    ``notice``: the text of the bundled NOTICE.md (default: read from the installed package)."""
    sources = gazetteer_sources(_notice() if notice is None else notice)
    licence = "; ".join(f"{s.licence} ({s.name})" for s in sources)
    source = "; ".join(s.name for s in sources)
    tables: dict[str, Any] = {name: {"hidden": True} for name in published.HIDDEN_TABLES}
    tables.update(
        {
            "events": {
                "description": "The head of each event (its latest revision is revisions.seq); "
                "the history query and the revisions table show what each says.",
                "facets": ["kind", "place_id", "claimed", "retracted"],
                "sort_desc": "at_utc",
            },
            "revisions": {
                "description": "Every revision of every event, append-only: nothing is ever deleted.",
                "facets": ["kind", "operator", "grade", "claimed"],
                "sort_desc": "seq",
            },
            "places": {
                "label_column": "name",
                "facets": ["admin1", "source"],
                "sort": "name",
                "license": licence,
                "source": source,
            },
            "actors": {"label_column": "name", "facets": ["type", "side"], "sort": "name"},
            "changesets": {"facets": ["operator", "command"], "sort_desc": "created_at"},
            "control_current": {
                "description": "Derived: each place's latest assessed control event known by an exact "
                "instant (x_) and by a date window (w_); the status query picks between them."
            },
        }
    )
    queries = {
        "status": _query(
            published.STATUS_SQL,
            "Status as of a moment",
            "Who holds each place: its latest assessed control event (claims and retracted events left "
            "out) known by the moment asked. at: an RFC 3339 instant (2024-11-27T18:00:00Z), a local "
            "time, or a date (the end of that day); empty: now. " + _ZONE_HELP,
            ["at", "utc_offset"],
        ),
        "map": _query(
            published.MAP_SQL,
            "Map: who holds each place",
            "The status as of a moment (empty: now) of the places with coordinates. " + _ZONE_HELP,
            ["at", "utc_offset"],
        ),
        "history": _query(
            published.HISTORY_SQL,
            "A town's history",
            "Every event at a place (its name or any alias, any case), in time order; retracted events "
            "left out. Places of the same name are told apart by admin1. " + _ZONE_HELP,
            ["place", "utc_offset"],
        ),
        "summary": _query(
            published.SUMMARY_SQL,
            "A day's summary",
            "The events of one day (day: YYYY-MM-DD) by kind, with the places involved, counted as "
            "sitlog summary --day counts them. " + _ZONE_HELP,
            ["day", "utc_offset"],
        ),
    }
    return {
        "title": "sitlog",
        "description": "A situation log for conflict monitoring, published read-only: events, places, "
        "actors, and who holds what as of any moment.",
        "license": licence,
        "source": source,
        "databases": {
            DATABASE: {
                "description": "The log as it was when the view started (restart it to see newer events).",
                "license": licence,
                "source": source,
                "tables": tables,
                "queries": queries,
            }
        },
    }


def settings(base_url: str = "/") -> dict[str, Any]:
    """Datasette settings: no download of the whole file, its mount point (``base_url``, ``/``-ended)."""
    return {"allow_download": False, "base_url": base_url, "default_page_size": 100}
