"""Load the three knowledge files once into a frozen :class:`KnowledgeBase`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

import lotse

from . import geo
from .models import (
    LANGUAGES,
    Authority,
    AuthorityGroup,
    Centre,
    CompetenceRule,
    Finder,
    Occupation,
)
from .normalize import normalize

#: Default location of the knowledge files, resolved from the package (never from the CWD).
KNOWLEDGE_DIR = lotse.PROJECT_ROOT / "knowledge"
OCCUPATIONS_FILE = "reference_occupations.yaml"
AUTHORITIES_FILE = "authorities.yaml"
CENTRES_FILE = "centres.yaml"

_AUTHORITY_FIELDS = ("name", "department", "address", "url", "email", "phone", "note")
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, eq=False)
class KnowledgeBase:
    """Everything Lotse knows: occupations by id, authorities, centres, the competence rule."""

    occupations: Mapping[str, Occupation]
    bodies: Mapping[str, Authority]
    groups: Mapping[str, AuthorityGroup]
    centres: tuple[Centre, ...]
    competence_rule: CompetenceRule | None
    finders: Mapping[str, Finder]
    path: Path
    #: Normalised general words ("ingenieur", "механик") → the occupations they may mean.
    umbrella_terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"KnowledgeBase({self.path}: {len(self.occupations)} occupations, "
            f"{len(self.bodies)} bodies, {len(self.groups)} groups, {len(self.centres)} centres)"
        )

    def occupation(self, occupation_id: str) -> Occupation | None:
        """The occupation with this id, or None."""
        return self.occupations.get(occupation_id)

    def authority_for(self, occupation: Occupation | str, land: str | None) -> Authority | None:
        """The competent authority: the occupation's central body or its group's office in the Land.

        Returns None for an unknown occupation, a Land-level group without a Land, or a Land whose
        office could not be verified (written as ``XX: null`` in the data).
        """
        if isinstance(occupation, str):
            found = self.occupation(occupation)
            if found is None:
                return None
            occupation = found
        if occupation.authority is None:
            return None
        if occupation.authority in self.bodies:
            return self.bodies[occupation.authority]
        group = self.groups.get(occupation.authority)
        if group is None or land is None:
            return None
        return group.by_land.get(self.land(land) or "")

    def land(self, code_or_name: str) -> str | None:
        """A Land code ("BY") from a code or a name in any language ("Bavaria", "Бавария")."""
        return geo.land_code(code_or_name)

    def centres_in(self, land: str, kind: str | None = None) -> list[Centre]:
        """The centres of one Land (optionally of one kind)."""
        return [c for c in self.centres if c.land == land and (kind is None or c.kind == kind)]


def _date(value: Any) -> str | None:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return None if value is None else str(value)


def _strs(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values or ())


def _read(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_SafeLoader) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the top level must be a mapping")
    return data


def _occupation(raw: dict[str, Any]) -> Occupation:
    names = raw.get("names") or {}
    kldb = raw.get("kldb")
    return Occupation(
        id=str(raw["id"]),
        title_de=str(raw["title_de"]),
        kldb=None if kldb is None else str(kldb),
        regulated=bool(raw.get("regulated")),
        regulation=str(raw.get("regulation") or "none"),
        legal_basis=str(raw.get("legal_basis") or ""),
        path=str(raw.get("path") or ""),
        authority=raw.get("authority"),
        names=MappingProxyType(
            {lang: _strs(names.get(lang)) for lang in (*LANGUAGES, *names) if names.get(lang)}
        ),
        note_de=raw.get("note_de"),
        sources=_strs(raw.get("sources")),
        verified_on=_date(raw.get("verified_on")),
    )


def _authority(raw: dict[str, Any] | None) -> Authority | None:
    if raw is None:
        return None
    known = {*_AUTHORITY_FIELDS, "sources", "verified_on"}
    return Authority(
        **{key: (None if raw.get(key) is None else str(raw[key])) for key in _AUTHORITY_FIELDS},
        sources=_strs(raw.get("sources")),
        verified_on=_date(raw.get("verified_on")),
        extra=MappingProxyType({k: v for k, v in raw.items() if k not in known}),
    )


def _group(group_id: str, raw: dict[str, Any]) -> AuthorityGroup:
    return AuthorityGroup(
        id=group_id,
        label_de=str(raw.get("label_de") or group_id),
        by_land=MappingProxyType(
            {land: _authority(value) for land, value in (raw.get("by_land") or {}).items()}
        ),
        labels=MappingProxyType(
            {k[len("label_") :]: str(v) for k, v in raw.items() if k.startswith("label_")}
        ),
        note=raw.get("note"),
        sources=_strs(raw.get("sources")),
    )


def _competence_rule(raw: dict[str, Any] | None) -> CompetenceRule | None:
    if not raw:
        return None
    texts = {k[len("text_") :]: str(v) for k, v in raw.items() if k.startswith("text_")}
    return CompetenceRule(
        text_de=texts.get("de", ""),
        texts=MappingProxyType(texts),
        sources=_strs(raw.get("sources")),
        verified_on=_date(raw.get("verified_on")),
    )


def _postcode(raw: dict[str, Any]) -> str | None:
    return None if raw.get("postcode") is None else str(raw["postcode"]).zfill(5)


def _centres(raws: list[dict[str, Any]]) -> tuple[Centre, ...]:
    points = geo.geocode_centres([(_postcode(raw), raw.get("city")) for raw in raws])
    return tuple(_centre(raw, lat, lon) for raw, (lat, lon) in zip(raws, points, strict=True))


def _centre(raw: dict[str, Any], lat: float | None, lon: float | None) -> Centre:
    postcode = _postcode(raw)
    text = {k: (None if raw.get(k) is None else str(raw[k])) for k in
            ("operator", "address", "city", "phone", "email", "url", "note")}  # fmt: skip
    return Centre(
        id=str(raw["id"]),
        kind=str(raw["kind"]),
        land=str(raw["land"]),
        name=str(raw["name"]),
        postcode=postcode,
        languages=_strs(raw.get("languages")),
        sources=_strs(raw.get("sources")),
        verified_on=_date(raw.get("verified_on")),
        verified=bool(raw.get("verified", False)),
        lat=lat,
        lon=lon,
        **text,
    )


def _finder(kind: str, raw: dict[str, Any]) -> Finder:
    known = {"url", "sources", "verified_on"}
    return Finder(
        kind=kind,
        url=str(raw.get("url") or ""),
        sources=_strs(raw.get("sources")),
        verified_on=_date(raw.get("verified_on")),
        extra=MappingProxyType({k: v for k, v in raw.items() if k not in known}),
    )


def _umbrella_terms(
    raws: list[dict[str, Any]], occupations: Mapping[str, Occupation]
) -> Mapping[str, tuple[str, ...]]:
    terms: dict[str, tuple[str, ...]] = {}
    for raw in raws:
        ids = tuple(raw.get("occupations") or [])
        unknown = [i for i in ids if i not in occupations]
        if unknown:
            raise ValueError(f"{OCCUPATIONS_FILE}: umbrella term for unknown occupations {unknown}")
        for names in (raw.get("terms") or {}).values():
            for name in names:
                terms[normalize(str(name))] = ids
    return MappingProxyType(terms)


def build_knowledge(directory: Path) -> KnowledgeBase:
    """Read and convert the three files in ``directory`` (uncached; see :func:`load_knowledge`)."""
    occupations_raw = _read(directory / OCCUPATIONS_FILE)
    authorities_raw = _read(directory / AUTHORITIES_FILE)
    centres_raw = _read(directory / CENTRES_FILE)
    occupations: dict[str, Occupation] = {}
    for raw in occupations_raw.get("occupations") or []:
        occupation = _occupation(raw)
        if occupation.id in occupations:
            raise ValueError(f"{OCCUPATIONS_FILE}: duplicate occupation id {occupation.id!r}")
        occupations[occupation.id] = occupation
    bodies = {key: _authority(raw) for key, raw in (authorities_raw.get("bodies") or {}).items()}
    return KnowledgeBase(
        occupations=MappingProxyType(occupations),
        bodies=MappingProxyType({k: v for k, v in bodies.items() if v is not None}),
        groups=MappingProxyType(
            {k: _group(k, raw) for k, raw in (authorities_raw.get("groups") or {}).items()}
        ),
        centres=_centres(centres_raw.get("centres") or []),
        competence_rule=_competence_rule(authorities_raw.get("competence_rule")),
        finders=MappingProxyType(
            {k: _finder(k, raw) for k, raw in (centres_raw.get("finders") or {}).items()}
        ),
        path=directory,
        umbrella_terms=_umbrella_terms(occupations_raw.get("umbrella_terms") or [], occupations),
    )


@lru_cache(maxsize=4)
def _load_cached(directory: Path) -> KnowledgeBase:
    return build_knowledge(directory)


def load_knowledge(path: Path | None = None) -> KnowledgeBase:
    """The knowledge base in ``path`` (default: the project's ``knowledge/``), loaded once.

    Args:
        path: A directory holding reference_occupations.yaml, authorities.yaml and centres.yaml.
    """
    return _load_cached((path or KNOWLEDGE_DIR).resolve())
