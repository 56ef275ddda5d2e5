"""Messages that only custom actions send, in the person's language.

They live in bot/responses/*.yml, in the domain's own layout (one variation per language with a
`condition` on the `language` slot, plus a German default), but outside the domain: Rasa's
validator treats every domain response that no story or rule uses as an error, and these are
chosen by code (the result, the hand-off) rather than by the dialogue policy.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Formatter
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import names

RESPONSES_DIR = Path(__file__).resolve().parent.parent / "responses"


@lru_cache(maxsize=1)
def action_responses() -> dict[str, list[dict[str, Any]]]:
    """Every action-only response by name."""
    responses: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(RESPONSES_DIR.glob("*.yml")):
        responses.update(yaml.safe_load(path.read_text(encoding="utf-8"))["responses"])
    return responses


def variation(name: str, language: str | None) -> dict[str, Any]:
    """The variation of a response for a language (the default one if the language has none)."""
    variations = action_responses()[name]
    for candidate in variations:
        conditions = candidate.get("condition") or []
        if any(
            c.get("name") == names.SLOT_LANGUAGE and c.get("value") == language for c in conditions
        ):
            return candidate
    return next(v for v in variations if not v.get("condition"))


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render(name: str, language: str | None, **variables: Any) -> dict[str, Any]:
    """Text and buttons of a response, with {variables} filled in."""
    chosen = variation(name, language)
    text = Formatter().vformat(
        chosen["text"], (), _Blank({k: str(v) for k, v in variables.items()})
    )
    return {"text": text, "buttons": list(chosen.get("buttons") or [])}


def utter(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    name: str,
    buttons: list[dict[str, str]] | None = None,
    **variables: Any,
) -> None:
    """Send an action-only response in the conversation's language."""
    message = render(name, tracker.get_slot(names.SLOT_LANGUAGE), **variables)
    dispatcher.utter_message(text=message["text"], buttons=message["buttons"] + (buttons or []))
