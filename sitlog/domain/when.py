"""When-expressions, complete (issue 12): the forms people say, and the warnings a wall time deserves.

``resolve`` reads everything ``timeparse.parse_when`` does plus::

    tomorrow [HH:MM]            day (or exact with a time)
    monday … sunday, mon … sun  the latest such day, today included      [HH:MM]
    last monday                 the latest such day before today         [HH:MM]
    27 Nov 2024, 27 November 2024, Nov 27 2024, Nov 27, 2024, 27 Nov      [HH:MM]
    now-2h, now + 30m, now-3d   exact, relative to now

and says what it had to choose: a wall time that does not exist (a DST gap: read with the offset
in force before the jump, so 02:30 becomes 03:30) or happens twice (a DST overlap: the first one is
taken), and — when asked — a date more than a day in the future (2042 typed for 2024).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from sitlog.domain.model import Precision, When
from sitlog.domain.timeparse import _UNITS, parse_when
from sitlog.errors import InvalidInput

WEEKDAYS = {
    name: i
    for i, names in enumerate(
        [("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"), ("thursday", "thu", "thur", "thurs"),
         ("friday", "fri"), ("saturday", "sat"), ("sunday", "sun")]
    )
    for name in names
}  # fmt: skip
MONTHS = {
    name: i
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}  # fmt: skip
_CLOCK = r"(?:\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
# Patterns as text, compiled on first use by ``re``'s own cache: importing this module stays cheap
# for the `log` commands that never type a when-expression.
_DAY_WORD = r"^(tomorrow|(?:last\s+)?[a-z]+)" + _CLOCK + "$"
_DAY_MONTH = r"^(\d{1,2})\s+([a-z]+)\.?,?(?:\s+(\d{4}))?" + _CLOCK + "$"
_MONTH_DAY = r"^([a-z]+)\.?\s+(\d{1,2}),?(?:\s+(\d{4}))?" + _CLOCK + "$"
_NOW_OFFSET = r"^now\s*([+-])\s*(\d+)\s*([a-z]+)$"
_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}[t ]\d{1,2}:\d{2}(?::\d{2})?$"
_RELATIVE_CLOCK = r"^(?:today|yesterday)\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$"


@dataclass(frozen=True)
class Resolved:
    """A when-expression read: the ``When``, and what had to be chosen or looks wrong (for stderr)."""

    when: When
    warnings: tuple[str, ...] = ()


def resolve(text: str, now: datetime, tz: tzinfo, warn_future: bool = False) -> Resolved:
    """Read ``text`` (see the module docstring) in zone ``tz`` relative to ``now`` (aware).

    Raises InvalidInput (exit 3) for what cannot be read. ``warn_future``: say so when the result
    starts more than a day after ``now`` (what an event time should never do).
    """
    lowered = re.sub(r"\s+", " ", text.strip().lower())
    local_today = now.astimezone(tz).date()
    parsed = _extended(lowered, text, now, tz, local_today)
    if parsed is None:
        when, wall = parse_when(text, now, tz), _typed_wall(lowered, local_today)
    else:
        when, wall = parsed
    warnings = [w for w in (_dst_warning(wall, tz),) if w] if wall is not None else []
    if warn_future:
        start = when.instant if when.day is None else datetime.combine(when.day, time(), tzinfo=tz)
        if start - now > timedelta(days=1):
            days = (start - now).days
            warnings.append(
                f"{text.strip()!r} is {days} day{'s' if days != 1 else ''} after now "
                f"({now.astimezone(tz).date().isoformat()}): a typo? (2042 for 2024)"
            )
    return Resolved(when, tuple(warnings))


def zone_name(tz: tzinfo) -> str:
    """An IANA name for ``tz`` where it has one (``UTC`` for UTC)."""
    return "UTC" if tz is timezone.utc else str(getattr(tz, "key", tz))


def _at(day: date, hh: str | None, mm: str | None, ss: str | None, raw: str) -> tuple[When, datetime | None]:
    if hh is None or mm is None:
        return When.window(day, Precision.DAY), None
    try:
        wall = datetime.combine(day, time(int(hh), int(mm), int(ss or 0)))
    except ValueError:
        raise InvalidInput(f"{raw!r} is not a real time of day") from None
    return When.exact(wall), wall  # the instant is fixed by the caller: see _extended


def _extended(lowered: str, raw: str, now: datetime, tz: tzinfo, today: date) -> tuple[When, datetime | None] | None:
    found = _extended_day(lowered, raw, now, today)
    if found is None:
        return None
    when, wall = found
    if wall is not None:
        when = When.exact(wall.replace(tzinfo=tz))
    return when, wall


def _extended_day(lowered: str, raw: str, now: datetime, today: date) -> tuple[When, datetime | None] | None:
    if m := re.match(_NOW_OFFSET, lowered):
        unit = _UNITS.get(m[3])
        if unit is None:
            raise InvalidInput(f"unknown unit {m[3]!r} in {raw.strip()!r} (use m, h, d or w)")
        delta = timedelta(**{unit: int(m[2])})
        return When.exact(now + delta if m[1] == "+" else now - delta), None
    if m := re.match(_DAY_WORD, lowered):
        word = m[1]
        if word == "tomorrow":
            return _at(today + timedelta(days=1), m[2], m[3], m[4], raw)
        last = word.startswith("last ")
        name = word.removeprefix("last ").strip()
        if name in WEEKDAYS:
            back = (today.weekday() - WEEKDAYS[name]) % 7
            if last and back == 0:
                back = 7
            return _at(today - timedelta(days=back), m[2], m[3], m[4], raw)
        return None
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        if m := re.match(pattern, lowered):
            month = MONTHS.get(m[month_group])
            if month is None:
                return None
            year = int(m[3]) if m[3] else today.year
            try:
                day = date(year, month, int(m[day_group]))
            except ValueError:
                raise InvalidInput(f"{raw.strip()!r} is not a real date") from None
            return _at(day, m[4], m[5], m[6], raw)
    return None


def _typed_wall(lowered: str, today: date) -> datetime | None:
    """The local wall time typed without an offset in a form ``parse_when`` reads, if any."""
    if re.match(_ISO_NAIVE, lowered):
        return datetime.fromisoformat(lowered.replace(" ", "T", 1).upper())
    if m := re.match(_RELATIVE_CLOCK, lowered):
        day = today - timedelta(days=1 if lowered.startswith("yesterday") else 0)
        try:
            return datetime.combine(day, time(int(m[1]), int(m[2]), int(m[3] or 0)))
        except ValueError:
            return None
    return None


def _dst_warning(wall: datetime, tz: tzinfo) -> str | None:
    """What was chosen for a wall time that a DST change skips or repeats in ``tz``, else None."""
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    zone = zone_name(tz)
    shown = wall.isoformat(timespec="minutes")
    back = first.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None)
    if back != wall:
        chosen = first.astimezone(timezone.utc).astimezone(tz).isoformat(timespec="minutes")
        return f"{shown} does not exist in {zone} (clocks went forward): read as {chosen}"
    if first.utcoffset() != second.utcoffset():
        one = first.isoformat(timespec="minutes")
        two = second.astimezone(timezone.utc).astimezone(tz).isoformat(timespec="minutes")
        return f"{shown} happens twice in {zone} (clocks went back): took the first, {one}; write {two} for the second"
    return None
