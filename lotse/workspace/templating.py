"""Jinja2 rendering of workspace pages: autoescaped templates, German filters, strict headers.

`render(request, name, context)` adds `user` (the logged-in user, if any) and `csrf_token` to the
context; every form of a page puts `csrf_token` into a hidden field, scripts read it from
`<meta name="csrf-token">`. Nothing the person typed may be marked `|safe`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from lotse.store.db import as_utc, utcnow
from lotse.workspace import labels

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_URL = "/workspace/static"

try:
    LOCAL_ZONE: timezone | ZoneInfo = ZoneInfo("Europe/Berlin")
except ZoneInfoNotFoundError:  # a system without tz data: show UTC
    LOCAL_ZONE = timezone.utc


def age(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in short German: "gerade eben", "vor 5 Min.", "vor 3 Std.", "vor 2 Tagen"."""
    if moment is None:
        return "–"
    seconds = ((now or utcnow()) - as_utc(moment)).total_seconds()
    if seconds < 60:
        return "gerade eben"
    if seconds < 3600:
        return f"vor {int(seconds // 60)} Min."
    if seconds < 86400:
        return f"vor {int(seconds // 3600)} Std."
    days = int(seconds // 86400)
    return "vor 1 Tag" if days == 1 else f"vor {days} Tagen"


def local_time(moment: datetime | str | None) -> str:
    """A time as "21.11.2026, 14:05" in German local time ("–" if missing or unreadable)."""
    if moment is None or moment == "":
        return "–"
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return "–"
    return as_utc(moment).astimezone(LOCAL_ZONE).strftime("%d.%m.%Y, %H:%M")


def iso(moment: datetime | None) -> str:
    """A time as ISO 8601 in UTC (for <time datetime=...>)."""
    return as_utc(moment).isoformat() if moment else ""


#: Short confirmations after a redirect (`?ok=<key>`); only these fixed texts are ever shown.
NOTICES: dict[str, str] = {
    "saved": "Gespeichert.",
    "note-added": "Notiz gespeichert.",
    "note-changed": "Notiz geändert.",
    "note-deleted": "Notiz gelöscht.",
    "status": "Status geändert.",
    "assigned": "Zuständigkeit geändert.",
    "tagged": "Schlagwort hinzugefügt.",
    "untagged": "Schlagwort entfernt.",
    "reviewed": "Als gesichtet markiert.",
    "unreviewed": "Markierung „gesichtet“ entfernt.",
    "password": "Passwort geändert.",
    "user-created": "Konto angelegt.",
    "user-changed": "Konto geändert.",
    "centre-saved": "Benachrichtigung gespeichert.",
    "logged-out": "Sie sind abgemeldet.",
    "deleted": "Fall gelöscht.",
    "taken-over": "Gespräch übernommen: Lotse pausiert, die Person wurde informiert.",
    "reply-sent": "Nachricht an die Person gesendet.",
    "handed-back": "An Lotse zurückgegeben: Lotse antwortet wieder, die Person wurde informiert.",
}


def notice_text(key: str | None) -> str:
    """The confirmation text for `?ok=<key>` ("" for none or an unknown key)."""
    return NOTICES.get(key or "", "")


def percent(score: float | None) -> str:
    """A match score 0..1 (or 0..100) as "87 %"."""
    if score is None:
        return "–"
    value = score * 100 if score <= 1 else score
    return f"{value:.0f} %"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(age=age, local_time=local_time, iso=iso, percent=percent)
    env.globals.update(
        static=STATIC_URL,
        notice_text=notice_text,
        status_labels=labels.STATUS_LABELS,
        channel_labels=labels.CHANNEL_LABELS,
        kind_labels=labels.KIND_LABELS,
        language_labels=labels.LANGUAGE_LABELS,
        land_labels=labels.LAND_LABELS,
        contact_labels=labels.CONTACT_LABELS,
        role_labels=labels.ROLE_LABELS,
        regulated_labels=labels.REGULATED_LABELS,
        label=labels.label,
    )
    return env


templates = Jinja2Templates(env=_environment())


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render the template `name` with `user` and `csrf_token` added to `context`."""
    full_context = {
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, full_context, status_code=status_code)
