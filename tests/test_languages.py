"""Language decisions: first messages, hysteresis, explicit switches, channel hints."""

import pytest

from lotse import languages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hallo", "de"),
        ("Guten Tag", "de"),
        ("Hello", "en"),
        ("Hi, I need help", "en"),
        ("Привет", "ru"),
        ("Здравствуйте", "ru"),
        ("مرحبا", "ar"),
        ("السلام عليكم", "ar"),
        ("Cześć", "pl"),
        ("Dzień dobry", "pl"),
        ("czesc", "pl"),
    ],
)
def test_first_message_sets_the_language(text: str, expected: str) -> None:
    assert languages.decide(text, None) == expected


@pytest.mark.parametrize(
    "text", ["ok", "10115", "Berlin", "Frankfurt am Main", "Anerkennung", "👍"]
)
@pytest.mark.parametrize("current", ["de", "en", "ar", "ru", "pl"])
def test_short_neutral_messages_never_flip_the_language(text: str, current: str) -> None:
    assert languages.decide(text, current) == current


@pytest.mark.parametrize(
    ("text", "current", "expected"),
    [
        ("I am a nurse from Manila", "de", "en"),
        ("Ich bin Krankenschwester aus Syrien", "en", "de"),
        ("jestem pielęgniarką", "de", "pl"),
        ("мне нужна Anerkennung", "de", "ru"),
        ("أنا ممرضة من سوريا", "en", "ar"),
        ("Hello", "de", "de"),  # one word is not enough to switch
        ("thanks", "ar", "ar"),
    ],
)
def test_a_clear_message_in_another_language_switches(
    text: str, current: str, expected: str
) -> None:
    assert languages.decide(text, current) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("English please", "en"),
        ("auf Deutsch bitte", "de"),
        ("по-русски", "ru"),
        ("بالعربية", "ar"),
        ("po polsku proszę", "pl"),
        ("можно на польском?", "pl"),
    ],
)
def test_explicit_request_wins(text: str, expected: str) -> None:
    current = "ar" if expected != "ar" else "de"
    assert languages.decide(text, current, switch_requested=True) == expected


def test_language_names_without_a_switch_request_do_not_switch() -> None:
    assert languages.decide("I studied Polish philology", "en") == "en"


@pytest.mark.parametrize(
    ("hint", "expected"), [("ru", "ru"), ("en-US", "en"), ("uk", "de"), (None, "de")]
)
def test_channel_hint_decides_an_ambiguous_first_message(hint: str | None, expected: str) -> None:
    assert languages.decide("ok", None, hint=hint) == expected


def test_button_payloads_keep_the_language() -> None:
    assert languages.decide('/change_language{"language":"en"}', "ru") == "ru"


def test_normalise_code() -> None:
    assert languages.normalise_code("pl_PL") == "pl"
    assert languages.normalise_code("fr") is None
    assert languages.normalise_code("") is None
