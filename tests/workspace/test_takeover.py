"""Take-over through the workspace against Lotse's real Rasa channel (rasa_channel.py).

The web app runs with its lifespan and the real `RasaClient`; Rasa's channel keeps the
conversation in a real tracker store, so pausing, the counsellor's messages and the notices are
asserted in the tracker, in the database and in what the widget fetches (GET /api/chat/updates).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from rasa.shared.core.events import BotUttered, UserUttered
from sqlalchemy import select

from lotse.config import Settings
from lotse.store.handoffs import Handoff
from lotse.store.workspace import AuditEntry, OutboundMessage
from lotse.web.main import create_app
from lotse.workspace import person_texts
from lotse.workspace.takeover import CONVERSATION_GONE, RASA_DOWN, note_resumed_by_person
from tests.workspace.conftest import CENTRE_A, CENTRE_B, WorkspaceClient
from tests.workspace.rasa_channel import RasaChannel, running_channel

COUNSELLOR = "anna@iq.example.org"


@pytest.fixture(scope="module")
def channel() -> Iterator[RasaChannel]:
    with running_channel() as running:
        yield running


@pytest.fixture
def settings(settings: Settings, channel: RasaChannel) -> Settings:
    """The workspace test settings, talking to the real channel."""
    return settings.copy(update={"rasa_url": channel.url, "channel_token": channel.token})


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def counsellor(
    app: FastAPI, make_user: Callable[..., Any], login: Callable[..., WorkspaceClient]
) -> Iterator[WorkspaceClient]:
    """Anna of centre A, logged in, the app running with its lifespan (real Rasa client)."""
    make_user(COUNSELLOR, centres=[CENTRE_A], name="Anna Berg")
    with WorkspaceClient(app, base_url="http://testserver") as client:
        yield login(client, COUNSELLOR)


@pytest.fixture
def web_case(make_case: Callable[..., Handoff], channel: RasaChannel) -> Handoff:
    """A Russian web conversation with a hand-off to centre A."""
    case = make_case(language="ru")
    channel.add_conversation(
        case.sender_id,
        [UserUttered("Я медсестра из Харькова"), BotUttered("Ваша профессия в Германии: …")],
    )
    return case


def updates(client: WorkspaceClient, case: Handoff, after: int = 0) -> dict:
    session_id = case.sender_id.removeprefix("web-")
    response = client.get("/api/chat/updates", params={"session_id": session_id, "after": after})
    assert response.status_code == 200, response.text
    return response.json()


def test_take_over_reply_and_hand_back_on_the_web(
    counsellor: WorkspaceClient, web_case: Handoff, channel: RasaChannel, db: Callable
) -> None:
    response = counsellor.submit(f"/workspace/cases/{web_case.ref}/takeover")
    assert response.status_code == 303
    assert response.headers["location"] == f"/workspace/cases/{web_case.ref}?ok=taken-over#reply"
    assert channel.tracker(web_case.sender_id).is_paused()
    first = updates(counsellor, web_case)
    notice = person_texts.takeover_notice("ru", CENTRE_A)
    assert "консультант" in notice and person_texts.centre_name(CENTRE_A) in notice
    assert [(m["kind"], m["text"]) for m in first["messages"]] == [("takeover", notice)]
    assert first["counsellor"] is True

    text = "Здравствуйте! Пришлите, пожалуйста, ваш диплом. <b>не HTML</b>"
    response = counsellor.submit(f"/workspace/cases/{web_case.ref}/reply", {"text": text})
    assert response.status_code == 303
    assert response.headers["location"].endswith("?ok=reply-sent#reply")
    second = updates(counsellor, web_case, after=first["messages"][-1]["id"])
    assert [(m["kind"], m["text"]) for m in second["messages"]] == [("counsellor", text)]

    response = counsellor.submit(f"/workspace/cases/{web_case.ref}/handback")
    assert response.status_code == 303
    assert not channel.tracker(web_case.sender_id).is_paused()
    third = updates(counsellor, web_case, after=second["messages"][-1]["id"])
    assert [m["kind"] for m in third["messages"]] == ["handback"]
    assert third["messages"][0]["text"] == person_texts.handback_notice("ru")
    assert third["counsellor"] is False

    # The tracker holds everything, in order, the counsellor by name.
    events = [
        (e.type_name, getattr(e, "text", None), (getattr(e, "metadata", None) or {}))
        for e in channel.tracker(web_case.sender_id).events
    ]
    said = [(kind, text, meta) for kind, text, meta in events if kind in ("bot", "pause", "resume")]
    assert [kind for kind, _, _ in said] == ["bot", "pause", "bot", "bot", "resume", "bot"]
    assert said[2][2] == {"notice": "takeover"}
    assert said[3][1:] == (text, {"counsellor": "Anna Berg"})
    assert said[5][2] == {"notice": "handback"}

    session = db()
    case = session.scalars(select(Handoff).where(Handoff.ref == web_case.ref)).one()
    assert case.taken_over_by is None and case.status == "in_progress"
    rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [row.kind for row in rows] == ["takeover", "counsellor", "handback"]
    assert all(row.delivered_at is not None for row in rows)  # fetched by the widget
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.case_ref == case.ref))
    assert {"takeover", "reply", "handback"} <= set(actions)


def test_live_transcript_shows_the_counsellor_and_the_pause(
    counsellor: WorkspaceClient, web_case: Handoff
) -> None:
    counsellor.submit(f"/workspace/cases/{web_case.ref}/reply", {"text": "Guten Tag!"})
    page = counsellor.get(f"/workspace/cases/{web_case.ref}")
    assert page.status_code == 200
    assert "Guten Tag!" in page.text and "Я медсестра из Харькова" in page.text


def test_updates_only_for_that_session_and_validated(
    counsellor: WorkspaceClient, web_case: Handoff, make_case: Callable, channel: RasaChannel
) -> None:
    other = make_case(language="de")
    channel.add_conversation(other.sender_id, [UserUttered("Hallo")])
    counsellor.submit(f"/workspace/cases/{other.ref}/reply", {"text": "Nur für die andere Person"})
    assert updates(counsellor, web_case) == {"messages": [], "counsellor": False}
    assert len(updates(counsellor, other)["messages"]) == 2
    for params in (
        {"session_id": "a b"},
        {"session_id": "x" * 129},
        {"session_id": "a", "after": -1},
        {"session_id": "a", "after": "x"},
        {},
    ):
        response = counsellor.get("/api/chat/updates", params=params)
        assert response.status_code == 422, params
        assert isinstance(response.json()["detail"], list)


def test_a_deleted_case_serves_no_more_messages(
    counsellor: WorkspaceClient, web_case: Handoff, db: Callable
) -> None:
    counsellor.submit(f"/workspace/cases/{web_case.ref}/reply", {"text": "Hallo"})
    session = db()
    session.delete(session.scalars(select(Handoff).where(Handoff.ref == web_case.ref)).one())
    session.commit()
    assert updates(counsellor, web_case)["messages"] == []


def test_rasa_unreachable_changes_nothing_and_says_so(
    app: FastAPI, counsellor: WorkspaceClient, web_case: Handoff, db: Callable
) -> None:
    from lotse.web.rasa_client import RasaClient

    app.state.rasa_client = RasaClient("http://127.0.0.1:9", "http://127.0.0.1:9", "x", 2.0)
    response = counsellor.submit(
        f"/workspace/cases/{web_case.ref}/reply", {"text": "Bitte <Diplom>"}
    )
    assert response.status_code == 503
    assert RASA_DOWN in response.text
    assert "Bitte &lt;Diplom&gt;</textarea>" in response.text  # the text is kept, escaped
    session = db()
    assert session.scalars(select(OutboundMessage)).all() == []
    assert session.scalars(select(Handoff.taken_over_by)).one() is None


def test_erased_conversation(counsellor: WorkspaceClient, make_case: Callable) -> None:
    case = make_case()  # no conversation in Rasa (erased)
    response = counsellor.submit(f"/workspace/cases/{case.ref}/takeover")
    assert response.status_code == 503 and CONVERSATION_GONE in response.text


def test_permissions_and_csrf(
    counsellor: WorkspaceClient, make_case: Callable, channel: RasaChannel
) -> None:
    foreign = make_case(centre_id=CENTRE_B)
    channel.add_conversation(foreign.sender_id, [UserUttered("Hallo")])
    for action in ("takeover", "reply", "handback"):
        url = f"/workspace/cases/{foreign.ref}/{action}"
        assert counsellor.submit(url, {"text": "x"}).status_code == 404
        missing_csrf = counsellor.post(url, data={"text": "x"}, follow_redirects=False)
        assert missing_csrf.status_code == 403
    assert not channel.tracker(foreign.sender_id).is_paused()


def test_empty_reply_is_refused(counsellor: WorkspaceClient, web_case: Handoff) -> None:
    response = counsellor.submit(f"/workspace/cases/{web_case.ref}/reply", {"text": "   "})
    assert response.status_code == 503 and "Bitte schreiben Sie eine Nachricht." in response.text


def test_deletion_request_ends_the_take_over(
    make_case: Callable, make_user: Callable, db: Callable
) -> None:
    counsellor = make_user("berater@example.org", centres=[])
    case = make_case(taken_over_by=None)
    session = db()
    stored = session.scalars(select(Handoff).where(Handoff.ref == case.ref)).one()
    stored.taken_over_by = counsellor.id
    session.commit()
    assert note_resumed_by_person(session, case.sender_id) == 1
    session.commit()
    session.expire_all()
    assert session.scalars(select(Handoff.taken_over_by)).one() is None
    assert note_resumed_by_person(session, case.sender_id) == 0


def test_transcript_names_and_scores_the_matched_occupations(channel: RasaChannel) -> None:
    import asyncio

    from rasa.shared.core.events import SlotSet

    from lotse.web.rasa_client import RasaClient

    channel.add_conversation(
        "web-candidates",
        [
            UserUttered("Ich bin Ärztin"),
            SlotSet("language", "de"),
            SlotSet("occupation_candidates", ["arzt"]),
            BotUttered("Welcher Beruf?"),
        ],
    )

    async def fetch() -> list | None:
        client = RasaClient(channel.url, channel.url, channel.token)
        try:
            return await client.transcript("web-candidates")
        finally:
            await client.aclose()

    entries = asyncio.run(fetch())
    assert entries[0]["candidates"] == [{"id": "arzt", "score": 100.0, "name": "Ärztin / Arzt"}]
    assert entries[0]["language"] == "de"
