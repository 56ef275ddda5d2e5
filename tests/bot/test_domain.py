"""The domain: every response in all five languages, every name the actions use declared."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.actions import names
from lotse.languages import SUPPORTED


def _domain(project_root: Path) -> dict:
    merged: dict = {"responses": {}, "intents": [], "slots": {}, "actions": [], "entities": []}
    for path in sorted((project_root / "bot" / "domain").rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in merged:
            value = data.get(key)
            if isinstance(merged[key], dict):
                merged[key].update(value or {})
            else:
                merged[key].extend(value or [])
    return merged


@pytest.fixture(scope="module")
def domain(project_root: Path) -> dict:
    return _domain(project_root)


def test_every_response_has_one_variation_per_language_and_a_default(domain: dict) -> None:
    for name, variations in domain["responses"].items():
        languages = [
            condition["value"]
            for variation in variations
            for condition in variation.get("condition", [])
            if condition["name"] == names.SLOT_LANGUAGE
        ]
        assert sorted(languages) == sorted(SUPPORTED), name
        defaults = [variation for variation in variations if "condition" not in variation]
        assert len(defaults) == 1, name
        assert all(variation.get("text", "").strip() for variation in variations), name


def test_buttons_are_the_same_in_every_language(domain: dict) -> None:
    for name, variations in domain["responses"].items():
        payloads = {tuple(b["payload"] for b in v.get("buttons", [])) for v in variations}
        assert len(payloads) == 1, name


def test_language_buttons_name_supported_languages(domain: dict) -> None:
    payloads = [b["payload"] for b in domain["responses"]["utter_choose_language"][0]["buttons"]]
    assert payloads == [f'/change_language{{"language":"{code}"}}' for code in SUPPORTED]


def test_names_used_by_actions_are_declared(domain: dict) -> None:
    declared = set(domain["actions"]) | set(domain["slots"]) | set(domain["intents"])
    declared |= set(domain["entities"])
    constants = {
        value
        for key, value in vars(names).items()
        if key.isupper() and isinstance(value, str) and not key.endswith("CONFIDENCE")
    }
    assert constants <= declared


def test_language_slot_values_are_the_supported_languages(domain: dict) -> None:
    assert tuple(domain["slots"][names.SLOT_LANGUAGE]["values"]) == SUPPORTED


def test_german_terms_stay_visible_in_translations(domain: dict) -> None:
    for variation in domain["responses"]["utter_greet"]:
        assert "(Anerkennung)" in variation["text"] or "anerkannt" in variation["text"]
        assert "zuständige Stelle" in variation["text"]
