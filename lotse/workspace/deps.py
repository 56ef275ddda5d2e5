"""FastAPI dependencies of the workspace: database session, login, CSRF, case access, audit.

Every workspace route uses these, so the permission rules live in one place:
- not logged in (or session expired) → 303 to the login page;
- a counsellor sees only the cases of their centres: any other case is a 404, like a missing one;
- admin pages are a 404 for counsellors;
- every POST carries the session's CSRF token (form field `csrf_token` or header `X-CSRF-Token`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from lotse.config import Settings
from lotse.store.db import as_utc, session_scope, utcnow
from lotse.store.handoffs import Handoff
from lotse.store.workspace import AuditEntry, Membership, User, WebSession

SESSION_COOKIE = "lotse_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LOGIN_PATH = "/workspace/login"


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_db(settings: SettingsDep) -> Iterator[Session]:
    """A database session for one request: committed when the route returns, else rolled back."""
    with session_scope(settings.database_url) as session:
        yield session


#: scope="function": committed when the route returns, before the response is sent, so the
#: page a redirect leads to already sees the change.
DbSession = Annotated[Session, Depends(get_db, scope="function")]


def token_hash(token: str) -> str:
    """What the sessions table stores instead of the cookie's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _login_required(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"{LOGIN_PATH}?next={quote(target, safe='/')}"
    return HTTPException(status_code=303, headers={"Location": location})


def current_session(request: Request, db: DbSession, settings: SettingsDep) -> WebSession:
    """The valid login session of this request; renews its idle timer. 303 to login otherwise."""
    return _valid_session(request, db, settings, touch=True)


def polling_session(request: Request, db: DbSession, settings: SettingsDep) -> WebSession:
    """Like `current_session` but without renewing the idle timer: a page that polls in the
    background must not keep an unattended login alive."""
    return _valid_session(request, db, settings, touch=False)


def _valid_session(request: Request, db: Session, settings: Settings, *, touch: bool) -> WebSession:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise _login_required(request)
    web_session = db.get(WebSession, token_hash(token))
    now = utcnow()
    idle_limit = timedelta(minutes=settings.workspace_idle_minutes)
    if web_session is None:
        raise _login_required(request)
    if as_utc(web_session.expires_at) <= now or now - as_utc(web_session.last_seen_at) > idle_limit:
        db.delete(web_session)
        db.commit()
        raise _login_required(request)
    user = db.get(User, web_session.user_id)
    if user is None or not user.active:
        db.delete(web_session)
        db.commit()
        raise _login_required(request)
    if touch:
        web_session.last_seen_at = now
    request.state.csrf_token = web_session.csrf_token
    return web_session


CurrentSession = Annotated[WebSession, Depends(current_session)]
PollingSession = Annotated[WebSession, Depends(polling_session)]


def current_user(request: Request, web_session: CurrentSession, db: DbSession) -> User:
    """The logged-in user (also `request.state.user`, for the page templates)."""
    user = db.get(User, web_session.user_id)
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_admin(user: CurrentUser) -> User:
    """The logged-in admin; a 404 for counsellors (admin pages do not exist for them)."""
    if not user.is_admin:
        raise HTTPException(status_code=404)
    return user


AdminUser = Annotated[User, Depends(require_admin)]


async def verify_csrf(request: Request, web_session: CurrentSession) -> None:
    """403 unless the request carries this session's CSRF token."""
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None and request.method == "POST":
        form = await request.form()
        value = form.get(CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    if not supplied or not hmac.compare_digest(supplied, web_session.csrf_token):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong; reload the page")


CsrfChecked = Depends(verify_csrf)


def centre_ids(db: Session, user: User) -> set[str]:
    """The centres whose cases this user sees (empty for an admin: see `sees_all`)."""
    return set(db.scalars(select(Membership.centre_id).where(Membership.user_id == user.id)))


def case_for(db: Session, user: User, ref: str) -> Handoff:
    """The case `ref` if this user may see it; otherwise a 404 (indistinguishable from missing)."""
    case = db.scalars(select(Handoff).where(Handoff.ref == ref)).first()
    if case is None or not (user.is_admin or case.centre_id in centre_ids(db, user)):
        raise HTTPException(status_code=404)
    return case


def audit(
    db: Session, user: User | None, action: str, case_ref: str | None = None, detail: str = ""
) -> None:
    """Record who did what to which case (no personal data in `detail`)."""
    db.add(
        AuditEntry(
            at=utcnow(),
            user_id=user.id if user else None,
            action=action,
            case_ref=case_ref,
            detail=detail[:200] or None,
        )
    )
