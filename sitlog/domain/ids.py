"""Event ids: ULIDs sitlog makes and the ids clients supply (split out of ``model.py``). Pure code."""

from __future__ import annotations

import os
import re
from datetime import datetime

from sitlog.errors import InvalidInput

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$")


def new_event_id(now: datetime) -> str:
    """A ULID: 48 bits of milliseconds since the epoch then 80 random bits, Crockford base32."""
    millis = int(now.timestamp() * 1000)
    value = (millis << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def parse_client_id(text: str) -> str:
    """A client-supplied event id: a ULID, a UUID, or a namespaced foreign id such as ``ucdp:12345``."""
    value = text.strip()
    if not _CLIENT_ID.match(value):
        raise InvalidInput(f"bad event id {text!r}: letters, digits and : . _ - only, at most 128 characters")
    return value.upper() if len(value) == 26 and all(c in _CROCKFORD for c in value.upper()) else value
