"""Frozen records of the knowledge base and the constants that describe Germany's Länder."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: Land codes (ISO 3166-2:DE without "DE-"), in the order the knowledge files use.
LANDS: tuple[str, ...] = (
    "BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV",
    "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH",
)  # fmt: skip

#: German name of each Land, as shown to users.
LAND_NAMES_DE: Mapping[str, str] = {
    "BW": "Baden-Württemberg",
    "BY": "Bayern",
    "BE": "Berlin",
    "BB": "Brandenburg",
    "HB": "Bremen",
    "HH": "Hamburg",
    "HE": "Hessen",
    "MV": "Mecklenburg-Vorpommern",
    "NI": "Niedersachsen",
    "NW": "Nordrhein-Westfalen",
    "RP": "Rheinland-Pfalz",
    "SL": "Saarland",
    "SN": "Sachsen",
    "ST": "Sachsen-Anhalt",
    "SH": "Schleswig-Holstein",
    "TH": "Thüringen",
}

#: Names people type for each Land in the five languages (plus common short forms), for parsing.
LAND_ALIASES: Mapping[str, tuple[str, ...]] = {
    "BW": ("Baden-Württemberg", "Baden-Wurttemberg", "Badenia-Wirtembergia", "Баден-Вюртемберг",
           "بادن-فورتمبيرغ", "بادن فورتمبيرغ", "BaWü", "Baden Wuerttemberg"),
    "BY": ("Bayern", "Bavaria", "Bawaria", "Бавария", "بافاريا", "بايرن", "Freistaat Bayern"),
    "BE": ("Berlin", "Berlín", "Берлин", "برلين"),
    "BB": ("Brandenburg", "Brandenburgia", "Бранденбург", "براندنبورغ", "براندنبورج"),
    "HB": ("Bremen", "Brema", "Бремен", "بريمن", "Freie Hansestadt Bremen"),
    "HH": ("Hamburg", "Hamburgo", "Гамбург", "هامبورغ", "هامبورج"),
    "HE": ("Hessen", "Hesse", "Hesja", "Гессен", "هسن", "هيسن"),
    "MV": ("Mecklenburg-Vorpommern", "Mecklenburg-Western Pomerania",
           "Meklemburgia-Pomorze Przednie", "Мекленбург-Передняя Померания",
           "مكلنبورغ فوربومرن", "مكلنبورغ-فوربومرن", "Meck-Pomm"),
    "NI": ("Niedersachsen", "Lower Saxony", "Dolna Saksonia", "Нижняя Саксония", "ساكسونيا السفلى"),
    "NW": ("Nordrhein-Westfalen", "North Rhine-Westphalia", "Nadrenia Północna-Westfalia",
           "Северный Рейн-Вестфалия", "شمال الراين وستفاليا", "شمال الراين-وستفاليا", "NRW"),
    "RP": ("Rheinland-Pfalz", "Rhineland-Palatinate", "Nadrenia-Palatynat", "Рейнланд-Пфальц",
           "راينلاند بفالتس", "راينلاند-بفالتس"),
    "SL": ("Saarland", "Kraj Saary", "Saara", "Саар", "Саарланд", "زارلاند", "سارلاند"),
    "SN": ("Sachsen", "Saxony", "Saksonia", "Саксония", "ساكسونيا", "Freistaat Sachsen"),
    "ST": ("Sachsen-Anhalt", "Saxony-Anhalt", "Saksonia-Anhalt", "Саксония-Анхальт",
           "ساكسونيا أنهالت", "ساكسونيا-أنهالت"),
    "SH": ("Schleswig-Holstein", "Szlezwik-Holsztyn", "Шлезвиг-Гольштейн", "شليسفيغ هولشتاين",
           "شليسفيغ-هولشتاين"),
    "TH": ("Thüringen", "Thuringia", "Turyngia", "Тюрингия", "تورينغن", "تورنغن", "Thueringen"),
}  # fmt: skip

#: Languages of the names in the knowledge base (same order as ``lotse.languages.SUPPORTED``).
LANGUAGES: tuple[str, ...] = ("de", "en", "ar", "ru", "pl")

#: Kinds of counselling centre.
CENTRE_KINDS: tuple[str, ...] = ("recognition", "fair-integration")


@dataclass(frozen=True)
class Occupation:
    """A reference occupation with its names in the five languages and its recognition route."""

    id: str
    title_de: str
    kldb: str | None
    regulated: bool
    regulation: str
    legal_basis: str
    path: str
    authority: str | None
    names: Mapping[str, tuple[str, ...]]
    note_de: str | None = None
    sources: tuple[str, ...] = ()
    verified_on: str | None = None

    def title(self, lang: str) -> str:
        """The title shown in ``lang`` (the first name of that language), else the German title."""
        names = self.names.get(lang)
        return names[0] if names else self.title_de


@dataclass(frozen=True)
class Authority:
    """An office that decides on recognition (a nationwide body or one Land's office)."""

    name: str
    department: str | None = None
    address: str | None = None
    url: str | None = None
    email: str | None = None
    phone: str | None = None
    sources: tuple[str, ...] = ()
    verified_on: str | None = None
    note: str | None = None
    extra: Mapping[str, object] = field(default_factory=dict)  # other keys of the file ("fees")

    def public(self) -> dict[str, str | None]:
        """The contact fields shown to users (the ``authority`` object of the JSON contract)."""
        return {
            "name": self.name,
            "address": self.address,
            "url": self.url,
            "email": self.email,
            "phone": self.phone,
        }


@dataclass(frozen=True)
class AuthorityGroup:
    """Competence that lies with the Länder: one authority per Land (``None`` = not verified)."""

    id: str
    label_de: str
    by_land: Mapping[str, Authority | None]
    labels: Mapping[str, str] = field(default_factory=dict)  # language → label (``label_en`` ...)
    note: str | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompetenceRule:
    """How the competent Land is chosen (place of intended work, else of residence ...)."""

    text_de: str
    texts: Mapping[str, str] = field(default_factory=dict)  # language → text (``text_en`` ...)
    sources: tuple[str, ...] = ()
    verified_on: str | None = None


@dataclass(frozen=True)
class Centre:
    """A counselling centre; ``lat``/``lon`` from its postcode, else its city (None if neither)."""

    id: str
    kind: str
    land: str
    name: str
    operator: str | None = None
    address: str | None = None
    postcode: str | None = None
    city: str | None = None
    languages: tuple[str, ...] = ()
    phone: str | None = None
    email: str | None = None
    url: str | None = None
    sources: tuple[str, ...] = ()
    verified_on: str | None = None
    verified: bool = False
    lat: float | None = None
    lon: float | None = None
    note: str | None = None

    def public(self) -> dict[str, object]:
        """All public fields, as written to JSON."""
        return {
            "id": self.id,
            "kind": self.kind,
            "land": self.land,
            "name": self.name,
            "operator": self.operator,
            "address": self.address,
            "postcode": self.postcode,
            "city": self.city,
            "languages": list(self.languages),
            "phone": self.phone,
            "email": self.email,
            "url": self.url,
            "sources": list(self.sources),
            "verified_on": self.verified_on,
            "verified": self.verified,
            "lat": self.lat,
            "lon": self.lon,
            "note": self.note,
        }


@dataclass(frozen=True)
class Finder:
    """An official search page shown when no verified contact is known."""

    kind: str
    url: str
    sources: tuple[str, ...] = ()
    verified_on: str | None = None
    extra: Mapping[str, object] = field(default_factory=dict)
