"""Lotse's knowledge: reference occupations, authorities, counselling centres, matching, geodata.

A pure library (no Rasa imports): the Rasa actions, the CLI and the web app all call into it.
"""

from .geo import Location, land_code, locate, nearest_centres
from .loader import KNOWLEDGE_DIR, KnowledgeBase, load_knowledge
from .matching import Candidate, Matcher, MatchResult, get_matcher
from .models import (
    CENTRE_KINDS,
    LAND_ALIASES,
    LAND_NAMES_DE,
    LANDS,
    Authority,
    AuthorityGroup,
    Centre,
    CompetenceRule,
    Occupation,
)
from .normalize import normalize

__all__ = [
    "CENTRE_KINDS",
    "KNOWLEDGE_DIR",
    "LANDS",
    "LAND_ALIASES",
    "LAND_NAMES_DE",
    "Authority",
    "AuthorityGroup",
    "Candidate",
    "Centre",
    "CompetenceRule",
    "KnowledgeBase",
    "Location",
    "MatchResult",
    "Matcher",
    "Occupation",
    "get_matcher",
    "land_code",
    "load_knowledge",
    "locate",
    "nearest_centres",
    "normalize",
]
