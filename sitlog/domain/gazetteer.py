"""Name resolution: one key per spelling so that transliteration variants of a name meet.

Two tiers. ``name_key`` folds what DOMAIN.md lists as "the same name" (case, accents, Arabic letter
variants, al-/el- articles, hyphens and apostrophes, Kafr/Kfar, Sheikh/Shaykh, q/k, o/u, ee/i,
doubled letters, final -a/-ah/-eh): an exact key match resolves. ``skeleton`` drops the vowels too
(Bissin/Basin, Idleb/Idlib); a unique skeleton match of a long enough name also resolves, and the
receipt says it was a variant. Anything else close by is a "did you mean" error, never a new place.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sitlog.errors import InvalidInput, NotFound

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
_MIN_SKELETON = 3


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


def skeleton(name: str) -> str:
    """The consonants of ``name_key``: vowel spellings (Bissin/Basin, Idleb/Idlib) no longer count."""
    key = name_key(name)
    if _ARABIC.search(key):
        return key
    return " ".join(re.sub(r"[aeiouyw]", "", word) or word for word in key.split())


def same_name(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are spellings of one name, by key or (for long names) by skeleton."""
    if name_key(a) == name_key(b):
        return True
    sa = skeleton(a)
    return len(sa.replace(" ", "")) >= _MIN_SKELETON and sa == skeleton(b) and close_in_length(a, b)


def close_in_length(a: str, b: str) -> bool:
    """A skeleton match counts only between keys of about the same length: a vowel spelt differently
    (Bissin/Basin, Urum/Urma) is the same name, an added syllable (Anjara/Anjaraya) is not."""
    return abs(len(name_key(a)) - len(name_key(b))) <= 1


def split_qualified(text: str) -> tuple[str, str | None]:
    """``Kafr Basin, Idlib`` → (``Kafr Basin``, ``Idlib``)."""
    name, sep, qualifier = text.rpartition(",")
    if sep and name.strip() and qualifier.strip():
        return name.strip(), qualifier.strip()
    return text.strip(), None


T = TypeVar("T")


@dataclass(frozen=True)
class Match(Generic[T]):
    """A resolved name: what it resolved to, and how (``name``, ``alias``, ``variant`` spelling)."""

    item: T
    how: str


def choose(
    what: str,
    text: str,
    found: Sequence[tuple[T, str]],
    label: Callable[[T], str],
    near: Callable[[], Iterable[str]],
    units: Callable[[T], Sequence[str]] = lambda _: (),
    missing: type[InvalidInput] | type[NotFound] = InvalidInput,
) -> Match[T]:
    """Pick one item among those whose names match ``text``, or raise with candidates.

    ``found`` holds (item, the stored name that matched); ``units`` gives the admin units an item
    can be qualified by; ``near`` lists close names for the "did you mean" message.
    """
    name, qualifier = split_qualified(text)
    items = found
    if qualifier is not None:
        items = [(item, hit) for item, hit in found if any(same_name(qualifier, u) for u in units(item) if u)]
        if not items and found:
            labels = sorted({label(item) for item, _ in found})
            raise missing(f"no {what} {name!r} in {qualifier!r}; there is: {'; '.join(labels)}", labels)
    unique: dict[str, tuple[T, str]] = {}
    for item, hit in items:
        unique.setdefault(label(item), (item, hit))
    if len(unique) == 1:
        item, hit = next(iter(unique.values()))
        if name_key(label(item).split(" (")[0]) == name_key(name):
            how = "name"
        elif name_key(hit) == name_key(name):
            how = "alias"
        else:
            how = "variant"
        return Match(item, how)
    if len(unique) > 1:
        options = "; ".join(sorted(unique))
        raise InvalidInput(f"{what} {name!r} is ambiguous: {options} — qualify it as 'NAME, ADMIN'", sorted(unique))
    candidates = list(dict.fromkeys(near()))[:5]
    hint = f"; did you mean: {', '.join(candidates)}?" if candidates else ""
    create = (
        " (create it with --new-place or `sitlog places add`)" if what == "place" and missing is InvalidInput else ""
    )
    if what == "actor" and missing is InvalidInput:
        create = " (add it with `sitlog actors add NAME --type TYPE`; `sitlog actors list` shows the known ones)"
    raise missing(f"unknown {what} {name!r}{hint}{create}", candidates)


def close_names(name: str, names: Iterable[str], limit: int = 5) -> list[str]:
    """Known names close to ``name`` by edit distance on their keys, best first."""
    from rapidfuzz import fuzz, process, utils

    key = name_key(split_qualified(name)[0])
    pool = {n: name_key(n) for n in names}
    scored = process.extract(key, pool, scorer=fuzz.token_sort_ratio, processor=utils.default_process, limit=limit * 3)
    # Short names (HTS, SAA) differ by a whole letter in a few: a fixed bar would never suggest them.
    bar = 75 if len(key) > 5 else 60
    seen: list[str] = []
    for _key, score, original in scored:
        if score >= bar and original not in seen:
            seen.append(original)
    return seen[:limit]
