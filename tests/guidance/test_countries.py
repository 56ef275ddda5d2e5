"""Countries named in free text, in five languages, with inflections."""

import pytest

from lotse.guidance.countries import find_country, is_eu_eea_ch


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Ich bin Krankenschwester aus Syrien", "SY"),
        ("I am a nurse from the Philippines", "PH"),
        ("диплом из Казахстана", "KZ"),
        ("я врач из Харькова", "UA"),
        ("من سوريا", "SY"),
        ("عملت ممرضة في دمشق", "SY"),
        ("jestem z Ukrainy", "UA"),
        ("lekarz z Indii", "IN"),
        ("Ärztin aus dem Iran", "IR"),
        ("السعودية", "SA"),
        ("в Беларуси", "BY"),
    ],
)
def test_country_found(text: str, code: str) -> None:
    assert find_country(text) == code


@pytest.mark.parametrize(
    "text", ["ich wohne in Berlin", "mieszkam w Monachium", "Мюнхен", "ok", "Ärztin", "Köln"]
)
def test_german_places_and_plain_words_are_no_country(text: str) -> None:
    assert find_country(text) is None


def test_eu_eea_switzerland() -> None:
    assert is_eu_eea_ch("PL") and is_eu_eea_ch("NO") and is_eu_eea_ch("CH")
    assert not is_eu_eea_ch("UA") and not is_eu_eea_ch(None)
