"""Nothing a person (or a counsellor) typed can run as HTML or script in the workspace."""

from __future__ import annotations

import re

import pytest

from tests.workspace.conftest import CENTRE_A

PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
ESCAPED = {
    "<script>alert(1)</script>": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<img src=x onerror=alert(1)>": "&lt;img src=x onerror=alert(1)&gt;",
}


@pytest.fixture
def anna(make_user, client, login):
    make_user("anna@example.org", centres=[CENTRE_A], name="Anna")
    return login(client, "anna@example.org")


def assert_only_escaped(html: str, payload: str) -> None:
    assert payload not in html
    assert ESCAPED[payload] in html
    assert "onerror=alert(1)>" not in html.replace(ESCAPED.get(payload, ""), "")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_the_live_transcript_are_text(anna, make_case, rasa, payload):
    case = make_case()
    rasa.transcripts[case.sender_id] = [
        {
            "role": "person",
            "text": payload,
            "language": payload,
            "intent": payload,
            "candidates": [{"id": payload, "name": payload, "score": 50.0}],
        },
        {"role": "bot", "text": payload, "buttons": [{"title": payload, "payload": payload}]},
        {"role": "counsellor", "text": payload, "author": payload, "notice": payload},
        {"role": payload, "text": payload},
        {"role": "event", "text": payload, "at": payload},
    ]
    page = anna.get(f"/workspace/cases/{case.ref}").text
    assert_only_escaped(page, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_the_stored_transcript_and_case_sheet_are_text(anna, make_case, payload):
    case = make_case(
        transcript=[{"role": "person", "text": payload, "language": "de"}],
        occupation_text=payload,
        occupation_id=None,
        authority=payload,
        contact_value=payload,
        country="XX",
    )
    page = anna.get(f"/workspace/cases/{case.ref}").text
    assert_only_escaped(page, payload)
    inbox = anna.get("/workspace/").text
    assert_only_escaped(inbox, payload)  # the occupation column shows the person's words


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_notes_tags_and_search_are_text(anna, make_case, payload):
    case = make_case()
    anna.submit(f"/workspace/cases/{case.ref}/notes", {"text": payload})
    anna.submit(f"/workspace/cases/{case.ref}/tags", {"tag": payload})
    assert_only_escaped(anna.get(f"/workspace/cases/{case.ref}").text, payload)
    assert_only_escaped(anna.get("/workspace/").text, payload)  # tag column and tag filter
    searched = anna.get("/workspace/", params={"q": payload, "tag": payload}).text
    assert_only_escaped(searched, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_account_names_are_text(make_user, client, login, make_case, payload):
    make_user("admin@example.org", admin=True, name=payload)
    login(client, "admin@example.org")
    assert_only_escaped(client.get("/workspace/admin/users").text, payload)
    assert_only_escaped(client.get("/workspace/").text, payload)  # "logged in as"


def test_workspace_pages_forbid_inline_scripts(anna, make_case):
    case = make_case()
    for path in (
        "/workspace/",
        f"/workspace/cases/{case.ref}",
        "/workspace/login",
        "/workspace/password",
    ):
        response = anna.get(path)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy, path
        assert "style-src 'self';" in policy
        assert response.headers["cache-control"] == "no-store"
        # every script comes from a file; no inline handlers or style attributes
        for tag in re.findall(r"<script[^>]*>", response.text):
            assert "src=" in tag, path
        assert not re.search(r"\son[a-z]+=", response.text), path
        assert " style=" not in response.text, path


def test_the_login_page_keeps_what_was_typed_escaped(client):
    from tests.workspace.conftest import login_page_token

    token = login_page_token(client)
    response = client.post(
        "/workspace/login",
        data={"email": PAYLOADS[1], "password": "x", "csrf_token": token, "next": PAYLOADS[0]},
    )
    assert PAYLOADS[1] not in response.text and PAYLOADS[0] not in response.text
