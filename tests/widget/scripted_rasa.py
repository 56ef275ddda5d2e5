"""A scripted stand-in for Rasa for the widget's browser tests.

It answers with Lotse's real response texts (bot/domain/responses, bot/responses) in the person's
language, decided by Lotse's real language rules (`lotse.languages.decide`), and walks the intake
the way the guidance conversation does: greeting with the privacy note → occupation → country →
residence (buttons) → place → result with the competent authority → offer of a counsellor (buttons).
The full Rasa stack is covered by the end-to-end tests in tests/e2e/.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import yaml

from lotse import PROJECT_ROOT, languages
from lotse.web.rasa_client import RasaReply, RasaUnavailable

RESPONSE_FILES = [
    PROJECT_ROOT / "bot" / "domain" / "responses" / "general.yml",
    PROJECT_ROOT / "bot" / "domain" / "responses" / "handoff.yml",
    PROJECT_ROOT / "bot" / "responses" / "guidance.yml",
]

#: The slot values a real conversation about a nurse living in Leipzig would fill in.
VALUES: dict[str, Any] = {
    "occupation_title_de": "Pflegefachfrau / Pflegefachmann / Pflegefachperson",
    "occupation_title": {
        "de": "Pflegefachfrau / Pflegefachmann",
        "en": "nurse",
        "ar": "ممرض/ممرضة",
        "ru": "медсестра / медбрат",
        "pl": "pielęgniarka / pielęgniarz",
    },
    "path_name": "Berufserlaubnis",
    "land_name": {
        "de": "Sachsen",
        "en": "Saxony",
        "ar": "ساكسونيا",
        "ru": "Саксония",
        "pl": "Saksonia",
    },
    "authority": "Kommunaler Sozialverband Sachsen (KSV)\n"
    "https://www.ksv-sachsen.de/auslaendische-Berufsqualifikationen.html",
    "centre_name": "IQ Beratungsstelle Leipzig",
    "centre_city": "Leipzig",
    "distance_km": "2",
}
AUTHORITY_NAME = "Kommunaler Sozialverband Sachsen (KSV)"

_CHANGE_LANGUAGE = re.compile(r'^/change_language\{"language":\s*"(?P<code>[a-z]{2})"\}$')
_GREETINGS = {"/start", "/greet", "hallo", "hello", "hi", "مرحبا", "привет", "cześć"}


def load_responses() -> dict[str, list[dict[str, Any]]]:
    """Every response of the domain and of the action server, by name."""
    responses: dict[str, list[dict[str, Any]]] = {}
    for path in RESPONSE_FILES:
        responses.update(yaml.safe_load(path.read_text(encoding="utf-8"))["responses"])
    return responses


@dataclass
class Conversation:
    """What the fake remembers of one sender."""

    language: str | None = None
    step: str = "new"


class ScriptedRasa:
    """Stands in for RasaClient; records every message it is sent."""

    def __init__(self) -> None:
        self.responses = load_responses()
        self.sent: list[tuple[str, str, dict]] = []
        self.conversations: dict[str, Conversation] = defaultdict(Conversation)
        self.down = False

    def texts_sent(self, text: str) -> int:
        """How often a message with this text reached "Rasa"."""
        return sum(1 for _, sent, _ in self.sent if sent == text)

    async def health(self) -> dict[str, bool]:
        return {"rasa": not self.down, "actions": not self.down}

    async def send(self, sender: str, text: str, metadata: dict) -> RasaReply:
        """Answer one message like Lotse would at this point of the conversation."""
        if self.down:
            raise RasaUnavailable("ConnectError")
        self.sent.append((sender, text, dict(metadata)))
        conversation = self.conversations[sender]
        requested = _CHANGE_LANGUAGE.match(text.strip())
        if requested and requested["code"] in languages.SUPPORTED:
            conversation.language = requested["code"]
            names = ["utter_language_changed", *self._question(conversation)]
            return self._reply(conversation, names)
        conversation.language = languages.decide(
            text, conversation.language, hint=metadata.get("language_hint")
        )
        return self._reply(conversation, self._advance(conversation, text))

    def _advance(self, conversation: Conversation, text: str) -> list[str]:
        """Move the intake on by one answer; the names of the responses to send."""
        greeting = text.strip().casefold() in _GREETINGS
        if conversation.step == "new" or (greeting and conversation.step == "occupation"):
            conversation.step = "occupation"
            return ["utter_greet", "utter_ask_occupation_id"]
        if conversation.step == "occupation":
            conversation.step = "country"
        elif conversation.step == "country":
            conversation.step = "residence"
        elif conversation.step == "residence":
            conversation.step = "land"
        elif conversation.step == "land":
            conversation.step = "offer"
            return [
                "utter_result_occupation",
                "utter_result_regulated",
                "utter_result_authority",
                "utter_offer_handoff",
            ]
        elif conversation.step == "offer":
            conversation.step = "done"
            return (
                ["utter_handoff_declined"] if text.strip() == "/deny" else ["utter_anything_else"]
            )
        else:
            return ["utter_anything_else"]
        return self._question(conversation)

    @staticmethod
    def _question(conversation: Conversation) -> list[str]:
        """The question that is open at this step (asked again after a language switch)."""
        return {
            "occupation": ["utter_ask_occupation_id"],
            "country": ["utter_ask_country"],
            "residence": ["utter_ask_residence"],
            "land": ["utter_ask_land"],
            "offer": ["utter_offer_handoff"],
        }.get(conversation.step, [])

    def _reply(self, conversation: Conversation, names: list[str]) -> RasaReply:
        language = conversation.language or languages.DEFAULT
        return RasaReply(language=language, messages=[self._render(n, language) for n in names])

    def _render(self, name: str, language: str) -> dict[str, Any]:
        """One response in the conversation's language, its variables filled in."""
        variations = self.responses[name]
        variation = next(
            (
                v
                for v in variations
                if any(c.get("value") == language for c in v.get("condition") or [])
            ),
            variations[-1],
        )
        values = {
            key: value[language] if isinstance(value, dict) else value
            for key, value in VALUES.items()
        }
        message: dict[str, Any] = {
            "recipient_id": "web",
            "text": variation["text"].format(**values),
        }
        if variation.get("buttons"):
            message["buttons"] = [dict(b) for b in variation["buttons"]]
        return message
