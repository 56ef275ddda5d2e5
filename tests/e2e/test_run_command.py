"""`lotse run`: starts the three processes, says where to chat, stops all of them on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from lotse import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def test_run_starts_everything_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LOTSE_PORT": "8021", "LOTSE_RASA_PORT": "5021", "LOTSE_ACTION_PORT": "5071",
        "LOTSE_RASA_URL": "http://127.0.0.1:5021", "LOTSE_ACTION_URL": "http://127.0.0.1:5071",
        "LOTSE_VAR_DIR": str(tmp_path), "LOTSE_DATABASE_URL": f"sqlite:///{tmp_path}/lotse.db",
    }  # fmt: skip
    for key in ("LOTSE_ACTION_ENDPOINT", "LOTSE_TRACKER_STORE_URL"):
        env.pop(key, None)
    run = subprocess.Popen(
        [str(Path(sys.executable).parent / "lotse"), "run"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        ready = ""
        while "Lotse is ready" not in ready and time.monotonic() < deadline:
            ready = run.stdout.readline()
            assert ready or run.poll() is None, "lotse run ended before it was ready"
        assert "http://127.0.0.1:8021/" in ready
        reply = httpx.post(
            "http://127.0.0.1:8021/api/chat",
            json={"session_id": "run", "text": "Привет"},
            timeout=60,
        ).json()
        assert reply["language"] == "ru"
        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=30) == 0
    finally:
        if run.poll() is None:
            run.kill()
    time.sleep(1)
    for port in (8021, 5021, 5071):
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
