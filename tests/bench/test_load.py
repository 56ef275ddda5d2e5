"""Smoke tests of the load benchmark's code, without Rasa: a fake Rasa behind the real web app."""

from __future__ import annotations

import argparse
import itertools
import math
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from lotse.bench import resources
from lotse.bench.botapi import BotApiStandIn, running_bot_api
from lotse.bench.channels import (
    RasaRestChannel,
    Session,
    TelegramChannel,
    TurnFailed,
    WebChannel,
)
from lotse.bench.cli import _channels, _levels, _seconds
from lotse.bench.report import RunInfo, write_report
from lotse.bench.runner import run_level
from lotse.bench.scenarios import Conversation, load_conversations
from lotse.bench.stack import bench_settings, write_credentials
from lotse.bench.stats import LevelResult, overhead, percentile
from lotse.languages import SUPPORTED
from lotse.web.deps import get_rasa_client
from lotse.web.main import create_app
from lotse.web.rasa_client import RasaReply, RasaUnavailable

CONVERSATIONS = [
    Conversation("de", "short", ('/inform{"residence":"germany"}', "Ich bin Koch", "Hallo")),
    Conversation("en", "short", ("hi", "I am a cook")),
]


class FakeRasa:
    """Answers every message with one text, or fails like an unreachable Rasa."""

    def __init__(self) -> None:
        self.down = False
        self.sent: list[tuple[str, str]] = []

    async def send(self, sender: str, text: str, metadata: dict) -> RasaReply:
        self.sent.append((sender, text))
        if self.down:
            raise RasaUnavailable("ConnectError")
        return RasaReply("de", [{"recipient_id": sender, "text": "Woher kommt Ihr Abschluss?"}])

    async def health(self) -> dict[str, bool]:
        return {"rasa": True, "actions": True}


@pytest.fixture(scope="module")
def bot_api_stand_in() -> Iterator[BotApiStandIn]:
    with running_bot_api() as api:
        yield api


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
async def web_app(
    tmp_path: Path, bot_api_stand_in: BotApiStandIn, rasa: FakeRasa
) -> AsyncIterator[httpx.AsyncClient]:
    """The real web app (Telegram on, rate limits off, Rasa faked), in process."""
    app = create_app(bench_settings(tmp_path, bot_api_stand_in.base_url))
    app.dependency_overrides[get_rasa_client] = lambda: rasa
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            yield client


def test_percentiles_interpolate_between_values() -> None:
    values = [0.4, 0.1, 0.3, 0.2]
    assert percentile(values, 50) == pytest.approx(0.25)
    assert percentile(values, 0) == 0.1 and percentile(values, 100) == 0.4
    assert math.isnan(percentile([], 95))


def test_the_scripted_conversations_interleave_all_languages() -> None:
    conversations = load_conversations()
    assert len(conversations) >= 50
    assert [c.language for c in conversations[:5]] == list(SUPPORTED)
    assert all(c.turns for c in conversations)


def test_an_unreadable_conversations_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "conversations.yaml"
    path.write_text("- just a list\n")
    with pytest.raises(ValueError, match="languages at the top level"):
        load_conversations(path)
    with pytest.raises(ValueError, match="cannot read"):
        load_conversations(tmp_path / "missing.yaml")


async def test_people_hold_conversations_through_the_chat_api(
    web_app: httpx.AsyncClient, rasa: FakeRasa
) -> None:
    result = await run_level(WebChannel(""), web_app, CONVERSATIONS, 3, 0.3)
    assert result.errors == 0 and len(result.latencies) >= 3
    assert result.conversations_started >= 3 and result.turns_per_second > 0
    senders = {sender for sender, _ in rasa.sent}
    assert len(senders) >= 3  # every conversation is a new session
    assert ("web-bench-1", "hi") in rasa.sent  # every person's first turn is sent


async def test_people_hold_conversations_through_the_telegram_webhook(
    web_app: httpx.AsyncClient, rasa: FakeRasa, bot_api_stand_in: BotApiStandIn
) -> None:
    channel = TelegramChannel(
        "", bench_settings(Path(), "").telegram_secret_token, bot_api_stand_in
    )
    result = await run_level(channel, web_app, CONVERSATIONS, 2, 0.3, numbers=itertools.count())
    assert result.errors == 0 and len(result.latencies) >= 3
    texts = [text for _, text in rasa.sent]
    assert '/inform{"residence":"germany"}' in texts  # a button press arrives as its payload


