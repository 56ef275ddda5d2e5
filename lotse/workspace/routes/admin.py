"""Admin pages: accounts (create, deactivate, reset password, admin role, centres) and centres
(from knowledge/centres.yaml, with their members and whom a new hand-off notifies).

Every route depends on `AdminUser`: for counsellors these pages do not exist (404).
An admin cannot take their own admin role or deactivate themselves (no lock-out).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from lotse.knowledge.loader import load_knowledge
from lotse.store.workspace import CentreSettings, Membership, User
from lotse.workspace import auth
from lotse.workspace.deps import AdminUser, CsrfChecked, DbSession, audit
from lotse.workspace.templating import render

router = APIRouter(prefix="/admin")

#: Centre ids of a form's checkboxes (none checked: None).
CentreIds = Annotated[list[str] | None, Form()]
TELEGRAM_CHAT_ID = re.compile(r"-?\d{1,20}|@[A-Za-z0-9_]{5,32}")


def _centres() -> dict[str, object]:
    return {centre.id: centre for centre in load_knowledge().centres}


def _memberships(db: DbSession) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for user_id, centre_id in db.execute(
        select(Membership.user_id, Membership.centre_id).order_by(Membership.centre_id)
    ):
        found.setdefault(user_id, []).append(centre_id)
    return found


def _known_centres(centres: list[str] | None) -> list[str]:
    centres = centres or []
    known = _centres()
    unknown = [centre for centre in centres if centre not in known]
    if unknown:
        raise HTTPException(status_code=400, detail="unknown centre")
    return centres


def _user(db: DbSession, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=404)
    return user


def _users_page(
    request: Request, db: DbSession, error: str = "", form: dict | None = None, status: int = 200
) -> HTMLResponse:
    users = list(db.scalars(select(User).order_by(User.active.desc(), User.name)))
    return render(
        request,
        "admin_users.html",
        {
            "nav": "admin",
            "users": users,
            "memberships": _memberships(db),
            "centres": _centres(),
            "error": error,
            "form": form or {},
        },
        status_code=status,
    )


@router.get("/users", response_class=HTMLResponse)
async def users(request: Request, db: DbSession, admin: AdminUser) -> HTMLResponse:
    """All accounts and the form for a new one."""
    return _users_page(request, db)


@router.post("/users", dependencies=[CsrfChecked], response_model=None)
async def create_user(
    request: Request,
    db: DbSession,
    admin: AdminUser,
    email: str = Form(""),
    name: str = Form(""),
    password: str = Form(""),
    is_admin: str = Form(""),
    centres: CentreIds = None,
) -> Response:
    """Create an account (counsellor with centres, or admin)."""
    form = {"email": email, "name": name, "is_admin": is_admin, "centres": centres or []}
    try:
        user = auth.create_user(
            db, email, name, password, admin=is_admin == "1", centres=_known_centres(centres)
        )
    except auth.AccountError as problem:
        return _users_page(request, db, str(problem), form, status=400)
    audit(db, admin, "admin", detail=f"user-created={user.id}")
    return RedirectResponse(f"/workspace/admin/users/{user.id}?ok=user-created", status_code=303)


@router.get("/users/{user_id}", response_class=HTMLResponse)
async def user_page(
    request: Request, user_id: int, db: DbSession, admin: AdminUser
) -> HTMLResponse:
    """One account: centres, role, active, password reset."""
    return _user_page(request, db, _user(db, user_id))


def _user_page(
    request: Request, db: DbSession, account: User, error: str = "", status: int = 200
) -> HTMLResponse:
    return render(
        request,
        "admin_user.html",
        {
            "nav": "admin",
            "account": account,
            "member_of": _memberships(db).get(account.id, []),
            "centres": _centres(),
            "error": error,
        },
        status_code=status,
    )


@router.post("/users/{user_id}/centres", dependencies=[CsrfChecked])
async def set_centres(
    user_id: int, db: DbSession, admin: AdminUser, centres: CentreIds = None
) -> RedirectResponse:
    """Make exactly these centres the account's centres."""
    account = _user(db, user_id)
    auth.set_centres(db, account, _known_centres(centres))
    audit(db, admin, "admin", detail=f"centres={account.id}")
    return _user_redirect(account)


