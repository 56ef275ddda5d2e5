"""Plays the scripted conversations of tests/data/conversations.yaml against a running Lotse."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import httpx
import yaml

from lotse import PROJECT_ROOT

SCENARIOS = PROJECT_ROOT / "tests" / "data" / "conversations.yaml"


@dataclass
class Played:
    """One played conversation: every reply, in order."""

    language: str
    name: str
    session_id: str
    turns: list[str]
    replies: list[dict] = field(default_factory=list)


def scenarios() -> dict[str, dict[str, dict]]:
    """language → scenario name → {"turns": [...], "expect": [...]} (all values strings)."""
    return yaml.load(SCENARIOS.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def play(url: str, language: str, name: str, turns: list[str], prefix: str = "e2e") -> Played:
    """Send every turn through /api/chat; raise on a non-200 answer."""
    played = Played(language, name, f"{prefix}-{language}-{name}", turns)
    with httpx.Client(base_url=url, timeout=60) as client:
        for text in turns:
            response = client.post(
                "/api/chat", json={"session_id": played.session_id, "text": text}
            )
            response.raise_for_status()
            played.replies.append(response.json())
    return played


@lru_cache(maxsize=1)
def templates() -> list[tuple[str, str, re.Pattern[str]]]:
    """(response name, language, pattern) of every response variation; variables match anything."""
    found = []
    paths = [
        *(PROJECT_ROOT / "bot" / "domain").rglob("*.yml"),
        *(PROJECT_ROOT / "bot" / "responses").glob("*.yml"),
    ]
    for path in paths:
        for name, variations in (
            yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}
        ).items():
            for variation in variations:
                for condition in variation.get("condition") or []:
                    parts = re.split(r"{\w+}", variation["text"])
                    pattern = re.compile("(?s)" + ".*".join(map(re.escape, parts)) + "$")
                    found.append((name, condition["value"], pattern))
    return found


def identify(text: str) -> set[tuple[str, str]]:
    """Every (response name, language) whose template produces this bot message."""
    return {(name, lang) for name, lang, pattern in templates() if pattern.match(text)}
