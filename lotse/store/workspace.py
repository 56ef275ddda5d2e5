"""Tables of the counsellor workspace: accounts, sessions, case work, messages, audit log.

The hand-off itself (case sheet + transcript + case state) is `lotse.store.handoffs.Handoff`.
Everything that belongs to one conversation references it by `handoff_id` with ON DELETE
CASCADE, and `delete_case` (lotse.workspace) also deletes explicitly, so SQLite without
foreign-key enforcement loses nothing either.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from lotse.store.db import Base


class CaseStatus(str, Enum):
    """The states of a hand-off in the inbox."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  # for the person
    CLOSED = "closed"


class User(Base):
    """A counsellor or an admin."""

    __tablename__ = "users"

    id = Column(Integer, primary_key=True)
    email = Column(String(320), unique=True, nullable=False)  # stored lower-cased
    name = Column(String(120), nullable=False)
    password_hash = Column(String(255), nullable=False)  # argon2id
    is_admin = Column(Boolean, nullable=False, default=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False)
    last_login_at = Column(DateTime(timezone=True))


class Membership(Base):
    """A counsellor belongs to one or more centres (ids of knowledge/centres.yaml)."""

    __tablename__ = "memberships"

    user_id = Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    centre_id = Column(String(64), primary_key=True)


class CentreSettings(Base):
    """Workspace settings of one centre: whom a new hand-off notifies."""

    __tablename__ = "centre_settings"

    centre_id = Column(String(64), primary_key=True)
    notify_email = Column(String(320))
    notify_telegram_chat_id = Column(String(64))


class WebSession(Base):
    """A server-side login session; the cookie carries the token, the table its SHA-256."""

    __tablename__ = "web_sessions"

    token_hash = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    last_seen_at = Column(DateTime(timezone=True), nullable=False)
    expires_at = Column(DateTime(timezone=True), nullable=False)


class LoginFailure(Base):
    """Failed logins, for throttling (by e-mail and by client address)."""

    __tablename__ = "login_failures"

    id = Column(Integer, primary_key=True)
    key = Column(String(400), index=True, nullable=False)  # "email:<email>" | "ip:<address>"
    at = Column(DateTime(timezone=True), nullable=False)


class CaseNote(Base):
    """A private note on a case: never shown to the person; only its author edits it."""

    __tablename__ = "case_notes"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(
        Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), index=True, nullable=False
    )
    author_id = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    updated_at = Column(DateTime(timezone=True))


class CaseTag(Base):
    """A tag on a case ("Pflege", "urgent")."""

    __tablename__ = "case_tags"
    __table_args__ = (UniqueConstraint("handoff_id", "tag"),)

    id = Column(Integer, primary_key=True)
    handoff_id = Column(
        Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), index=True, nullable=False
    )
    tag = Column(String(40), nullable=False)


class OutboundMessage(Base):
    """What a counsellor (or the take-over notices) sent to a person on the web widget.

    The widget fetches these by `sender_id` and `id` (GET /api/chat/updates); Telegram messages
    are sent at once and recorded here too, so the case view shows what was delivered.
    """

    __tablename__ = "outbound_messages"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(
        Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), index=True, nullable=False
    )
    sender_id = Column(String(160), index=True, nullable=False)
    kind = Column(String(16), nullable=False)  # counsellor | takeover | handback
    text = Column(Text, nullable=False)
    author_id = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    created_at = Column(DateTime(timezone=True), nullable=False)
    delivered_at = Column(DateTime(timezone=True))


class AuditEntry(Base):
    """Who viewed, changed, exported or deleted what. Kept after a case is deleted: it names the
    case by its reference only, never personal data."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, index=True)
    user_id = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    action = Column(String(40), nullable=False)  # view | change | export | delete | login | ...
    case_ref = Column(String(16), index=True)
    detail = Column(String(200))  # e.g. "status=closed"; no personal data
