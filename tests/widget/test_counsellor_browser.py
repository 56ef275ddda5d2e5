"""The widget shows the counselling centre's messages (GET /api/chat/updates) in Chromium.

Own web app on a temporary database (the take-over rows are written there directly, as the
workspace would); Rasa is the scripted stand-in, answering nothing while "paused", as Rasa does
for a conversation a counsellor has taken over.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from lotse.config import Settings
from lotse.store.db import get_engine, utcnow
from lotse.store.handoffs import Handoff
from lotse.store.workspace import OutboundMessage, User
from lotse.web.deps import get_rasa_client
from lotse.web.main import create_app
from lotse.web.rasa_client import RasaReply
from lotse.workspace import person_texts
from tests.serving import free_port, served
from tests.widget.scripted_rasa import ScriptedRasa

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
expect = sync_api.expect

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CENTRE = "be_iq_club_dialog"
XSS = "<img src=x onerror=alert(1)> Bitte senden Sie Ihr Diplom."


class PausableRasa(ScriptedRasa):
    """The scripted Rasa; while `paused`, messages are recorded but not answered."""

    paused = False

    async def send(self, sender: str, text: str, metadata: dict) -> RasaReply:
        if self.paused:
            self.sent.append((sender, text, dict(metadata)))
            return RasaReply("de", [], paused=True)
        return await super().send(sender, text, metadata)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('widget-db')}/lotse.db"


@pytest.fixture(scope="module")
def pausable() -> PausableRasa:
    return PausableRasa()


@pytest.fixture(scope="module")
def app_url(database: str, pausable: PausableRasa, tmp_path_factory: Any) -> Iterator[str]:
    settings = Settings(
        _env_file=None,
        var_dir=Path(database.removeprefix("sqlite:///")).parent,
        database_url=database,
        rate_limit_ip_per_minute=0,
        rate_limit_session_per_minute=0,
    )
    app = create_app(settings)
    app.dependency_overrides[get_rasa_client] = lambda: pausable
    with served(app, free_port()) as url:
        yield url


def take_over(database: str, sender: str, messages: list[tuple[str, str]]) -> None:
    """What the workspace writes when a counsellor takes over and writes."""
    factory = sessionmaker(bind=get_engine(database), future=True)
    with factory() as session:
        now = utcnow()
        counsellor = User(
            email=f"berater-{sender}@example.org", name="Berater", password_hash="-",
            created_at=now,
        )  # fmt: skip
        session.add(counsellor)
        session.flush()
        case = Handoff(
            ref=f"LT-{int(time.time() * 1000) % 10**6:06d}", sender_id=sender, channel="web",
            kind="recognition", status="in_progress", language="de", centre_id=CENTRE,
            contact_channel="chat", consent_at=now, created_at=now, transcript="[]",
            taken_over_by=counsellor.id,
        )  # fmt: skip
        session.add(case)
        session.flush()
        for kind, text in messages:
            session.add(
                OutboundMessage(
                    handoff_id=case.id, sender_id=sender, kind=kind, text=text, created_at=now
                )
            )
        session.commit()


def test_counsellor_messages_and_where_the_persons_message_went(
    browser: Any, app_url: str, database: str, pausable: PausableRasa
) -> None:
    context = browser.new_context(locale="de-DE", base_url=app_url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/demo")
    root = page.locator("lotse-widget")
    root.locator(".launcher").click()
    root.locator(".accept").click()
    expect(root.locator(".msg.bot").first).to_be_visible()
    session_id = page.evaluate("() => localStorage.getItem('lotse.session')")

    notice = person_texts.takeover_notice("de", CENTRE)
    take_over(database, f"web-{session_id}", [("takeover", notice), ("counsellor", XSS)])
    expect(root.locator(".msg.notice")).to_contain_text("Lotse pausiert")
    counsellor = root.locator(".msg.counsellor")
    expect(counsellor).to_contain_text("Bitte senden Sie Ihr Diplom.")
    expect(counsellor.locator(".author")).to_have_text("Beraterin/Berater")
    assert XSS in counsellor.inner_text()  # shown as text, never as HTML
    assert root.locator(".msg.counsellor img").count() == 0

    pausable.paused = True
    field = root.locator("textarea")
    field.fill("Ja, ich habe es eingescannt.")
    field.press("Enter")
    expect(root.locator(".msg.note").last).to_have_text(
        "Ihre Nachricht ist bei der Beraterin / dem Berater angekommen."
    )
    # A reload does not show the same messages twice.
    page.reload()
    page.wait_for_timeout(4000)
    assert root.locator(".msg.counsellor").count() == 1
    stored = json.loads(page.evaluate("() => localStorage.getItem('lotse.updates')"))
    assert stored["sessionId"] == session_id and stored["after"] >= 2
    context.close()
    assert errors == [] and dialogs == []
