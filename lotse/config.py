"""Settings, read once from the environment (prefix LOTSE_) or a .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseSettings, validator

from lotse import PROJECT_ROOT

DEFAULT_CHANNEL_TOKEN = "change-me"


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
    #: Working days within which a counselling centre is asked to contact a person.
    handoff_response_days: int = 3

    class Config:
        env_prefix = "LOTSE_"
        env_file = ".env"
        extra = "ignore"

    @validator("channel_token")
    def _no_default_secret_outside_development(cls, value: str, values: dict) -> str:
        if value == DEFAULT_CHANNEL_TOKEN and values.get("environment") != "development":
            raise ValueError("set LOTSE_CHANNEL_TOKEN: the default token is only for development")
        return value

    @validator("database_url", always=True)
    def _default_database(cls, value: str, values: dict) -> str:
        return value or f"sqlite:///{values.get('var_dir', PROJECT_ROOT / 'var')}/lotse.db"

    @property
    def tracker_db(self) -> Path:
        """SQLite file of Rasa's tracker store (embedded default)."""
        return self.var_dir / "tracker.db"


@lru_cache
def get_settings() -> Settings:
    """The settings of this process."""
    return Settings()
