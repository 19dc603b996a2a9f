"""Name resolution: the spellings DOMAIN.md calls "the same name" meet; homonyms and near misses do not."""

from __future__ import annotations

import string
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitlog.domain.gazetteer import close_names, name_key, same_name, skeleton, split_qualified
from tests.conftest import Run

SAME = [
    ("Kafr Basin", "KAFR BASIN"),  # case
    ("Kafr Basin", "Kafr Bāsīn"),  # accents
    ("Kafr Basin", "Kfar Basin"),  # Kafr/Kfar
    ("Kafr Basin", "Kafr Bassin"),  # doubled letters
    ("Kafr Basin", "Kfar Bissin"),  # vowels (skeleton)
    ("Sheikh Aqil", "Shaykh Aqil"),  # Sheikh/Shaykh
    ("Sheikh Aqil", "Al-Shaykh Aqil"),
    ("al-Salloum", "el-Salloum"),  # articles
    ("al-Salloum", "Al Salloum"),
    ("al-Salloum", "Salloum"),
    ("Jisr al-Shughur", "Jisr ash-Shughur"),
    ("Jamiyat al-Maari", "Jam'iyat al-Ma'ari"),  # apostrophes
    ("Jamiyat al-Maari", "Jam’iyat al Ma‘ari"),
    ("Qabtan al-Jabal", "Qabtan-al-Jabal"),  # hyphens
    ("Anjara", "Anjarah"),  # final -a/-ah
    ("Urum al-Sughra", "Orm al-Sughra"),  # o/u
    ("Tell Rifaat", "Tal Rifat"),
    ("Idlib", "Idleb"),
    ("إدلب", "ادلب"),  # Arabic hamza forms
    ("الحولة", "حوله"),  # Arabic article and taa marbuta
]
DIFFERENT = [("Kafr Basin", "Kafr Naha"), ("Anadan", "Hawar"), ("Bala", "Bili"), ("Ariha", "أريحا")]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_spellings_of_one_name_meet(a: str, b: str) -> None:
    assert same_name(a, b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_names_stay_apart(a: str, b: str) -> None:
    # Arabic and Latin spellings meet only through a stored alias, never by folding.
    assert not same_name(a, b)


LATIN = st.text(alphabet=string.ascii_letters + " -'", max_size=30)


@given(st.text(max_size=40))
def test_name_key_and_skeleton_never_crash(text: str) -> None:
    assert isinstance(name_key(text), str) and isinstance(skeleton(text), str)
    assert same_name(text, text)


@given(LATIN)
def test_name_key_ignores_case_and_hyphens(text: str) -> None:
    assert name_key(text.upper()) == name_key(text.lower()) == name_key(text)
    assert name_key(text.replace("-", " ")) == name_key(text)
    assert name_key(text.replace("'", "")) == name_key(text)


@given(
    st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=12),
    st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=12),
    st.sampled_from(["al-", "el-", "Al ", "al ", "Al-", "as-", "ash-"]),
)
def test_articles_inside_a_name_do_not_count(first: str, second: str, article: str) -> None:
    assert name_key(f"{first} {article}{second}") == name_key(f"{first} {second}")


def test_split_qualified() -> None:
    assert split_qualified("Kafr Basin, Idlib") == ("Kafr Basin", "Idlib")
    assert split_qualified("Kafr Basin") == ("Kafr Basin", None)
    assert split_qualified("Kafr Basin, ") == ("Kafr Basin,", None)


def test_close_names_ranks_near_misses_and_ignores_far_ones() -> None:
    names = ["Kafr Basin", "Kafr Naha", "Anadan", "As Si`in", "Idlib"]
    assert close_names("Kafr Basim", names)[0] == "Kafr Basin"
    assert close_names("Nowhereville", names) == []


# --- through the CLI ---------------------------------------------------------------------------------


