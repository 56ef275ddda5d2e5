"""Refuse to start outside development with default or missing secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lotse.config import DEFAULT_CHANNEL_TOKEN, Settings, get_settings
from lotse.web.main import create_app


@pytest.mark.parametrize("environment", ["production", "staging", "Development", ""])
def test_the_default_channel_token_is_refused_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match="LOTSE_CHANNEL_TOKEN"):
        Settings(_env_file=None, environment=environment)


def test_the_default_channel_token_is_refused_when_set_by_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOTSE_ENVIRONMENT", "production")
    monkeypatch.setenv("LOTSE_CHANNEL_TOKEN", DEFAULT_CHANNEL_TOKEN)
    with pytest.raises(ValidationError, match="LOTSE_CHANNEL_TOKEN"):
        Settings(_env_file=None)


def test_the_default_channel_token_is_fine_in_development() -> None:
    assert Settings(_env_file=None).channel_token == DEFAULT_CHANNEL_TOKEN


def test_a_real_channel_token_starts_in_production() -> None:
    settings = Settings(_env_file=None, environment="production", channel_token="s3cr3t-token")
    assert settings.channel_token == "s3cr3t-token"


def test_a_telegram_token_without_a_webhook_secret_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="LOTSE_TELEGRAM_SECRET_TOKEN"):
        Settings(
            _env_file=None,
            environment="production",
            channel_token="s3cr3t-token",
            telegram_token="123:abc",
        )


def test_the_web_app_cannot_be_built_with_default_secrets_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`uvicorn lotse.web.main:app` builds the app from the environment: it fails to start."""
    monkeypatch.setenv("LOTSE_ENVIRONMENT", "production")
    monkeypatch.setenv("LOTSE_CHANNEL_TOKEN", DEFAULT_CHANNEL_TOKEN)  # beats a local .env
    get_settings.cache_clear()
    try:
        with pytest.raises(ValidationError, match="LOTSE_CHANNEL_TOKEN"):
            create_app()
    finally:
        get_settings.cache_clear()
