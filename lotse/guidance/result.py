"""What Lotse tells a person once it knows their occupation, country and Land.

Pure functions returning `Utterance`s (a response name from the domain plus its variables), so the
order and content of the result can be tested without Rasa.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lotse.guidance.countries import is_eu_eea_ch
from lotse.knowledge import LAND_NAMES_DE, Authority, Centre, KnowledgeBase, Location
from lotse.knowledge import nearest_centres as _nearest

#: The German name of each recognition procedure (kept in German in every language).
PATH_NAMES_DE: dict[str, str] = {
    "approbation": "Approbation",
    "berufserlaubnis": "Erlaubnis zum Führen der Berufsbezeichnung (Berufserlaubnis)",
    "anerkennung": "staatliche Anerkennung",
    "gleichwertigkeitsfeststellung": "Gleichwertigkeitsfeststellung",
    "zeugnisbewertung": "Zeugnisbewertung",
    "eignungspruefung": "Eignungsprüfung",
}
#: Bodies whose contact is shown as "applications go to …" rather than a Land authority.
CHAMBERS = frozenset({"ihk_fosa", "handwerkskammer"})
ZAB, ZSBA = "zab", "zsba"


@dataclass(frozen=True)
class Utterance:
    """A domain response and the variables it needs."""

    response: str
    variables: dict[str, str] = field(default_factory=dict)


def land_name(code: str | None) -> str:
    """The German name of a Land ("Sachsen"), or the code itself."""
    return LAND_NAMES_DE.get(code or "", code or "")


def contact_block(
    name: str, *lines: str | None, phone: str | None, email: str | None, url: str | None
) -> str:
    """A multi-line contact: name, address lines, then ☎, ✉ and the web address."""
    parts = [name, *(line for line in lines if line)]
    parts += [f"☎ {phone}" if phone else None, f"✉ {email}" if email else None, url]
    return "\n".join(part for part in parts if part)


def authority_block(authority: Authority) -> str:
    """The contact of an authority as shown to people."""
    return contact_block(
        authority.name,
        authority.department,
        authority.address,
        phone=authority.phone,
        email=authority.email,
        url=authority.url,
    )


def centre_block(centre: Centre) -> str:
    """The contact of a counselling centre as shown to people."""
    return contact_block(
        centre.name,
        centre.operator if centre.operator and centre.operator not in centre.name else None,
        centre.address or centre.city,
        phone=centre.phone,
        email=centre.email,
        url=centre.url,
    )


def recognition_result(
    knowledge: KnowledgeBase,
    occupation_id: str,
    language: str,
    land: str | None,
    country: str | None = None,
    residence: str | None = None,
    home_land: str | None = None,
    work_land: str | None = None,
) -> list[Utterance]:
    """The result of the intake, in the order it is said."""
    occupation = knowledge.occupation(occupation_id)
    if occupation is None:
        return []
    said = [
        Utterance(
            "utter_result_occupation",
            {
                "occupation_title": occupation.title(language),
                "occupation_title_de": occupation.title_de,
            },
        )
    ]
    if occupation.authority == ZAB:
        said.append(Utterance("utter_result_zab"))
    elif occupation.regulated:
        said.append(
            Utterance(
                "utter_result_regulated",
                {
                    "occupation_title_de": occupation.title_de,
                    "path_name": PATH_NAMES_DE.get(occupation.path, occupation.path),
                },
            )
        )
    else:
        said.append(
            Utterance("utter_result_not_regulated", {"occupation_title_de": occupation.title_de})
        )
    if home_land and work_land and home_land != work_land:
        said.append(
            Utterance(
                "utter_competence_rule",
                {"work_land_name": land_name(work_land), "home_land_name": land_name(home_land)},
            )
        )
    authority = knowledge.authority_for(occupation, land)
    if occupation.authority in CHAMBERS and authority is not None:
        said.append(
            Utterance(
                "utter_result_chamber",
                {"authority_name": authority.name, "authority_url": authority.url or ""},
            )
        )
    elif authority is not None:
        said.append(
            Utterance(
                "utter_result_authority",
                {"land_name": land_name(land), "authority": authority_block(authority)},
            )
        )
    elif occupation.authority != ZAB:
        said.append(Utterance("utter_result_authority_unknown", {"land_name": land_name(land)}))
    if residence == "abroad":
        zsba = knowledge.bodies.get(ZSBA)
        contact = (zsba.url or zsba.email or "") if zsba else ""
        said.append(Utterance("utter_result_abroad", {"zsba_contact": contact}))
    if is_eu_eea_ch(country) and occupation.regulated:
        said.append(Utterance("utter_result_eu"))
    if occupation.authority != ZAB:
        said += [
            Utterance("utter_result_steps"),
            Utterance("utter_result_documents"),
            Utterance("utter_result_costs"),
        ]
    said.append(Utterance("utter_result_finder"))
    return said


def nearest_centre(
    knowledge: KnowledgeBase,
    kind: str,
    location: tuple[float, float] | None,
    land: str | None,
) -> tuple[Centre, float | None] | None:
    """The verified centre for the person, with its distance in km when their location is known.

    Recognition counselling: the nearest verified centre. Faire Integration: the centre of the
    person's Land (there is one per Land), never another Land's.
    """
    verified = [centre for centre in knowledge.centres if centre.verified and centre.kind == kind]
    if kind == "fair-integration":
        verified = [centre for centre in verified if centre.land == land]
    if location is not None:
        ranked = _nearest(Location(location[0], location[1], land, ""), verified, kind, limit=1)
        if ranked:
            return ranked[0]
    in_land = [centre for centre in verified if centre.land == land]
    return (in_land[0], None) if in_land else None
