"""The domain: every response in all five languages, every name the actions use declared."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.actions import names
from lotse.languages import SUPPORTED


def _domain(project_root: Path) -> dict:
    merged: dict = {
        "responses": {}, "intents": [], "slots": {}, "actions": [], "entities": [], "forms": {}
    }  # fmt: skip
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


@pytest.fixture(scope="module")
def action_responses() -> dict:
    """Responses sent only by custom actions (bot/responses/, rendered by bot/actions/texts.py)."""
    from bot.actions.texts import action_responses as load

    return load()


@pytest.fixture(scope="module", params=["domain", "actions"])
def all_responses(request, domain: dict, action_responses: dict) -> dict:
    return domain["responses"] if request.param == "domain" else action_responses


def test_every_response_has_one_variation_per_language_and_a_default(all_responses: dict) -> None:
    for name, variations in all_responses.items():
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


def test_buttons_are_the_same_in_every_language(all_responses: dict) -> None:
    for name, variations in all_responses.items():
        payloads = {tuple(b["payload"] for b in v.get("buttons", [])) for v in variations}
        assert len(payloads) == 1, name


def test_language_buttons_name_supported_languages(domain: dict) -> None:
    payloads = [b["payload"] for b in domain["responses"]["utter_choose_language"][0]["buttons"]]
    assert payloads == [f'/change_language{{"language":"{code}"}}' for code in SUPPORTED]


def test_variables_are_the_same_in_every_language(all_responses: dict) -> None:
    """German may leave out a variable that repeats itself there (the German title)."""
    for name, variations in all_responses.items():
        found = {
            (v.get("condition") or [{"value": "default"}])[0]["value"]: set(
                re.findall(r"{(\w+)}", v["text"])
            )
            for v in variations
        }
        foreign = [found[lang] for lang in SUPPORTED if lang != "de"]
        assert all(variables == foreign[0] for variables in foreign), name
        assert found["de"] <= foreign[0] and found["default"] == found["de"], name


def test_action_responses_are_not_also_domain_responses(
    domain: dict, action_responses: dict
) -> None:
    assert not set(domain["responses"]) & set(action_responses)


def test_names_used_by_actions_are_declared(domain: dict, action_responses: dict) -> None:
    declared = set(domain["actions"]) | set(domain["slots"]) | set(domain["intents"])
    declared |= set(domain["entities"]) | set(domain["forms"]) | set(domain["responses"])
    declared |= set(action_responses) | {"nlu_fallback", "requested_slot"}
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
