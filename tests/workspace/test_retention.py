"""Retention: closed cases go 180 days after closing (with their conversation), open and recently
closed ones stay; idle conversations without hand-off are expired in Rasa; 0 turns a part off."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from lotse.store.db import utcnow
from lotse.store.handoffs import Handoff
from lotse.store.workspace import AuditEntry
from lotse.workspace.background import stop_task
from lotse.workspace.retention import retention_loop, run_retention, start_retention
from tests.workspace.records_fakes import (
    NOTHING_LEFT,
    RecordsRasa,
    add_case_work,
    audit_rows,
    rows_of,
)


@pytest.fixture
def rasa() -> RecordsRasa:
    return RecordsRasa()


@pytest.fixture
def cases(make_case, db):
    """A case closed 181 days ago (with notes, tags, messages), one closed 179 days ago, an open
    one created a year ago, and one marked closed a year ago but reopened (closed_at cleared)."""
    now = utcnow()
    made = {
        "old": make_case(
            status="closed",
            closed_at=now - timedelta(days=181),
            created_at=now - timedelta(days=200),
        ),
        "recent": make_case(status="closed", closed_at=now - timedelta(days=179)),
        "open": make_case(status="in_progress", created_at=now - timedelta(days=365)),
        "reopened": make_case(status="in_progress", closed_at=now - timedelta(days=365)),
    }
    session = db()
    for case in made.values():
        add_case_work(session, session.get(Handoff, case.id))
    return made


async def test_case_closed_181_days_ago_is_deleted_others_stay(cases, db, rasa, settings):
    session = db()

    report = await run_retention(session, rasa, settings)

    assert report.deleted_refs == [cases["old"].ref]
    assert rasa.erased == [cases["old"].sender_id]
    check = db()
    assert rows_of(check, cases["old"]) == NOTHING_LEFT
    for key in ("recent", "open", "reopened"):
        assert rows_of(check, cases[key]) == {"handoffs": 1, "notes": 1, "tags": 2, "outbound": 1}
    entry = audit_rows(check, "delete")[0]
    assert (entry.case_ref, entry.user_id, entry.detail) == (cases["old"].ref, None, "retention")


async def test_idle_conversations_are_expired_keeping_those_with_a_hand_off(
    cases, db, rasa, settings
) -> None:
    rasa.expire_answer = 3

    report = await run_retention(db(), rasa, settings)

    assert report.expired_conversations == 3
    ((idle_days, keep),) = rasa.expire_calls
    assert idle_days == settings.retention_days_without_handoff == 30
    remaining = {cases[key].sender_id for key in ("recent", "open", "reopened")}
    assert set(keep) == remaining  # the deleted case's conversation is not kept
    entry = audit_rows(db(), "retention")[0]
    assert (entry.user_id, entry.case_ref, entry.detail) == (None, None, "conversations_expired=3")


async def test_rasa_away_keeps_the_case_for_the_next_round(cases, db, rasa, settings) -> None:
    rasa.down = True

    report = await run_retention(db(), rasa, settings)

    assert report.deleted_refs == [] and report.failed_cases == 1
    assert report.expired_conversations is None
    assert rows_of(db(), cases["old"])["handoffs"] == 1

    rasa.down = False
    report = await run_retention(db(), rasa, settings)
    assert report.deleted_refs == [cases["old"].ref]


async def test_zero_days_turns_each_part_off(cases, db, rasa, settings) -> None:
    settings.retention_days_after_close = 0
    settings.retention_days_without_handoff = 0

    report = await run_retention(db(), rasa, settings)

    assert report.deleted_refs == [] and rasa.calls == []
    assert rows_of(db(), cases["old"])["handoffs"] == 1


async def test_other_periods_are_honoured(cases, db, rasa, settings) -> None:
    settings.retention_days_after_close = 100
    settings.retention_days_without_handoff = 7

    report = await run_retention(db(), rasa, settings)

    assert sorted(report.deleted_refs) == sorted([cases["old"].ref, cases["recent"].ref])
    assert rasa.expire_calls[0][0] == 7


async def test_the_background_task_runs_at_start_and_stops(cases, db, rasa, settings) -> None:
    settings.retention_interval_minutes = 60
    task = start_retention(settings, lambda: rasa)
    assert task is not None
    for _ in range(200):  # the first round runs at once
        if rasa.erased:
            break
        await asyncio.sleep(0.01)

    await stop_task(task)

    assert task.done()
    assert rasa.erased == [cases["old"].sender_id]
    assert rows_of(db(), cases["old"]) == NOTHING_LEFT


async def test_no_background_task_with_interval_zero(settings, rasa) -> None:
    settings.retention_interval_minutes = 0
    assert start_retention(settings, lambda: rasa) is None
    await stop_task(None)


async def test_a_failing_round_does_not_end_the_loop(db, settings) -> None:
    class Broken:
        rounds = 0

        async def erase(self, sender: str) -> None:
            raise AssertionError("no case is old enough")

        async def expire_conversations(self, idle_days: float, keep: list[str]) -> int:
            Broken.rounds += 1
            raise RuntimeError("boom")

    loop = asyncio.create_task(retention_loop(settings, lambda: Broken(), interval=0.01))
    for _ in range(300):
        if Broken.rounds >= 3:
            break
        await asyncio.sleep(0.01)
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    assert Broken.rounds >= 3
    assert db().scalars(select(AuditEntry)).first() is None
