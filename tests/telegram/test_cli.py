"""``lotse telegram``: argument parsing and --set-webhook against the recording Bot API."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from lotse.config import get_settings
from lotse.telegram import cli
from tests.telegram.bot_api import RecordingBotApi
from tests.telegram.conftest import SECRET, TOKEN

URL = "https://lotse.example.org/telegram/webhook"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="lotse")
    cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["telegram", *argv])


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, bot_api: RecordingBotApi) -> Iterator[None]:
    monkeypatch.setenv("LOTSE_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("LOTSE_TELEGRAM_SECRET_TOKEN", SECRET)
    monkeypatch.setenv("LOTSE_TELEGRAM_BASE_URL", bot_api.base_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_mode_is_required() -> None:
    with pytest.raises(SystemExit):
        parse()
    with pytest.raises(SystemExit):
        parse("--polling", "--set-webhook", URL)
    assert parse("--polling").polling


@pytest.mark.usefixtures("env")
def test_set_webhook_registers_the_url_with_the_secret(bot_api: RecordingBotApi) -> None:
    args = parse("--set-webhook", URL)
    assert args.func(args) == 0
    assert bot_api.of("setWebhook") == [
        {"url": URL, "secret_token": SECRET, "allowed_updates": ["message", "callback_query"]}
    ]


@pytest.mark.usefixtures("env")
def test_set_webhook_without_a_url_anywhere_exits_2(
    bot_api: RecordingBotApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("LOTSE_TELEGRAM_WEBHOOK_URL", "")
    args = parse("--set-webhook")
    assert args.func(args) == 2
    assert "LOTSE_TELEGRAM_WEBHOOK_URL" in capsys.readouterr().err
    assert bot_api.calls == []


def test_without_a_token_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("LOTSE_TELEGRAM_TOKEN", "")
    get_settings.cache_clear()
    args = parse("--polling")
    try:
        assert args.func(args) == 2
    finally:
        get_settings.cache_clear()
    assert "LOTSE_TELEGRAM_TOKEN" in capsys.readouterr().err
