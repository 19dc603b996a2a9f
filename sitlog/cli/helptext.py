"""Help that teaches (issue 12): command panels, one example per command, real metavars, the overview.

Kept as data here rather than spread over every command's decorator, so the commands' modules stay
as they are; ``teach`` writes it onto the click command tree once per invocation (cheap: a walk
over ~40 commands) and ``format_panels`` draws the command list in panels, in plain text (no rich:
help must be fast and identical on and off a terminal).
"""

from __future__ import annotations

from typing import Any

PANELS = ("Record", "Correct", "Report", "Exchange", "Admin")
# Top-level command → (panel, order within it). A command's own rich_help_panel wins.
PANEL_OF = {
    "log": "Record", "session": "Record", "places": "Record", "actors": "Record",
    "amend": "Correct", "corroborate": "Correct", "retract": "Correct", "undo": "Correct", "show": "Correct",
    "events": "Report", "status": "Report", "history": "Report", "summary": "Report", "diff": "Report",
    "chart": "Report", "serve": "Report",
    "export": "Exchange", "import": "Exchange",
    "config": "Admin", "when": "Admin", "demo": "Admin", "check": "Admin", "backup": "Admin",
    "migrate": "Admin",
}  # fmt: skip

EXAMPLES = {
    "log": "sitlog log --file report.txt --dry-run",
    "log control": 'sitlog log control "Kfar Bissin" --by HTS --status contested --against SAA',
    "log clash": 'sitlog log clash "Urum al-Sughra" --actor HTS --actor SAA --outcome repelled',
    "log casualties": "sitlog log casualties Anjara --killed dozens --side HTS --claimed-by SAA",
    "log strike": "sitlog log strike Ariha --by SAA --means air --at yesterday",
    "log displacement": 'sitlog log displacement "western Aleppo" --families hundreds --to Idlib',
    "log advance": "sitlog log advance --near Nubl --by HTS --distance 'a few' --at 2024-11-27",
    "session": 'sitlog session start --source "Reuters 27 Nov" --grade B2 --at 2024-11-27',
    "session start": 'sitlog session start --source "Reuters 27 Nov" --grade B2 --at 2024-11-27',
    "session show": "sitlog session show",
    "session end": "sitlog session end",
    "places": 'sitlog places add "Kafr Basin" --alias "Kfar Bissin" --admin1 Aleppo',
    "places list": "sitlog places list basin --admin1 Aleppo",
    "places add": 'sitlog places add "Kafr Basin" --alias "Kfar Bissin" --admin1 Aleppo',
    "places alias": 'sitlog places alias "Kafr Basin" "Kfr Basin"',
    "places import": "sitlog places import villages.csv",
    "places set": 'sitlog places set "Kafr Zabun" --admin1 Idleb --lat 35.86 --lon 36.63',
    "places merge": 'sitlog places merge "Kfar Bissin, Aleppo (2)" "Kafr Basin, Aleppo"',
    "places near": "sitlog places near Idlib --within 10",
    "actors set": 'sitlog actors set "Northern Storm Brigade" --parent HTS --type militia',
    "actors": 'sitlog actors add HTS --alias "Hayat Tahrir al-Sham" --type rebel',
    "actors list": "sitlog actors list",
    "actors add": 'sitlog actors add HTS --alias "Hayat Tahrir al-Sham" --type rebel',
    "actors alias": 'sitlog actors alias "Syrian Arab Army" SAA',
    "amend": "sitlog amend last --killed 12-20 --reason 'SOHR update'",
    "corroborate": "sitlog corroborate 10a --source 'Al Jazeera' --grade B2",
    "retract": "sitlog retract 10c --reason 'double count' --duplicate-of 10a",
    "undo": "sitlog undo --dry-run",
    "show": "sitlog show last --revisions",
    "events": "sitlog events --since yesterday --kind control",
    "status": 'sitlog status --at "2024-11-27 21:00"',
    "history": 'sitlog history "Urum al-Sughra"',
    "summary": "sitlog summary --since 2024-11-27 --until 2024-11-30 -f markdown",
    "diff": "sitlog diff --from 2024-11-26 --to 2024-11-27",
    "chart": "sitlog chart summary --since 2024-11-01 --until 2024-11-30 -o november.png",
    "chart summary": "sitlog chart summary --since 2024-11-01 --until 2024-11-30 -o november.png",
    "chart history": 'sitlog chart history "Urum al-Sughra" -o urum.svg',
    "export": "sitlog export --format geojson -o map.geojson",
    "import": "sitlog import acled.csv --dry-run",
    "config": "sitlog config",
    "when": 'sitlog when "last monday 14:30" --tz Asia/Damascus',
    "demo": "sitlog demo",
    "check": "sitlog check",
    "backup": "sitlog backup ~/ops/aleppo-backup.db",
    "migrate": "sitlog migrate",
    "serve": "sitlog serve --port 8001",
}

