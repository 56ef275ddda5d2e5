"""Offline geodata: postcodes, place names in five languages, Länder, nearest centres."""

from __future__ import annotations

import pytest

from lotse.knowledge import KnowledgeBase, land_code, locate, nearest_centres
from lotse.knowledge.geo import Location, haversine_km, measure_postcode_lands

LEIPZIG = (51.3397, 12.3731)
MUNICH = (48.1374, 11.5755)


def test_postcode_leipzig() -> None:
    location = locate("04109")
    assert location is not None
    assert location.land == "SN"
    assert haversine_km(location.lat, location.lon, *LEIPZIG) < 5


@pytest.mark.parametrize(
    ("postcode", "land"),
    [("10115", "BE"), ("80331", "BY"), ("20095", "HH"), ("28195", "HB"), ("50667", "NW"),
     ("01067", "SN"), ("99084", "TH"), ("39104", "ST"), ("66111", "SL"), ("24103", "SH"),
     ("19053", "MV"), ("14467", "BB"), ("30159", "NI"), ("55116", "RP"), ("65183", "HE"),
     ("70173", "BW")],
)  # fmt: skip
def test_postcodes_of_the_land_capitals(postcode: str, land: str) -> None:
    location = locate(postcode)
    assert location is not None and location.land == land


def test_postcode_land_agrees_with_single_land_postcode_areas() -> None:
    agree, total, _ = measure_postcode_lands()
    assert total > 4000
    assert agree / total >= 0.99


@pytest.mark.parametrize(
    "name", ["München", "Muenchen", "Munich", "Мюнхен", "ميونخ", "Monachium", "в Мюнхене"]
)
def test_munich_in_five_languages(name: str) -> None:
    location = locate(name)
    assert location is not None
    assert location.land == "BY"
    assert haversine_km(location.lat, location.lon, *MUNICH) < 10


@pytest.mark.parametrize(
    ("name", "land"),
    [("Köln", "NW"), ("Cologne", "NW"), ("Кёльн", "NW"), ("Frankfurt", "HE"), ("Halle", "ST"),
     ("w Berlinie", "BE"), ("في برلين", "BE"), ("Leipzig", "SN")],
)  # fmt: skip
def test_places(name: str, land: str) -> None:
    location = locate(name)
    assert location is not None and location.land == land


@pytest.mark.parametrize("text", ["Atlantis", "qwertz", "00000", ""])
def test_unknown_places(text: str) -> None:
    assert locate(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [("BY", "BY"), ("by", "BY"), ("Bayern", "BY"), ("Bavaria", "BY"), ("Бавария", "BY"),
     ("بافاريا", "BY"), ("Bawaria", "BY"), ("в Баварии", "BY"), ("NRW", "NW"),
     ("Nordrhein-Westfalen", "NW"), ("North Rhine-Westphalia", "NW"), ("Sachsen", "SN"),
     ("Sachsen-Anhalt", "ST"), ("Thüringen", "TH"), ("Thueringen", "TH"), ("Berlin", "BE")],
)  # fmt: skip
def test_land_codes(text: str, code: str) -> None:
    assert land_code(text) == code


@pytest.mark.parametrize("text", ["XX", "Atlantis", "", "Paris"])
def test_unknown_lands(text: str) -> None:
    assert land_code(text) is None


def test_nearest_centres_sorted_and_filtered(knowledge: KnowledgeBase) -> None:
    location = locate("04109")
    assert location is not None
    ranked = nearest_centres(location, knowledge.centres, limit=5)
    assert ranked
    distances = [km for _, km in ranked]
    assert distances == sorted(distances)
    assert len(ranked) <= 5
    only = nearest_centres(location, knowledge.centres, kind="fair-integration", limit=10)
    assert only and all(centre.kind == "fair-integration" for centre, _ in only)


def test_nearest_centre_to_a_centre_is_itself(knowledge: KnowledgeBase) -> None:
    centre = next(c for c in knowledge.centres if c.lat is not None)
    here = Location(centre.lat, centre.lon, centre.land, centre.id)
    (_, km), *_ = nearest_centres(here, knowledge.centres, limit=1)
    assert km < 0.01


def test_haversine() -> None:
    assert haversine_km(*LEIPZIG, *LEIPZIG) == 0
    assert 350 < haversine_km(*LEIPZIG, *MUNICH) < 380
