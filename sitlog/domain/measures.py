"""Small value types beside the event model: grades, front-line distances, and the sources behind an event.

Pure and dependency-free (``model`` imports from here, never the other way round).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sitlog.errors import InvalidInput

# --- grading --------------------------------------------------------------------------------------

RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY = {
    "1": "confirmed",
    "2": "probably true",
    "3": "possibly true",
    "4": "doubtful",
    "5": "improbable",
    "6": "truth cannot be judged",
}


def parse_grade(text: str) -> str:
    """An Admiralty grade: source reliability A-F then information credibility 1-6, e.g. ``B2``.

    Raises InvalidInput (exit 3) for anything else.
    """
    grade = text.strip().upper()
    if len(grade) != 2 or grade[0] not in RELIABILITY or grade[1] not in CREDIBILITY:
        raise InvalidInput(f"grade must be A1..F6 (reliability A-F, credibility 1-6), not {text!r}")
    return grade


# --- advances: relation to a place and distance -----------------------------------------------------


class Relation(StrEnum):
    """How an ``advance`` event relates to its place (ISW/CTP "assessed advances")."""

    TOWARD = "toward"  # the force advanced toward the place; the distance is how far it moved
    NEAR = "near"  # the force stands near the place; the distance is how far from it


# Vague distance words as reported, with a conservative lower bound in km (the high is unknown).
DISTANCE_WORDS: dict[str, float] = {"a few": 2, "few": 2, "several": 3, "some": 2, "tens": 10, "dozens": 12}
_NUMBER = r"(\d+(?:\.\d+)?)"
_UNIT = re.compile(r"\s*(?:km|k\.m\.?|kms|kilometres|kilometers|kilometre|kilometer)$")
_UP_TO = re.compile(rf"^(?:nearly|almost|under|up to|less than|just under|close to) {_NUMBER}$")
_ABOUT = re.compile(rf"^(?:about|around|some|roughly|approximately|~) ?{_NUMBER}$")
_AT_LEAST = re.compile(rf"^(?:{_NUMBER}\s*\+|(?:over|more than|at least) {_NUMBER})$")
_RANGE = re.compile(rf"^{_NUMBER}\s*(?:-|–|to)\s*{_NUMBER}$")
_MAX_KM = 5000.0


def _km(text: str) -> float | int:
    value = float(text)
    if value > _MAX_KM:
        raise InvalidInput(f"distance {text} km is implausibly large")
    return int(value) if value.is_integer() else value


@dataclass(frozen=True)
class Distance:
    """A distance in km as reported: ``low``/``high`` bounds (None when not stated), ``text`` as typed.

    ``nearly 10`` → low None, high 10; ``a few`` → low 2, high None; ``about 5`` → 5..5 (text kept).
    """

    low: float | None
    high: float | None
    text: str

    @classmethod
    def parse(cls, text: str) -> Distance:
        """Parse ``7``, ``7 km``, ``5-8``, ``10+``, ``nearly 10``, ``about 5`` or ``a few``.

        Raises InvalidInput (exit 3) for a negative, empty or unreadable distance.
        """
        raw = text.strip()
        lowered = _UNIT.sub("", re.sub(r"\s+", " ", raw.lower().replace(",", ""))).strip()
        if lowered.startswith(("-", "−")):
            raise InvalidInput(f"a distance cannot be negative ({raw!r})")
        if not lowered:
            raise InvalidInput("a distance cannot be empty")
        if re.fullmatch(_NUMBER, lowered):
            n = _km(lowered)
            return cls(n, n, raw)
        if m := _RANGE.match(lowered):
            low, high = _km(m[1]), _km(m[2])
            if low > high:
                raise InvalidInput(f"distance range {raw!r} runs backwards (low > high)")
            return cls(low, high, raw)
        if m := _UP_TO.match(lowered):
            return cls(None, _km(m[1]), raw)
        if m := _ABOUT.match(lowered):
            n = _km(m[1])
            return cls(n, n, raw)
        if m := _AT_LEAST.match(lowered):
            return cls(_km(m[1] or m[2]), None, raw)
        if lowered in DISTANCE_WORDS:
            return cls(DISTANCE_WORDS[lowered], None, raw)
        raise InvalidInput(
            f"bad distance {raw!r}: use km as a number (7), a range (5-8), 10+, 'nearly 10', 'about 5' or 'a few'"
        )

    def to_json(self) -> dict[str, Any]:
        """``{low, high, text}``: km, either bound null when the report does not state it."""
        return {"low": self.low, "high": self.high, "text": self.text}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Distance:
        """The inverse of ``to_json``; raises KeyError/TypeError/ValueError on a malformed record."""

        def bound(value: Any) -> float | None:
            if value is None:
                return None
            number = float(value)
            if number < 0:
                raise ValueError("a distance cannot be negative")
            return int(number) if number.is_integer() else number

        return cls(bound(data.get("low")), bound(data.get("high")), str(data["text"]))


# --- sources --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRef:
    """One report behind an event: where it came from, its grade, who recorded it and when (UTC).

    The event's own report (its ``source``/``grade``) has ``operator`` and ``recorded_at`` None: who
    recorded it and when is in the event's revisions (``show --revisions``), and leaving them out keeps
    the item the same in every revision and every merged copy of the log.
    """

    source: str | None
    grade: str | None
    operator: str | None
    recorded_at: datetime | None

    def to_json(self, stamp: str | None) -> dict[str, Any]:
        """``{source, grade, operator, recorded_at}`` with ``recorded_at`` already formatted by the caller."""
        return {"source": self.source, "grade": self.grade, "operator": self.operator, "recorded_at": stamp}
