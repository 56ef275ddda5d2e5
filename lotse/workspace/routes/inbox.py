"""The inbox: the hand-offs of the user's centres, with filters, search, sorting and pages.

GET /workspace/inbox/version answers a small JSON that changes when a visible case is added or
changed; the page's script polls it and refreshes the list (static/inbox.js). The poll does not
renew the login's idle timer.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from lotse.store.workspace import User
from lotse.workspace import cases
from lotse.workspace.deps import CurrentUser, DbSession, PollingSession, audit
from lotse.workspace.templating import render

router = APIRouter()

#: How often the inbox page asks whether something changed (milliseconds).
POLL_INTERVAL_MS = 1000


@router.get("/", response_class=HTMLResponse)
async def inbox(request: Request, db: DbSession, user: CurrentUser) -> HTMLResponse:
    """The inbox page."""
    wanted = cases.InboxFilter.from_query(request.query_params)
    rows, total = cases.inbox_page(db, user, wanted)
    tags = cases.tags_of(db, [row.id for row in rows])
    people = cases.users_by_id(db, {row.assignee_id for row in rows if row.assignee_id})
    pages = max(1, -(-total // cases.PAGE_SIZE))
    audit(db, user, "inbox")
    return render(
        request,
        "inbox.html",
        {
            "nav": "inbox",
            "rows": rows,
            "total": total,
            "tags": tags,
            "people": people,
            "wanted": wanted,
            "pages": pages,
            "all_tags": cases.visible_tags(db, user),
            "occupation_name": cases.occupation_name,
            "version": cases.inbox_version(db, user),
            "poll_ms": POLL_INTERVAL_MS,
            "sorts": {"newest": "Neueste zuerst", "oldest": "Älteste zuerst", "status": "Status"},
        },
    )


@router.get("/inbox/version")
async def inbox_version(db: DbSession, web_session: PollingSession) -> JSONResponse:
    """{"version": "..."}: changes when a case of the user's centres is added or changed."""
    user = db.get(User, web_session.user_id)
    return JSONResponse({"version": cases.inbox_version(db, user)})
