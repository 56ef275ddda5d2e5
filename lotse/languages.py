"""The five languages Lotse speaks, and how the language of a conversation is decided.

Arabic and Cyrillic text is decided by its script. Latin-script text (German, English, Polish) is
decided by lingua (restricted to those three) together with a small lexicon of function words and
greetings, which lingua gets wrong on one-word messages ("Hallo" scores as English). A conversation
keeps its language unless a message is clearly written in another one: "ok", "10115" or "Berlin"
never flip it. An explicit request ("English please", "по-русски") always wins.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

SUPPORTED: tuple[str, ...] = ("de", "en", "ar", "ru", "pl")
DEFAULT = "de"
RTL = frozenset({"ar"})

#: Names of the languages as shown in the language picker, each in its own language.
NATIVE_NAMES: dict[str, str] = {
    "de": "Deutsch",
    "en": "English",
    "ar": "العربية",
    "ru": "Русский",
    "pl": "Polski",
}

_LATIN = ("de", "en", "pl")

# Function words and greetings that decide short Latin-script messages (ASCII-folded, lower case).
_LEXICON: dict[str, frozenset[str]] = {
    "de": frozenset(
        "hallo moin servus gruss gruezi tag guten morgen abend danke tschuss ja nein bitte ich bin "
        "und nicht mein meine habe ist wie was wo wer kann ein eine der die das mit aus in im "
        "wohne arbeite als brauche hilfe gerne genau stimmt".split()
    ),
    "en": frozenset(
        "hello hi hey thanks thank you yes no please i am im my have is what where who can a an "
        "the and with from live work as need help sure good morning evening bye".split()
    ),
    "pl": frozenset(
        "czesc siema witam dzien dobry dziekuje dzieki tak nie prosze jestem mam moj moja jak co "
        "gdzie kto moge i z w mieszkam pracuje jako potrzebuje pomocy dobrze".split()
    ),
}

# Ways of naming a language, in any of the five languages, used when someone asks to switch.
_LANGUAGE_NAMES: dict[str, re.Pattern[str]] = {
    lang: re.compile(pattern, re.IGNORECASE)
    for lang, pattern in {
        "de": r"german|deutsch|niemieck|po niemiecku|немец|ألماني|الالماني|الألمانية|الالمانية",
        "en": r"english|englisch|angielsk|po angielsku|английск|по-английски|انجليزي|إنجليزي|"
        r"الانجليزية|الإنجليزية|انكليزي",
        "ar": r"arabic|arabisch|arabsk|po arabsku|арабск|по-арабски|عربي|العربية",
        "ru": r"russian|russisch|rosyjsk|po rosyjsku|русск|по-русски|روسي|الروسية",
        "pl": r"polish|polnisch|polsk|po polsku|польск|по-польски|بولندي|البولندية|بولوني",
    }.items()
}

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")
_WORD = re.compile(r"[^\W\d_]{2,}")
_TOKEN = re.compile(r"[^\W\d_]+")  # lexicon look-ups also count one-letter words ("I", "w")

#: Minimum combined score for a Latin-script language to start or take over a conversation.
_MIN_SCORE = 0.7
#: A Latin-script message must beat the current Latin-script language by this margin.
_SWITCH_MARGIN = 0.3
_LEXICON_WEIGHT = 0.15


@dataclass(frozen=True)
class Detection:
    """The language a single message is written in, as far as the text alone tells."""

    language: str | None
    score: float
    words: int


def normalise_code(code: str | None) -> str | None:
    """Map a channel's language code ("ru", "en-US", "pl_PL") to a supported language, else None."""
    if not code:
        return None
    base = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return base if base in SUPPORTED else None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ł", "l"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ß", "ss")


@lru_cache(maxsize=1)
def _latin_detector():  # type: ignore[no-untyped-def]
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(
        Language.GERMAN, Language.ENGLISH, Language.POLISH
    ).build()


def _lexicon_hits(text: str) -> dict[str, int]:
    folded = [_fold(token) for token in _TOKEN.findall(text)]
    return {lang: sum(word in _LEXICON[lang] for word in folded) for lang in _LATIN}


def _latin_scores(text: str, words: list[str]) -> dict[str, float]:
    """Lingua's confidence plus a bonus per lexicon word; on 1-2 words the lexicon decides."""
    hits = _lexicon_hits(text)
    if len(words) <= 2 and any(hits.values()):
        return {lang: float(hits[lang]) for lang in _LATIN}
    scores = {lang: _LEXICON_WEIGHT * hits[lang] for lang in _LATIN}
    for value in _latin_detector().compute_language_confidence_values(text):
        scores[value.language.iso_code_639_1.name.lower()] += value.value
    return scores


def detect(text: str) -> Detection:
    """Detect the language of one message from its text alone."""
    words = _WORD.findall(text)
    arabic, cyrillic = len(_ARABIC.findall(text)), len(_CYRILLIC.findall(text))
    # Nobody types Arabic or Cyrillic letters by accident: mixed with German words ("мне нужна
    # Anerkennung"), the non-Latin script still tells the person's language.
    if max(arabic, cyrillic) >= 2:
        return Detection("ar" if arabic >= cyrillic else "ru", 1.0, len(words))
    if not words or len(_LATIN_LETTER.findall(text)) < 2:
        return Detection(None, 0.0, len(words))
    scores = _latin_scores(text, words)
    best = max(scores, key=scores.__getitem__)
    return Detection(best, scores[best], len(words))


def requested_language(text: str) -> str | None:
    """The language asked for ("English please", "по-русски"), if exactly one is named."""
    named = [lang for lang, pattern in _LANGUAGE_NAMES.items() if pattern.search(text)]
    return named[0] if len(named) == 1 else None


def decide(
    text: str,
    current: str | None,
    hint: str | None = None,
    switch_requested: bool = False,
) -> str:
    """Decide the conversation's language after a user message.

    Args:
        text: The message as typed (button payloads starting with "/" never change the language).
        current: The conversation's language so far, or None on its first message.
        hint: A language code from the channel (Telegram's ``language_code``, the widget's picker).
        switch_requested: The message was understood as a request to change the language.
    """
    current = current if current in SUPPORTED else None
    fallback = current or normalise_code(hint) or DEFAULT
    if switch_requested and (requested := requested_language(text)):
        return requested
    if text.lstrip().startswith("/"):
        return fallback
    detection = detect(text)
    if detection.language is None:
        return fallback
    if detection.language in ("ar", "ru"):
        return detection.language
    if current is None:
        return detection.language if detection.score >= _MIN_SCORE else fallback
    if detection.language == current or detection.words < 2:
        return current
    # A switch needs function words of the new language: place names ("Frankfurt am Main"),
    # German terms ("Anerkennung") and "ok" have none.
    needed_hits = 1 if detection.words <= 2 else 2
    if _lexicon_hits(text)[detection.language] < needed_hits:
        return current
    if current in _LATIN:
        scores = _latin_scores(text, _WORD.findall(text))
        margin = scores[detection.language] - scores[current]
        return detection.language if margin >= _SWITCH_MARGIN else current
    return detection.language if detection.score >= _MIN_SCORE else current
