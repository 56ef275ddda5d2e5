"""Deletion and retention against Lotse's real Rasa channel (bot/channels.py on 127.0.0.1):
the tracker events of the conversation are gone afterwards, other conversations stay."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from rasa.shared.core.events import BotUttered, UserUttered

from lotse.store.db import utcnow
from lotse.store.handoffs import Handoff
from lotse.web.rasa_client import RasaClient
from lotse.workspace.retention import run_retention
from tests.workspace.conftest import CENTRE_A
from tests.workspace.rasa_channel import RasaChannel, running_channel
from tests.workspace.records_fakes import NOTHING_LEFT, add_case_work, rows_of

DAY = 86400


@pytest.fixture(scope="module")
def channel() -> Iterator[RasaChannel]:
    with running_channel() as running:
        yield running


@pytest.fixture
def rasa(channel: RasaChannel) -> RasaClient:
    """The real client, talking to the real channel (the app gets it instead of the fake)."""
    return RasaClient(channel.url, channel.url, channel.token, 10.0)


def _conversation(channel: RasaChannel, sender_id: str, days_ago: float = 0) -> None:
    at = time.time() - days_ago * DAY
    channel.add_conversation(
        sender_id,
        [
            UserUttered("Ich bin Ärztin aus Syrien", timestamp=at),
            BotUttered("Ihr Referenzberuf: Ärztin/Arzt", timestamp=at + 1),
        ],
    )


def _events(channel: RasaChannel, sender_id: str) -> int:
    tracker = channel.tracker(sender_id)
    return 0 if tracker is None else len(tracker.events)


def test_deleting_a_case_erases_its_tracker_events(
    channel, client, make_user, login, make_case, db
) -> None:
    _conversation(channel, "web-delete-me")
    _conversation(channel, "web-keep-me")
    case = make_case(sender_id="web-delete-me")
    make_case(sender_id="web-delete-me", kind="fair-integration")
    kept = make_case(sender_id="web-keep-me")
    session = db()
    add_case_work(session, session.get(Handoff, case.id))
    assert _events(channel, "web-delete-me") >= 2
    make_user("a@example.org", centres=[CENTRE_A])
    login(client, "a@example.org")

    response = client.submit(f"/workspace/cases/{case.ref}/delete", {"confirm": case.ref})

    assert response.status_code == 303
    assert _events(channel, "web-delete-me") == 0
    assert rows_of(db(), case) == NOTHING_LEFT
    assert _events(channel, "web-keep-me") >= 2
    assert rows_of(db(), kept)["handoffs"] == 1


async def test_retention_against_the_real_channel(channel, make_case, db, settings) -> None:
    now = utcnow()
    _conversation(channel, "web-closed-long-ago", days_ago=200)
    _conversation(channel, "web-idle-no-handoff", days_ago=45)
    _conversation(channel, "web-idle-open-case", days_ago=45)
    _conversation(channel, "web-fresh-no-handoff", days_ago=2)
    old = make_case(
        sender_id="web-closed-long-ago", status="closed", closed_at=now - timedelta(days=181)
    )
    make_case(sender_id="web-idle-open-case", status="waiting")
    client = RasaClient(channel.url, channel.url, channel.token, 10.0)
    try:
        report = await run_retention(db(), client, settings)
    finally:
        await client.aclose()

    assert report.deleted_refs == [old.ref]
    assert report.expired_conversations == 1
    assert _events(channel, "web-closed-long-ago") == 0
    assert _events(channel, "web-idle-no-handoff") == 0
    assert _events(channel, "web-idle-open-case") >= 2
    assert _events(channel, "web-fresh-no-handoff") >= 2
    assert rows_of(db(), old)["handoffs"] == 0
