"""The benchmark's own Lotse: Rasa, action server and web app on the bench ports, fresh data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lotse.bench import constants
from lotse.config import Settings
from lotse.processes import CREDENTIALS, Processes, model_path

REST_CHANNEL = "rest:"


def bench_settings(var_dir: Path, bot_api_url: str) -> Settings:
    """Own ports and databases under `var_dir`, Telegram pointed at the stand-in, no rate limits.

    One test client writes for many people, so the per-IP and per-session limits are off.
    """
    host = constants.HOST
    return Settings(
        _env_file=None,
        host=host, port=constants.WEB_PORT,
        rasa_port=constants.RASA_PORT, rasa_url=f"http://{host}:{constants.RASA_PORT}",
        action_port=constants.ACTION_PORT, action_url=f"http://{host}:{constants.ACTION_PORT}",
        var_dir=var_dir, database_url=f"sqlite:///{var_dir}/lotse.db",
        channel_token=constants.CHANNEL_TOKEN,
        telegram_token=constants.TELEGRAM_TOKEN,
        telegram_secret_token=constants.TELEGRAM_SECRET,
        telegram_base_url=bot_api_url,
        rate_limit_ip_per_minute=0, rate_limit_session_per_minute=0,
    )  # fmt: skip


def write_credentials(directory: Path, source: Path = CREDENTIALS) -> Path:
    """A copy of Rasa's credentials that also enables Rasa's REST channel (the raw baseline).

    The production credentials leave it out: it would accept messages without the channel token.
    """
    text = source.read_text(encoding="utf-8")
    if not any(line.strip() == REST_CHANNEL for line in text.splitlines()):
        text = text.rstrip("\n") + f"\n# Raw baseline of the load benchmark.\n{REST_CHANNEL}\n"
    path = directory / "credentials.yml"
    path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def running_stack(settings: Settings, log_dir: Path) -> Iterator[Processes]:
    """Start the three processes with the REST channel enabled; stop them afterwards."""
    if not model_path(settings).exists():
        raise RuntimeError(f"no trained model at {model_path(settings)}: run `make train` first")
    credentials = write_credentials(settings.var_dir)
    processes = Processes(settings, log_dir=log_dir, credentials=credentials)
    try:
        processes.start()
        processes.wait_until_healthy(timeout=constants.START_TIMEOUT)
        yield processes
    finally:
        processes.stop()
