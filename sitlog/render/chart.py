"""Charts for briefings (``sitlog chart``): per-day bars of a summary, a place's control timeline.

matplotlib is an optional extra (``pip install 'sitlog[chart]'``) imported only here, only when a chart is
drawn: it would add ~0.5 s to every command. No pyplot: a bare ``Figure`` needs no GUI backend.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitlog.errors import UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CHART_FORMATS = (".png", ".svg")
INSTALL = "pip install 'sitlog[chart]'"


def _figure(width: float, height: float) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError(f"`sitlog chart` needs matplotlib, an optional extra: {INSTALL}") from None
    return Figure(figsize=(width, height), layout="constrained")


def check_target(path: Path) -> None:
    if path.suffix.lower() not in CHART_FORMATS:
        raise UsageError(f"-o must name a .png or .svg file, not {path.name!r}")


def save(figure: Figure, path: Path) -> None:
    """Write the chart beside ``path`` and rename it into place: a failed save leaves no half file."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial{path.suffix}")
    try:
        figure.savefig(partial, format=path.suffix.lower().lstrip("."), dpi=120, metadata=_metadata(path))
        os.replace(partial, path)
    except OSError as exc:
        from sitlog.errors import InvalidInput

        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if partial.exists():
            partial.unlink()


def _metadata(path: Path) -> dict[str, Any]:
    # A reproducible file: no creation date in the SVG.
    return {"Date": None, "Creator": "sitlog"} if path.suffix.lower() == ".svg" else {"Software": "sitlog"}


def _hex(actor: str) -> str:
    from rich.color import Color

    from sitlog.render.screen import actor_colour

    return Color.parse(actor_colour(actor)).get_truecolor().hex


def summary_chart(summary: dict[str, Any], zone: str, path: Path) -> None:
    """Events per day (bars) above killed per day (assessed low, whisker to the high estimate)."""
    check_target(path)
    days = summary["days"]
    figure = _figure(max(6.0, 0.35 * len(days) + 2), 5.5)
    top, bottom = figure.subplots(2, 1, sharex=True)
    labels = [d["day"] for d in days]
    x = list(range(len(days)))
    top.bar(x, [d["events"] for d in days], color="#4a7ab5")
    top.set_ylabel("events")
    total = summary["total"]
    top.set_title(f"Summary {total['from']} to {total['until']} ({zone}); claims not counted")
    lows = [(d["killed"] or {}).get("low") or 0 for d in days]
    highs = [(d["killed"] or {}).get("high") for d in days]
    bottom.bar(x, lows, color="#b5473a", label="killed (low)")
    spread = [(h - low) if h is not None else 0 for low, h in zip(lows, highs, strict=True)]
    bottom.errorbar(x, lows, yerr=[[0] * len(x), spread], fmt="none", ecolor="#333333", capsize=3,
                    label="up to the high estimate")  # fmt: skip
    unknown = [i for i, h in enumerate(highs) if h is None and lows[i]]
    if unknown:
        bottom.scatter(unknown, [lows[i] for i in unknown], marker="^", color="#333333", label="high unknown")
    bottom.set_ylabel("killed")
    bottom.legend(loc="upper left", fontsize="small")
    bottom.set_xticks(x, labels, rotation=60, ha="right", fontsize="small")
    save(figure, path)


def _instant(text: str, like: datetime) -> datetime:
    """A JSON time (RFC 3339, or a bare date: the window's first day) as an aware instant."""
    instant = datetime.fromisoformat(text)
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=like.tzinfo)


def _num(when: datetime) -> float:
    from matplotlib.dates import date2num

    return float(date2num(when))  # type: ignore[no-untyped-call]


def history_chart(history: dict[str, Any], now: datetime, path: Path) -> None:
    """A place's control spans as bars coloured by holder (the same colour as on the terminal), events below."""
    check_target(path)
    spans = history["control"]
    figure = _figure(9.0, 2.8)
    axes = figure.subplots()
    seen: set[str] = set()
    for span in spans:
        start = _instant(span["from"], now)
        end = _instant(span["until"], now) if span["until"] else now
        end = max(end, start + timedelta(hours=1))
        holder = span["holder"]
        left = _num(start)
        hatch = "//" if span["status"] != "held" else None
        label = holder if holder not in seen else None
        seen.add(holder)
        axes.barh(1, _num(end) - left, left=left, height=0.6, color=_hex(holder), hatch=hatch, label=label,
                  edgecolor="white")  # fmt: skip
    events = [e for e in history["events"] if not e.get("retracted")]
    if events:
        times = [_num(_instant(e["at"], now)) for e in events]
        axes.scatter(times, [0.3] * len(events), marker="|", color="#333333", label="events")
    axes.xaxis_date()
    axes.set_yticks([])
    axes.set_ylim(0, 1.6)
    axes.set_title(f"Control of {history['place']['name']} (hatched: contested or partial)")
    axes.legend(loc="upper left", fontsize="small", ncols=4)
    save(figure, path)
