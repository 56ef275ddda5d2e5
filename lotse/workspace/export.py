"""Export of one case as PDF (for the file) and as CSV (for a spreadsheet).

Both show what the case view shows: the case sheet, the case state, tags, the transcript with
times (from Rasa's tracker when it answers, else the transcript stored with the hand-off); the PDF
also has the notes.

PDF: fpdf2 with matplotlib's DejaVu Sans (Latin, Cyrillic, Arabic) and fpdf2's text shaping,
which uses HarfBuzz (`uharfbuzz`): Arabic comes out joined and right to left, an Arabic paragraph
is right-aligned. CSV: one row per transcript turn, each carrying the case sheet fields; UTF-8
with BOM and ";" as separator, as German Excel expects; cells starting with = + - @ (or a tab or
carriage return) get a leading apostrophe so a spreadsheet never runs them as formulas.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from lotse.knowledge import load_knowledge
from lotse.store.db import utcnow
from lotse.store.handoffs import Handoff
from lotse.store.workspace import CaseNote, CaseTag, User
from lotse.workspace import labels
from lotse.workspace.cases import stored_transcript
from lotse.workspace.templating import local_time, percent

logger = logging.getLogger(__name__)

#: Where the transcript came from (shown in both exports).
SOURCE_TRACKER = "Rasa-Tracker (vollständiger Verlauf)"
SOURCE_STORED = "bei der Übergabe gespeichert (Rasa nicht erreichbar)"

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITER = ";"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Turn:
    """One transcript turn, ready to print."""

    at: str  # German local time or "–"
    role: str  # "person" | "bot" | "counsellor" | "event"
    text: str
    language: str | None = None
    intent: str | None = None
    confidence: float | None = None
    candidates: tuple[str, ...] = ()  # "Pflegefachfrau/-mann (87 %)"
    author: str | None = None  # the counsellor who wrote it


@dataclass
class CaseRecord:
    """Everything one export shows."""

    ref: str
    sheet: list[tuple[str, str]]
    state: list[tuple[str, str]]
    tags: list[str]
    notes: list[tuple[str, str, str]]  # (author, time, text)
    turns: list[Turn]
    transcript_source: str
    exported_at: str = field(default_factory=lambda: local_time(utcnow()))


def clean(text: Any) -> str:
    """Text safe to print: a string, NFC, without control characters (newlines kept)."""
    if text is None:
        return ""
    return _CONTROL_CHARS.sub("", unicodedata.normalize("NFC", str(text)))


def occupation_name(occupation_id: str | None) -> str:
    """The German title of a reference occupation ("" if unknown)."""
    if not occupation_id:
        return ""
    occupation = load_knowledge().occupations.get(occupation_id)
    return occupation.title_de if occupation else ""


def centre_name(centre_id: str) -> str:
    """The name of a counselling centre (its id if unknown)."""
    for centre in load_knowledge().centres:
        if centre.id == centre_id:
            return centre.name
    return centre_id


def _sheet(case: Handoff) -> list[tuple[str, str]]:
    title = occupation_name(case.occupation_id)
    occupation = f"{title} ({case.occupation_id})" if title else (case.occupation_id or "–")
    return [
        ("Fall", case.ref),
        ("Art", labels.label(labels.KIND_LABELS, case.kind)),
        ("Kanal", labels.label(labels.CHANNEL_LABELS, case.channel)),
        ("Sprache", labels.label(labels.LANGUAGE_LABELS, case.language)),
        ("Beruf (Angabe der Person)", clean(case.occupation_text) or "–"),
        ("Referenzberuf", occupation),
        ("Übereinstimmung", percent(case.occupation_score)),
        ("Reglementiert", labels.label(labels.REGULATED_LABELS, case.regulated)),
        ("Land der Ausbildung", case.country or "–"),
        ("Bundesland", labels.label(labels.LAND_LABELS, case.land)),
        ("Zuständige Stelle", clean(case.authority) or "–"),
        ("Beratungsstelle", centre_name(case.centre_id)),
        ("Kontaktweg", labels.label(labels.CONTACT_LABELS, case.contact_channel)),
        ("Kontakt", clean(case.contact_value) or "–"),
        ("Einwilligung", local_time(case.consent_at)),
        ("Übergeben", local_time(case.created_at)),
    ]


def _state(db: Session, case: Handoff) -> list[tuple[str, str]]:
    assignee = db.get(User, case.assignee_id) if case.assignee_id else None
    return [
        ("Status", labels.label(labels.STATUS_LABELS, case.status)),
        ("Zuständig", assignee.name if assignee else "–"),
        ("Gesichtet", "ja" if case.reviewed else "nein"),
        ("Zuletzt geändert", local_time(case.updated_at)),
        ("Abgeschlossen am", local_time(case.closed_at)),
    ]


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def turn_time(value: Any) -> str:
    """A turn's time (ISO text from the tracker, Unix seconds in stored transcripts) in German."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return local_time(datetime.fromtimestamp(value, tz=timezone.utc))
        except (OverflowError, OSError, ValueError):
            return "–"
    return local_time(value) if isinstance(value, (str, datetime)) else "–"


