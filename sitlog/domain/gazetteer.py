"""Name resolution: one key per spelling so that transliteration variants of a name meet.

Two tiers. ``name_key`` folds what DOMAIN.md lists as "the same name" (case, accents, Arabic letter
variants, al-/el- articles, hyphens and apostrophes, Kafr/Kfar, Sheikh/Shaykh, q/k, o/u, ee/i,
doubled letters, final -a/-ah/-eh): an exact key match resolves. ``sound_key`` folds vowel
spellings too (Bissin/Basin, Idleb/Idlib) but keeps a leading vowel and the consonant order; a
unique sound match of a long enough name also resolves, and the receipt says it was a variant.
Anything else close by is a "did you mean" error, never a new place.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sitlog.domain.spelling import _ARABIC, name_key

__all__ = ["name_key"]  # re-exported: the key lives in spelling.py
from sitlog.errors import InvalidInput, NotFound

_MIN_SKELETON = 3
_MIN_SOUND_RESOLVES = 4


_VOWELS = frozenset("aeiou")


def _sound_word(word: str) -> str:
    """One word's sound key: ``_`` for a leading vowel, then its consonants in order (see ``sound_key``)."""
    out = ["_"] if word[0] in _VOWELS else []
    word = word.replace("ph", "f")
    last = len(word) - 1
    for i, c in enumerate(word):
        if c in _VOWELS:
            continue
        if c in "wy" and i > 0 and (i == last or word[i + 1] not in _VOWELS):
            continue  # a glide after a vowel (Suwayda/Sweida), not a consonant
        if c == "h" and i == last and i > 0 and word[i - 1] in _VOWELS:
            continue  # -ah/-eh
        if i > 0 and word[i - 1] == c:
            continue  # doubled (name_key folds most; a dropped glide can leave one)
        out.append(c)
    return "".join(out) or word


def sound_key(name: str) -> str:
    """The second tier of resolution: ``name_key`` with vowel spellings folded, word by word.

    Each word keeps a mark for a leading vowel (``Adman`` → ``_dmn``, ``Daman`` → ``dmn``: alif/ayn
    is a letter in Arabic) and its consonants in their order; ``w``/``y`` count as consonants at
    the start of a word or before a vowel, a final ``h`` after a vowel drops, a doubled consonant
    counts once. Words are never dropped or reordered, so a different leading word (``Western`` /
    ``Eastern``) or a different consonant order (``Adman`` / ``Daman`` / ``Madan``) never meets.
    Arabic script keeps its own key (Arabic and Latin meet only through stored aliases).
    docs/design.md gives the reasoning.
    """
    key = name_key(name)
    if _ARABIC.search(key):
        return key
    return " ".join(_sound_word(word) for word in key.split())


# The column that stores it is still called ``skeleton`` (schema m001); migration m006 refilled it.
skeleton = sound_key


def same_name(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are spellings of one name: same ``name_key``, or same ``sound_key``
    of at least three letters (shorter keys are too easily shared by different names)."""
    if name_key(a) == name_key(b):
        return True
    sa = sound_key(a)
    return len(sa.replace(" ", "").replace("_", "")) >= _MIN_SKELETON and sa == sound_key(b)


def sound_matches(name: str) -> bool:
    """Whether ``name`` is long enough for a ``sound_key`` match to resolve it: four letters of key or more
    (a leading-vowel mark counts). Three consonants are shared by too many villages: ``Hawar`` (``hwr``)
    would otherwise reach ``Hweira``, 500 km away; such names resolve through their spelling key only."""
    return len(sound_key(name).replace(" ", "")) >= _MIN_SOUND_RESOLVES


def split_qualified(text: str) -> tuple[str, str | None]:
    """``Kafr Basin, Idlib`` → (``Kafr Basin``, ``Idlib``)."""
    name, sep, qualifier = text.rpartition(",")
    if sep and name.strip() and qualifier.strip():
        return name.strip(), qualifier.strip()
    return text.strip(), None


# How UCDP, ACLED, GeoNames and the press write the 14 OCHA governorates (COD-AB v02 P-codes); the
# OCHA English and Arabic names come from the admin units themselves. Loaded into ``admin_names``.
GOVERNORATE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "SY01": ("Damascus", "Dimashq", "Damascus city"),
    "SY02": ("Aleppo", "Halab", "Alep"),
    "SY03": ("Rural Damascus", "Rif Dimashq", "Reef Damascus", "Damascus countryside"),
    "SY04": ("Homs", "Hims"),
    "SY05": ("Hama", "Hamah", "Hamat"),
    "SY06": ("Lattakia", "Latakia", "Al Ladhiqiyah", "Ladhiqiyah", "Al-Lathqiyah"),
    "SY07": ("Idleb", "Idlib"),
    "SY08": ("Al-Hasakeh", "Al Hasakah", "Hasakah", "Hasakeh", "Hassakeh", "Al-Hasakah"),
    "SY09": ("Deir-ez-Zor", "Dayr al-Zawr", "Dayr az Zawr", "Deir ez-Zor", "Deir al-Zor", "Deir Ezzor"),
    "SY10": ("Tartous", "Tartus"),
    "SY11": ("Ar-Raqqa", "Ar Raqqah", "Raqqa", "Raqqah", "Al-Raqqa"),
    "SY12": ("Dar'a", "Daraa", "Dara", "Deraa"),
    "SY13": ("As-Sweida", "As Suwayda'", "As Suwayda", "Suwayda", "Sweida", "Al-Suwayda"),
    "SY14": ("Quneitra", "Al Qunaytirah", "Qunaytirah"),
}
SYRIA_BBOX = (32.3, 37.4, 35.6, 42.4)  # south, north, west, east (degrees, WGS84), with a small margin


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two WGS84 points (haversine, mean Earth radius 6371.0088 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))


def outside_syria(lat: float | None, lon: float | None) -> bool:
    """True when a point lies outside Syria's bounding box (``SYRIA_BBOX``); False without a point."""
    if lat is None or lon is None:
        return False
    south, north, west, east = SYRIA_BBOX
    return not (south <= lat <= north and west <= lon <= east)


# Two records with coordinates further apart than this are never one place (10 km for a city:
# city centroids differ between sources). See docs/design.md.
SAME_PLACE_KM = 5.0
SAME_CITY_KM = 10.0


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
    loose: bool = False,
) -> Match[T]:
    """Pick one item among those whose names match ``text``, or raise with candidates.

    ``found`` holds (item, the stored name that matched); ``units`` gives the admin units an item
    can be qualified by; ``near`` lists close names for the "did you mean" message. ``loose``: the
    matches share only the ``sound_key`` — one resolves (a variant spelling), several are not an
    ambiguity of the name but guesses: ``missing`` with them as "did you mean".
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
    create = f" (create it with --new-{what} or `sitlog {what}s add`)" if missing is InvalidInput else ""
    if len(unique) > 1 and loose:
        guesses = sorted(unique)
        raise missing(f"unknown {what} {name!r}; did you mean: {'; '.join(guesses[:8])}?{create}", guesses)
    if len(unique) > 1:
        options = "; ".join(sorted(unique))
        raise InvalidInput(f"{what} {name!r} is ambiguous: {options} — qualify it as 'NAME, ADMIN'", sorted(unique))
    candidates = list(dict.fromkeys(near()))[:5]
    hint = f"; did you mean: {', '.join(candidates)}?" if candidates else ""
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
