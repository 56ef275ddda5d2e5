"""Login, logout, sessions (cookie, expiry), throttling, password hashing and change."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from lotse.config import Settings
from lotse.store.db import utcnow
from lotse.store.workspace import AuditEntry, LoginFailure, User, WebSession
from lotse.web.main import create_app
from lotse.workspace import auth
from lotse.workspace.deps import SESSION_COOKIE
from lotse.workspace.routes.auth import WRONG_LOGIN
from tests.workspace.conftest import CENTRE_A, PASSWORD, WorkspaceClient, login_page_token

EMAIL = "berta@example.org"


@pytest.fixture
def berta(make_user):
    return make_user(EMAIL, centres=[CENTRE_A], name="Berta Beraterin")


def post_login(client, email, password, token=None, **extra):
    token = login_page_token(client) if token is None else token
    data = {"email": email, "password": password, "csrf_token": token, **extra}
    return client.post("/workspace/login", data=data, follow_redirects=False)


def set_cookie_header(response, name):
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(name + "=")]
    assert headers, f"no Set-Cookie for {name}"
    return headers[0]


# ------------------------------------------------------------------ passwords


def test_passwords_are_stored_as_argon2id_hashes_only(berta, db):
    stored = db().scalars(select(User)).one()
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert auth.verify_password(stored.password_hash, PASSWORD)
    assert not auth.verify_password(stored.password_hash, PASSWORD + "x")
    assert not auth.verify_password("not-a-hash", PASSWORD)


def test_the_production_hasher_is_argon2id_with_recommended_costs():
    from argon2 import Type

    from lotse.workspace.auth import PasswordHasher

    default = PasswordHasher()
    assert default.type is Type.ID
    assert default.memory_cost >= 19 * 1024 and default.time_cost >= 2


def test_short_passwords_and_bad_addresses_are_refused(make_user):
    with pytest.raises(auth.AccountError, match="mindestens 10"):
        make_user("kurz@example.org", password="kurz")
    with pytest.raises(auth.AccountError, match="E-Mail"):
        make_user("keine-adresse", password=PASSWORD)


def test_email_addresses_are_case_insensitive(berta, client, login):
    login(client, "  BERTA@Example.ORG ")
    assert client.get("/workspace/").status_code == 200


# ------------------------------------------------------------------ login


def test_logged_out_pages_redirect_to_the_login_with_the_way_back(client, make_case):
    case = make_case()
    for path in (
        "/workspace/",
        f"/workspace/cases/{case.ref}",
        "/workspace/admin/users",
        "/workspace/password",
        "/workspace/inbox/version",
        "/workspace/?status=closed&q=a",
    ):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/workspace/login?next=/workspace")
    location = client.get("/workspace/?status=closed&q=a", follow_redirects=False).headers[
        "location"
    ]
    assert location == "/workspace/login?next=/workspace/%3Fstatus%3Dclosed%26q%3Da"


def test_login_sets_a_strict_httponly_session_cookie_for_the_workspace_only(berta, client, db):
    response = post_login(client, EMAIL, PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/workspace/"
    cookie = set_cookie_header(response, SESSION_COOKIE)
    lowered = cookie.lower()
    assert "httponly" in lowered
    assert "samesite=strict" in lowered
    assert "path=/workspace" in lowered
    assert "secure" not in lowered  # development: plain http on localhost
    token = client.cookies.get(SESSION_COOKIE)
    stored = db().scalars(select(WebSession)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash


def test_outside_development_the_cookie_is_secure(make_user, settings, rasa):
    production = Settings(
        **{**settings.dict(), "environment": "production", "channel_token": "a-real-secret"}
    )
    app = create_app(production)
    app.state.rasa_client = rasa
    make_user(EMAIL, centres=[CENTRE_A])
    with WorkspaceClient(app, base_url="https://testserver") as browser:
        response = post_login(browser, EMAIL, PASSWORD)
        assert response.status_code == 303
        assert "secure" in set_cookie_header(response, SESSION_COOKIE).lower()


def test_login_without_or_with_a_wrong_form_token_is_refused(berta, client):
    assert post_login(client, EMAIL, PASSWORD, token="").status_code == 403
    assert post_login(client, EMAIL, PASSWORD, token="forged").status_code == 403
    fresh = client.__class__(client.app, base_url="http://testserver")  # no login cookie at all
    response = fresh.post(
        "/workspace/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": "anything"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert SESSION_COOKIE not in fresh.cookies


def test_unknown_address_and_wrong_password_look_the_same(berta, client):
    unknown = post_login(client, "niemand@example.org", PASSWORD)
    wrong = post_login(client, EMAIL, "falsches-passwort")
    assert unknown.status_code == wrong.status_code == 401
    assert WRONG_LOGIN in unknown.text and WRONG_LOGIN in wrong.text

    def without_form_data(text, email):
        return text.replace(email, "").split('name="csrf_token" value="')[0]

    assert without_form_data(unknown.text, "niemand@example.org") == without_form_data(
        wrong.text, EMAIL
    )


def test_a_deactivated_account_cannot_log_in(berta, client, db):
    session = db()
    session.execute(update(User).values(active=False))
    session.commit()
    response = post_login(client, EMAIL, PASSWORD)
    assert response.status_code == 401
    assert WRONG_LOGIN in response.text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/workspace/cases/LT-ABC234", "/workspace/cases/LT-ABC234"),
        ("//evil.example/workspace", "/workspace/"),
        ("https://evil.example/", "/workspace/"),
        ("/workspace\\@evil.example", "/workspace/"),
        ("/docs", "/workspace/"),
    ],
)
def test_login_returns_only_to_workspace_pages(berta, client, target, expected):
    response = post_login(client, EMAIL, PASSWORD, next=target)
    assert response.status_code == 303
    assert response.headers["location"] == expected


def test_a_link_arriving_from_another_site_is_reloaded_from_this_site(client):
    response = client.get(
        "/workspace/login?next=/workspace/cases/LT-ABC234",
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="0;url=/workspace/cases/LT-ABC234">' in response.text
    same_site = client.get(
        "/workspace/login?next=/workspace/cases/LT-ABC234",
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert 'name="password"' in same_site.text


def test_login_and_logout_are_audited(berta, client, login, db):
    login(client, EMAIL)
    client.submit("/workspace/logout")
    actions = [entry.action for entry in db().scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[0] == "login" and "logout" in actions


# ------------------------------------------------------------------ logout and expiry


def test_logout_deletes_the_session_and_the_old_cookie_is_useless(berta, client, login, db):
    login(client, EMAIL)
    token = client.cookies.get(SESSION_COOKIE)
    response = client.submit("/workspace/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/workspace/login?ok=logged-out"
    assert db().scalars(select(WebSession)).all() == []
    replay = client.__class__(client.app, base_url="http://testserver")
    replay.cookies.set(SESSION_COOKIE, token, path="/workspace")
    assert replay.get("/workspace/", follow_redirects=False).status_code == 303


def test_logout_needs_the_csrf_token(berta, client, login, db):
    login(client, EMAIL)
    response = client.post("/workspace/logout", follow_redirects=False)
    assert response.status_code == 403
    assert len(db().scalars(select(WebSession)).all()) == 1


def _age_session(db, **changes):
    session = db()
    session.execute(update(WebSession).values(**changes))
    session.commit()


def test_an_idle_session_expires(berta, client, login, db, settings):
    login(client, EMAIL)
    idle = timedelta(minutes=settings.workspace_idle_minutes)
    _age_session(db, last_seen_at=utcnow() - idle + timedelta(minutes=1))
    assert client.get("/workspace/").status_code == 200  # still within the idle limit: renewed
    _age_session(db, last_seen_at=utcnow() - idle - timedelta(seconds=5))
    response = client.get("/workspace/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/workspace/login")
    assert db().scalars(select(WebSession)).all() == []


def test_a_session_ends_at_its_absolute_limit_even_when_used(berta, client, login, db):
    login(client, EMAIL)
    _age_session(db, expires_at=utcnow() - timedelta(seconds=1), last_seen_at=utcnow())
    assert client.get("/workspace/", follow_redirects=False).status_code == 303
    assert db().scalars(select(WebSession)).all() == []


def test_the_absolute_limit_comes_from_the_settings(berta, client, login, db, settings):
    login(client, EMAIL)
    stored = db().scalars(select(WebSession)).one()
    lifetime = stored.expires_at - stored.created_at
    assert lifetime == timedelta(hours=settings.workspace_session_hours)


def test_the_inbox_poll_does_not_keep_an_idle_session_alive(berta, client, login, db):
    login(client, EMAIL)
    earlier = utcnow() - timedelta(minutes=10)
    _age_session(db, last_seen_at=earlier)
    assert client.get("/workspace/inbox/version").status_code == 200
    seen = db().scalars(select(WebSession)).one().last_seen_at
    assert abs((seen.replace(tzinfo=None) - earlier.replace(tzinfo=None)).total_seconds()) < 1
    client.get("/workspace/")
    seen = db().scalars(select(WebSession)).one().last_seen_at
    assert (seen.replace(tzinfo=None) - earlier.replace(tzinfo=None)).total_seconds() > 500


# ------------------------------------------------------------------ throttling


def test_too_many_failures_for_one_address_pause_its_logins(berta, client, settings, db):
    for _ in range(settings.workspace_login_max_failures):
        assert post_login(client, EMAIL, "falsches-passwort").status_code == 401
    blocked = post_login(client, EMAIL, PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    assert "Zu viele Anmeldeversuche. Bitte warten Sie 15 Minuten" in blocked.text
    assert 800 < int(blocked.headers["retry-after"]) <= 900
    assert SESSION_COOKIE not in client.cookies
    # another account from the same client address may still log in
    other = "other@example.org"
    from tests.workspace.conftest import PASSWORD as OTHER_PASSWORD

    session = db()
    auth.create_user(session, other, "Other", OTHER_PASSWORD, centres=[CENTRE_A])
    session.commit()
    assert post_login(client, other, OTHER_PASSWORD).status_code == 303


def test_the_pause_ends_when_the_failures_are_old(berta, client, settings, db):
    for _ in range(settings.workspace_login_max_failures):
        post_login(client, EMAIL, "falsches-passwort")
    assert post_login(client, EMAIL, PASSWORD).status_code == 429
    session = db()
    session.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=14)))
    session.commit()
    waiting = post_login(client, EMAIL, PASSWORD)
    assert waiting.status_code == 429 and "Bitte warten Sie 1 Minute " in waiting.text
    session.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=16)))
    session.commit()
    assert post_login(client, EMAIL, PASSWORD).status_code == 303


def test_a_successful_login_forgets_the_failures_of_the_address(berta, client, db):
    post_login(client, EMAIL, "falsch-1234")
    assert auth.failure_count(db(), f"email:{EMAIL}") == 1
    assert post_login(client, EMAIL, PASSWORD).status_code == 303
    assert auth.failure_count(db(), f"email:{EMAIL}") == 0
    assert auth.failure_count(db(), "ip:testclient") == 1  # the client address's count stays


def test_many_failures_from_one_client_address_pause_it_for_every_account(berta, client, settings):
    limit = settings.workspace_login_max_failures * auth.ADDRESS_FACTOR
    for number in range(limit):
        post_login(client, f"rate{number}@example.org", "falsches-passwort")
    blocked = post_login(client, EMAIL, PASSWORD)
    assert blocked.status_code == 429
    assert "Bitte warten Sie" in blocked.text


# ------------------------------------------------------------------ password change


def test_changing_the_password(berta, client, login, new_client, db):
    other_device = login(new_client(), EMAIL)
    login(client, EMAIL)
    new_password = "ein-neues-langes-passwort"

    wrong = client.submit(
        "/workspace/password", {"current": "falsch", "new": new_password, "repeat": new_password}
    )
    assert wrong.status_code == 400 and "bisherige Passwort stimmt nicht" in wrong.text
    differ = client.submit(
        "/workspace/password", {"current": PASSWORD, "new": new_password, "repeat": "x" * 12}
    )
    assert differ.status_code == 400 and "verschieden" in differ.text
    short = client.submit(
        "/workspace/password", {"current": PASSWORD, "new": "kurz", "repeat": "kurz"}
    )
    assert short.status_code == 400 and "mindestens 10 Zeichen" in short.text

    done = client.submit(
        "/workspace/password", {"current": PASSWORD, "new": new_password, "repeat": new_password}
    )
    assert done.status_code == 303
    assert client.get("/workspace/").status_code == 200  # this session goes on
    assert other_device.get("/workspace/", follow_redirects=False).status_code == 303
    assert post_login(new_client(), EMAIL, PASSWORD).status_code == 401
    assert post_login(new_client(), EMAIL, new_password).status_code == 303
    stored = db().scalars(select(User)).one()
    assert new_password not in stored.password_hash


def test_changing_the_password_needs_the_csrf_token(berta, client, login):
    login(client, EMAIL)
    response = client.post(
        "/workspace/password",
        data={"current": PASSWORD, "new": "x" * 12, "repeat": "x" * 12, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
