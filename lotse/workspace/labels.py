"""German labels of the workspace UI: states, channels, kinds, languages, Länder."""

from __future__ import annotations

from lotse.knowledge.models import LAND_NAMES_DE
from lotse.store.workspace import CaseStatus

STATUS_LABELS: dict[str, str] = {
    CaseStatus.NEW.value: "Neu",
    CaseStatus.IN_PROGRESS.value: "In Bearbeitung",
    CaseStatus.WAITING.value: "Wartet auf Person",
    CaseStatus.CLOSED.value: "Abgeschlossen",
}
CHANNEL_LABELS: dict[str, str] = {"web": "Web-Chat", "telegram": "Telegram"}
KIND_LABELS: dict[str, str] = {
    "recognition": "Anerkennung",
    "fair-integration": "Faire Integration",
}
LANGUAGE_LABELS: dict[str, str] = {
    "de": "Deutsch",
    "en": "Englisch",
    "ar": "Arabisch",
    "ru": "Russisch",
    "pl": "Polnisch",
}
CONTACT_LABELS: dict[str, str] = {
    "email": "E-Mail",
    "phone": "Telefon",
    "chat": "Dieser Chat",
    "telegram": "Telegram",
}
ROLE_LABELS: dict[str, str] = {
    "person": "Person",
    "bot": "Lotse",
    "counsellor": "Beratung",
    "event": "Ereignis",
}
REGULATED_LABELS: dict[str, str] = {"yes": "reglementiert", "no": "nicht reglementiert"}
LAND_LABELS: dict[str, str] = dict(LAND_NAMES_DE)


def label(labels: dict[str, str], value: str | None) -> str:
    """The label of `value`, the value itself if unknown, "–" if empty."""
    if not value:
        return "–"
    return labels.get(value, value)
