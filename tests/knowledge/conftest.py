"""Fixtures for the knowledge tests: the project's knowledge base and matcher, loaded once."""

from __future__ import annotations

import pytest

from lotse.knowledge import KnowledgeBase, Matcher, get_matcher, load_knowledge


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    """The project's knowledge base (knowledge/*.yaml)."""
    return load_knowledge()


@pytest.fixture(scope="session")
def matcher(knowledge: KnowledgeBase) -> Matcher:
    """The matcher built from it."""
    return get_matcher(knowledge)
