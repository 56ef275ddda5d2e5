"""The result of the intake: what is said, in which order, with which facts."""

import re

import pytest

from bot.actions.texts import variation
from lotse.guidance.result import nearest_centre, recognition_result
from lotse.knowledge import load_knowledge
from lotse.knowledge.geo import haversine_km


def responses(utterances) -> list[str]:
    return [u.response for u in utterances]


def test_regulated_federal_occupation_names_the_land_authority() -> None:
    said = recognition_result(load_knowledge(), "arzt", "en", land="BE", residence="germany")
    assert responses(said) == [
        "utter_result_occupation",
        "utter_result_regulated",
        "utter_result_authority",
        "utter_result_steps",
        "utter_result_documents",
        "utter_result_costs",
        "utter_result_finder",
    ]
    assert said[0].variables == {
        "occupation_title": "doctor",
        "occupation_title_de": "Ärztin / Arzt",
    }
    assert said[1].variables["path_name"] == "Approbation"
    assert "Landesamt für Gesundheit und Soziales Berlin" in said[2].variables["authority"]


def test_chamber_occupation_points_to_the_chamber() -> None:
    said = recognition_result(load_knowledge(), "koch", "de", land="HH")
    assert "utter_result_not_regulated" in responses(said)
    chamber = next(u for u in said if u.response == "utter_result_chamber")
    assert "FOSA" in chamber.variables["authority_name"]


def test_academic_non_regulated_degree_gets_the_zab_and_no_procedure() -> None:
    said = responses(recognition_result(load_knowledge(), "informatiker", "ru", land="BY"))
    assert "utter_result_zab" in said
    assert "utter_result_steps" not in said and "utter_result_authority_unknown" not in said


def test_abroad_eu_and_differing_lands_add_their_notes() -> None:
    said = recognition_result(
        load_knowledge(),
        "pflegefachkraft",
        "pl",
        land="BW",
        country="PL",
        residence="abroad",
        home_land="BY",
        work_land="BW",
    )
    names = responses(said)
    assert {"utter_result_abroad", "utter_result_eu", "utter_competence_rule"} <= set(names)
    rule = next(u for u in said if u.response == "utter_competence_rule")
    assert rule.variables == {"work_land_name": "Baden-Württemberg", "home_land_name": "Bayern"}


def test_unknown_occupation_says_nothing() -> None:
    assert recognition_result(load_knowledge(), "no_such_occupation", "de", land="BE") == []


def test_fair_integration_is_never_taken_from_another_land() -> None:
    knowledge = load_knowledge()
    found = nearest_centre(knowledge, "fair-integration", (51.34, 12.37), "SN")
    assert found is None or found[0].land == "SN"


def test_nearest_recognition_centre_is_verified_and_nearest() -> None:
    knowledge = load_knowledge()
    centre, distance = nearest_centre(knowledge, "recognition", (51.34, 12.37), "SN")
    assert centre.verified and centre.kind == "recognition"
    others = [
        c for c in knowledge.centres if c.verified and c.kind == "recognition" and c.lat is not None
    ]
    assert all(distance <= haversine_km(51.34, 12.37, c.lat, c.lon) for c in others)


@pytest.mark.parametrize(
    "occupation_id", ["arzt", "koch", "informatiker", "pflegefachkraft", "lehrkraft", "friseur"]
)
@pytest.mark.parametrize("language", ["de", "en", "ar", "ru", "pl"])
def test_every_variable_of_every_template_is_supplied(occupation_id: str, language: str) -> None:
    said = recognition_result(
        load_knowledge(), occupation_id, language, land="NW", country="PL",
        residence="abroad", home_land="BY", work_land="NW",
    )  # fmt: skip
    for utterance in said:
        template = variation(utterance.response, language)["text"]
        assert set(re.findall(r"{(\w+)}", template)) <= set(utterance.variables), utterance.response