def to_turn(raw: dict[str, Any]) -> Turn:
    """A transcript entry (from the tracker or the stored JSON) as a `Turn`."""
    candidates = []
    for candidate in raw.get("candidates") or []:
        if not isinstance(candidate, dict):
            continue
        name = clean(candidate.get("name") or occupation_name(candidate.get("id")))
        candidates.append(
            f"{name or clean(candidate.get('id'))} ({percent(_float(candidate.get('score')))})"
        )
    return Turn(
        at=turn_time(raw.get("at")),
        role=clean(raw.get("role")) or "event",
        text=clean(raw.get("text")),
        language=clean(raw.get("language")) or None,
        intent=clean(raw.get("intent")) or None,
        confidence=_float(raw.get("confidence")),
        candidates=tuple(candidates),
        author=clean(raw.get("author")) or None,
    )


async def load_transcript(rasa: Any, case: Handoff) -> tuple[list[dict[str, Any]], str]:
    """The conversation from Rasa's tracker, or the stored one when Rasa does not answer."""
    fetch = getattr(rasa, "transcript", None)
    if fetch is not None:
        try:
            turns = await fetch(case.sender_id)
        except Exception as error:  # unreachable or a bad answer: the stored copy will do
            logger.warning("transcript from Rasa failed (%s)", type(error).__name__)
            turns = None
        if turns is not None:
            return list(turns), SOURCE_TRACKER
    return stored_transcript(case), SOURCE_STORED


def build_record(
    db: Session, case: Handoff, transcript: list[dict[str, Any]], source: str
) -> CaseRecord:
    """Collect what the exports show."""
    tags = list(
        db.scalars(select(CaseTag.tag).where(CaseTag.handoff_id == case.id).order_by(CaseTag.tag))
    )
    notes = []
    for note in db.scalars(
        select(CaseNote).where(CaseNote.handoff_id == case.id).order_by(CaseNote.created_at)
    ):
        author = db.get(User, note.author_id) if note.author_id else None
        notes.append(
            (author.name if author else "–", local_time(note.created_at), clean(note.text))
        )
    return CaseRecord(
        ref=case.ref,
        sheet=_sheet(case),
        state=_state(db, case),
        tags=[clean(tag) for tag in tags],
        notes=notes,
        turns=[to_turn(raw) for raw in transcript],
        transcript_source=source,
    )


# ---------------------------------------------------------------------------------------- CSV

CSV_TURN_COLUMNS = (
    "Nr.",
    "Zeit",
    "Rolle",
    "Sprache der Nachricht",
    "Text",
    "Absicht",
    "Sicherheit",
    "Kandidaten",
)


def neutralise(cell: str) -> str:
    """A cell a spreadsheet shows as text: formula-like starts get a leading apostrophe."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def case_csv(record: CaseRecord) -> bytes:
    """The case as CSV: one row per turn (or one row without turns), UTF-8 with BOM."""
    sheet_header = [name for name, _ in record.sheet + record.state] + ["Schlagwörter", "Quelle"]
    sheet_values = [value for _, value in record.sheet + record.state] + [
        ", ".join(record.tags),
        record.transcript_source,
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(sheet_header + list(CSV_TURN_COLUMNS))
    rows = [
        [
            str(number),
            turn.at,
            labels.label(labels.ROLE_LABELS, turn.role)
            + (f" ({turn.author})" if turn.author else ""),
            turn.language or "",
            turn.text,
            turn.intent or "",
            "" if turn.confidence is None else f"{turn.confidence:.2f}",
            ", ".join(turn.candidates),
        ]
        for number, turn in enumerate(record.turns, start=1)
    ] or [[""] * len(CSV_TURN_COLUMNS)]
    for row in rows:
        writer.writerow([neutralise(cell) for cell in sheet_values + row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ---------------------------------------------------------------------------------------- PDF

FONT = "DejaVu"
PAGE_MARGIN_MM = 15
LABEL_WIDTH_MM = 55
LINE_MM = 5.5


@lru_cache(maxsize=1)
def font_paths() -> dict[str, Path]:
    """matplotlib's DejaVu Sans (regular and bold), which covers de, en, ar, ru and pl."""
    import matplotlib

    directory = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {"": directory / "DejaVuSans.ttf", "B": directory / "DejaVuSans-Bold.ttf"}


