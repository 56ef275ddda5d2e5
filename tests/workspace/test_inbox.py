"""The inbox: what it lists, filters, full-text search, sorting, pages, and its refresh."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lotse.store.db import utcnow
from lotse.store.workspace import AuditEntry
from lotse.workspace.cases import PAGE_SIZE, escape_like
from lotse.workspace.templating import age
from tests.workspace.conftest import CENTRE_A, CENTRE_B, CENTRE_FI

REF = re.compile(r'data-ref="(LT-[A-Z0-9]+)"')


@pytest.fixture
def anna(make_user, client, login):
    make_user("anna@example.org", centres=[CENTRE_A, CENTRE_FI], name="Anna Alt")
    return login(client, "anna@example.org")


def listed(client, query=""):
    response = client.get(f"/workspace/?{query}")
    assert response.status_code == 200
    return REF.findall(response.text)


def test_the_inbox_lists_the_users_centres_cases_with_their_facts(anna, make_case):
    case = make_case(
        created_at=utcnow() - timedelta(hours=3, minutes=5),
        language="ar",
        land="SN",
        channel="telegram",
        occupation_id="pflegefachkraft",
    )
    hidden = make_case(centre_id=CENTRE_B)
    page = anna.get("/workspace/")
    assert listed(anna) == [case.ref]
    assert hidden.ref not in page.text
    row = page.text.split(f'data-ref="{case.ref}"')[1].split("</tr>")[0]
    for shown in ("Neu", "Arabisch", "Sachsen", "Telegram", "vor 3 Std.", "Anerkennung"):
        assert shown in row
    assert "Pflegefachfrau / Pflegefachmann / Pflegefachperson" in row  # from the knowledge base


def test_without_a_known_occupation_the_persons_words_are_shown(anna, make_case):
    make_case(occupation_id=None, occupation_text="Schweißer aus Kiew")
    assert "Schweißer aus Kiew" in anna.get("/workspace/").text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (10, "gerade eben"),
        (300, "vor 5 Min."),
        (3 * 3600 + 60, "vor 3 Std."),
        (86400 + 5, "vor 1 Tag"),
        (5 * 86400, "vor 5 Tagen"),
    ],
)
def test_ages_read_as_short_german(seconds, text):
    now = utcnow()
    assert age(now - timedelta(seconds=seconds), now) == text


def test_closed_cases_are_hidden_unless_asked_for(anna, make_case):
    open_case = make_case()
    closed = make_case(status="closed", closed_at=utcnow())
    assert listed(anna) == [open_case.ref]
    assert listed(anna, "status=closed") == [closed.ref]
    assert set(listed(anna, "status=all")) == {open_case.ref, closed.ref}


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("status=waiting", {"status": "waiting"}),
        ("status=in_progress", {"status": "in_progress"}),
        ("language=ru", {"language": "ru"}),
        ("land=HH", {"land": "HH"}),
        ("channel=telegram", {"channel": "telegram"}),
        ("kind=fair-integration", {"kind": "fair-integration", "centre_id": CENTRE_FI}),
    ],
)
def test_filters(anna, make_case, query, fields):
    wanted = make_case(**fields)
    make_case()
    assert listed(anna, query) == [wanted.ref]


def test_assignee_filters(anna, make_case, make_user, db):
    from lotse.store.workspace import User

    colleague = make_user("ben@example.org", centres=[CENTRE_A])
    me = db().scalars(select(User).where(User.email == "anna@example.org")).one()
    mine = make_case(assignee_id=me.id)
    theirs = make_case(assignee_id=colleague.id)
    nobodys = make_case()
    assert listed(anna, "assignee=mine") == [mine.ref]
    assert listed(anna, "assignee=unassigned") == [nobodys.ref]
    assert set(listed(anna)) == {mine.ref, theirs.ref, nobodys.ref}
    assert "Anna Alt" in anna.get("/workspace/").text


def test_tag_and_reviewed_filters(anna, make_case):
    tagged = make_case()
    reviewed = make_case(reviewed=True)
    anna.submit(f"/workspace/cases/{tagged.ref}/tags", {"tag": "Pflege"})
    assert listed(anna, "tag=Pflege") == [tagged.ref]
    assert '<option value="Pflege"' in anna.get("/workspace/").text  # offered as a filter
    assert listed(anna, "reviewed=yes") == [reviewed.ref]
    assert listed(anna, "reviewed=no") == [tagged.ref]


def test_unknown_filter_values_are_ignored(anna, make_case):
    case = make_case()
    assert listed(anna, "status=nonsense&language=xx&sort=evil&page=abc&land=ZZ") == [case.ref]


def test_search_covers_sheet_transcript_notes_and_tags(anna, make_case):
    by_sheet = make_case(occupation_text="Zahnärztin")
    by_transcript = make_case(
        transcript=[{"role": "person", "text": "Я ИНЖЕНЕР-механик из Харькова", "language": "ru"}]
    )
    by_note = make_case()
    anna.submit(f"/workspace/cases/{by_note.ref}/notes", {"text": "Rückruf Donnerstag"})
    by_tag = make_case()
    anna.submit(f"/workspace/cases/{by_tag.ref}/tags", {"tag": "dringend"})
    make_case()
    assert listed(anna, "q=zahnärztin") == [by_sheet.ref]
    assert listed(anna, "q=инженер-механик") == [by_transcript.ref]
    assert listed(anna, "q=donnerstag") == [by_note.ref]
    assert listed(anna, "q=DRINGEND") == [by_tag.ref]
    assert listed(anna, f"q={by_sheet.ref}") == [by_sheet.ref]
    assert listed(anna, "q=Zahnärztin+gibt-es-nicht") == []  # every word must match


def test_search_treats_percent_and_underscore_literally(anna, make_case):
    literal = make_case(occupation_text="100%_Stelle")
    make_case(occupation_text="1000 Stellen")
    assert listed(anna, "q=%25") == [literal.ref]
    assert listed(anna, "q=_") == [literal.ref]
    assert listed(anna, "q=0%25_S") == [literal.ref]
    assert escape_like("a%b_c\\") == "a\\%b\\_c\\\\"


def test_search_does_not_reach_other_centres(anna, make_case):
    make_case(centre_id=CENTRE_B, occupation_text="Geheimberuf")
    assert listed(anna, "q=Geheimberuf") == []


def test_sorting(anna, make_case):
    now = utcnow()
    old = make_case(created_at=now - timedelta(days=2), status="waiting")
    middle = make_case(created_at=now - timedelta(days=1), status="in_progress")
    new = make_case(created_at=now, status="new")
    assert listed(anna) == [new.ref, middle.ref, old.ref]
    assert listed(anna, "sort=oldest") == [old.ref, middle.ref, new.ref]
    assert listed(anna, "sort=status") == [new.ref, middle.ref, old.ref]
    closed = make_case(created_at=now + timedelta(seconds=1), status="closed")
    assert listed(anna, "sort=status&status=all")[-1] == closed.ref


def test_pages(anna, make_case):
    now = utcnow()
    refs = [make_case(created_at=now - timedelta(minutes=i)).ref for i in range(PAGE_SIZE + 3)]
    first = anna.get("/workspace/?language=de")
    assert REF.findall(first.text) == refs[:PAGE_SIZE]
    assert f"{PAGE_SIZE + 3} Fälle" in first.text
    assert 'href="/workspace/?language=de&amp;page=2"' in first.text
    assert listed(anna, "language=de&page=2") == refs[PAGE_SIZE:]
    assert listed(anna, "page=99") == []


def test_the_version_changes_with_new_and_changed_cases_of_the_users_centres(anna, make_case):
    def version():
        response = anna.get("/workspace/inbox/version")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        return response.json()["version"]

    start = version()
    make_case(centre_id=CENTRE_B)
    assert version() == start  # another centre's hand-off does not concern this inbox
    case = make_case()
    after_new = version()
    assert after_new != start
    assert anna.get("/workspace/").text.count(f'data-ref="{case.ref}"') == 1
    anna.submit(f"/workspace/cases/{case.ref}/status", {"status": "waiting"})
    assert version() != after_new


def test_the_page_carries_its_version_and_polls_from_a_static_script(anna):
    page = anna.get("/workspace/")
    assert 'data-version="' in page.text
    assert '<script src="/workspace/static/inbox.js" defer></script>' in page.text
    script = anna.get("/workspace/static/inbox.js")
    assert script.status_code == 200
    assert "/workspace/inbox/version" in script.text


def test_viewing_the_inbox_is_audited(anna, db):
    actions = [entry.action for entry in db().scalars(select(AuditEntry))]
    assert "inbox" in actions
