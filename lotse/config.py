"""Settings, read once from the environment (prefix LOTSE_) or a .env file."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseSettings, validator

from lotse import PROJECT_ROOT

DEFAULT_CHANNEL_TOKEN = "change-me"
#: What Telegram accepts as a webhook secret token (setWebhook's secret_token).
TELEGRAM_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    """Where the three processes listen and where data lives."""

    environment: str = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_port: int = 5005
    action_url: str = "http://127.0.0.1:5055"
    action_port: int = 5055
    #: Shared secret between the web app and Rasa's Lotse channel (credentials.yml).
    channel_token: str = DEFAULT_CHANNEL_TOKEN
    #: Seconds the web app waits for Rasa to answer one message.
    rasa_timeout: float = 30.0
    var_dir: Path = PROJECT_ROOT / "var"
    models_dir: Path = PROJECT_ROOT / "models"
    #: Longest message accepted from a person (characters).
    max_text_length: int = 2000
    #: The app database (hand-offs). Default: SQLite file under var_dir.
    database_url: str = ""
    #: Rasa's tracker store, an SQLAlchemy URL (postgresql://...). Default: SQLite under var_dir.
    tracker_store_url: str = ""
    #: Redis (redis://[:password@]host:port/db) for Rasa's lock store, the rate limits and the
    #: idempotency store, shared by all replicas. Empty: each process keeps them in memory.
    redis_url: str = ""
    #: How many Rasa servers `lotse run` starts, on consecutive ports from rasa_port.
    rasa_replicas: int = 1
    #: Every Rasa server the web app spreads messages over (JSON list). Empty: rasa_url, or with
    #: rasa_replicas > 1 the consecutive ports from rasa_url's port.
    rasa_urls: list[str] = []
    #: Seconds Rasa waits for the action server (per attempt) before the turn fails.
    action_timeout: float = 10.0
    #: Seconds a conversation stays locked by a Rasa server that died while answering it.
    lock_lifetime: int = 20
    #: Seconds to wait for a connection to PostgreSQL, Redis or a Rasa server.
    connect_timeout: float = 3.0
    #: Working days within which a counselling centre is asked to contact a person.
    handoff_response_days: int = 3
    #: Token of the Telegram bot (from @BotFather); empty: no Telegram channel.
    telegram_token: str = ""
    #: Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token with every webhook update.
    telegram_secret_token: str = ""
    #: Bot API base URL; the token is appended (tests point it at a local server).
    telegram_base_url: str = "https://api.telegram.org/bot"
    #: Public HTTPS URL of POST /telegram/webhook; when set, the web app registers it at start.
    telegram_webhook_url: str = ""
    #: Websites (origins such as "https://beratung.example.org") that may embed the chat widget.
    widget_origins: list[str] = []
    #: Largest request body accepted (bytes); larger ones get 413.
    max_body_bytes: int = 64 * 1024
    #: POST requests per minute and burst per client IP (Telegram's webhook excluded); 0: off.
    rate_limit_ip_per_minute: int = 60
    rate_limit_ip_burst: int = 20
    #: Chat messages per minute and burst per session_id of POST /api/chat; 0: off.
    rate_limit_session_per_minute: int = 20
    rate_limit_session_burst: int = 10
    #: Public base URL of the web app (links in notifications); default http://host:port.
    public_url: str = ""
    #: Counsellor workspace: a login lasts at most this many hours, and ends after idle minutes.
    workspace_session_hours: int = 12
    workspace_idle_minutes: int = 60
    #: Failed logins per e-mail (and per client address, times 4) within 15 minutes before a pause.
    workspace_login_max_failures: int = 5
    #: Days after a case is closed until the app deletes it with its conversation; 0: never.
    retention_days_after_close: int = 180
    #: Days after the last message until a conversation without hand-off is deleted; 0: never.
    retention_days_without_handoff: int = 30
    #: Minutes between two retention rounds of the web app (the first runs at start); 0: none.
    retention_interval_minutes: int = 60
    #: E-mail notifications of new hand-offs (empty host: no e-mail).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "lotse@localhost"
    smtp_starttls: bool = True
    #: Telegram chat (counsellors' group) notified of new hand-offs of centres without their own.
    notify_telegram_chat_id: str = ""

    class Config:
        env_prefix = "LOTSE_"
        env_file = ".env"
        extra = "ignore"

    @validator("channel_token")
    def _no_default_secret_outside_development(cls, value: str, values: dict) -> str:
        if value == DEFAULT_CHANNEL_TOKEN and values.get("environment") != "development":
            raise ValueError("set LOTSE_CHANNEL_TOKEN: the default token is only for development")
        return value

    @validator("telegram_secret_token", always=True)
    def _telegram_secret(cls, value: str, values: dict) -> str:
        if value and not TELEGRAM_SECRET_PATTERN.fullmatch(value):
            raise ValueError("LOTSE_TELEGRAM_SECRET_TOKEN: 1-256 characters A-Z, a-z, 0-9, _ or -")
        if (
            values.get("telegram_token")
            and not value
            and values.get("environment") != "development"
        ):
            raise ValueError("set LOTSE_TELEGRAM_SECRET_TOKEN: a Telegram token needs a secret")
        return value

    @validator("database_url", always=True)
    def _default_database(cls, value: str, values: dict) -> str:
        return value or f"sqlite:///{values.get('var_dir', PROJECT_ROOT / 'var')}/lotse.db"

    @validator("tracker_store_url", always=True)
    def _default_tracker_store(cls, value: str, values: dict) -> str:
        return value or f"sqlite:///{values.get('var_dir', PROJECT_ROOT / 'var')}/tracker.db"

    @validator("rasa_replicas")
    def _at_least_one_replica(cls, value: int) -> int:
        if value < 1:
            raise ValueError("LOTSE_RASA_REPLICAS must be at least 1")
        return value

    @property
    def tracker_db(self) -> Path:
        """SQLite file of Rasa's tracker store (embedded default)."""
        return self.var_dir / "tracker.db"

    @property
    def rasa_replica_urls(self) -> list[str]:
        """The Rasa servers the web app sends messages to."""
        if self.rasa_urls:
            return list(self.rasa_urls)
        if self.rasa_replicas == 1:
            return [self.rasa_url]
        url = urlsplit(self.rasa_url)
        first = url.port or self.rasa_port
        return [
            urlunsplit(url._replace(netloc=f"{url.hostname}:{first + i}"))
            for i in range(self.rasa_replicas)
        ]


@lru_cache
def get_settings() -> Settings:
    """The settings of this process."""
    return Settings()
