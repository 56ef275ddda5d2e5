"""Case export: the PDF's and CSV's contents read back, Arabic shaped right to left, formula
injection neutralised, audited downloads, and the permission boundaries of the routes."""

from __future__ import annotations

import csv
import io
import json

import pytest

from lotse.store.handoffs import Handoff
from lotse.workspace.export import (
    SOURCE_STORED,
    SOURCE_TRACKER,
    CaseRecord,
    Turn,
    case_csv,
    case_pdf,
    neutralise,
)
from tests.workspace.conftest import CENTRE_A, CENTRE_B
from tests.workspace.pdftext import read_pdf
from tests.workspace.records_fakes import RecordsRasa, add_case_work, audit_rows

ARABIC = "أنا طبيبة من سوريا وأريد العمل في برلين"
TRACKER = [
    {
        "role": "person",
        "text": "Ich bin Ärztin",
        "at": "2026-11-20T09:15:00+00:00",
        "language": "de",
        "intent": "inform_occupation",
        "confidence": 0.91,
    },
    {
        "role": "bot",
        "text": "Ihr Referenzberuf: Ärztin/Arzt",
        "at": "2026-11-20T09:15:01+00:00",
        "language": "de",
        "candidates": [
            {"id": "arzt", "name": "Ärztin/Arzt", "score": 0.93},
            {"id": "zahnarzt", "name": "Zahnärztin/Zahnarzt", "score": 0.61},
        ],
    },
    {"role": "person", "text": ARABIC, "at": "2026-11-20T09:16:00+00:00", "language": "ar"},
    {
        "role": "counsellor",
        "text": "Guten Tag, hier ist die Beratung.",
        "author": "Anna Berger",
        "at": "2026-11-20T10:00:00+00:00",
        "language": "de",
    },
    {
        "role": "person",
        "text": '=HYPERLINK("http://evil.example","klick")',
        "at": "2026-11-20T10:05:00+00:00",
        "language": "de",
    },
]


@pytest.fixture
def rasa() -> RecordsRasa:
    return RecordsRasa()


def _record(turns: list[Turn], sheet_extra: list[tuple[str, str]] | None = None) -> CaseRecord:
    return CaseRecord(
        ref="LT-TEST23",
        sheet=[
            ("Fall", "LT-TEST23"),
            ("Beruf (Angabe der Person)", "طبيبة أطفال"),
            *(sheet_extra or []),
        ],
        state=[("Status", "Neu")],
        tags=["Pflege"],
        notes=[("Anna Berger", "20.11.2026, 10:00", "Rückruf am Montag")],
        turns=turns,
        transcript_source=SOURCE_TRACKER,
    )


def test_pdf_contains_sheet_notes_and_transcript_in_every_script() -> None:
    record = _record(
        [
            Turn(at="20.11.2026, 10:15", role="person", text="Привет, я врач", language="ru"),
            Turn(
                at="20.11.2026, 10:16",
                role="bot",
                text="Zażółć gęślą jaźń",
                language="pl",
                candidates=("Ärztin/Arzt (93 %)",),
            ),
        ]
    )

    document = read_pdf(case_pdf(record))

    text = document.text
    for expected in (
        "Fall LT-TEST23",
        "Fallblatt",
        "Beruf (Angabe der Person)",
        "Notizen",
        "Anna Berger",
        "Rückruf am Montag",
        "Schlagwörter",
        "Pflege",
        "Verlauf",
        "20.11.2026, 10:15",
        "Person · Russisch",
        "Привет, я врач",
        "Zażółć gęślą jaźń",
        "Kandidaten: Ärztin/Arzt (93 %)",
        "Seite 1/1",
    ):
        assert expected in text, expected


def test_arabic_is_drawn_right_to_left_and_joined() -> None:
    record = _record([Turn(at="20.11.2026, 10:15", role="person", text=ARABIC, language="ar")])

    document = read_pdf(case_pdf(record))

    # Drawn left to right on the page, an RTL line reads backwards; unshaped it would read forwards.
    assert ARABIC[::-1] in document.text
    assert ARABIC not in document.text
    # Joined: the letter beh (initial in برلين, medial in طبيبة) is drawn with different glyphs.
    beh_glyphs = {
        code for cmap in document.cmaps.values() for code, char in cmap.items() if char == "ب"
    }
    assert len(beh_glyphs) >= 2


def test_long_transcript_pdf_has_all_pages_and_turns() -> None:
    turns = [
        Turn(at="20.11.2026, 10:15", role="person", text=f"Nachricht Nummer {n}")
        for n in range(150)
    ]

    document = read_pdf(case_pdf(_record(turns)))

    assert len(document.pages_text) > 3
    assert f"Seite 1/{len(document.pages_text)}" in document.pages_text[0]
    for n in (0, 75, 149):
        assert f"Nachricht Nummer {n}" in document.text


