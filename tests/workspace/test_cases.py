"""The case view (sheet, transcript, forms) and the case work (state, assignment, tags, notes,
reviewed), all audited without personal data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lotse.store.db import utcnow
from lotse.store.handoffs import Handoff
from lotse.store.workspace import AuditEntry, CaseNote, CaseTag, OutboundMessage, User
from lotse.workspace import takeover
from tests.workspace.conftest import CENTRE_A, CENTRE_B

LIVE_TRANSCRIPT = [
    {
        "role": "person",
        "text": "Здравствуйте",
        "at": "2026-11-20T09:00:00+00:00",
        "language": "ru",
        "intent": "greet",
        "confidence": 0.98,
        "candidates": [],
    },
    {
        "role": "bot",
        "text": "Здравствуйте! Я Лотсе.",
        "at": "2026-11-20T09:00:01+00:00",
        "language": "ru",
        "buttons": [{"title": "Deutsch", "payload": "/change_language"}],
    },
    {
        "role": "person",
        "text": "я медсестра",
        "at": "2026-11-20T09:01:00+00:00",
        "language": "ru",
        "intent": "inform_occupation",
        "confidence": 0.91,
        "candidates": [
            {"id": "pflegefachkraft", "name": "Pflegefachfrau / Pflegefachmann", "score": 93.5},
            {"id": "altenpfleger", "name": "Altenpfleger/in", "score": 71.0},
        ],
    },
    {"role": "event", "text": "paused", "at": "2026-11-20T10:00:00+00:00", "language": "ru"},
    {
        "role": "counsellor",
        "text": "Guten Tag, hier ist Anna.",
        "author": "Anna Alt",
        "at": "2026-11-20T10:00:05+00:00",
        "language": "ru",
    },
]


@pytest.fixture
def anna(make_user, client, login):
    make_user("anna@example.org", centres=[CENTRE_A], name="Anna Alt")
    return login(client, "anna@example.org")


def stored(db, case):
    return db().scalars(select(Handoff).where(Handoff.id == case.id)).one()


def audit_log(db):
    return db().scalars(select(AuditEntry).order_by(AuditEntry.id)).all()


# ------------------------------------------------------------------ the view


def test_the_case_sheet(anna, make_case):
    case = make_case(
        country="UA",
        land="SN",
        contact_channel="email",
        contact_value="olena@example.org",
        occupation_score=0.87,
        authority="Landesdirektion Sachsen",
    )
    page = anna.get(f"/workspace/cases/{case.ref}").text
    for shown in (
        case.ref,
        "Pflegefachfrau / Pflegefachmann / Pflegefachperson",
        "87 %",
        "Krankenschwester",
        "UA",
        "Sachsen",
        "Landesdirektion Sachsen",
        "E-Mail",
        "olena@example.org",
        "Web-Chat",
        "reglementiert",
        "Club Dialog",
    ):
        assert shown in page, shown


def test_the_live_transcript_with_languages_intents_and_candidates(anna, make_case, rasa):
    case = make_case(language="ru")
    rasa.transcripts[case.sender_id] = [dict(turn) for turn in LIVE_TRANSCRIPT]
    page = anna.get(f"/workspace/cases/{case.ref}").text
    assert ("transcript", (case.sender_id,)) in rasa.calls
    assert "nicht erreichbar" not in page
    assert page.count('class="turn turn-person"') == 2
    assert page.count('class="turn turn-bot"') == 1
    assert page.count('class="turn turn-counsellor"') == 1
    assert '<p class="text" dir="auto" lang="ru">я медсестра</p>' in page
    assert "Sprache: Russisch" in page
    assert "Absicht: inform_occupation (91 %)" in page
    assert "Pflegefachfrau / Pflegefachmann – 94 %" in page
    assert "Altenpfleger/in – 71 %" in page
    assert "Lotse pausiert – die Beratung schreibt" in page
    assert "<strong>Anna Alt</strong>" in page
    assert '<span class="tag" dir="auto">Deutsch</span>' in page


def test_without_rasa_the_stored_transcript_and_sent_messages_are_shown(
    anna, make_case, rasa, db, settings
):
    case = make_case(transcript=[{"role": "person", "text": "Ich bin Ärztin", "language": "de"}])
    rasa.transcripts[case.sender_id] = None  # Rasa unreachable
    session = db()
    author = session.scalars(select(User)).one()
    session.add(
        OutboundMessage(
            handoff_id=case.id,
            sender_id=case.sender_id,
            kind="counsellor",
            text="Wir melden uns morgen.",
            author_id=author.id,
            created_at=utcnow(),
        )
    )
    session.commit()
    page = anna.get(f"/workspace/cases/{case.ref}").text
    assert "Der Chat-Server ist gerade nicht erreichbar" in page
    assert "Ich bin Ärztin" in page
    assert "Wir melden uns morgen." in page and "<strong>Anna Alt</strong>" in page


def test_a_failing_transcript_call_falls_back_too(anna, make_case, rasa):
    case = make_case()

    async def broken(sender_id):
        raise RuntimeError("boom")

    rasa.transcript = broken
    page = anna.get(f"/workspace/cases/{case.ref}")
    assert page.status_code == 200
    assert "Hallo, ich bin Krankenschwester" in page.text


def test_the_view_has_the_forms_of_take_over_and_records(anna, make_case):
    case = make_case()
    page = anna.get(f"/workspace/cases/{case.ref}").text
    base = f"/workspace/cases/{case.ref}"
    for action in ("status", "assign", "reviewed", "qualification", "tags", "notes", "takeover"):
        assert f'action="{base}/{action}"' in page, action
    for link in ("export.pdf", "export.csv", "delete"):
        assert f'href="{base}/{link}"' in page
    assert page.count('name="csrf_token"') >= 6
    assert f'value="{anna.csrf_token}"' in page


def test_the_reply_form_appears_for_the_counsellor_who_took_over(anna, make_case, db):
    me = db().scalars(select(User)).one()
    case = make_case(taken_over_by=me.id)
    page = anna.get(f"/workspace/cases/{case.ref}").text
    assert f'action="/workspace/cases/{case.ref}/reply"' in page
    assert f'action="/workspace/cases/{case.ref}/handback"' in page
    assert f'action="/workspace/cases/{case.ref}/takeover"' not in page


def test_viewing_is_audited(anna, make_case, db):
    case = make_case()
    anna.get(f"/workspace/cases/{case.ref}")
    entry = [e for e in audit_log(db) if e.action == "view"][-1]
    assert entry.case_ref == case.ref and entry.user_id is not None


# ------------------------------------------------------------------ case work


def test_closing_records_the_time_and_reopening_clears_it(anna, make_case, db):
    case = make_case()
    response = anna.submit(f"/workspace/cases/{case.ref}/status", {"status": "closed"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/workspace/cases/{case.ref}?ok=status"
    closed = stored(db, case)
    assert closed.status == "closed" and closed.closed_at is not None and closed.updated_at
    anna.submit(f"/workspace/cases/{case.ref}/status", {"status": "in_progress"})
    reopened = stored(db, case)
    assert reopened.status == "in_progress" and reopened.closed_at is None
    assert [e.detail for e in audit_log(db) if e.action == "change"] == [
        "status=closed",
        "status=in_progress",
    ]


def test_an_unknown_state_is_refused(anna, make_case, db):
    case = make_case()
    assert anna.submit(f"/workspace/cases/{case.ref}/status", {"status": "gone"}).status_code == 400
    assert stored(db, case).status == "new"


def test_closing_a_taken_over_case_hands_it_back_to_lotse(anna, make_case, db, monkeypatch):
    me = db().scalars(select(User)).one()
    case = make_case(taken_over_by=me.id)
    handed_back = []

    async def fake_hand_back(session, rasa, telegram, case, user):
        handed_back.append((case.ref, user.id))
        case.taken_over_by = None
        return None

    monkeypatch.setattr(takeover, "hand_back", fake_hand_back)
    anna.submit(f"/workspace/cases/{case.ref}/status", {"status": "closed"})
    assert handed_back == [(case.ref, me.id)]
    after = stored(db, case)
    assert after.status == "closed" and after.taken_over_by is None


def test_closing_stays_undone_when_lotse_cannot_be_resumed(anna, make_case, db, monkeypatch):
    me = db().scalars(select(User)).one()
    case = make_case(taken_over_by=me.id)

    async def failing(*args):
        raise takeover.TakeoverError("Der Chat-Server antwortet nicht.")

    monkeypatch.setattr(takeover, "hand_back", failing)
    response = anna.submit(f"/workspace/cases/{case.ref}/status", {"status": "closed"})
    assert response.status_code == 503
    assert "Der Fall bleibt offen" in response.text
    assert stored(db, case).status == "new"


def test_closing_with_the_real_take_over_resumes_the_bot(anna, make_case, db, rasa):
    me = db().scalars(select(User)).one()
    case = make_case(taken_over_by=me.id)
    rasa.paused.add(case.sender_id)
    anna.submit(f"/workspace/cases/{case.ref}/status", {"status": "closed"})
    assert case.sender_id not in rasa.paused
    assert stored(db, case).taken_over_by is None


def test_assignment_to_counsellors_of_the_same_centre_only(anna, make_case, make_user, db):
    colleague = make_user("ben@example.org", centres=[CENTRE_A], name="Ben")
    outsider = make_user("cem@example.org", centres=[CENTRE_B], name="Cem")
    case = make_case()
    anna.submit(f"/workspace/cases/{case.ref}/assign", {"assignee": "me"})
    me = db().scalars(select(User).where(User.email == "anna@example.org")).one()
    assert stored(db, case).assignee_id == me.id
    anna.submit(f"/workspace/cases/{case.ref}/assign", {"assignee": str(colleague.id)})
    assert stored(db, case).assignee_id == colleague.id
    refused = anna.submit(f"/workspace/cases/{case.ref}/assign", {"assignee": str(outsider.id)})
    assert refused.status_code == 400
    assert anna.submit(f"/workspace/cases/{case.ref}/assign", {"assignee": "x"}).status_code == 400
    assert stored(db, case).assignee_id == colleague.id
    anna.submit(f"/workspace/cases/{case.ref}/assign", {"assignee": ""})
    assert stored(db, case).assignee_id is None
    page = anna.get(f"/workspace/cases/{case.ref}").text
    assert f'<option value="{colleague.id}"' in page and f'value="{outsider.id}"' not in page


def test_tags(anna, make_case, db):
    case = make_case()
    url = f"/workspace/cases/{case.ref}/tags"
    assert anna.submit(url, {"tag": "  Pflege   dringend "}).status_code == 303
    anna.submit(url, {"tag": "Pflege dringend"})  # the same tag again: kept once
    assert anna.submit(url, {"tag": "   "}).status_code == 400
    anna.submit(url, {"tag": "x" * 60})
    tags = sorted(t.tag for t in db().scalars(select(CaseTag)))
    assert tags == ["Pflege dringend", "x" * 40]
    anna.submit(f"{url}/remove", {"tag": "Pflege dringend"})
    assert [t.tag for t in db().scalars(select(CaseTag))] == ["x" * 40]
    details = [e.detail for e in audit_log(db) if e.action == "change"]
    assert details == ["tag-added", "tag-added", "tag-removed"]  # the tag text is not logged


def test_notes_added_edited_and_deleted_by_their_author(anna, make_case, db):
    case = make_case()
    base = f"/workspace/cases/{case.ref}/notes"
    response = anna.submit(base, {"text": "Zeugnis aus Kiew fehlt noch."})
    assert response.status_code == 303
    assert response.headers["location"].endswith("?ok=note-added#notes")
    note = db().scalars(select(CaseNote)).one()
    assert anna.submit(base, {"text": "   "}).status_code == 400
    assert anna.submit(base, {"text": "x" * 5001}).status_code == 400
    anna.submit(f"{base}/{note.id}/edit", {"text": "Zeugnis liegt vor."})
    edited = db().scalars(select(CaseNote)).one()
    assert edited.text == "Zeugnis liegt vor." and edited.updated_at is not None
    page = anna.get(f"/workspace/cases/{case.ref}").text
    assert "Zeugnis liegt vor." in page and f"/notes/{note.id}/edit" in page
    anna.submit(f"{base}/{note.id}/delete")
    assert db().scalars(select(CaseNote)).all() == []
    logged = " ".join(str(e.detail) for e in audit_log(db))
    assert "Zeugnis" not in logged and "Kiew" not in logged


def test_the_reviewed_flag(anna, make_case, db):
    case = make_case()
    anna.submit(f"/workspace/cases/{case.ref}/reviewed", {"reviewed": "1"})
    assert stored(db, case).reviewed is True
    assert "gesichtet" in anna.get(f"/workspace/cases/{case.ref}").text
    anna.submit(f"/workspace/cases/{case.ref}/reviewed", {"reviewed": "0"})
    assert stored(db, case).reviewed is False


def test_changes_show_a_confirmation(anna, make_case):
    case = make_case()
    response = anna.submit(f"/workspace/cases/{case.ref}/reviewed", {"reviewed": "1"})
    page = anna.get(response.headers["location"])
    assert '<p class="notice" role="status">Als gesichtet markiert.</p>' in page.text
    forged = anna.get(f"/workspace/cases/{case.ref}?ok=<script>")
    assert "<script>" not in forged.text.split("<main")[1].split("</main>")[0]
