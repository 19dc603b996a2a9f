"""User text meeting output: the characters that must never reach a terminal or a JSON reader raw.

Free text comes from chat apps and other tools: it may hold escape sequences, bidi overrides (U+202E
makes ``exe.txt`` read ``txt.exe``), zero-width marks and C1 controls (U+009B is CSI to some
terminals). Tables show them visibly (``render.output.visible``); JSON spells them as ``\\uXXXX``
(``json_safe``), which leaves every value unchanged for a JSON reader. CSV keeps them byte for byte.
"""

from __future__ import annotations

import re

# Unicode categories Cc (controls above the C0 ones JSON escapes itself: DEL and C1), Cf (format: bidi
# marks, embeddings, overrides and isolates, zero-width and invisible characters, tags), Zl and Zp (line
# and paragraph separators, which end a line in JavaScript) and Cs (lone surrogates). Unicode 15.1;
# tests/test_hostile_text.py checks the class against the running Python's unicodedata.
_INVISIBLE = re.compile(
    "[\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # JSON spells a character beyond the BMP as a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_safe(json_text: str) -> str:
    """JSON text (as ``json.dumps(..., ensure_ascii=False)`` writes it) with every control, bidi and
    invisible format character inside its strings written as ``\\uXXXX``: the same JSON value, nothing
    raw that could move a terminal's cursor or reorder a line. C0 controls are already escaped by json."""
    if json_text.isascii():  # O(1): most lines of an export; DEL is the one ASCII character left to escape
        return json_text.replace("\x7f", "\\u007f") if "\x7f" in json_text else json_text
    if json_text.isprintable():  # Arabic, accents, most emoji: nothing invisible (and 5x cheaper than the regex)
        return json_text
    return _INVISIBLE.sub(_escape, json_text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _byte(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def shown_name(name: str) -> str:
    """A file name as text that any output or column can hold: a byte that is not UTF-8 (which Python reads
    as a surrogate escape) is written ``\\xe9``. Other names come back unchanged."""
    return _SURROGATE.sub(_byte, name) if _SURROGATE.search(name) else name


def json_safe_bytes(json_bytes: bytes) -> bytes:
    """:func:`json_safe` for UTF-8 JSON text already encoded (the export's SQL-built lines): ASCII, nearly
    every batch, passes through at C speed."""
    if json_bytes.isascii():
        return json_bytes.replace(b"\x7f", b"\\u007f") if b"\x7f" in json_bytes else json_bytes
    return json_safe(json_bytes.decode("utf-8")).encode("utf-8")