async def test_failed_turns_count_as_errors_by_kind(
    web_app: httpx.AsyncClient, rasa: FakeRasa, bot_api_stand_in: BotApiStandIn
) -> None:
    rasa.down = True
    web = await run_level(WebChannel(""), web_app, CONVERSATIONS, 2, 0.2)
    assert web.errors == web.turns > 0 and web.error_kinds == {"HTTP 503": web.errors}
    telegram = TelegramChannel("", "wrong-secret", bot_api_stand_in)
    refused = await run_level(telegram, web_app, CONVERSATIONS, 1, 0.1)
    assert refused.error_rate == 1.0 and set(refused.error_kinds) == {"HTTP 403"}


async def test_the_raw_rest_channel_needs_a_non_empty_answer() -> None:
    async def webhook(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse([] if body["message"] == "silence" else [{"text": "hi"}])

    app = Starlette(routes=[Route("/webhooks/rest/webhook", webhook, methods=["POST"])])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://rasa") as http:
        channel = RasaRestChannel("")
        session = Session("bench-1", 1, "en")
        await channel.turn(http, session, "hello")
        with pytest.raises(TurnFailed, match="empty answer"):
            await channel.turn(http, session, "silence")


def test_memory_and_cpu_of_a_process_tree() -> None:
    own = resources.tree_rss(os.getpid())
    assert 10 * 1024 * 1024 < own < 64 * 1024**3
    assert 0 < resources.tree_cpu(os.getpid()) <= time.process_time() + 1
    assert resources.tree_rss(2**22 + 12345) == 0  # no such process
    assert resources.tree_cpu(2**22 + 12345) == 0


def test_the_bench_credentials_enable_rest_once(tmp_path: Path) -> None:
    path = write_credentials(tmp_path)
    text = path.read_text()
    assert "bot.channels.LotseInput:" in text and text.splitlines().count("rest:") == 1
    again = write_credentials(tmp_path / "..", source=path)
    assert again.read_text().splitlines().count("rest:") == 1


def test_levels_and_channels_are_checked() -> None:
    assert _levels("1,10") == (1, 10)
    assert _channels("web, telegram") == ("web", "telegram")
    for bad in ("0", "a", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            _levels(bad)
    with pytest.raises(argparse.ArgumentTypeError):
        _channels("web,smoke-signals")
    assert _seconds("2.5") == 2.5
    for bad in ("-1", "soon", "inf", "nan"):
        with pytest.raises(argparse.ArgumentTypeError):
            _seconds(bad)


def _result(channel: str, concurrency: int, latency: float, errors: int = 0) -> LevelResult:
    result = LevelResult(channel, concurrency, seconds=2.0, latencies=[latency] * 10)
    for _ in range(errors):
        result.record_error("HTTP 503")
    result.peak_rss = {"rasa": 900 * 1024**2, "actions": 300 * 1024**2, "web": 120 * 1024**2}
    result.cpu_seconds = {"rasa": 2.0, "actions": 0.5, "web": 0.1}
    return result


def test_the_report_has_the_table_the_verdicts_and_a_chart(tmp_path: Path) -> None:
    results = [
        _result("rasa-rest", 1, 0.100), _result("web", 1, 0.110), _result("telegram", 1, 0.130),
        _result("rasa-rest", 20, 0.500), _result("web", 20, 0.600, errors=2),
    ]  # fmt: skip
    assert overhead(results[1], results[0]) == pytest.approx(1.1)
    info = RunInfo("2026-11-22", 2, (1.0, 1.5, 2.0), 30, 0.0, 60, {"OMP_NUM_THREADS": "1"})
    path = write_report(results, info, tmp_path)
    text = path.read_text()
    assert path.name == "bench-2026-11-22.md"
    row = "| web | 20 | 12 | 5.0 | 600 | 600 | 600 | 16.7% | 1.20 | 1.20 | 200/50/10 | 900 | 300 |"
    assert row in text
    assert "| web | 1 | 10 | 5.0 | 110 | 110 | 110 | 0.0% | 1.10 | 1.10 |" in text
    assert "throughput ≥ 30 turns/s at 20: 5.0 — NOT met" in text
    assert "(p50) at 1: ×1.10 — met" in text and "(p50) at 20: ×1.20 — NOT met" in text
    assert "HTTP 503 ×2 (web, 20)" in text and "`OMP_NUM_THREADS`" not in text
    assert "OMP_NUM_THREADS: `1`" in text and "1.00, 1.50, 2.00" in text
    chart = tmp_path / "bench-2026-11-22.svg"
    assert "](bench-2026-11-22.svg)" in text and "<svg" in chart.read_text()
