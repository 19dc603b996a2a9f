"""When-expressions as a person types them, and the report time zone."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sitlog.domain.model import Precision, When
from sitlog.errors import InvalidInput

_UNITS = {
    "s": "seconds", "sec": "seconds", "secs": "seconds", "second": "seconds", "seconds": "seconds",
    "m": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "week": "weeks", "weeks": "weeks",
}  # fmt: skip
_AGO = re.compile(r"^(\d+)\s*([a-z]+)\s+ago$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)
_SLASHED = re.compile(r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$")
MIN_YEAR, MAX_YEAR = 1900, 2100
# IANA zone names: ASCII letters, digits and ``/_+-`` (America/Argentina/ComodRivadavia is 32 characters).
MAX_ZONE_NAME = 64
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*").fullmatch


def report_zone(name: str | None) -> tzinfo:
    """The zone named by ``--tz``/``SITLOG_TZ``, or the system's.

    Raises InvalidInput for a name that is no IANA zone: unknown, a region (``Asia``), a path, too long.
    """
    if not name:
        local = datetime.now().astimezone().tzinfo
        return local if local is not None else timezone.utc
    if name.upper() in ("UTC", "Z"):
        return timezone.utc
    unknown = InvalidInput(f"unknown time zone {_zone_shown(name)} (use an IANA name such as Asia/Damascus)")
    if len(name) > MAX_ZONE_NAME or not _ZONE_NAME(name):
        raise unknown  # never a file name of ours: no path tricks, no 300-character lookups
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a region such as ``Asia`` is a directory of the zone database, not a zone
        raise unknown from None


def _zone_shown(name: str) -> str:
    return repr(name) if len(name) <= 60 else repr(name[:60]) + f"… ({len(name)} characters)"


def parse_now(text: str | None, tz: tzinfo) -> datetime:
    """``SITLOG_NOW`` pins the clock for reproducible reports and tests; otherwise the real clock."""
    if not text:
        return datetime.now(timezone.utc).replace(microsecond=0)
    when = parse_when(text, datetime.now(timezone.utc), tz)
    return when.instant


def parse_when(text: str, now: datetime, tz: tzinfo) -> When:
    """ISO 8601 or a relative form; a bare date is day precision (never an invented time)."""
    raw = text.strip()
    lowered = re.sub(r"\s+", " ", raw.lower())
    if not lowered:
        raise InvalidInput("a time cannot be empty")
    local_now = now.astimezone(tz)
    if lowered == "now":
        return When.exact(now)
    if lowered in ("today", "yesterday"):
        day = local_now.date() - timedelta(days=1 if lowered == "yesterday" else 0)
        return When.window(day, Precision.DAY)
    head, _, rest = lowered.partition(" ")
    if head in ("today", "yesterday") and (m := _CLOCK.match(rest)):
        day = local_now.date() - timedelta(days=1 if head == "yesterday" else 0)
        return When.exact(_at_clock(day, m, tz, raw))
    if m := _AGO.match(lowered):
        unit = _UNITS.get(m[2])
        if unit is None:
            raise InvalidInput(f"unknown unit {m[2]!r} in {raw!r} (use minutes, hours, days or weeks)")
        try:
            return _plausible(When.exact(now - timedelta(**{unit: int(m[1])})), raw)
        except (OverflowError, ValueError):
            raise InvalidInput(f"{raw!r} is too far back") from None
    if m := _DATE.match(lowered):
        return _plausible(When.window(_date(int(m[1]), int(m[2]), int(m[3]), raw), Precision.DAY), raw)
    if m := _MONTH.match(lowered):
        return _plausible(When.window(_date(int(m[1]), int(m[2]), 1, raw), Precision.MONTH), raw)
    if m := _WEEK.match(lowered):
        try:
            return _plausible(When.window(date.fromisocalendar(int(m[1]), int(m[2]), 1), Precision.WEEK), raw)
        except ValueError:
            raise InvalidInput(f"{raw!r} is not a real ISO week") from None
    if _SLASHED.match(lowered):
        raise InvalidInput(f"{raw!r} is ambiguous (day/month or month/day?): write it as YYYY-MM-DD")
    try:
        # Other ISO date-only forms (basic 20241127, week date 2024-W48-3) are days too, never midnight.
        return _plausible(When.window(date.fromisoformat(raw), Precision.DAY), raw)
    except ValueError:
        pass
    try:
        return _plausible(When.exact(_iso_instant(raw, tz)), raw)
    except OverflowError:
        raise InvalidInput(f"{raw!r} is outside the years {MIN_YEAR}-{MAX_YEAR}") from None


def _plausible(when: When, raw: str) -> When:
    """Refuse years no report can mean (a typo such as 0224), which also keeps stored keys fixed-width."""
    if not MIN_YEAR <= when.instant.year <= MAX_YEAR:
        raise InvalidInput(f"{raw!r} is outside the years {MIN_YEAR}-{MAX_YEAR}")
    return when


def _date(year: int, month: int, day: int, raw: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(f"{raw!r} is not a real date") from None


def _at_clock(day: date, m: re.Match[str], tz: tzinfo, raw: str) -> datetime:
    try:
        clock = time(int(m[1]), int(m[2]), int(m[3] or 0))
    except ValueError:
        raise InvalidInput(f"{raw!r} is not a real time of day") from None
    return datetime.combine(day, clock, tzinfo=tz)


def _iso_instant(raw: str, tz: tzinfo) -> datetime:
    text = raw.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", raw) else raw
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        if re.match(r"^\d{4}-?\d{2}-?\d{2}", text):
            raise InvalidInput(f"{raw!r} is not a real date and time") from None
        raise InvalidInput(
            f"cannot read time {raw!r}: use ISO 8601 (2024-11-27, 2024-11-27T06:30, 2024-11-27T06:30+03:00), "
            "now, today, yesterday [HH:MM], or N hours/days ago"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def since_instant(when: When, tz: tzinfo) -> datetime:
    """The first instant a ``--since`` bound admits: a date starts at local midnight."""
    if when.day is not None:
        return datetime.combine(when.day, time(), tzinfo=tz).astimezone(timezone.utc)
    return when.instant


def until_instant(when: When, tz: tzinfo) -> datetime:
    """The first instant an inclusive ``--until`` bound excludes: a date includes its whole day (window)."""
    if when.day is not None:
        last = when.day
        if when.precision is Precision.MONTH:
            last = (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        elif when.precision is Precision.WEEK:
            last = last + timedelta(days=6)
        nxt = last + timedelta(days=1)
        return datetime.combine(nxt, time(), tzinfo=tz).astimezone(timezone.utc)
    return when.instant + timedelta(seconds=1)
