"""Login, logout and password change of the workspace.

The login form is protected against login CSRF by a double-submit token: GET /login sets a random
value in a short-lived HttpOnly cookie and in the form; POST /login needs both to match. A wrong
e-mail and a wrong password get the same answer; too many failures per e-mail or client address
get a polite "please wait N minutes" (429) without checking the password at all.
"""

from __future__ import annotations

import hmac
import math
import secrets
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lotse.workspace import auth
from lotse.workspace.deps import (
    CSRF_FIELD,
    LOGIN_PATH,
    SESSION_COOKIE,
    CsrfChecked,
    CurrentSession,
    CurrentUser,
    DbSession,
    SettingsDep,
    audit,
)
from lotse.workspace.templating import render

router = APIRouter()

LOGIN_CSRF_COOKIE = "lotse_login_csrf"
INBOX_PATH = "/workspace/"
COOKIE_PATH = "/workspace"
WRONG_LOGIN = "E-Mail-Adresse oder Passwort ist falsch."
STALE_FORM = "Das Formular war abgelaufen. Bitte noch einmal anmelden."


def safe_next(target: str | None) -> str:
    """Where to go after login: a workspace path of this site, else the inbox."""
    if (
        not target
        or not target.startswith("/workspace")
        or target.startswith("//")
        or "\\" in target
        or any(ord(char) < 32 for char in target)
    ):
        return INBOX_PATH
    return target


def _login_page(
    request: Request, next_path: str, error: str = "", email: str = "", status_code: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"login_token": token, "next": next_path, "error": error, "email": email},
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path=LOGIN_PATH,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.environment != "development",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "") -> Response:
    """The login page.

    A link from a notification e-mail arrives cross-site, so the SameSite=Strict cookie was not
    sent with it: the page then reloads the target once from this site (no script needed).
    """
    target = safe_next(next)
    if request.headers.get("sec-fetch-site") == "cross-site" and next and target != INBOX_PATH:
        return render(request, "reload.html", {"target": target})
    return _login_page(request, target)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    email: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form("", alias=CSRF_FIELD),
    next: str = Form(""),
) -> Response:
    """Check the form token, the throttle, then e-mail and password; start a session."""
    target = safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not csrf_token or not hmac.compare_digest(expected, csrf_token):
        return _login_page(request, target, STALE_FORM, email, status_code=403)
    address = request.client.host if request.client else None
    wait = auth.login_wait(db, settings, email, address)
    if wait is not None:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        message = (
            "Zu viele Anmeldeversuche. Bitte warten Sie "
            + ("1 Minute" if minutes == 1 else f"{minutes} Minuten")
            + " und versuchen Sie es dann noch einmal."
        )
        audit(db, None, "login-throttled")
        response = _login_page(request, target, message, email, status_code=429)
        response.headers["Retry-After"] = str(math.ceil(wait.total_seconds()))
        return response
    user = auth.authenticate(db, email, password)
    if user is None:
        auth.record_failure(db, email, address)
        audit(db, None, "login-failed")
        return _login_page(request, target, WRONG_LOGIN, email, status_code=401)
    auth.clear_failures(db, email)
    token = auth.start_session(db, settings, user)
    audit(db, user, "login")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.workspace_session_hours * 3600,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=settings.environment != "development",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
async def logout(db: DbSession, web_session: CurrentSession, user: CurrentUser) -> Response:
    """End the session (its row is deleted) and forget the cookie."""
    audit(db, user, "logout")
    auth.end_session(db, web_session)
    response = RedirectResponse(f"{LOGIN_PATH}?ok=logged-out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


@router.get("/password", response_class=HTMLResponse)
async def password_form(request: Request, user: CurrentUser) -> Response:
    """The password change page."""
    return render(request, "password.html", {"nav": "password"})


@router.post("/password", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def change_password(
    request: Request,
    db: DbSession,
    user: CurrentUser,
    web_session: CurrentSession,
    current: str = Form(""),
    new: str = Form(""),
    repeat: str = Form(""),
) -> Response:
    """Change the own password; other sessions of the account end."""
    error = ""
    if not auth.verify_password(user.password_hash, current):
        error = "Das bisherige Passwort stimmt nicht."
    elif new != repeat:
        error = "Die beiden neuen Passwörter sind verschieden."
    else:
        try:
            auth.check_password(new)
        except auth.AccountError as problem:
            error = str(problem)
    if error:
        return render(request, "password.html", {"nav": "password", "error": error}, 400)
    user.password_hash = auth.hash_password(new)
    auth.end_sessions_of(db, user.id, keep=web_session)
    audit(db, user, "password")
    return RedirectResponse("/workspace/password?ok=password", status_code=303)


def login_redirect(path: str) -> RedirectResponse:
    """A 303 to the login page that returns to `path` afterwards."""
    return RedirectResponse(f"{LOGIN_PATH}?next={quote(path)}", status_code=303)
