"""Take-over routes: POST /workspace/cases/{ref}/takeover, /reply (field `text`), /handback.

Each needs the CSRF token, works only on the user's own centres' cases (404 otherwise), is
audited (lotse/workspace/takeover.py) and answers 303 back to the case view. When something the
counsellor must know went wrong (Rasa unreachable, Telegram refused the message, a notice did
not arrive), a page says so instead; a reply that did not reach the person is kept in the form.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from lotse.store.handoffs import Handoff
from lotse.web.rasa_client import RasaClient
from lotse.workspace import takeover
from lotse.workspace.deps import CsrfChecked, CurrentUser, DbSession, case_for
from lotse.workspace.templating import render

router = APIRouter()

#: `?ok=` keys of the case view (lotse/workspace/templating.py NOTICES).
OK_TAKEOVER = "taken-over"
OK_REPLY = "reply-sent"
OK_HANDBACK = "handed-back"
#: Status of the page shown when the message did not reach the person (or Rasa failed).
FAILED_STATUS = 503


def _rasa(request: Request) -> RasaClient:
    return request.app.state.rasa_client


def _telegram(request: Request) -> takeover.TelegramRelay | None:
    return getattr(request.app.state, "telegram", None)


def _back(ref: str, ok: str) -> RedirectResponse:
    return RedirectResponse(f"/workspace/cases/{ref}?ok={ok}#reply", status_code=303)


def _result_page(
    request: Request,
    case: Handoff,
    *,
    error: str | None = None,
    notice: str | None = None,
    draft: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "case": case,
        "error": error,
        "notice": notice,
        "draft": draft,
        "max_length": takeover.MAX_REPLY_LENGTH,
    }
    return render(request, "takeover_result.html", context, status_code=status_code)


@router.post("/cases/{ref}/takeover", dependencies=[CsrfChecked])
async def take_over(request: Request, ref: str, db: DbSession, user: CurrentUser) -> Response:
    """Pause Lotse in this conversation and tell the person a counsellor writes now."""
    case = case_for(db, user, ref)
    try:
        warning = await takeover.start_takeover(db, _rasa(request), _telegram(request), case, user)
    except takeover.TakeoverError as error:
        db.commit()  # what did happen (a notice sent before the failure) stays recorded
        return _result_page(request, case, error=error.message, status_code=FAILED_STATUS)
    db.commit()  # before the redirect: the next request must see the take-over
    if warning:
        return _result_page(request, case, error=warning)
    return _back(case.ref, OK_TAKEOVER)


@router.post("/cases/{ref}/reply", dependencies=[CsrfChecked])
async def reply(
    request: Request, ref: str, db: DbSession, user: CurrentUser, text: str = Form("")
) -> Response:
    """Send the counsellor's message to the person on their channel."""
    case = case_for(db, user, ref)
    try:
        warning = await takeover.send_reply(
            db, _rasa(request), _telegram(request), case, user, text
        )
    except takeover.TakeoverError as error:
        db.commit()  # a take-over that happened before the failure stays recorded
        return _result_page(
            request, case, error=error.message, draft=text, status_code=FAILED_STATUS
        )
    db.commit()
    if warning:
        return _result_page(request, case, notice="Nachricht zugestellt.", error=warning)
    return _back(case.ref, OK_REPLY)


@router.post("/cases/{ref}/handback", dependencies=[CsrfChecked])
async def handback(request: Request, ref: str, db: DbSession, user: CurrentUser) -> Response:
    """Let Lotse answer again and tell the person."""
    case = case_for(db, user, ref)
    try:
        warning = await takeover.hand_back(db, _rasa(request), _telegram(request), case, user)
    except takeover.TakeoverError as error:
        db.commit()  # what did happen (a notice sent before the failure) stays recorded
        return _result_page(request, case, error=error.message, status_code=FAILED_STATUS)
    db.commit()
    if warning:
        return _result_page(request, case, error=warning)
    return _back(case.ref, OK_HANDBACK)
