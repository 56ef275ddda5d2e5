"""Tell counselling centres about new hand-offs: by e-mail and/or a Telegram message.

A background task of the web app (started in its lifespan) looks every few seconds for
hand-offs with `notified_at` NULL. A notification carries NO personal data: only the centre's
name, the case reference and the link `<public_url>/workspace/cases/<ref>`; counsellors log in to
see the rest. Routes of a centre: its `CentreSettings.notify_email` (needs `smtp_host`) and its
`notify_telegram_chat_id`, else the global `notify_telegram_chat_id` (needs the Telegram bot).

A hand-off counts as notified when at least one route took the message, or when its centre has
no route at all (nothing to wait for). When every route fails it stays NULL and is tried again
next round. Logs name the case reference and the error type only.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from telegram.error import TelegramError

from lotse.config import Settings
from lotse.store.db import get_engine, utcnow
from lotse.store.handoffs import Handoff
from lotse.store.workspace import CentreSettings
from lotse.telegram.application import TelegramRelay
from lotse.telegram.retry import call_with_retries
from lotse.workspace.person_texts import centre_name

logger = logging.getLogger(__name__)

#: Seconds between two looks for new hand-offs.
NOTIFY_INTERVAL_SECONDS = 3.0
#: Most hand-offs notified in one round (the rest follow in the next rounds).
BATCH_SIZE = 50
#: Seconds an SMTP connection may take.
SMTP_TIMEOUT_SECONDS = 20.0

SUBJECT = "Lotse: neue Übergabe für {centre} ({ref})"
BODY = (
    "Guten Tag,\n\n"
    "für {centre} ist in Lotse eine neue Übergabe eingegangen (Fall {ref}).\n\n"
    "Zum Fall (Anmeldung im Arbeitsbereich nötig):\n{link}\n\n"
    "Diese Nachricht enthält absichtlich keine persönlichen Daten.\n"
    "– Lotse\n"
)
TELEGRAM_TEXT = "Neue Übergabe für {centre} (Fall {ref}):\n{link}"

TelegramGetter = Callable[[], TelegramRelay | None]


@dataclass(frozen=True)
class Notification:
    """What a centre is told about one new hand-off (no personal data)."""

    ref: str
    centre: str
    link: str

    def email(self, sender: str, recipient: str) -> EmailMessage:
        """The e-mail."""
        message = EmailMessage()
        message["Subject"] = SUBJECT.format(centre=self.centre, ref=self.ref)
        message["From"] = sender
        message["To"] = recipient
        message.set_content(BODY.format(centre=self.centre, ref=self.ref, link=self.link))
        return message

    def telegram_text(self) -> str:
        """The Telegram message."""
        return TELEGRAM_TEXT.format(centre=self.centre, ref=self.ref, link=self.link)


def public_base_url(settings: Settings) -> str:
    """Where the workspace is reached from outside (default http://host:port)."""
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def send_email(settings: Settings, message: EmailMessage) -> None:
    """Send one e-mail with the SMTP settings (blocking: run it in a thread)."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


@dataclass(frozen=True)
class _Pending:
    """A hand-off to notify and its centre's routes (read in one short transaction)."""

    id: int
    ref: str
    centre_id: str
    routes: CentreSettings | None


async def notify_new_handoffs(settings: Settings, telegram: TelegramRelay | None) -> int:
    """Notify the centres of every hand-off not notified yet; return how many were notified.

    No database transaction stays open while e-mails and Telegram messages go out (SQLite
    would block the other writers meanwhile).
    """
    factory = sessionmaker(bind=get_engine(settings.database_url), future=True)
    with factory() as db:
        pending = _pending(db)
    done = await _notify(pending, settings, telegram)
    if done:
        with factory() as db:
            db.execute(update(Handoff).where(Handoff.id.in_(done)).values(notified_at=utcnow()))
            db.commit()
    return len(done)


def _pending(db: Session) -> list[_Pending]:
    cases = db.execute(
        select(Handoff.id, Handoff.ref, Handoff.centre_id)
        .where(Handoff.notified_at.is_(None))
        .order_by(Handoff.id)
        .limit(BATCH_SIZE)
    ).all()
    routes = {
        row.centre_id: row
        for row in db.scalars(
            select(CentreSettings).where(CentreSettings.centre_id.in_({c.centre_id for c in cases}))
        )
    }
    db.expunge_all()
    return [_Pending(c.id, c.ref, c.centre_id, routes.get(c.centre_id)) for c in cases]


async def _notify(
    pending: list[_Pending], settings: Settings, telegram: TelegramRelay | None
) -> list[int]:
    """Send the notifications; the ids of the hand-offs that count as notified."""
    base = public_base_url(settings)
    done: list[int] = []
    for case in pending:
        routes = case.routes
        email = routes.notify_email if routes and settings.smtp_host else None
        chat_id = (
            routes.notify_telegram_chat_id if routes else None
        ) or settings.notify_telegram_chat_id
        bot = telegram.application.bot if telegram is not None and telegram.running else None
        chat_id = chat_id if bot is not None else None
        note = Notification(
            case.ref, centre_name(case.centre_id), f"{base}/workspace/cases/{case.ref}"
        )
        sent = 0
        if email:
            try:
                await asyncio.to_thread(send_email, settings, note.email(settings.smtp_from, email))
                sent += 1
            except (OSError, smtplib.SMTPException) as error:
                logger.warning(
                    "E-mail notification of %s failed: %s", case.ref, type(error).__name__
                )
        if chat_id:
            try:
                await call_with_retries(
                    bot.send_message, chat_id=chat_id, text=note.telegram_text()
                )
                sent += 1
            except TelegramError as error:
                logger.warning(
                    "Telegram notification of %s failed: %s", case.ref, type(error).__name__
                )
        if sent or not (email or chat_id):
            done.append(case.id)
            if sent:
                logger.info("Centre notified of %s (%d route(s))", case.ref, sent)
    return done


async def notify_loop(
    settings: Settings, get_telegram: TelegramGetter, interval: float = NOTIFY_INTERVAL_SECONDS
) -> None:
    """Notify new hand-offs every `interval` seconds until cancelled."""
    while True:
        try:
            await notify_new_handoffs(settings, get_telegram())
        except Exception as error:  # the loop must survive a database hiccup
            logger.error("Notification round failed: %s", type(error).__name__)
        await asyncio.sleep(interval)


def start_notifier(
    settings: Settings, get_telegram: TelegramGetter, interval: float = NOTIFY_INTERVAL_SECONDS
) -> asyncio.Task[None]:
    """Start `notify_loop` in the background."""
    return asyncio.create_task(
        notify_loop(settings, get_telegram, interval), name="lotse-notifications"
    )