@router.post("/users/{user_id}/role", dependencies=[CsrfChecked])
async def set_role(
    user_id: int, db: DbSession, admin: AdminUser, is_admin: str = Form("")
) -> RedirectResponse:
    """Give or take the admin role (not one's own)."""
    account = _user(db, user_id)
    if account.id == admin.id:
        raise HTTPException(status_code=400, detail="you cannot change your own role")
    account.is_admin = is_admin == "1"
    audit(db, admin, "admin", detail=f"admin={account.id}:{int(account.is_admin)}")
    return _user_redirect(account)


@router.post("/users/{user_id}/active", dependencies=[CsrfChecked])
async def set_active(
    user_id: int, db: DbSession, admin: AdminUser, active: str = Form("")
) -> RedirectResponse:
    """Deactivate (ends every session) or reactivate an account (not one's own)."""
    account = _user(db, user_id)
    if account.id == admin.id:
        raise HTTPException(status_code=400, detail="you cannot deactivate yourself")
    account.active = active == "1"
    if not account.active:
        auth.end_sessions_of(db, account.id)
    audit(db, admin, "admin", detail=f"active={account.id}:{int(account.active)}")
    return _user_redirect(account)


@router.post("/users/{user_id}/password", dependencies=[CsrfChecked], response_model=None)
async def reset_password(
    request: Request, user_id: int, db: DbSession, admin: AdminUser, password: str = Form("")
) -> Response:
    """Set a new password for the account (its sessions end)."""
    account = _user(db, user_id)
    try:
        auth.set_password(db, account, password)
    except auth.AccountError as problem:
        return _user_page(request, db, account, str(problem), status=400)
    audit(db, admin, "admin", detail=f"password-reset={account.id}")
    return _user_redirect(account)


def _user_redirect(account: User) -> RedirectResponse:
    return RedirectResponse(f"/workspace/admin/users/{account.id}?ok=user-changed", status_code=303)


@router.get("/centres", response_class=HTMLResponse)
async def centres(request: Request, db: DbSession, admin: AdminUser) -> HTMLResponse:
    """The centres of knowledge/centres.yaml with their members and notification targets."""
    members: dict[str, list[User]] = {}
    for centre_id, user in db.execute(
        select(Membership.centre_id, User)
        .join(User, User.id == Membership.user_id)
        .order_by(User.name)
    ):
        members.setdefault(centre_id, []).append(user)
    notify = {row.centre_id: row for row in db.scalars(select(CentreSettings))}
    centres_sorted = sorted(load_knowledge().centres, key=lambda c: (c.kind, c.land, c.name))
    return render(
        request,
        "admin_centres.html",
        {"nav": "admin", "centres": centres_sorted, "members": members, "notify": notify},
    )


@router.post("/centres/{centre_id}", dependencies=[CsrfChecked])
async def save_centre(
    centre_id: str,
    db: DbSession,
    admin: AdminUser,
    notify_email: str = Form(""),
    notify_telegram_chat_id: str = Form(""),
) -> RedirectResponse:
    """Whom a new hand-off of this centre notifies (e-mail and/or a Telegram chat)."""
    if centre_id not in _centres():
        raise HTTPException(status_code=404)
    email = notify_email.strip()
    chat = notify_telegram_chat_id.strip()
    if email:
        try:
            email = auth.check_email(email)
        except auth.AccountError:
            raise HTTPException(status_code=400, detail="invalid e-mail address") from None
    if chat and not TELEGRAM_CHAT_ID.fullmatch(chat):
        raise HTTPException(status_code=400, detail="invalid Telegram chat id")
    row = db.get(CentreSettings, centre_id) or CentreSettings(centre_id=centre_id)
    row.notify_email = email or None
    row.notify_telegram_chat_id = chat or None
    db.add(row)
    audit(db, admin, "admin", detail=f"centre={centre_id}")
    return RedirectResponse(
        f"/workspace/admin/centres?ok=centre-saved#centre-{centre_id}", status_code=303
    )
