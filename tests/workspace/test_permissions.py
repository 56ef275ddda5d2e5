"""Every permission boundary: another centre's case, another counsellor's note, admin pages,
CSRF on every POST. Forbidden things look exactly like missing ones (404)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lotse.store.handoffs import Handoff
from lotse.store.workspace import CaseNote, CaseTag
from tests.workspace.conftest import CENTRE_A, CENTRE_B

#: Every POST route on a case, with a form that would be valid on one's own case.
CASE_POSTS = [
    ("status", {"status": "closed"}),
    ("assign", {"assignee": "me"}),
    ("reviewed", {"reviewed": "1"}),
    ("tags", {"tag": "Pflege"}),
    ("tags/remove", {"tag": "Pflege"}),
    ("notes", {"text": "Notiz"}),
    ("takeover", {}),
    ("reply", {"text": "Hallo"}),
    ("handback", {}),
    ("delete", {"confirm": "REF"}),
]
CASE_GETS = ["", "/export.pdf", "/export.csv", "/delete"]


@pytest.fixture
def anna(make_user, client, login):
    """A counsellor of centre A, logged in."""
    make_user("anna@example.org", centres=[CENTRE_A], name="Anna")
    return login(client, "anna@example.org")


@pytest.fixture
def foreign_case(make_case):
    """A case of centre B (Anna must not see it)."""
    return make_case(centre_id=CENTRE_B)


@pytest.mark.parametrize("suffix", CASE_GETS)
def test_another_centres_case_is_not_found_on_every_page(anna, foreign_case, suffix):
    response = anna.get(f"/workspace/cases/{foreign_case.ref}{suffix}")
    assert response.status_code == 404
    assert foreign_case.occupation_text not in response.text
    missing = anna.get(f"/workspace/cases/LT-ZZZZZZ{suffix}")
    assert missing.status_code == 404
    assert missing.text == response.text  # indistinguishable from a missing case


@pytest.mark.parametrize(("route", "form"), CASE_POSTS)
def test_another_centres_case_cannot_be_changed(anna, foreign_case, db, rasa, route, form):
    form = {k: (foreign_case.ref if v == "REF" else v) for k, v in form.items()}
    response = anna.submit(f"/workspace/cases/{foreign_case.ref}/{route}", form)
    assert response.status_code == 404
    stored = db().scalars(select(Handoff).where(Handoff.id == foreign_case.id)).one()
    assert stored.status == "new" and stored.assignee_id is None and not stored.reviewed
    assert stored.taken_over_by is None
    assert db().scalars(select(CaseNote)).all() == []
    assert db().scalars(select(CaseTag)).all() == []
    assert [call for call in rasa.calls if call[0] != "transcript"] == []


@pytest.mark.parametrize(("route", "form"), CASE_POSTS)
def test_every_case_post_needs_the_csrf_token(anna, make_case, route, form):
    case = make_case()
    form = {k: (case.ref if v == "REF" else v) for k, v in form.items()}
    url = f"/workspace/cases/{case.ref}/{route}"
    missing = anna.post(url, data=form, follow_redirects=False)
    wrong = anna.post(url, data={**form, "csrf_token": "forged"}, follow_redirects=False)
    header_wrong = anna.post(
        url, data=form, headers={"X-CSRF-Token": "forged"}, follow_redirects=False
    )
    assert missing.status_code == wrong.status_code == header_wrong.status_code == 403


def test_the_csrf_token_of_another_session_does_not_count(
    anna, make_case, make_user, new_client, login
):
    make_user("ben@example.org", centres=[CENTRE_A])
    ben = login(new_client(), "ben@example.org")
    case = make_case()
    response = anna.post(
        f"/workspace/cases/{case.ref}/notes",
        data={"text": "x", "csrf_token": ben.csrf_token},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_the_csrf_header_is_accepted(anna, make_case):
    case = make_case()
    response = anna.post(
        f"/workspace/cases/{case.ref}/reviewed",
        data={"reviewed": "1"},
        headers={"X-CSRF-Token": anna.csrf_token},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_a_counsellor_of_two_centres_sees_both(make_user, client, login, make_case):
    make_user("multi@example.org", centres=[CENTRE_A, CENTRE_B])
    login(client, "multi@example.org")
    for centre in (CENTRE_A, CENTRE_B):
        assert client.get(f"/workspace/cases/{make_case(centre_id=centre).ref}").status_code == 200


def test_an_admin_sees_every_centres_case(make_user, client, login, make_case):
    make_user("admin@example.org", admin=True)
    login(client, "admin@example.org")
    case = make_case(centre_id=CENTRE_B)
    assert client.get(f"/workspace/cases/{case.ref}").status_code == 200
    assert case.ref in client.get("/workspace/").text


def test_a_counsellor_without_centres_sees_nothing(make_user, client, login, make_case):
    make_user("none@example.org")
    login(client, "none@example.org")
    case = make_case()
    assert case.ref not in client.get("/workspace/").text
    assert client.get(f"/workspace/cases/{case.ref}").status_code == 404


# ------------------------------------------------------------------ notes


def _note_of(make_user, new_client, login, case, email="ben@example.org"):
    make_user(email, centres=[CENTRE_A], name="Ben")
    ben = login(new_client(), email)
    assert (
        ben.submit(f"/workspace/cases/{case.ref}/notes", {"text": "Bens Notiz"}).status_code == 303
    )
    return ben


def test_another_counsellors_note_cannot_be_edited_or_deleted(
    anna, make_case, make_user, new_client, login, db
):
    case = make_case()
    _note_of(make_user, new_client, login, case)
    note = db().scalars(select(CaseNote)).one()
    base = f"/workspace/cases/{case.ref}/notes/{note.id}"
    assert anna.submit(f"{base}/edit", {"text": "überschrieben"}).status_code == 404
    assert anna.submit(f"{base}/delete").status_code == 404
    assert (
        anna.submit(f"/workspace/cases/{case.ref}/notes/99999/edit", {"text": "x"}).status_code
        == 404
    )
    stored = db().scalars(select(CaseNote)).one()
    assert stored.text == "Bens Notiz"
    page = anna.get(f"/workspace/cases/{case.ref}")
    assert "Bens Notiz" in page.text  # colleagues read it
    assert f"/notes/{note.id}/edit" not in page.text  # but get no edit form


def test_a_note_cannot_be_reached_through_another_case(make_case, make_user, new_client, login, db):
    case = make_case()
    ben = _note_of(make_user, new_client, login, case)
    note = db().scalars(select(CaseNote)).one()
    other = make_case()
    response = ben.submit(f"/workspace/cases/{other.ref}/notes/{note.id}/delete")
    assert response.status_code == 404
    assert db().scalars(select(CaseNote)).one().id == note.id


# ------------------------------------------------------------------ admin pages


ADMIN_GETS = ["/workspace/admin/users", "/workspace/admin/users/1", "/workspace/admin/centres"]
ADMIN_POSTS = [
    ("/workspace/admin/users", {"email": "x@example.org", "name": "X", "password": "x" * 12}),
    ("/workspace/admin/users/1/centres", {"centres": CENTRE_B}),
    ("/workspace/admin/users/1/role", {"is_admin": "1"}),
    ("/workspace/admin/users/1/active", {"active": "0"}),
    ("/workspace/admin/users/1/password", {"password": "y" * 12}),
    (f"/workspace/admin/centres/{CENTRE_A}", {"notify_email": "a@example.org"}),
]


@pytest.mark.parametrize("path", ADMIN_GETS)
def test_admin_pages_do_not_exist_for_counsellors(anna, path):
    assert anna.get(path).status_code == 404


@pytest.mark.parametrize(("path", "form"), ADMIN_POSTS)
def test_admin_actions_do_not_exist_for_counsellors(anna, db, path, form):
    from lotse.store.workspace import CentreSettings, User

    assert anna.submit(path, form).status_code == 404
    users = db().scalars(select(User)).all()
    assert [(u.email, u.is_admin, u.active) for u in users] == [("anna@example.org", False, True)]
    assert db().scalars(select(CentreSettings)).all() == []


def test_the_admin_link_is_shown_to_admins_only(anna, make_user, new_client, login):
    assert "/workspace/admin/users" not in anna.get("/workspace/").text
    make_user("admin@example.org", admin=True)
    admin = login(new_client(), "admin@example.org")
    assert "/workspace/admin/users" in admin.get("/workspace/").text
