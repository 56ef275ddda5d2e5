"""Accounts, passwords (argon2id), login sessions and login throttling of the workspace.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommendation).
A login session is a random token in an HttpOnly, SameSite=Strict cookie; the database keeps only
its SHA-256 (`WebSession.token_hash`). Failed logins are counted per e-mail address and per client
address within `THROTTLE_WINDOW`; unknown addresses and wrong passwords look the same.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lotse.config import Settings
from lotse.store.db import as_utc, utcnow
from lotse.store.workspace import LoginFailure, Membership, User, WebSession
from lotse.workspace.deps import token_hash

#: argon2id with argon2-cffi's defaults (time_cost 3, memory 64 MiB, parallelism 4).
HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
#: Failed logins count for this long.
THROTTLE_WINDOW = timedelta(minutes=15)
#: A client address may fail this many times more often than one e-mail address (shared offices).
ADDRESS_FACTOR = 4
EMAIL_PATTERN = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
# Checked when the e-mail is unknown, so that a wrong address takes as long as a wrong password
# (one per hasher: the hash carries its costs).
_dummy_hashes: dict[int, str] = {}


class AccountError(ValueError):
    """An account cannot be created or changed as asked (the message says why, in German)."""


def hash_password(password: str) -> str:
    """The argon2id hash of `password` (never store the password itself)."""
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash`."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    """E-mail addresses are compared lower-cased and without surrounding blanks."""
    return email.strip().lower()


def check_email(email: str) -> str:
    """The normalised address, or AccountError if it is not one."""
    email = normalise_email(email)
    if len(email) > 320 or not EMAIL_PATTERN.fullmatch(email):
        raise AccountError("Bitte eine gültige E-Mail-Adresse angeben.")
    return email


def check_password(password: str) -> str:
    """The password if it is acceptable, else AccountError."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen haben.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"Das Passwort darf höchstens {MAX_PASSWORD_LENGTH} Zeichen haben.")
    return password


def check_name(name: str) -> str:
    """The display name, trimmed; AccountError if empty or too long."""
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise AccountError("Bitte einen Namen angeben (höchstens 120 Zeichen).")
    return name


def user_by_email(db: Session, email: str) -> User | None:
    """The account with this e-mail address, or None."""
    return db.scalars(select(User).where(User.email == normalise_email(email))).first()


def create_user(
    db: Session,
    email: str,
    name: str,
    password: str,
    *,
    admin: bool = False,
    centres: Iterable[str] = (),
) -> User:
    """Create an account (AccountError for a bad or taken address, a bad name or password)."""
    email = check_email(email)
    if user_by_email(db, email) is not None:
        raise AccountError("Für diese E-Mail-Adresse gibt es schon ein Konto.")
    user = User(
        email=email,
        name=check_name(name),
        password_hash=hash_password(check_password(password)),
        is_admin=admin,
        active=True,
        created_at=utcnow(),
    )
    db.add(user)
    db.flush()
    set_centres(db, user, centres)
    return user


def set_centres(db: Session, user: User, centres: Iterable[str]) -> None:
    """Make `centres` (ids of knowledge/centres.yaml) exactly the user's centres."""
    db.execute(delete(Membership).where(Membership.user_id == user.id))
    for centre_id in sorted(set(centres)):
        db.add(Membership(user_id=user.id, centre_id=centre_id))
    db.flush()


def set_password(db: Session, user: User, password: str) -> None:
    """Give `user` a new password (checked) and end all their sessions."""
    user.password_hash = hash_password(check_password(password))
    end_sessions_of(db, user.id)


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (same effort either way)."""
    user = user_by_email(db, email)
    if user is None:
        dummy = _dummy_hashes.setdefault(id(HASHER), HASHER.hash(secrets.token_urlsafe(16)))
        verify_password(dummy, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


# ------------------------------------------------------------------ throttling


def _keys(email: str, address: str | None) -> tuple[str, str | None]:
    email_key = "email:" + normalise_email(email)[:380]
    return email_key, (f"ip:{address}" if address else None)


def _wait_for(db: Session, key: str, limit: int, now: datetime) -> timedelta | None:
    """How long `key` must wait until fewer than `limit` failures are in the window."""
    since = now - THROTTLE_WINDOW
    times = sorted(
        as_utc(at)
        for at in db.scalars(
            select(LoginFailure.at).where(LoginFailure.key == key, LoginFailure.at > since)
        )
    )
    if len(times) < limit:
        return None
    return times[len(times) - limit] + THROTTLE_WINDOW - now


def login_wait(
    db: Session, settings: Settings, email: str, address: str | None, now: datetime | None = None
) -> timedelta | None:
    """How long this e-mail / client address must wait before trying again (None: may try now)."""
    now = now or utcnow()
    limit = max(1, settings.workspace_login_max_failures)
    email_key, address_key = _keys(email, address)
    waits = [_wait_for(db, email_key, limit, now)]
    if address_key:
        waits.append(_wait_for(db, address_key, limit * ADDRESS_FACTOR, now))
    found = [wait for wait in waits if wait is not None]
    return max(found) if found else None


def record_failure(db: Session, email: str, address: str | None) -> None:
    """Count one failed login for the e-mail and the client address; forget old failures."""
    now = utcnow()
    db.execute(delete(LoginFailure).where(LoginFailure.at < now - THROTTLE_WINDOW))
    for key in _keys(email, address):
        if key:
            db.add(LoginFailure(key=key, at=now))


def clear_failures(db: Session, email: str) -> None:
    """A successful login forgets the e-mail's failures (not the client address's)."""
    email_key, _ = _keys(email, None)
    db.execute(delete(LoginFailure).where(LoginFailure.key == email_key))


def failure_count(db: Session, key: str) -> int:
    """Recorded failures of one key ("email:<address>" or "ip:<address>")."""
    return db.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.key == key))


# ------------------------------------------------------------------ sessions


def start_session(db: Session, settings: Settings, user: User) -> str:
    """A new login session for `user`; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(
        WebSession(
            token_hash=token_hash(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.workspace_session_hours),
        )
    )
    user.last_login_at = now
    return token


def end_session(db: Session, web_session: WebSession) -> None:
    """Log out: the session row is deleted."""
    db.delete(web_session)


def end_sessions_of(db: Session, user_id: int, keep: WebSession | None = None) -> None:
    """Delete every session of a user (after a password change or deactivation), except `keep`."""
    query = delete(WebSession).where(WebSession.user_id == user_id)
    if keep is not None:
        query = query.where(WebSession.token_hash != keep.token_hash)
    db.execute(query)


def purge_expired_sessions(db: Session, settings: Settings) -> int:
    """Delete sessions past their absolute or idle limit; returns how many."""
    now = utcnow()
    idle_since = now - timedelta(minutes=settings.workspace_idle_minutes)
    result = db.execute(
        delete(WebSession).where(
            (WebSession.expires_at <= now) | (WebSession.last_seen_at < idle_since)
        )
    )
    return result.rowcount
