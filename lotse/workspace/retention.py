"""Automatic deletion, run by the web app itself: at start-up and then every hour
(`retention_interval_minutes`; 0 turns the task off, e.g. in all but one of several web apps).

- A case closed more than `retention_days_after_close` days ago is deleted with its whole
  conversation (`records.delete_case`), audited as "delete" by no user with detail "retention".
- Conversations that never led to a hand-off and were idle for `retention_days_without_handoff`
  days are expired in Rasa (`RasaClient.expire_conversations`), keeping every conversation that
  still has a hand-off; audited as "retention" with the count only.

A setting of 0 disables that part. A case whose tracker cannot be erased (Rasa down) stays and is
tried again next round; a failure is logged without personal data and never stops the loop.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lotse.config import Settings
from lotse.store.db import get_engine, utcnow
from lotse.store.handoffs import Handoff
from lotse.store.workspace import CaseStatus
from lotse.workspace.deps import audit
from lotse.workspace.records import DeletionFailed, TrackerEraser, delete_case

logger = logging.getLogger(__name__)

REASON = "retention"


class RetentionRasa(TrackerEraser, Protocol):
    """The parts of `RasaClient` that retention needs."""

    async def expire_conversations(self, idle_days: int, keep_sender_ids: list[str]) -> Any:
        """Delete conversations idle for `idle_days` days, except `keep_sender_ids`; a count."""


@dataclass
class RetentionReport:
    """What one round did."""

    deleted_refs: list[str] = field(default_factory=list)
    failed_cases: int = 0
    expired_conversations: int | None = None  # None: disabled or failed


def expired_cases(db: Session, days: int, now: datetime) -> list[Handoff]:
    """Cases closed more than `days` days before `now`, oldest first."""
    cutoff = now - timedelta(days=days)
    return list(
        db.scalars(
            select(Handoff)
            .where(Handoff.status == CaseStatus.CLOSED.value, Handoff.closed_at < cutoff)
            .order_by(Handoff.closed_at)
        )
    )


async def delete_expired_cases(
    db: Session, rasa: TrackerEraser, days: int, now: datetime, report: RetentionReport
) -> None:
    """Delete each expired case (and its conversation); one failure does not stop the others."""
    for case_id in [case.id for case in expired_cases(db, days, now)]:
        case = db.get(Handoff, case_id)
        if case is None:  # already gone with an earlier case of the same conversation
            continue
        try:
            report.deleted_refs += await delete_case(db, rasa, case, None, REASON)
        except DeletionFailed as error:
            db.rollback()
            report.failed_cases += 1
            logger.warning("retention: a case could not be deleted (%s); retrying later", error)


async def expire_idle_conversations(
    db: Session, rasa: RetentionRasa, days: int, report: RetentionReport
) -> None:
    """Ask Rasa to drop idle conversations without hand-off; audit the count."""
    keep = sorted(set(db.scalars(select(Handoff.sender_id))))
    try:
        count = await rasa.expire_conversations(days, keep)
    except Exception as error:  # Rasa down or the route missing: next round
        logger.warning("retention: idle conversations not expired (%s)", type(error).__name__)
        return
    report.expired_conversations = int(count or 0)
    if report.expired_conversations:
        audit(db, None, REASON, None, f"conversations_expired={report.expired_conversations}")
        db.commit()


async def run_retention(
    db: Session, rasa: RetentionRasa, settings: Settings, now: datetime | None = None
) -> RetentionReport:
    """One retention round (see the module docstring)."""
    now = now or utcnow()
    report = RetentionReport()
    if settings.retention_days_after_close > 0:
        await delete_expired_cases(db, rasa, settings.retention_days_after_close, now, report)
    if settings.retention_days_without_handoff > 0:
        await expire_idle_conversations(db, rasa, settings.retention_days_without_handoff, report)
    return report


async def retention_loop(
    settings: Settings,
    get_rasa: Any,
    interval: float,
) -> None:
    """Run `run_retention` now and then every `interval` seconds until cancelled.

    `get_rasa` is a callable returning the current Rasa client (the app's `state.rasa_client`).
    """
    factory = sessionmaker(bind=get_engine(settings.database_url), future=True)
    while True:
        try:
            with factory() as db:
                report = await run_retention(db, get_rasa(), settings)
            if report.deleted_refs or report.failed_cases or report.expired_conversations:
                logger.info(
                    "retention: %d case(s) deleted, %d failed, %s idle conversation(s) expired",
                    len(report.deleted_refs),
                    report.failed_cases,
                    report.expired_conversations,
                )
        except asyncio.CancelledError:
            raise
        except Exception as error:  # never let one bad round end the loop
            logger.error("retention round failed (%s)", type(error).__name__)
        await asyncio.sleep(interval)


def start_retention(settings: Settings, get_rasa: Any) -> asyncio.Task[None] | None:
    """Start `retention_loop` in the background (None when the settings turn it off)."""
    if settings.retention_interval_minutes <= 0:
        return None
    return asyncio.create_task(
        retention_loop(settings, get_rasa, settings.retention_interval_minutes * 60),
        name="lotse-retention",
    )
