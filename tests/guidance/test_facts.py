"""Facts from one message: all at once, out of order, corrections."""

import pytest

from lotse.guidance.facts import ABROAD, GERMANY, extract


def test_everything_at_once_in_german() -> None:
    facts = extract("Ich bin Krankenschwester aus Syrien und wohne in Leipzig", "de")
    assert facts.occupation and facts.occupation.best.id == "pflegefachkraft"
    assert facts.country == "SY"
    assert facts.home and facts.home.land == "SN"
    assert facts.residence == GERMANY


def test_everything_at_once_in_russian_with_a_foreign_city() -> None:
    facts = extract("я врач из Харькова, живу в Мюнхене", "ru")
    assert facts.occupation.best.id == "arzt"
    assert facts.country == "UA"
    assert facts.home.land == "BY"


@pytest.mark.parametrize(
    ("text", "lang", "land"),
    [
        ("no, I live in Hamburg now", "en", "HH"),
        ("ساكنة في برلين", "ar", "BE"),
        ("mieszkam w Monachium", "pl", "BY"),
        ("10115", "de", "BE"),
        ("04109", "de", "SN"),
        ("Köln", "de", "NW"),
        ("Мюнхен", "ru", "BY"),
    ],
)
def test_where_the_person_lives(text: str, lang: str, land: str) -> None:
    facts = extract(text, lang, expecting="land")
    assert facts.home is not None and facts.home.land == land


def test_work_place_and_home_are_told_apart() -> None:
    facts = extract("I want to work in Stuttgart but I live in Mainz", "en")
    assert facts.work.land == "BW"
    assert facts.home.land == "RP"


@pytest.mark.parametrize(
    "text", ["I'm still in Egypt", "я ещё в Казахстане", "لسه في سوريا", "jestem jeszcze w Polsce"]
)
def test_still_abroad(text: str) -> None:
    assert extract(text).residence == ABROAD


@pytest.mark.parametrize("text", ["how much does it cost", "ok", "danke"])
def test_no_facts_in_questions_and_small_talk(text: str) -> None:
    facts = extract(text)
    assert (facts.occupation, facts.country, facts.home, facts.work, facts.residence) == (
        None,
        None,
        None,
        None,
        None,
    )
