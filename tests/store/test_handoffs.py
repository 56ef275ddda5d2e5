"""Hand-off records in the app database (a real SQLite file)."""

from datetime import datetime, timezone

import pytest

from lotse.store.handoffs import (
    CaseSheet,
    create_handoff,
    delete_conversation,
    delete_handoff,
    handoffs_of,
)


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/lotse.db"


def sheet(sender: str = "web-a") -> CaseSheet:
    return CaseSheet(
        sender_id=sender,
        channel="web",
        kind="recognition",
        language="ru",
        occupation_text="я врач из Харькова",
        country="UA",
        occupation_id="arzt",
        occupation_score=100.0,
        regulated=True,
        land="BY",
        authority="Regierung von Oberbayern",
        centre_id="by_iq_muenchen",
        contact_channel="email",
        contact_value="olena@example.org",
        consent_at=datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc),
    )


def test_a_handoff_keeps_the_case_sheet_and_the_transcript(url: str) -> None:
    transcript = [{"role": "person", "text": "я врач из Харькова", "at": 1.0, "intent": "inform"}]
    ref = create_handoff(sheet(), transcript, url=url)
    assert ref.startswith("LT-") and len(ref) == 9
    [stored] = handoffs_of("web-a", url=url)
    assert (stored.ref, stored.occupation_id, stored.regulated, stored.land) == (
        ref,
        "arzt",
        "yes",
        "BY",
    )
    assert stored.contact_value == "olena@example.org"
    assert "я врач из Харькова" in stored.transcript


def test_cancel_deletes_only_that_senders_handoff(url: str) -> None:
    ref = create_handoff(sheet("web-a"), [], url=url)
    other = create_handoff(sheet("web-b"), [], url=url)
    assert delete_handoff(ref, "web-b", url=url) is False  # not theirs
    assert delete_handoff(ref, "web-a", url=url) is True
    assert handoffs_of("web-a", url=url) == []
    assert [h.ref for h in handoffs_of("web-b", url=url)] == [other]


def test_deleting_a_conversation_removes_all_its_handoffs(url: str) -> None:
    create_handoff(sheet(), [], url=url)
    create_handoff(sheet(), [], url=url)
    assert delete_conversation("web-a", url=url) == 2
    assert handoffs_of("web-a", url=url) == []


def test_deleting_a_conversation_removes_the_case_work_too(url: str) -> None:
    """The person's /delete also removes notes, tags and messages of their cases."""
    from sqlalchemy import func, select

    from lotse.store.db import session_scope, utcnow
    from lotse.store.handoffs import Handoff
    from lotse.store.workspace import CaseNote, CaseTag, OutboundMessage

    ref = create_handoff(sheet(), [], url=url)
    with session_scope(url) as session:
        case = session.scalars(select(Handoff).where(Handoff.ref == ref)).one()
        session.add_all(
            [
                CaseNote(handoff_id=case.id, text="called", created_at=utcnow()),
                CaseTag(handoff_id=case.id, tag="Pflege"),
                OutboundMessage(
                    handoff_id=case.id,
                    sender_id="web-a",
                    kind="counsellor",
                    text="Hallo",
                    created_at=utcnow(),
                ),
            ]
        )
    delete_conversation("web-a", url=url)
    with session_scope(url) as session:
        for table in (CaseNote, CaseTag, OutboundMessage):
            assert session.scalar(select(func.count()).select_from(table)) == 0
