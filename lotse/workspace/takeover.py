"""Take-over: a counsellor writes to the person, the bot stays silent until hand-back.

The bot is paused with Rasa's own ConversationPaused / ConversationResumed events (through
Lotse's channel, bot/channels.py): Rasa still records the person's messages but answers none.
The person is told in their language when a counsellor writes and when Lotse is back
(person_texts.py). Every message to the person is stored as an `OutboundMessage` and, in the
tracker, as a bot event with metadata {"counsellor": <name>} (or {"notice": ...}), so the
transcript shows it.

Delivery by channel:
- web widget: the `OutboundMessage` row; the widget fetches it (GET /api/chat/updates) and the
  row is marked delivered then;
- Telegram: sent at once through the relay's bot (with the project's retries) and recorded as
  delivered.

Errors the counsellor must see are `TakeoverError` with a German message; nothing here logs
texts, names or chat ids.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from telegram.error import TelegramError

from lotse.store.db import utcnow
from lotse.store.handoffs import Handoff
from lotse.store.workspace import AuditEntry, CaseStatus, OutboundMessage, User
from lotse.telegram.application import TelegramRelay
from lotse.telegram.constants import SENDER_PREFIX as TELEGRAM_SENDER_PREFIX
from lotse.telegram.retry import call_with_retries
from lotse.web.rasa_client import ConversationNotFound, RasaClient, RasaUnavailable
from lotse.web.sanitize import clean_text
from lotse.workspace import person_texts
from lotse.workspace.deps import audit

logger = logging.getLogger(__name__)

#: Longest counsellor message (fits one Telegram message with the label in front).
MAX_REPLY_LENGTH = 4000
KIND_COUNSELLOR = "counsellor"
KIND_TAKEOVER = "takeover"
KIND_HANDBACK = "handback"

RASA_DOWN = (
    "Lotse (der Rasa-Server) ist gerade nicht erreichbar. Bitte versuchen Sie es in einem "
    "Moment noch einmal."
)
CONVERSATION_GONE = (
    "Das Gespräch gibt es in Lotse nicht mehr (die Person hat ihre Daten gelöscht oder es ist "
    "abgelaufen). Nachrichten können nicht mehr zugestellt werden."
)
TELEGRAM_OFF = "Telegram ist in diesem Lotse nicht eingerichtet oder gerade nicht gestartet."
TELEGRAM_FAILED = (
    "Telegram hat die Nachricht nicht angenommen ({error}). Bitte versuchen Sie es später noch "
    "einmal."
)
EMPTY_REPLY = "Bitte schreiben Sie eine Nachricht."
LONG_REPLY = f"Die Nachricht ist zu lang (höchstens {MAX_REPLY_LENGTH} Zeichen)."
NOTICE_NOT_DELIVERED = (
    "Lotse ist pausiert, aber der Hinweis an die Person konnte nicht zugestellt werden: {reason}"
)
HANDBACK_NOT_DELIVERED = (
    "Lotse antwortet wieder, aber der Hinweis an die Person konnte nicht zugestellt werden: "
    "{reason}"
)
NOT_RECORDED = (
    "Die Nachricht wurde zugestellt, steht aber nicht im Gesprächsverlauf von Lotse (Rasa nicht "
    "erreichbar)."
)


class TakeoverError(Exception):
    """Something the counsellor must be told; `message` is German and free of personal data."""

    def __init__(self, message: str) -> None:
        """Keep the message to show."""
        super().__init__(message)
        self.message = message


class DeliveryError(TakeoverError):
    """A message could not be delivered to the person."""


async def start_takeover(
    db: Session, rasa: RasaClient, telegram: TelegramRelay | None, case: Handoff, user: User
) -> str | None:
    """Pause the bot and tell the person a counsellor writes now.

    Returns a warning for the counsellor (the notice could not be delivered) or None; raises
    TakeoverError if the bot could not be paused (then nothing changed).
    """
    warning = await _pause_and_tell(db, rasa, telegram, case)
    if case.taken_over_by != user.id:
        case.taken_over_by = user.id
        audit(db, user, "takeover", case.ref)
    _touch(case)
    return warning


async def send_reply(
    db: Session,
    rasa: RasaClient,
    telegram: TelegramRelay | None,
    case: Handoff,
    user: User,
    text: str,
) -> str | None:
    """Send a counsellor's message to the person (taking the conversation over if needed).

    Raises TakeoverError (also `DeliveryError`) when the message did not reach the person;
    returns a warning when it did but something else failed, else None.
    """
    text = clean_text(text or "").strip()
    if not text:
        raise TakeoverError(EMPTY_REPLY)
    if len(text) > MAX_REPLY_LENGTH:
        raise TakeoverError(LONG_REPLY)
    if case.taken_over_by is None:
        warning = await start_takeover(db, rasa, telegram, case, user)
    else:  # pausing again is harmless and catches a conversation the person resumed ("/delete")
        warning = await _pause_and_tell(db, rasa, telegram, case)
    await deliver(db, telegram, case, KIND_COUNSELLOR, text, author=user)
    try:
        await rasa.say(case.sender_id, text, author=user.name)
    except (RasaUnavailable, ConversationNotFound) as error:
        logger.warning("A counsellor's message was not recorded in the tracker: %s", error)
        warning = warning or NOT_RECORDED
    if case.status == CaseStatus.WAITING.value:
        case.status = CaseStatus.IN_PROGRESS.value
    _touch(case)
    audit(db, user, "reply", case.ref)
    return warning


async def hand_back(
    db: Session, rasa: RasaClient, telegram: TelegramRelay | None, case: Handoff, user: User
) -> str | None:
    """Let the bot answer again and tell the person; a warning if the notice did not arrive."""
    try:
        changed = await _rasa_step(rasa.resume(case.sender_id))
    except TakeoverError as error:
        if error.message != CONVERSATION_GONE:
            raise
        changed = False  # nothing left to resume: just end the take-over
    warning = None
    if changed:
        notice = person_texts.handback_notice(case.language)
        warning = await _send_notice(db, rasa, telegram, case, KIND_HANDBACK, notice)
        if warning:
            warning = HANDBACK_NOT_DELIVERED.format(reason=warning)
    case.taken_over_by = None
    _touch(case)
    audit(db, user, "handback", case.ref)
    return warning


def note_resumed_by_person(db: Session, sender_id: str) -> int:
    """The person's deletion request resumed the bot: end the take-over of their cases.

    Returns how many cases were taken over.
    """
    refs = list(
        db.scalars(
            select(Handoff.ref).where(
                Handoff.sender_id == sender_id, Handoff.taken_over_by.is_not(None)
            )
        )
    )
    if refs:
        db.execute(
            update(Handoff)
            .where(Handoff.sender_id == sender_id)
            .values(taken_over_by=None, updated_at=utcnow())
        )
        for ref in refs:
            db.add(AuditEntry(at=utcnow(), action="handback", case_ref=ref, detail="by-person"))
    return len(refs)


async def deliver(
    db: Session,
    telegram: TelegramRelay | None,
    case: Handoff,
    kind: str,
    text: str,
    author: User | None = None,
) -> OutboundMessage:
    """Deliver one message to the person on the case's channel and record it.

    Raises DeliveryError if Telegram does not take it (nothing is recorded then).
    """
    message = OutboundMessage(
        handoff_id=case.id,
        sender_id=case.sender_id,
        kind=kind,
        text=text,
        author_id=author.id if author else None,
        created_at=utcnow(),
    )
    if case.sender_id.startswith(TELEGRAM_SENDER_PREFIX):
        shown = (
            person_texts.telegram_counsellor_text(case.language, text)
            if kind == KIND_COUNSELLOR
            else text
        )
        await _send_telegram(telegram, case.sender_id, shown)
        message.delivered_at = utcnow()
    db.add(message)
    db.flush()
    return message


async def _send_telegram(telegram: TelegramRelay | None, sender_id: str, text: str) -> None:
    if telegram is None or not telegram.running:
        raise DeliveryError(TELEGRAM_OFF)
    try:
        chat_id = int(sender_id.removeprefix(TELEGRAM_SENDER_PREFIX))
    except ValueError as error:
        raise DeliveryError(TELEGRAM_FAILED.format(error="ungültige Chat-Kennung")) from error
    try:
        await call_with_retries(telegram.application.bot.send_message, chat_id=chat_id, text=text)
    except TelegramError as error:
        logger.warning(
            "A workspace message was not delivered on Telegram: %s", type(error).__name__
        )
        raise DeliveryError(TELEGRAM_FAILED.format(error=type(error).__name__)) from error


async def _pause_and_tell(
    db: Session, rasa: RasaClient, telegram: TelegramRelay | None, case: Handoff
) -> str | None:
    """Pause the bot; if it was running (or the case not taken over), tell the person."""
    changed = await _rasa_step(rasa.pause(case.sender_id))
    if not (changed or case.taken_over_by is None):
        return None
    notice = person_texts.takeover_notice(case.language, case.centre_id)
    reason = await _send_notice(db, rasa, telegram, case, KIND_TAKEOVER, notice)
    return NOTICE_NOT_DELIVERED.format(reason=reason) if reason else None


async def _send_notice(
    db: Session,
    rasa: RasaClient,
    telegram: TelegramRelay | None,
    case: Handoff,
    kind: str,
    notice: str,
) -> str | None:
    """Deliver a take-over / hand-back notice and record it; the reason if it failed."""
    try:
        await deliver(db, telegram, case, kind, notice)
    except DeliveryError as error:
        return error.message
    try:
        await rasa.say(case.sender_id, notice, notice=kind)
    except (RasaUnavailable, ConversationNotFound) as error:
        logger.warning("A take-over notice was not recorded in the tracker: %s", error)
    return None


async def _rasa_step(call: Awaitable[bool]) -> bool:
    """Await a pause/resume call; Rasa's failures as TakeoverError."""
    try:
        return await call
    except RasaUnavailable as error:
        logger.warning("Rasa unavailable for a take-over step: %s", error)
        raise TakeoverError(RASA_DOWN) from error
    except ConversationNotFound as error:
        raise TakeoverError(CONVERSATION_GONE) from error


def _touch(case: Handoff) -> None:
    case.updated_at = utcnow()
    if case.status == CaseStatus.NEW.value:
        case.status = CaseStatus.IN_PROGRESS.value
