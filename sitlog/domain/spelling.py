"""The spelling key: one key per name so that transliteration variants meet (see ``gazetteer``).

Kept apart from the gazetteer's data classes so that shell completion can fold a typed prefix the way
the gazetteer does without loading them (issue 14).
"""

from __future__ import annotations

import re
import unicodedata

_ARTICLES = {
    "al",
    "el",
    "il",
    "ad",
    "ed",
    "ar",
    "er",
    "as",
    "es",
    "ash",
    "esh",
    "at",
    "et",
    "ath",
    "az",
    "ez",
    "an",
    "en",
}
_TOKEN_SYNONYMS = {
    "kafr": "kfr", "kfar": "kfr", "kafar": "kfr", "kefr": "kfr", "kfr": "kfr", "kufr": "kfr",
    "sheikh": "shykh", "shaykh": "shykh", "shaikh": "shykh", "sheik": "shykh", "shekh": "shykh",
    "shiekh": "shykh", "cheikh": "shykh", "shykh": "shykh", "sheykh": "shykh",
    "tal": "tel", "tell": "tel", "tel": "tel",
    "jabal": "jbl", "jebel": "jbl", "jabel": "jbl", "jbel": "jbl",
    "deir": "dyr", "dayr": "dyr", "dair": "dyr",
}  # fmt: skip
_APOSTROPHES = "'’‘`´ʿʾʼʻ"
_ARABIC_FOLD = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي", "ـ": None}
)
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
_ARABIC = re.compile("[\u0600-\u06ff]")


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _arabic_key(text: str) -> str:
    text = _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text).casefold()).translate(_ARABIC_FOLD)
    words = []
    for word in re.split(r"[\s\-_,.]+", text):
        if word.startswith("ال") and len(word) > 3:
            word = word[2:]
        if word:
            words.append(word)
    return " ".join(words)


def name_key(name: str) -> str:
    """The spelling-insensitive key of a name (see the module docstring)."""
    if _ARABIC.search(name):
        return _arabic_key(name)
    text = _strip_accents(name).casefold()
    for mark in _APOSTROPHES:
        text = text.replace(mark, "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    words = []
    for word in text.split():
        if word in _ARTICLES and len(text.split()) > 1:
            continue
        word = _TOKEN_SYNONYMS.get(word, word)
        word = word.replace("q", "k").replace("ee", "i").replace("oo", "u").replace("ou", "u").replace("o", "u")
        word = re.sub(r"([a-z])\1+", r"\1", word)
        word = re.sub(r"(?<=[a-z]{2})(ah|eh|a|e)$", "a", word)
        words.append(re.sub(r"([a-z])\1+", r"\1", word))  # the ending may have made a new double (-aah)
    return " ".join(words)