def is_rtl(text: str) -> bool:
    """Whether the first strong character of `text` is right-to-left (Arabic, Hebrew)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def needs_shaping(text: str) -> bool:
    """Whether `text` has right-to-left letters, which need HarfBuzz (joining, bidi order).

    Shaping every paragraph would make long transcripts several times slower, and Latin,
    Cyrillic and Polish text print the same without it.
    """
    return any(unicodedata.bidirectional(char) in ("R", "AL", "AN") for char in text)


class CasePdf(FPDF):
    """A4 portrait with the case reference in the header and page numbers in the footer."""

    def __init__(self, ref: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.ref = ref
        for style, path in font_paths().items():
            self.add_font(FONT, style, str(path))
        self.set_margins(PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM)
        self.set_auto_page_break(True, margin=PAGE_MARGIN_MM + 5)
        self.set_title(f"Fall {ref}")
        self.set_creator("Lotse")

    def header(self) -> None:
        self.set_font(FONT, "", 8)
        self.set_text_color(90)
        self.cell(0, 5, f"Lotse · Fall {self.ref} · vertraulich", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-PAGE_MARGIN_MM)
        self.set_font(FONT, "", 8)
        self.set_text_color(90)
        self.cell(0, 5, f"Seite {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)

    def shape_for(self, text: str) -> None:
        """Turn HarfBuzz shaping on for right-to-left text, off otherwise."""
        self.set_text_shaping(needs_shaping(text))

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(FONT, "B", 12)
        self.shape_for(text)
        self.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 10)

    def paragraph(self, text: str, size: float = 10, style: str = "") -> None:
        """Text over the full width; right-aligned when it is Arabic (or another RTL script)."""
        self.set_font(FONT, style, size)
        self.shape_for(text)
        self.multi_cell(
            0,
            LINE_MM,
            text or "–",
            align="R" if is_rtl(text) else "L",
            new_x="LMARGIN",
            new_y="NEXT",
        )

    def pairs(self, rows: list[tuple[str, str]]) -> None:
        """Label/value rows: the label bold on the left, the value wrapped on the right."""
        width = self.epw - LABEL_WIDTH_MM
        for name, value in rows:
            if self.will_page_break(LINE_MM):
                self.add_page()
            self.set_font(FONT, "B", 9)
            self.shape_for(name)
            self.multi_cell(LABEL_WIDTH_MM, LINE_MM, name, new_x="RIGHT", new_y="TOP")
            self.set_font(FONT, "", 10)
            self.shape_for(value)
            self.multi_cell(
                width,
                LINE_MM,
                value or "–",
                align="R" if is_rtl(value) else "L",
                new_x="LMARGIN",
                new_y="NEXT",
            )


def _turn_heading(turn: Turn) -> str:
    role = labels.label(labels.ROLE_LABELS, turn.role)
    parts = [turn.at, f"{role} ({turn.author})" if turn.author else role]
    if turn.language:
        parts.append(labels.label(labels.LANGUAGE_LABELS, turn.language))
    if turn.intent:
        confidence = "" if turn.confidence is None else f" ({turn.confidence:.2f})"
        parts.append(f"Absicht: {turn.intent}{confidence}")
    return " · ".join(parts)


def case_pdf(record: CaseRecord) -> bytes:
    """The case as a PDF document."""
    pdf = CasePdf(record.ref)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 10, f"Fall {record.ref}", new_x="LMARGIN", new_y="NEXT")
    pdf.paragraph(f"Exportiert am {record.exported_at}", size=9)
    pdf.heading("Fallblatt")
    pdf.pairs(record.sheet)
    pdf.heading("Bearbeitung")
    pdf.pairs([*record.state, ("Schlagwörter", ", ".join(record.tags) or "–")])
    pdf.heading("Notizen")
    if not record.notes:
        pdf.paragraph("Keine Notizen.")
    for author, at, text in record.notes:
        pdf.paragraph(f"{at} · {author}", size=8, style="B")
        pdf.paragraph(text)
        pdf.ln(1)
    pdf.heading("Verlauf")
    pdf.paragraph(f"Quelle: {record.transcript_source}", size=8)
    if not record.turns:
        pdf.paragraph("Kein Verlauf vorhanden.")
    for turn in record.turns:
        pdf.ln(1)
        pdf.paragraph(_turn_heading(turn), size=8, style="B")
        pdf.paragraph(turn.text)
        if turn.candidates:
            pdf.paragraph("Kandidaten: " + "; ".join(turn.candidates), size=8)
    return bytes(pdf.output())
