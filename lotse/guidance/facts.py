"""Facts a person gives in free text: occupation, country, where they live or want to work.

People give facts out of order or all at once ("Ich bin Krankenschwester aus Syrien und wohne in
Leipzig", "я врач из Харькова, живу в Мюнхене"); `extract` takes every fact it finds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lotse.guidance.countries import find_country
from lotse.knowledge import Location, MatchResult, get_matcher, land_code, locate
from lotse.knowledge.geo import locate_place

GERMANY, ABROAD = "germany", "abroad"

_PLACE = r"(?:in|im|nach|near|around|at|в|во|под|w|we|pod|koło|kolo|في|ب)?\s*(\S+(?:\s+\S+)?)"
#: "I live in X" in the five languages (X is then where the person lives).
_HOME_CUE = re.compile(
    r"\b(?:wohne|lebe|wohnen|leben|live|living|based|stay|staying|reside|живу|живем|живём|"
    r"проживаю|mieszkam|mieszkamy|mieszkam\s+teraz|mieszkam\s+obecnie)\b\s*(?:jetzt|now|теперь|"
    r"сейчас|teraz)?\s*" + _PLACE,
    re.IGNORECASE,
)
_HOME_CUE_AR = re.compile(r"(?:ساكن|ساكنة|اسكن|أسكن|اعيش|أعيش|عايش|عايشة|مقيم|مقيمة)\s+" + _PLACE)
#: "I want to work in X" (X is then where the person wants to work).
_WORK_CUE = re.compile(
    r"\b(?:arbeiten|work|working|job|работать|устроиться|pracować|pracowac|praca)\b\s*" + _PLACE,
    re.IGNORECASE,
)
_WORK_CUE_AR = re.compile(r"(?:اشتغل|أشتغل|اعمل|أعمل|العمل|الشغل|شغل)\s+" + _PLACE)
#: Still abroad ("noch in Ägypten", "still in Syria", "ещё в Казахстане", "jeszcze w Polsce").
_ABROAD_CUE = re.compile(
    r"\b(?:noch\s+(?:in|im)|still\s+(?:in|at)|im\s+ausland|abroad|outside\s+germany|"
    r"ещ[её]\s+(?:в|во)|пока\s+(?:в|во)|за\s+границей|за\s+рубежом|jeszcze\s+(?:w|we)|"
    r"za\s+granic[aą])\b|(?:لسه|لسا|لا\s*زلت|ما\s*زلت|مازلت|في\s+الخارج|خارج\s+ألمانيا|خارج\s+المانيا)",
    re.IGNORECASE,
)
_PREPOSITION_PLACE = re.compile(r"(?:^|\s)(?:in|im|nach|в|во|w|we|في)\s+(\S+(?:\s+\S+)?)", re.I)
_POSTCODE = re.compile(r"(?<!\d)\d{5}(?!\d)")
#: Messages this short may be a bare place name ("Köln", "Мюнхен", "10115").
_BARE_PLACE_MAX_WORDS = 3


@dataclass(frozen=True)
class Facts:
    """What one message says about the person."""

    occupation: MatchResult | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 of a country outside Germany
    home: Location | None = None  # where in Germany they live (or a bare place: see `place_only`)
    work: Location | None = None  # where in Germany they want to work
    residence: str | None = None  # GERMANY ("I live in Leipzig") or ABROAD ("still in Egypt")


def _german_place(span: str) -> Location | None:
    """A German place in a short span ("Leipzig", "Мюнхене", "Frankfurt am"), if any."""
    located = locate_place(span)
    if located is None:
        first = span.split()[0] if span.split() else ""
        located = locate_place(first) if first and first != span else None
    return located


def _cue_place(patterns: tuple[re.Pattern[str], ...], text: str) -> Location | None:
    for pattern in patterns:
        for match in pattern.finditer(text):
            located = _german_place(match.group(1).strip(" ,.!?;:"))
            if located:
                return located
    return None


def find_places(
    text: str, expecting_place: bool = False
) -> tuple[Location | None, Location | None]:
    """(home, work): German places the text says the person lives in or wants to work in."""
    home = _cue_place((_HOME_CUE, _HOME_CUE_AR), text)
    work = _cue_place((_WORK_CUE, _WORK_CUE_AR), text)
    if home or work:
        return home, work
    postcode = _POSTCODE.search(text)
    if postcode:
        return locate(postcode.group(0)), None
    if len(text.split()) <= _BARE_PLACE_MAX_WORDS or expecting_place:
        located = locate(text) if len(text.split()) <= _BARE_PLACE_MAX_WORDS else None
        if located is None:
            for match in _PREPOSITION_PLACE.finditer(text):
                located = _german_place(match.group(1).strip(" ,.!?;:"))
                if located:
                    break
        if located is None and (code := land_code(text)):
            return Location(0.0, 0.0, code, text.strip()), None
        return located, None
    return None, None


def extract(text: str, lang: str | None = None, expecting: str | None = None) -> Facts:
    """Every fact in one message.

    Args:
        text: The message.
        lang: The conversation's language (helps the occupation matcher).
        expecting: The slot the bot just asked for ("occupation_id", "country", "land"), which
            allows readings that would be too risky in a message out of the blue (a bare place).
    """
    home, work = find_places(text, expecting_place=expecting == "land")
    lives_here = home is not None and bool(_HOME_CUE.search(text) or _HOME_CUE_AR.search(text))
    residence = GERMANY if lives_here else None
    if _ABROAD_CUE.search(text):
        residence = ABROAD
    country = find_country(text)
    occupation = get_matcher().match(text, lang=lang)
    if not occupation.candidates:
        occupation = None
    return Facts(occupation=occupation, country=country, home=home, work=work, residence=residence)


def warm_up() -> None:
    """Load what `extract` needs: knowledge, matcher, morphology, place and country indexes."""
    extract("Ich bin Ärztin aus Syrien und wohne in Leipzig")
    extract("я врач из Харькова, живу в Мюнхене")