# Issue 10 bundles the OCHA village layer, which has two Kafr Basins and Anjara: the spelling tests use
# a made-up village (Kafr Zabun, in no gazetteer) so that one place meets every variant, and the
# bundled Anjara for -a/-ah.
@pytest.fixture
def kafr_basin(sitlog: Callable[..., Run], actors: None) -> None:
    add = sitlog("places", "add", "Kafr Zabun", "--alias", "كفر زابون", "--admin1", "Aleppo", "--admin2", "Jebel Saman")
    assert add.exit_code == 0, add.stderr
    for name in ("Al-Salloum", "Sheikh Aqil", "Jamiyat al-Maari"):
        assert sitlog("places", "add", name, "--admin1", "Aleppo").exit_code == 0


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("KAFR ZABUN", "Kafr Zabun"),
        ("Kafr Zābūn", "Kafr Zabun"),
        ("كفر زابون", "Kafr Zabun"),
        ("كفر زابون ", "Kafr Zabun"),
        ("Kfar Zabun", "Kafr Zabun"),
        ("Kafr Zabbun", "Kafr Zabun"),
        ("Kfar Zibbun", "Kafr Zabun"),
        ("el-Salloum", "Al-Salloum"),
        ("Al Saloum", "Al-Salloum"),
        ("Salloum", "Al-Salloum"),
        ("Al-Shaykh Aqil", "Sheikh Aqil"),
        ("Anjarah", "Anjara"),
        ("Jam'iyat al-Ma'ari", "Jamiyat al-Maari"),
    ],
)
def test_log_resolves_every_variant_to_the_one_place(
    sitlog: Callable[..., Run], kafr_basin: None, typed: str, canonical: str
) -> None:
    run = sitlog("log", "control", typed, "--by", "HTS", "--json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["place"] == canonical
    if typed != canonical:
        assert f"→ {canonical}" in run.stderr  # the receipt says how the name was read


def test_unknown_close_name_is_exit_3_with_candidates(sitlog: Callable[..., Run], kafr_basin: None) -> None:
    run = sitlog("log", "control", "Kafr Zabum", "--by", "HTS")
    assert run.exit_code == 3
    assert run.stderr.startswith("Error: unknown place 'Kafr Zabum'; did you mean: Kafr Zabun (Jebel Saman, Aleppo)")
    assert "--new-place" in run.stderr
    assert sitlog("events", "--json").json() == []  # never a silent new place


def test_unknown_actor_is_exit_3_with_candidates(sitlog: Callable[..., Run], actors: None) -> None:
    run = sitlog("log", "strike", "Ariha", "--by", "HTZ")
    assert run.exit_code == 3
    assert "unknown actor 'HTZ'" in run.stderr and "HTS" in run.stderr


@pytest.fixture
def homonyms(sitlog: Callable[..., Run], actors: None) -> None:
    """The two Kafr Basins: since issue 10 the village layer bundles them (C1135 Aleppo, C4111 Idleb)."""
    listed = sitlog("places", "list", "Kafr Basin", "--json").json()
    assert {(p["admin1"], p["admin2"]) for p in listed} >= {("Aleppo", "Jebel Saman"), ("Idleb", "Al Ma'ra")}


def test_homonyms_are_ambiguous_listing_their_admin_units(sitlog: Callable[..., Run], homonyms: None) -> None:
    run = sitlog("log", "control", "Kafr Basin", "--by", "HTS")
    assert run.exit_code == 3
    assert "ambiguous" in run.stderr
    assert "Kafr Basin (Al Ma'ra, Idleb; C4111)" in run.stderr
    assert "Kafr Basin (Jebel Saman, Aleppo; C1135)" in run.stderr
    assert "NAME, ADMIN" in run.stderr


@pytest.mark.parametrize(
    ("typed", "admin1"),
    [("Kafr Basin, Idlib", "Idleb"), ("Kafr Basin, Idleb", "Idleb"), ("Kfar Bissin, Heish", "Idleb"),
     ("Kafr Basin, Aleppo", "Aleppo"), ("Kafr Basin, حلب", "Aleppo")],
)  # fmt: skip
def test_qualified_name_picks_one_homonym(sitlog: Callable[..., Run], homonyms: None, typed: str, admin1: str) -> None:
    run = sitlog("log", "control", typed, "--by", "HTS", "--json")
    assert run.exit_code == 0, run.stderr
    place_id = run.json()["place_id"]
    listed = sitlog("places", "list", "Kafr Basin", "--json").json()
    assert [p["admin1"] for p in listed if p["id"] == place_id] == [admin1]


def test_qualifier_that_fits_no_homonym_lists_them(sitlog: Callable[..., Run], homonyms: None) -> None:
    run = sitlog("log", "control", "Kafr Basin, Homs", "--by", "HTS")
    assert run.exit_code == 3
    assert "no place 'Kafr Basin' in 'Homs'" in run.stderr and "Kafr Basin (Al Ma'ra, Idleb; C4111)" in run.stderr


def test_events_filter_with_an_ambiguous_place_is_exit_3(sitlog: Callable[..., Run], homonyms: None) -> None:
    assert sitlog("events", "--place", "Kafr Basin").exit_code == 3
    assert sitlog("events", "--place", "Kafr Basin, Idlib").exit_code == 0


@pytest.mark.parametrize("name", ["Idlib", "Idleb", "إدلب", "Ariha", "idlib", "Ariḥā"])
def test_bundled_pack_resolves_in_a_fresh_database(sitlog: Callable[..., Run], name: str) -> None:
    assert sitlog("actors", "add", "Liwa al-Baqir").exit_code == 0  # not SAA: the actor pack has it
    run = sitlog("log", "strike", name, "--by", "SAA", "--json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["place"] == ("Ariha" if name.lower().startswith("ar") else "Idlib")


def test_actor_names_resolve_like_place_names(sitlog: Callable[..., Run], actors: None) -> None:
    for typed in ("hts", "Hayat Tahrir al Sham", "Hay'at Tahrir al-Sham", "saa", "Syrian Arab Army"):
        run = sitlog("log", "strike", "Ariha", "--by", typed, "--json")
        assert run.exit_code == 0, (typed, run.stderr)
        assert run.json()["actors"][0] in ("HTS", "Syrian Arab Army")


def test_new_place_creates_only_what_is_asked(sitlog: Callable[..., Run], actors: None) -> None:
    # Sheikh Aqil, not Qabtan al-Jabal as before issue 10: the village layer bundles Qabtan al-Jabal.
    run = sitlog("log", "control", "Sheikh Aqil, Aleppo", "--new-place", "--by", "HTS", "--json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["place"] == "Sheikh Aqil"
    assert "new place Sheikh Aqil (Aleppo)" in run.stderr
    again = sitlog("log", "control", "Shaykh Aqel", "--new-place", "--by", "HTS", "--json")
    assert again.json()["place_id"] == run.json()["place_id"]  # resolved, not created twice
    assert [p["admin1"] for p in sitlog("places", "list", "Sheikh Aqil", "--json").json()] == ["Aleppo"]


def test_digits_are_not_folded_like_doubled_letters() -> None:
    assert name_key("Point 11") != name_key("Point 1")


def test_an_added_syllable_is_not_a_spelling_variant() -> None:
    assert same_name("Urum al-Sughra", "Urma al-Sughra")
    assert not same_name("Anjara", "Anjaraya")


def test_the_bundled_village_pack_stores_todays_keys() -> None:
    """m007 loads the name keys the pack build computed: they must be what the code computes now."""
    import json
    from importlib.resources import files

    from sitlog.domain.gazetteer import sound_key

    text = (files("sitlog") / "data" / "syria_gazetteer.jsonl").read_text("utf-8")
    for line in text.splitlines():
        place = json.loads(line)
        names = [place["name"], *place["aliases"]]
        assert place["keys"] == [[name_key(n), sound_key(n)] for n in names], place["name"]
