"""Telegram settings: a token needs a secret outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lotse.config import Settings

PRODUCTION = {"environment": "production", "channel_token": "a-real-shared-secret"}


def test_defaults_leave_telegram_off() -> None:
    settings = Settings(_env_file=None)
    assert settings.telegram_token == ""
    assert settings.telegram_base_url == "https://api.telegram.org/bot"


def test_a_token_without_a_secret_is_refused_outside_development() -> None:
    with pytest.raises(ValidationError, match="LOTSE_TELEGRAM_SECRET_TOKEN"):
        Settings(_env_file=None, telegram_token="123:abc", **PRODUCTION)


def test_a_token_with_a_secret_is_accepted_in_production() -> None:
    settings = Settings(
        _env_file=None, telegram_token="123:abc", telegram_secret_token="s3cr3t_-", **PRODUCTION
    )
    assert settings.telegram_secret_token == "s3cr3t_-"


def test_development_allows_a_token_without_a_secret_for_polling() -> None:
    assert Settings(_env_file=None, telegram_token="123:abc").telegram_secret_token == ""


@pytest.mark.parametrize("secret", ["with space", "ümlaut", "x" * 257])
def test_a_secret_telegram_would_refuse_is_refused(secret: str) -> None:
    with pytest.raises(ValidationError, match="A-Z, a-z, 0-9"):
        Settings(_env_file=None, telegram_token="123:abc", telegram_secret_token=secret)
