"""Admin pages (accounts, centres) and `lotse user` on the command line."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from lotse.cli import main as lotse_main
from lotse.knowledge.loader import load_knowledge
from lotse.store.workspace import AuditEntry, CentreSettings, Membership, User, WebSession
from lotse.workspace import cli as workspace_cli
from tests.workspace.conftest import CENTRE_A, CENTRE_B, PASSWORD


@pytest.fixture
def admin(make_user, client, login):
    make_user("admin@example.org", admin=True, name="Ada Admin")
    return login(client, "admin@example.org")


def user_named(db, email):
    return db().scalars(select(User).where(User.email == email)).one()


def test_creating_a_counsellor_who_then_sees_the_centres_cases(
    admin, new_client, login, make_case, db
):
    response = admin.submit(
        "/workspace/admin/users",
        {
            "email": "Neu@Example.org",
            "name": "Nina Neu",
            "password": PASSWORD,
            "centres": [CENTRE_A, CENTRE_B],
        },
    )
    assert response.status_code == 303
    nina = user_named(db, "neu@example.org")
    assert response.headers["location"] == f"/workspace/admin/users/{nina.id}?ok=user-created"
    assert not nina.is_admin and nina.password_hash.startswith("$argon2id$")
    centres = sorted(m.centre_id for m in db().scalars(select(Membership)))
    assert centres == sorted([CENTRE_A, CENTRE_B])
    listing = admin.get("/workspace/admin/users").text
    assert "Nina Neu" in listing and "neu@example.org" in listing
    case = make_case(centre_id=CENTRE_B)
    nina_browser = login(new_client(), "neu@example.org")
    assert case.ref in nina_browser.get("/workspace/").text


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"email": "admin@example.org", "name": "X", "password": PASSWORD}, "schon ein Konto"),
        ({"email": "x@example.org", "name": "X", "password": "kurz"}, "mindestens 10 Zeichen"),
        ({"email": "kein-at", "name": "X", "password": PASSWORD}, "gültige E-Mail"),
        ({"email": "x@example.org", "name": "  ", "password": PASSWORD}, "Namen"),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(admin, db, form, message):
    response = admin.submit("/workspace/admin/users", form)
    assert response.status_code == 400
    assert message in response.text
    assert len(db().scalars(select(User)).all()) == 1


def test_an_unknown_centre_is_refused(admin, db):
    form = {"email": "x@example.org", "name": "X", "password": PASSWORD, "centres": "no_such"}
    assert admin.submit("/workspace/admin/users", form).status_code == 400
    assert len(db().scalars(select(User)).all()) == 1


def test_deactivating_ends_the_sessions_and_the_logins(admin, make_user, new_client, login, db):
    ben = make_user("ben@example.org", centres=[CENTRE_A])
    ben_browser = login(new_client(), "ben@example.org")
    admin.submit(f"/workspace/admin/users/{ben.id}/active", {"active": "0"})
    assert user_named(db, "ben@example.org").active is False
    assert ben_browser.get("/workspace/", follow_redirects=False).status_code == 303
    sessions = db().scalars(select(WebSession).where(WebSession.user_id == ben.id)).all()
    assert sessions == []
    with pytest.raises(AssertionError):
        login(new_client(), "ben@example.org")
    admin.submit(f"/workspace/admin/users/{ben.id}/active", {"active": "1"})
    login(new_client(), "ben@example.org")


def test_resetting_a_password(admin, make_user, new_client, login, db):
    ben = make_user("ben@example.org", centres=[CENTRE_A])
    ben_browser = login(new_client(), "ben@example.org")
    short = admin.submit(f"/workspace/admin/users/{ben.id}/password", {"password": "kurz"})
    assert short.status_code == 400
    admin.submit(f"/workspace/admin/users/{ben.id}/password", {"password": "neues-passwort-1"})
    assert ben_browser.get("/workspace/", follow_redirects=False).status_code == 303
    login(new_client(), "ben@example.org", "neues-passwort-1")
    assert "neues-passwort-1" not in user_named(db, "ben@example.org").password_hash


def test_the_admin_role_and_centres_of_an_account(admin, make_user, db):
    ben = make_user("ben@example.org", centres=[CENTRE_A])
    admin.submit(f"/workspace/admin/users/{ben.id}/role", {"is_admin": "1"})
    assert user_named(db, "ben@example.org").is_admin is True
    admin.submit(f"/workspace/admin/users/{ben.id}/centres", {"centres": [CENTRE_B]})
    assert [m.centre_id for m in db().scalars(select(Membership))] == [CENTRE_B]
    admin.submit(f"/workspace/admin/users/{ben.id}/centres", {})
    assert db().scalars(select(Membership)).all() == []
    page = admin.get(f"/workspace/admin/users/{ben.id}")
    assert page.status_code == 200 and "Admin-Rolle entziehen" in page.text


def test_an_admin_cannot_lock_themselves_out(admin, db):
    me = user_named(db, "admin@example.org")
    assert (
        admin.submit(f"/workspace/admin/users/{me.id}/role", {"is_admin": "0"}).status_code == 400
    )
    assert (
        admin.submit(f"/workspace/admin/users/{me.id}/active", {"active": "0"}).status_code == 400
    )
    me = user_named(db, "admin@example.org")
    assert me.is_admin and me.active
    assert admin.get("/workspace/admin/users/9999").status_code == 404


def test_the_centres_page_lists_every_centre_with_members_and_notifications(admin, make_user, db):
    make_user("ben@example.org", centres=[CENTRE_A], name="Ben Berater")
    page = admin.get("/workspace/admin/centres").text
    for centre in load_knowledge().centres:
        assert f'id="centre-{centre.id}"' in page
    row = page.split(f'id="centre-{CENTRE_A}"')[1].split("</tr>")[0]
    assert "Ben Berater" in row
    response = admin.submit(
        f"/workspace/admin/centres/{CENTRE_A}",
        {"notify_email": "Team@Example.org", "notify_telegram_chat_id": "-100123"},
    )
    assert response.status_code == 303
    saved = db().get(CentreSettings, CENTRE_A)
    assert (saved.notify_email, saved.notify_telegram_chat_id) == ("team@example.org", "-100123")
    assert 'value="team@example.org"' in admin.get("/workspace/admin/centres").text
    assert (
        admin.submit(f"/workspace/admin/centres/{CENTRE_A}", {"notify_email": "x"}).status_code
        == 400
    )
    bad_chat = {"notify_telegram_chat_id": "hello world"}
    assert admin.submit(f"/workspace/admin/centres/{CENTRE_A}", bad_chat).status_code == 400
    assert admin.submit("/workspace/admin/centres/no_such", {}).status_code == 404
    admin.submit(f"/workspace/admin/centres/{CENTRE_A}", {})
    cleared = db().scalars(select(CentreSettings)).one()
    assert cleared.notify_email is None and cleared.notify_telegram_chat_id is None


def test_admin_changes_are_audited_without_personal_data(admin, db):
    admin.submit(
        "/workspace/admin/users",
        {"email": "nina@example.org", "name": "Nina Neu", "password": PASSWORD},
    )
    entries = [e for e in db().scalars(select(AuditEntry)) if e.action == "admin"]
    assert len(entries) == 1
    assert "nina" not in (entries[0].detail or "").lower()


# ------------------------------------------------------------------ lotse user


@pytest.fixture
def cli_settings(settings, monkeypatch):
    monkeypatch.setattr(workspace_cli, "get_settings", lambda: settings)
    return settings


def test_lotse_user_add_admin_then_list(cli_settings, monkeypatch, capsys, db):
    monkeypatch.setattr("sys.stdin", io.StringIO("ein-sicheres-passwort\n"))
    code = lotse_main(
        ["user", "add", "--admin", "Chef@Example.org", "--name", "Chefin", "--password-stdin"]
    )
    assert code == 0
    assert "Created admin chef@example.org" in capsys.readouterr().out
    chef = user_named(db, "chef@example.org")
    assert chef.is_admin and chef.password_hash.startswith("$argon2id$")
    assert "ein-sicheres-passwort" not in chef.password_hash

    monkeypatch.setattr("sys.stdin", io.StringIO("noch-ein-passwort\n"))
    assert (
        lotse_main(
            [
                "user",
                "add",
                "ben@example.org",
                "--name",
                "Ben",
                "--centre",
                CENTRE_A,
                "--password-stdin",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert lotse_main(["user", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t")[1:] == ["chef@example.org", "Chefin", "admin", "active", "-"]
    assert lines[1].split("\t")[1:] == ["ben@example.org", "Ben", "counsellor", "active", CENTRE_A]


def test_lotse_user_add_asks_twice_for_the_password(cli_settings, monkeypatch, capsys, db):
    answers = iter(["passwort-eins-1", "passwort-zwei-2"])
    monkeypatch.setattr(workspace_cli.getpass, "getpass", lambda prompt: next(answers))
    assert lotse_main(["user", "add", "--admin", "a@example.org", "--name", "A"]) == 2
    assert "differ" in capsys.readouterr().err
    answers = iter(["passwort-eins-1", "passwort-eins-1"])
    assert lotse_main(["user", "add", "--admin", "a@example.org", "--name", "A"]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["b@example.org", "--name", "B"], "needs --centre"),
        (["b@example.org", "--name", "B", "--centre", "no_such"], "unknown centre: no_such"),
        (["--admin", "kein-at", "--name", "B"], "gültige E-Mail"),
    ],
)
def test_lotse_user_add_refuses_bad_input(cli_settings, monkeypatch, capsys, db, args, message):
    monkeypatch.setattr("sys.stdin", io.StringIO("ein-sicheres-passwort\n"))
    assert lotse_main(["user", "add", *args, "--password-stdin"]) == 2
    assert message in capsys.readouterr().err
    assert db().scalars(select(User)).all() == []
