"""Short event handles: what an operator types instead of a 26-character ULID.

A handle is the base32 (Crockford alphabet, lowercase) spelling of a per-database sequence number,
offset so that the first event's handle is ``100``: every handle has 3 to 6 characters and no two
events of one database share one (the sequence is the rowid of the store's ``handles`` table).
Handles are local to a database — the same event imported elsewhere gets that database's next one.
Six characters hold 32**6 - 1024 ≈ 1.07 billion events.
"""

from __future__ import annotations

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# Crockford's reading rules: i and l are 1, o is 0 (typed by mistake, still meant).
_VALUE.update({"i": 1, "l": 1, "o": 0})
OFFSET = 32**2 - 1  # sequence number 1 → "100"
MAX_LENGTH = 6
LAST = "last"  # the word naming the operator's most recently logged event


def handle_of(number: int) -> str:
    """The handle of sequence number ``number`` (≥ 1): ``1`` → ``'100'``, ``2`` → ``'101'``."""
    if number < 1:
        raise ValueError(f"a handle's sequence number starts at 1, not {number}")
    value = number + OFFSET
    digits = []
    while value:
        value, digit = divmod(value, 32)
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def handle_number(text: str) -> int | None:
    """The sequence number a typed handle names (any case, Crockford's i/l/o read as 1/1/0), or None
    when ``text`` cannot be a handle (wrong length, another character, or below ``100``)."""
    word = text.strip().lower()
    # A leading zero is never written (and is how time-ordered ULIDs begin): not a handle.
    if not 3 <= len(word) <= MAX_LENGTH or word[0] in "0o" or any(c not in _VALUE for c in word):
        return None
    value = 0
    for c in word:
        value = value * 32 + _VALUE[c]
    return value - OFFSET if value > OFFSET else None
