"""Quantities: a reported count with its words (``Quantity``) and sums of them (``Range``). Pure code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sitlog.errors import InvalidInput

# Vague words as reported, with the conservative lower bound ACLED codes them by.
QUANTITY_WORDS: dict[str, int] = {
    "a few": 2,
    "few": 2,
    "several": 3,
    "some": 2,
    "tens": 10,
    "dozens": 12,
    "scores": 20,
    "hundreds": 100,
    "thousands": 1000,
}
_RANGE = re.compile(r"^(\d+)\s*(?:-|–|to)\s*(\d+)$")
_AT_LEAST = re.compile(r"^(\d+)\s*\+$")
_MAX_QUANTITY = 100_000_000


@dataclass(frozen=True)
class Quantity:
    """A reported count: ``low`` is conservative, ``high`` is ``None`` when unknown, ``text`` as reported.

    ``best`` is the source's own most likely figure (UCDP's ``best``), ``None`` unless a source gives
    one: it is never made up from words (``dozens``) nor from a range (``5-9``).
    """

    low: int
    high: int | None
    text: str
    best: int | None = None

    @classmethod
    def parse(cls, text: str) -> Quantity:
        raw = text.strip()
        lowered = re.sub(r"\s+", " ", raw.lower().replace(",", ""))
        if not lowered:
            raise InvalidInput("a quantity cannot be empty")
        if lowered.isdecimal():
            n = check_quantity(_int(lowered), raw)
            return cls(n, n, raw)
        if m := _RANGE.match(lowered):
            low, high = check_quantity(_int(m[1]), raw), check_quantity(_int(m[2]), raw)
            if low > high:
                raise InvalidInput(f"quantity range {raw!r} runs backwards (low > high)")
            return cls(low, high, raw)
        if m := _AT_LEAST.match(lowered):
            return cls(check_quantity(_int(m[1]), raw), None, raw)
        if lowered in QUANTITY_WORDS:
            return cls(QUANTITY_WORDS[lowered], None, raw)
        words = ", ".join(w for w in QUANTITY_WORDS if " " not in w)
        raise InvalidInput(
            f"bad quantity {raw!r}: use a number (7), a range (10-15), a lower bound (40+) or one of {words}"
        )

    @classmethod
    def exact(cls, n: int) -> Quantity:
        return cls(n, n, str(n))

    @classmethod
    def published(cls, low: int, best: int, high: int, text: str) -> tuple[Quantity, bool]:
        """A source's low/best/high estimate as published: (quantity, adjusted).

        The range is ``min..max`` of the three and ``best`` is kept as given, so a row whose figures
        disagree (``low <= best <= high`` does not hold, as in some UCDP releases) keeps what was
        published; ``adjusted`` is True for such a row. Raises InvalidInput for an implausible figure.
        """
        for n in (low, best, high):
            check_quantity(n, text)
        ordered = sorted((low, best, high))
        return cls(ordered[0], ordered[2], text, best), not low <= best <= high

    def to_json(self) -> dict[str, Any]:
        return {"low": self.low, "best": self.best, "high": self.high, "text": self.text}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Quantity:
        best = data.get("best")
        high = data.get("high")
        return cls(int(data["low"]), None if high is None else int(high), str(data["text"]),
                   None if best is None else int(best))  # fmt: skip


def _int(digits: str) -> int:
    # Past ~4000 digits int() refuses to convert; anything over 9 digits is refused by check_quantity anyway.
    return int(digits) if len(digits) <= 12 else _MAX_QUANTITY + 1


def check_quantity(n: int, raw: str) -> int:
    """``n`` when it is a plausible count; raises InvalidInput ("implausibly large") past 100 million."""
    if n > _MAX_QUANTITY:
        raise InvalidInput(f"quantity {raw!r} is implausibly large")
    return n


@dataclass(frozen=True)
class Range:
    """A sum of quantities: ``high`` is unknown (None) as soon as one part's high is unknown.

    ``best`` sums the bests of the parts that have one; ``without_best`` counts the parts that have
    none. So ``best`` is a complete best estimate only when ``without_best`` is 0; otherwise it is
    the best of the parts that have one (the others are in ``low``/``high`` only).
    """

    low: int = 0
    high: int | None = 0
    best: int = 0
    without_best: int = 0

    def add(self, q: Quantity | Range | None) -> Range:
        if q is None:
            return self
        high = None if self.high is None or q.high is None else self.high + q.high
        if isinstance(q, Range):
            return Range(self.low + q.low, high, self.best + q.best, self.without_best + q.without_best)
        if q.best is None:
            return Range(self.low + q.low, high, self.best, self.without_best + 1)
        return Range(self.low + q.low, high, self.best + q.best, self.without_best)

    def to_json(self) -> dict[str, Any]:
        return {"low": self.low, "best": self.best, "high": self.high, "without_best": self.without_best}
