"""Workspace routes: export a case (PDF, CSV) and delete it with its whole conversation.

- GET  /cases/{ref}/export.pdf, /cases/{ref}/export.csv: a download, audited "export".
- GET  /cases/{ref}/delete: the confirmation page.
- POST /cases/{ref}/delete: CSRF, the field `confirm` must repeat the case reference; deletes
  (see `lotse.workspace.records`), audited "delete", 303 to the inbox. When Rasa cannot erase the
  conversation, nothing is deleted and the page says so (503).
Another centre's case is a 404 everywhere, like a missing one.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from lotse.web.deps import RasaClientDep
from lotse.workspace.deps import CsrfChecked, CurrentUser, DbSession, audit, case_for
from lotse.workspace.export import build_record, case_csv, case_pdf, load_transcript
from lotse.workspace.records import DeletionFailed, delete_case
from lotse.workspace.templating import render

router = APIRouter()

INBOX_AFTER_DELETE = "/workspace/?ok=deleted"
CONFIRM_MISMATCH = "Bitte geben Sie zur Bestätigung die Fallnummer {ref} genau so ein."
RASA_DOWN = (
    "Der Fall wurde nicht gelöscht: der Chat-Server (Rasa) ist gerade nicht erreichbar, und ohne "
    "ihn bliebe der Gesprächsverlauf gespeichert. Bitte versuchen Sie es in einigen Minuten erneut."
)


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/cases/{ref}/export.pdf")
async def export_pdf(ref: str, user: CurrentUser, db: DbSession, rasa: RasaClientDep) -> Response:
    """The case as a PDF document."""
    case = case_for(db, user, ref)
    transcript, source = await load_transcript(rasa, case)
    record = build_record(db, case, transcript, source)
    # Layout takes up to a few seconds for long transcripts: keep the event loop free meanwhile.
    content = await run_in_threadpool(case_pdf, record)
    audit(db, user, "export", case.ref, "pdf")
    return _download(content, "application/pdf", f"{case.ref}.pdf")


@router.get("/cases/{ref}/export.csv")
async def export_csv(ref: str, user: CurrentUser, db: DbSession, rasa: RasaClientDep) -> Response:
    """The case as CSV (one row per transcript turn)."""
    case = case_for(db, user, ref)
    transcript, source = await load_transcript(rasa, case)
    content = case_csv(build_record(db, case, transcript, source))
    audit(db, user, "export", case.ref, "csv")
    return _download(content, "text/csv; charset=utf-8", f"{case.ref}.csv")


@router.get("/cases/{ref}/delete")
async def delete_form(request: Request, ref: str, user: CurrentUser, db: DbSession) -> Response:
    """Ask for confirmation before deleting."""
    case = case_for(db, user, ref)
    return render(request, "delete.html", {"case": case})


@router.post("/cases/{ref}/delete", dependencies=[CsrfChecked])
async def delete(
    request: Request,
    ref: str,
    user: CurrentUser,
    db: DbSession,
    rasa: RasaClientDep,
    confirm: str = Form(""),
) -> Response:
    """Delete the case with its whole conversation; then back to the inbox."""
    case = case_for(db, user, ref)
    if confirm.strip().upper() != case.ref.upper():
        error = CONFIRM_MISMATCH.format(ref=case.ref)
        return render(request, "delete.html", {"case": case, "error": error}, status_code=400)
    try:
        await delete_case(db, rasa, case, user, "request")
    except DeletionFailed:
        db.rollback()
        return render(request, "delete.html", {"case": case, "error": RASA_DOWN}, status_code=503)
    return RedirectResponse(INBOX_AFTER_DELETE, status_code=303)
