"""Deleting a case: every row of the conversation and its tracker go, the audit log keeps the ref;
Rasa away → nothing is deleted; the route's permissions, CSRF and confirmation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lotse.store.handoffs import Handoff
from lotse.store.workspace import AuditEntry, CaseNote, CaseTag, OutboundMessage
from lotse.workspace.records import DeletionFailed, delete_case
from tests.workspace.conftest import CENTRE_A, CENTRE_B
from tests.workspace.records_fakes import (
    NOTHING_LEFT,
    RecordsRasa,
    add_case_work,
    audit_rows,
    rows_of,
)


@pytest.fixture
def rasa() -> RecordsRasa:
    return RecordsRasa()


async def test_delete_case_removes_every_row_of_the_conversation(db, make_case, rasa) -> None:
    first = make_case(sender_id="web-person-1")
    second = make_case(sender_id="web-person-1", kind="fair-integration")
    other = make_case(sender_id="web-someone-else")
    session = db()
    for case in (first, second, other):
        add_case_work(session, session.get(Handoff, case.id))
    session.add(  # a message stored only by sender (e.g. a notice after the first hand-off)
        OutboundMessage(
            handoff_id=second.id,
            sender_id="web-person-1",
            kind="handback",
            text="x",
            created_at=first.created_at,
        )
    )
    session.commit()

    refs = await delete_case(session, rasa, session.get(Handoff, first.id), None, "request")

    assert sorted(refs) == sorted([first.ref, second.ref])
    assert rasa.erased == ["web-person-1"]
    check = db()
    assert rows_of(check, first) == NOTHING_LEFT
    assert rows_of(check, second) == NOTHING_LEFT
    assert rows_of(check, other) == {"handoffs": 1, "notes": 1, "tags": 2, "outbound": 1}
    deleted = audit_rows(check, "delete")
    assert sorted(entry.case_ref for entry in deleted) == sorted(refs)
    assert {entry.detail for entry in deleted} == {"request"}
    assert all(entry.user_id is None for entry in deleted)


async def test_rasa_unreachable_deletes_nothing(db, make_case, rasa) -> None:
    case = make_case()
    session = db()
    add_case_work(session, session.get(Handoff, case.id))
    rasa.down = True

    with pytest.raises(DeletionFailed):
        await delete_case(session, rasa, session.get(Handoff, case.id))

    session.rollback()
    assert rows_of(db(), case) == {"handoffs": 1, "notes": 1, "tags": 2, "outbound": 1}
    assert audit_rows(db(), "delete") == []


def _logged_in(client, make_user, login, centres=(CENTRE_A,), email="a@example.org"):
    make_user(email, centres=list(centres))
    return login(client, email)


def test_delete_route_asks_for_confirmation(client, make_user, login, make_case) -> None:
    case = make_case()
    _logged_in(client, make_user, login)

    page = client.get(f"/workspace/cases/{case.ref}/delete")

    assert page.status_code == 200
    assert 'name="confirm"' in page.text and 'name="csrf_token"' in page.text
    assert f'action="/workspace/cases/{case.ref}/delete"' in page.text


def test_delete_route_deletes_and_goes_to_the_inbox(client, make_user, login, make_case, db, rasa):
    case = make_case()
    session = db()
    add_case_work(session, session.get(Handoff, case.id))
    _logged_in(client, make_user, login)

    response = client.submit(f"/workspace/cases/{case.ref}/delete", {"confirm": case.ref.lower()})

    assert response.status_code == 303
    assert response.headers["location"] == "/workspace/?ok=deleted"
    assert rows_of(db(), case) == NOTHING_LEFT
    assert rasa.erased == [case.sender_id]
    entry = audit_rows(db(), "delete")[0]
    assert (entry.case_ref, entry.detail) == (case.ref, "request")
    assert entry.user_id is not None
    assert client.get(f"/workspace/cases/{case.ref}").status_code == 404


def test_delete_without_csrf_is_refused(client, make_user, login, make_case, db, rasa) -> None:
    case = make_case()
    _logged_in(client, make_user, login)

    response = client.post(
        f"/workspace/cases/{case.ref}/delete", data={"confirm": case.ref}, follow_redirects=False
    )
    wrong = client.post(
        f"/workspace/cases/{case.ref}/delete",
        data={"confirm": case.ref, "csrf_token": "forged"},
        follow_redirects=False,
    )

    assert (response.status_code, wrong.status_code) == (403, 403)
    assert rows_of(db(), case)["handoffs"] == 1
    assert rasa.erased == []


def test_delete_with_wrong_confirmation_keeps_the_case(client, make_user, login, make_case, db):
    case = make_case()
    _logged_in(client, make_user, login)

    response = client.submit(f"/workspace/cases/{case.ref}/delete", {"confirm": "ja"})

    assert response.status_code == 400
    assert case.ref in response.text and 'role="alert"' in response.text
    assert rows_of(db(), case)["handoffs"] == 1


def test_delete_while_rasa_is_away_says_so_and_keeps_everything(
    client, make_user, login, make_case, db, rasa
) -> None:
    case = make_case()
    session = db()
    add_case_work(session, session.get(Handoff, case.id))
    _logged_in(client, make_user, login)
    rasa.down = True

    response = client.submit(f"/workspace/cases/{case.ref}/delete", {"confirm": case.ref})

    assert response.status_code == 503
    assert "nicht gelöscht" in response.text and "Rasa" in response.text
    assert rows_of(db(), case) == {"handoffs": 1, "notes": 1, "tags": 2, "outbound": 1}


def test_another_centres_case_cannot_be_deleted(client, make_user, login, make_case, db, rasa):
    case = make_case(centre_id=CENTRE_B)
    _logged_in(client, make_user, login, centres=(CENTRE_A,))

    assert client.get(f"/workspace/cases/{case.ref}/delete").status_code == 404
    response = client.submit(f"/workspace/cases/{case.ref}/delete", {"confirm": case.ref})

    assert response.status_code == 404
    assert rows_of(db(), case)["handoffs"] == 1
    assert rasa.erased == []


def test_an_admin_may_delete_any_centres_case(client, make_user, login, make_case, db) -> None:
    case = make_case(centre_id=CENTRE_B)
    make_user("admin@example.org", admin=True)
    login(client, "admin@example.org")

    response = client.submit(f"/workspace/cases/{case.ref}/delete", {"confirm": case.ref})

    assert response.status_code == 303
    assert rows_of(db(), case)["handoffs"] == 0


def test_delete_needs_a_login(client, make_case, db) -> None:
    case = make_case()

    response = client.post(
        f"/workspace/cases/{case.ref}/delete", data={"confirm": case.ref}, follow_redirects=False
    )

    assert response.status_code in (303, 403)
    assert rows_of(db(), case)["handoffs"] == 1


def test_deleted_case_leaves_only_its_reference_in_the_audit_log(
    client, make_user, login, make_case, db
) -> None:
    case = make_case(occupation_text="Ärztin aus Kyjiw", contact_value="olena@example.org")
    _logged_in(client, make_user, login)
    client.get(f"/workspace/cases/{case.ref}")  # a "view" entry before the deletion

    client.submit(f"/workspace/cases/{case.ref}/delete", {"confirm": case.ref})

    entries = list(db().scalars(select(AuditEntry).where(AuditEntry.case_ref == case.ref)))
    assert {entry.action for entry in entries} >= {"delete"}
    for entry in entries:
        assert "olena" not in (entry.detail or "") and "Kyjiw" not in (entry.detail or "")
    session = db()
    assert session.scalars(select(CaseNote)).first() is None
    assert session.scalars(select(CaseTag)).first() is None
