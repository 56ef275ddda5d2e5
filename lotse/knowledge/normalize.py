"""One normaliser for everything that is compared: occupation names, queries, place and Land names.

The same function runs over the knowledge (once, at start-up) and over every query, so both sides
agree: NFKC, ``casefold``, Latin diacritics stripped (ä→a, ß→ss, ł→l, ó→o), Russian ё→е, Arabic
tashkeel/tatweel dropped and letter variants unified (أ إ آ ٱ→ا, ى→ي, ة→ه) with the article ال
dropped from words longer than three letters, German gender forms collapsed ("Lehrer/-in",
"Lehrer*innen", "LehrerIn", "Ärztin/Arzt", "(m/w/d)" → "lehrer", "arzt"), punctuation to spaces,
whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# --- German gender forms (run before casefold: "LehrerIn" is only recognisable by its capital I).
_MWD = re.compile(r"\(?\b[mwfd]\s*/\s*[mwfd](?:\s*/\s*[mwfdix])?\b\)?", re.IGNORECASE)
_TRUNCATED_ALTERNATIVE = re.compile(r"\s*/\s*-\s*[^\W\d_]+")  # "Kauffrau/-mann", "Lehrer/-in"
_GENDER_SUFFIX = re.compile(r"(?<=[^\W\d_])[/*:_]in(?:nen)?\b", re.IGNORECASE)
_BINNEN_I = re.compile(r"(?<=[a-zäöüß])In(?:nen)?\b")
#: Feminine endings folded to the masculine form (after casefold and diacritics): "arztin" → "arzt".
_FEMININE = re.compile(
    r"\b([a-z]*(?:arzt|koch|anwalt)|[a-z]{2,}(?:og|er|eur|ist|ant|ent|at|onom|graph|graf|urg|ekt"
    r"|eut|ot))in(?:nen)?\b"
)

# --- Arabic.
_TASHKEEL = re.compile(r"[\u064B-\u0652\u0670\u0640]")  # harakat, dagger alif, tatweel
_ARABIC_MAP = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ی": "ي", "ک": "ك", "ؤ": "و"}
)
_ARTICLE = re.compile(r"(?<!\w)ال(?=\w{2,})")  # ال + at least two letters = a word longer than 3

# --- Everything else.
_LATIN_EXTRA = str.maketrans(
    {"ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "ё": "е"}
)
_NON_WORD = re.compile(r"[\W_]+")
_GENDER_MARK = re.compile(r"[*:_/]")
_ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")


def _is_latin(ch: str) -> bool:
    return ch < "\u0250" or "\u1e00" <= ch <= "\u1eff"


@lru_cache(maxsize=2048)
def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _strip_latin_diacritics(text: str) -> str:
    """Drop combining marks from Latin letters only (Cyrillic й must stay й)."""
    if text.isascii():
        return text
    return "".join(_fold_char(ch) if _is_latin(ch) and not ch.isascii() else ch for ch in text)


def _masculine(match: re.Match[str]) -> str:
    stem = match[1]
    return stem + "e" if stem.endswith("og") else stem  # Psychologin → psychologe, Pädagogin


def normalize(text: str, lang: str | None = None, *, gender: bool | None = None) -> str:
    """Normalise text for comparison.

    Args:
        text: Any user input or knowledge name, in any of the five languages.
        lang: The text's language if known. ``None`` (what the matcher uses on both sides) applies
            every rule; a given language skips the German-only folding of bare feminine nouns
            ("Elektrikerin" → "elektriker") unless it is ``"de"``. Script rules (Arabic, Cyrillic,
            Latin diacritics) always apply, because users mix scripts.
        gender: Fold bare German feminine nouns; default: when ``lang`` is None or "de". Place
            names pass False ("Schwerin" is no Schwer-in).

    Returns:
        Lower-case text of words separated by single spaces ("" for text without letters or digits).
    """
    text = unicodedata.normalize("NFKC", text)
    if "/" in text:
        text = _TRUNCATED_ALTERNATIVE.sub("", _MWD.sub(" ", text))
    if "In" in text:
        text = _BINNEN_I.sub("", text)
    if _GENDER_MARK.search(text):
        text = _GENDER_SUFFIX.sub("", text)
    text = text.casefold().translate(_LATIN_EXTRA)
    text = _strip_latin_diacritics(text)
    if _ARABIC_LETTER.search(text):
        # The article is written with a plain alif, so it goes before أ/إ are unified:
        # "إلكترونيات" keeps its "إل".
        text = _ARTICLE.sub("", _TASHKEEL.sub("", text)).translate(_ARABIC_MAP)
    text = _NON_WORD.sub(" ", text)
    if (lang in (None, "de") if gender is None else gender) and "in" in text:
        text = _FEMININE.sub(_masculine, text)
    words = text.split()
    # "Ärztin/Arzt" has become "arzt arzt": keep one.
    return " ".join(w for i, w in enumerate(words) if i == 0 or w != words[i - 1])