def test_csv_has_one_row_per_turn_with_the_case_sheet_and_a_bom() -> None:
    record = _record(
        [
            Turn(
                at="20.11.2026, 10:15",
                role="person",
                text=ARABIC,
                language="ar",
                intent="inform",
                confidence=0.876,
            ),
            Turn(at="20.11.2026, 10:16", role="counsellor", text="Hallo", author="Anna Berger"),
        ],
    )

    data = case_csv(record)

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2
    assert {row["Fall"] for row in rows} == {"LT-TEST23"}
    assert rows[0]["Beruf (Angabe der Person)"] == "طبيبة أطفال"
    assert (rows[0]["Nr."], rows[0]["Rolle"], rows[0]["Text"]) == ("1", "Person", ARABIC)
    assert (rows[0]["Absicht"], rows[0]["Sicherheit"]) == ("inform", "0.88")
    assert rows[1]["Rolle"] == "Beratung (Anna Berger)"
    assert rows[1]["Schlagwörter"] == "Pflege"


@pytest.mark.parametrize("cell", ["=1+1", "+49 30 123", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_like_cells_are_neutralised(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    data = case_csv(_record([Turn(at="–", role="person", text=cell)], [("Kontakt", cell)]))
    row = next(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert row["Text"] == "'" + cell and row["Kontakt"] == "'" + cell


def test_ordinary_cells_are_left_alone() -> None:
    for cell in ("Ärztin", "LT-ABC234", "", "1+1", "E-Mail"):
        assert neutralise(cell) == cell


def test_csv_without_transcript_still_has_the_case_row() -> None:
    rows = list(csv.reader(io.StringIO(case_csv(_record([])).decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2 and rows[1][0] == "LT-TEST23"


# ------------------------------------------------------------------------------------ routes


def _login(client, make_user, login, centres=(CENTRE_A,)):
    make_user("a@example.org", centres=list(centres), name="Anna Berger")
    return login(client, "a@example.org")


def test_pdf_download_shows_the_tracker_transcript_and_is_audited(
    client, make_user, login, make_case, rasa, db
) -> None:
    case = make_case(occupation_text="Ärztin", land="BE")
    rasa.transcripts[case.sender_id] = TRACKER
    session = db()
    add_case_work(session, session.get(Handoff, case.id))
    _login(client, make_user, login)

    response = client.get(f"/workspace/cases/{case.ref}/export.pdf")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="{case.ref}.pdf"' in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    text = read_pdf(response.content).text
    for expected in (
        case.ref,
        "Ärztin",
        "Berlin",
        "Rückruf",
        "Pflege",
        "dringend",
        SOURCE_TRACKER,
        "Absicht: inform_occupation (0.91)",
        "Kandidaten: Ärztin/Arzt (93 %); Zahnärztin/Zahnarzt (61 %)",
        "Beratung (Anna Berger)",
        "20.11.2026, 10:15",
        ARABIC[::-1],
    ):
        assert expected in text, expected
    entries = audit_rows(db(), "export")
    assert [(entry.case_ref, entry.detail) for entry in entries] == [(case.ref, "pdf")]


def test_csv_download_falls_back_to_the_stored_transcript(
    client, make_user, login, make_case, rasa, db
) -> None:
    stored = [
        {"role": "person", "text": "-1+1 Krankenschwester", "at": 1763630100.0},
        {"role": "bot", "text": "Pflegefachfrau", "at": 1763630101.5},
    ]
    case = make_case(transcript=json.dumps(stored))
    rasa.transcripts[case.sender_id] = None  # Rasa unreachable
    _login(client, make_user, login)

    response = client.get(f"/workspace/cases/{case.ref}/export.csv")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [row["Text"] for row in rows] == ["'-1+1 Krankenschwester", "Pflegefachfrau"]
    assert rows[0]["Zeit"] == "20.11.2025, 10:15"  # Unix seconds → German local time
    assert {row["Quelle"] for row in rows} == {SOURCE_STORED}
    assert {row["Beratungsstelle"] for row in rows} != {CENTRE_A}  # the centre's name
    assert [(e.case_ref, e.detail) for e in audit_rows(db(), "export")] == [(case.ref, "csv")]


@pytest.mark.parametrize("suffix", ["export.pdf", "export.csv"])
def test_another_centres_case_cannot_be_exported(
    client, make_user, login, make_case, db, suffix
) -> None:
    case = make_case(centre_id=CENTRE_B)
    _login(client, make_user, login)

    response = client.get(f"/workspace/cases/{case.ref}/{suffix}")

    assert response.status_code == 404
    assert case.ref not in response.text
    assert audit_rows(db(), "export") == []


@pytest.mark.parametrize("suffix", ["export.pdf", "export.csv"])
def test_export_needs_a_login(client, make_case, suffix) -> None:
    case = make_case()

    response = client.get(f"/workspace/cases/{case.ref}/{suffix}", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/workspace/login")