# Option (or argument) name → metavar: what the value is, in the words of SPEC.md.
METAVARS = {
    "place": "PLACE", "to": "PLACE", "toward": "PLACE", "near": "PLACE",
    "by": "ACTOR", "from_": "ACTOR", "against": "ACTOR", "actor": "ACTOR", "side": "ACTOR", "parent": "ACTOR",
    "at": "WHEN", "since": "WHEN", "until": "WHEN", "known_at": "WHEN", "day": "DATE",
    "killed": "Q", "injured": "Q", "captured": "Q", "people": "Q", "families": "Q",
    "grade": "GRADE", "source": "TEXT", "note": "TEXT", "reason": "TEXT", "outcome": "TEXT", "part": "TEXT",
    "claimed_by": "PARTY", "tag": "TAG", "operator": "NAME", "person": "NAME", "role": "TEXT",
    "event_id": "ID", "duplicate_of": "ID", "corroborates": "ID", "min_sources": "N", "distance": "KM",
    "direction": "TEXT", "status": "STATUS", "means": "MEANS", "kind": "KIND",
    "fmt": "FORMAT", "db": "PATH", "tz": "ZONE", "file": "FILE", "limit": "N",
    "alias": "NAME", "admin1": "NAME", "admin2": "NAME", "admin3": "NAME", "pcode": "CODE",
    "actor_type": "TYPE", "lat": "DEG", "lon": "DEG", "query": "TEXT", "name": "NAME", "output": "FILE",
}  # fmt: skip
# Options that are optional to click but that a command cannot do without (checked later, exit 3).
# (`log control --by` is not: contested takes --against twice and no holder, issue 11.)
REQUIRED = {
    ("log strike", "by"), ("log clash", "actor"), ("log advance", "by"),
}  # fmt: skip


def teach(root: Any, path: str = "") -> None:
    """Write examples (as epilogs), metavars and required marks onto every command under ``root`` (the
    command at ``path``, e.g. "log control"; the root itself when empty)."""

    def walk(cmd: Any, path: str) -> None:
        example = EXAMPLES.get(path)
        if example and not getattr(cmd, "_sitlog_taught", False):
            cmd.epilog = f"\b\nExample:\n  {example}"  # \b: click keeps the line as written
            for param in getattr(cmd, "params", []):
                if param.name in METAVARS and getattr(param, "is_flag", False) is False:
                    param.metavar = METAVARS[param.name]
                if (path, param.name) in REQUIRED and param.help and "[required]" not in param.help:
                    param.help = f"{param.help}  [required]"
            cmd._sitlog_taught = True
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}".strip())

    if not path:
        for param in getattr(root, "params", []):
            if param.name in METAVARS:
                param.metavar = METAVARS[param.name]
    walk(root, path.strip())


def panel_of(name: str, cmd: Any) -> str:
    """The help panel a top-level command is listed in."""
    return getattr(cmd, "rich_help_panel", None) or PANEL_OF.get(name, "Admin")


def format_panels(group: Any, ctx: Any, formatter: Any) -> None:
    """The command list in panels (Record first, `log` at its top), each command with its short help."""
    rows: dict[str, list[tuple[str, str]]] = {panel: [] for panel in PANELS}
    order = list(PANEL_OF)
    names = sorted(group.list_commands(ctx), key=lambda n: (order.index(n) if n in order else len(order), n))
    limit = formatter.width - 6 - max((len(n) for n in names), default=0)
    for name in names:
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        rows.setdefault(panel_of(name, cmd), []).append((name, cmd.get_short_help_str(limit)))
    for panel, entries in rows.items():
        if entries:
            with formatter.section(panel):
                formatter.write_dl(entries)


OVERVIEW = """\
sitlog — a situation log for conflict monitoring. Operators log events as
reports come in; analysts print who holds what; scripts pipe JSON out.

  sitlog session start --source Reuters --grade B2 --at 2024-11-27
                                     the report you are logging now
  sitlog log control Anjara --by HTS one event; the receipt gives its handle
  sitlog log --file report.txt       a whole report, all or nothing
  sitlog amend last --killed 12 --reason update
                                     correct it (handle, id or `last`)
  sitlog status --at "2024-11-27 21:00"
                                     who holds what, as of any moment
  sitlog demo                        a sample day, to see it work

All commands: sitlog --help   One command: sitlog COMMAND --help
Settings in force: sitlog config
"""
