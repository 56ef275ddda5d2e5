"""Take-over end to end: real Rasa, action server and web app (tests/e2e/conftest.py).

A person hands off with consent on the web; a counsellor logs in, takes over; the person's next
message gets no bot answer but is in the transcript; the counsellor's reply reaches the widget
through /api/chat/updates; after hand-back the bot answers again. A "/delete" while paused
still reaches the bot and ends the take-over. (Telegram delivery: tests/workspace/.)
"""

from __future__ import annotations

import re
import time

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from lotse.config import Settings
from lotse.store.db import get_engine
from lotse.store.handoffs import Handoff, handoffs_of
from lotse.workspace import auth
from tests.e2e.conversations import play, scenarios

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "berater@iq.example.org", "e2e-geheim-12345"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def chat(url: str, session_id: str, text: str) -> dict:
    response = httpx.post(
        f"{url}/api/chat", json={"session_id": session_id, "text": text}, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def counsellor_client(url: str, settings: Settings, centre_id: str) -> tuple[httpx.Client, str]:
    """A logged-in counsellor of `centre_id` and the session's CSRF token."""
    factory = sessionmaker(bind=get_engine(settings.database_url), future=True)
    with factory() as session:
        if session.scalars(select(auth.User).where(auth.User.email == EMAIL)).first() is None:
            auth.create_user(session, EMAIL, "Anna Berg", PASSWORD, centres=[centre_id])
            session.commit()
    client = httpx.Client(base_url=url, timeout=60)
    token = CSRF.search(client.get("/workspace/login").text).group(1)
    response = client.post(
        "/workspace/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    for _ in range(20):  # the login is committed as the redirect goes out
        token = re.search(
            r'<meta name="csrf-token" content="([^"]+)">', client.get("/workspace/").text
        )
        if token:
            return client, token.group(1)
        time.sleep(0.25)
    raise AssertionError("the counsellor could not log in")


def case_row(settings: Settings, ref: str) -> Handoff:
    factory = sessionmaker(bind=get_engine(settings.database_url), future=True)
    with factory() as session:
        return session.scalars(select(Handoff).where(Handoff.ref == ref)).one()


def test_take_over_reply_hand_back_and_delete_while_paused(lotse: str, settings: Settings) -> None:
    turns = scenarios()["de"]["handoff_consent"]["turns"]
    played = play(lotse, "de", "handoff_consent", turns, prefix="takeover")
    sender = f"web-{played.session_id}"
    [case] = handoffs_of(sender, url=settings.database_url)
    client, csrf = counsellor_client(lotse, settings, case.centre_id)
    base = f"/workspace/cases/{case.ref}"

    response = client.post(f"{base}/takeover", data={"csrf_token": csrf})
    assert response.status_code == 303, response.text
    assert case_row(settings, case.ref).taken_over_by is not None

    question = "Wann meldet sich die Beratungsstelle bei mir?"
    assert chat(lotse, played.session_id, question)["messages"] == []
    page = client.get(base)
    assert page.status_code == 200 and question in page.text

    reply = "Guten Tag, hier ist Anna von der Beratungsstelle. Haben Sie Ihr Diplom zur Hand?"
    response = client.post(f"{base}/reply", data={"csrf_token": csrf, "text": reply})
    assert response.status_code == 303, response.text
    updates = httpx.get(
        f"{lotse}/api/chat/updates", params={"session_id": played.session_id, "after": 0}
    ).json()
    assert [m["kind"] for m in updates["messages"]] == ["takeover", "counsellor"]
    assert updates["messages"][1]["text"] == reply and updates["counsellor"] is True

    response = client.post(f"{base}/handback", data={"csrf_token": csrf})
    assert response.status_code == 303
    answer = chat(lotse, played.session_id, "Was kostet die Anerkennung?")
    assert answer["messages"], "the bot answers again after hand-back"
    last = updates["messages"][-1]["id"]
    back = httpx.get(
        f"{lotse}/api/chat/updates", params={"session_id": played.session_id, "after": last}
    ).json()
    assert [m["kind"] for m in back["messages"]] == ["handback"] and back["counsellor"] is False

    # Paused again: "/delete" still reaches the bot (it asks to confirm) and ends the take-over.
    assert client.post(f"{base}/takeover", data={"csrf_token": csrf}).status_code == 303
    assert chat(lotse, played.session_id, "/delete")["messages"]
    assert case_row(settings, case.ref).taken_over_by is None
