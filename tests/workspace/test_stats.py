"""Statistics: counts per week, centre, language, channel, occupation and category; who sees
which numbers; the SVG charts (accessible, escaped) with tables; the CSV; the qualification mark.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lotse.store.db import utcnow
from lotse.store.workspace import CaseTag
from lotse.workspace.charts import bar_chart, column_chart, nice_max, ticks
from lotse.workspace.export import centre_name, occupation_name
from lotse.workspace.stats import (
    CATEGORY_FAIR_INTEGRATION,
    CATEGORY_QUALIFICATION,
    CATEGORY_RECOGNITION,
    compute_statistics,
    period_start,
    valid_weeks,
    week_label,
)
from tests.workspace.conftest import CENTRE_A, CENTRE_B, CENTRE_FI
from tests.workspace.records_fakes import audit_rows

NOW = datetime(2026, 11, 19, 12, 0, tzinfo=timezone.utc)  # a Thursday, KW 47


@pytest.fixture
def sample(make_case, db):
    """Six hand-offs this and last week, one 10 weeks ago, one 60 weeks ago."""
    made = [
        make_case(created_at=NOW - timedelta(hours=1), language="ar", channel="telegram"),
        make_case(created_at=NOW - timedelta(days=1), language="ar"),
        make_case(created_at=NOW - timedelta(days=8), language="ru", occupation_id=None),
        make_case(created_at=NOW - timedelta(days=9), centre_id=CENTRE_B, language="pl"),
        make_case(
            created_at=NOW - timedelta(days=2),
            centre_id=CENTRE_FI,
            kind="fair-integration",
            language="ru",
            channel="telegram",
        ),
        make_case(created_at=NOW - timedelta(days=3), language="de"),
        make_case(created_at=NOW - timedelta(weeks=10), language="en"),
        make_case(created_at=NOW - timedelta(weeks=60), language="de"),
    ]
    session = db()
    session.add(CaseTag(handoff_id=made[1].id, tag="qualifizierung"))  # any case
    session.add(CaseTag(handoff_id=made[4].id, tag="Qualifizierung"))  # FI stays FI
    session.commit()
    return made


def test_period_starts_on_a_monday_in_german_time() -> None:
    start = period_start(4, NOW)
    assert start.weekday() == 0 and (start.hour, start.minute) == (0, 0)
    assert start.date().isoformat() == "2026-10-26"
    assert week_label(start) == "KW 44/2026"
    assert valid_weeks("52") == 52 and valid_weeks("13") == 12 and valid_weeks("x") == 12


def test_admin_numbers_for_four_weeks(sample, db) -> None:
    stats = compute_statistics(db(), None, 4, now=NOW)

    assert stats.total == 6
    assert stats.per_week == [
        ("KW 44/2026", 0),
        ("KW 45/2026", 0),
        ("KW 46/2026", 2),
        ("KW 47/2026", 4),
    ]
    assert dict(stats.per_centre) == {
        centre_name(CENTRE_A): 4,
        centre_name(CENTRE_B): 1,
        centre_name(CENTRE_FI): 1,
    }
    assert stats.per_language == [
        ("Deutsch", 1),
        ("Englisch", 0),
        ("Arabisch", 2),
        ("Russisch", 2),
        ("Polnisch", 1),
    ]
    assert stats.per_channel == [("Web-Chat", 4), ("Telegram", 2)]
    assert stats.categories == [
        (CATEGORY_RECOGNITION, 4),
        (CATEGORY_QUALIFICATION, 1),
        (CATEGORY_FAIR_INTEGRATION, 1),
    ]
    assert stats.top_occupations[0] == (occupation_name("pflegefachkraft") or "pflegefachkraft", 5)
    assert ("ohne Referenzberuf", 1) in stats.top_occupations


def test_longer_periods_include_older_hand_offs(sample, db) -> None:
    assert compute_statistics(db(), None, 12, now=NOW).total == 7
    assert compute_statistics(db(), None, 52, now=NOW).total == 7
    assert len(compute_statistics(db(), None, 52, now=NOW).per_week) == 52


def test_a_counsellor_counts_only_their_centres(sample, db) -> None:
    stats = compute_statistics(db(), {CENTRE_A}, 4, now=NOW)

    assert stats.total == 4
    assert dict(stats.per_centre) == {centre_name(CENTRE_A): 4}
    assert stats.categories == [
        (CATEGORY_RECOGNITION, 3),
        (CATEGORY_QUALIFICATION, 1),
        (CATEGORY_FAIR_INTEGRATION, 0),
    ]
    assert compute_statistics(db(), set(), 4, now=NOW).total == 0


def test_axis_maxima_and_ticks() -> None:
    assert [nice_max(v) for v in (0, 1, 3, 7, 10, 11, 230)] == [1, 1, 5, 10, 10, 20, 500]
    assert ticks(7) == [0, 2, 4, 6, 8, 10]
    assert ticks(0) == [0, 1]


def test_charts_are_accessible_svg_with_escaped_labels() -> None:
    rows = [("<script>alert(1)</script>", 3), ("Pflege & Gesundheit", 1)]

    svg = str(bar_chart("chart-x", "Berufe <b>", rows))

    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="chart-x-title chart-x-desc"' in svg
    assert '<title id="chart-x-title">Berufe &lt;b&gt;</title>' in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;: 3; Pflege &amp; Gesundheit: 1" in svg
    assert "<script>" not in svg and "<b>" not in svg
    assert re.search(r'font-weight="600"[^>]*>3</text>', svg)  # the count as text
    weeks = str(column_chart("chart-w", "Wochen", [("KW 46/2026", 2), ("KW 47/2026", 4)]))
    assert ">KW 46</text>" in weeks and ">Kalenderwoche</text>" in weeks
    assert weeks.count("<rect") == 2


def _login(client, make_user, login, centres=(CENTRE_A,), admin=False):
    make_user("s@example.org", centres=list(centres), admin=admin)
    return login(client, "s@example.org")


def test_stats_page_shows_charts_and_tables_of_the_users_centres(
    client, make_user, login, make_case
) -> None:
    make_case(language="ar")
    make_case(language="ar", centre_id=CENTRE_B)
    make_case(language="pl", centre_id=CENTRE_B)
    _login(client, make_user, login, centres=(CENTRE_A,))

    page = client.get("/workspace/stats?weeks=4")

    assert page.status_code == 200
    assert page.text.count('role="img"') == 6
    assert "<script" not in page.text.split("</header>")[1]  # no JavaScript needed
    assert 'option value="4" selected' in page.text
    assert "<strong>1</strong> Übergaben" in page.text
    assert '<td>Arabisch</td><td class="number">1</td>' in page.text
    assert '<td>Polnisch</td><td class="number">0</td>' in page.text
    assert centre_name(CENTRE_B) not in page.text
    assert "/workspace/static/stats.css" in page.text
    assert client.get("/workspace/static/stats.css").status_code == 200


def test_admin_sees_every_centre(client, make_user, login, make_case) -> None:
    make_case()
    make_case(centre_id=CENTRE_B)
    _login(client, make_user, login, centres=(), admin=True)

    page = client.get("/workspace/stats")

    assert "<strong>2</strong> Übergaben" in page.text
    assert centre_name(CENTRE_A) in page.text and centre_name(CENTRE_B) in page.text


def test_stats_need_a_login(client) -> None:
    response = client.get("/workspace/stats", follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/workspace/stats.csv", follow_redirects=False).status_code == 303


def test_stats_csv(client, make_user, login, make_case) -> None:
    make_case(channel="telegram", occupation_id="=cmd|' /C calc'!A0")
    _login(client, make_user, login)

    response = client.get("/workspace/stats.csv?weeks=52")

    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert "52-wochen" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Auswertung", "Kategorie", "Anzahl"]
    assert ["Zeitraum", "letzte 52 Wochen", "1"] in rows
    assert ["Übergaben pro Kanal", "Telegram", "1"] in rows
    occupations = [row for row in rows if row[0].startswith("Häufigste")]
    assert occupations == [[occupations[0][0], "'=cmd|' /C calc'!A0", "1"]]


def test_qualification_mark_counts_and_is_audited(client, make_user, login, make_case, db) -> None:
    case = make_case()
    _login(client, make_user, login)

    on = client.submit(f"/workspace/cases/{case.ref}/qualification", {"value": "1"})
    again = client.submit(f"/workspace/cases/{case.ref}/qualification", {"value": "1"})

    assert on.status_code == again.status_code == 303
    assert on.headers["location"] == f"/workspace/cases/{case.ref}?ok=tagged"
    tags = list(db().scalars(select(CaseTag.tag).where(CaseTag.handoff_id == case.id)))
    assert tags == ["Qualifizierung"]
    stats = compute_statistics(db(), {CENTRE_A}, 4, now=utcnow())
    assert dict(stats.categories)[CATEGORY_QUALIFICATION] == 1

    off = client.submit(f"/workspace/cases/{case.ref}/qualification", {"value": "0"})

    assert off.status_code == 303
    assert list(db().scalars(select(CaseTag).where(CaseTag.handoff_id == case.id))) == []
    details = [entry.detail for entry in audit_rows(db(), "change")]
    assert details == ["qualification=on", "qualification=on", "qualification=off"]


def test_qualification_mark_needs_csrf_and_the_right_centre(
    client, make_user, login, make_case, db
) -> None:
    own = make_case()
    foreign = make_case(centre_id=CENTRE_B)
    _login(client, make_user, login)

    no_token = client.post(
        f"/workspace/cases/{own.ref}/qualification", data={"value": "1"}, follow_redirects=False
    )
    other = client.submit(f"/workspace/cases/{foreign.ref}/qualification", {"value": "1"})

    assert (no_token.status_code, other.status_code) == (403, 404)
    assert db().scalars(select(CaseTag)).first() is None


@pytest.mark.parametrize(
    ("tags", "value", "shown"),
    [(["Pflege"], "1", "Statistik: Anerkennung"), (["QUALIFIZIERUNG"], "0", "Qualifizierung")],
)
def test_qualification_partial_offers_the_opposite(make_case, tags, value, shown) -> None:
    from lotse.workspace.templating import templates

    html = templates.env.get_template("_qualification.html").render(
        case=make_case(), tags=tags, csrf_token="tok"
    )

    assert f'name="value" value="{value}"' in html and shown in html
    assert 'name="csrf_token" value="tok"' in html
    fair = make_case(kind="fair-integration")
    rendered = templates.env.get_template("_qualification.html").render(
        case=fair, tags=[], csrf_token="tok"
    )
    assert "<form" not in rendered
