"""The scripted conversations the simulated people hold (tests/data/conversations.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from lotse.bench.constants import CONVERSATIONS_FILE


@dataclass(frozen=True)
class Conversation:
    """One scripted conversation: what a person types, turn by turn ("/..." is a button)."""

    language: str
    name: str
    turns: tuple[str, ...]


def load_conversations(path: Path = CONVERSATIONS_FILE) -> list[Conversation]:
    """Every scripted conversation, languages interleaved (de, en, ar, ... then the next set)."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"cannot read the conversations in {path}: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected languages at the top level")
    by_language = [
        [
            Conversation(language, name, tuple(scenario["turns"]))
            for name, scenario in scenarios.items()
            if scenario.get("turns")
        ]
        for language, scenarios in data.items()
    ]
    interleaved = [
        conversations[index]
        for index in range(max(map(len, by_language), default=0))
        for conversations in by_language
        if index < len(conversations)
    ]
    if not interleaved:
        raise ValueError(f"{path} holds no conversations")
    return interleaved
