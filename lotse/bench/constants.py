"""Every number and name of the load benchmark, in one place."""

from __future__ import annotations

from lotse import PROJECT_ROOT

#: The scripted conversations the simulated people hold.
CONVERSATIONS_FILE = PROJECT_ROOT / "tests" / "data" / "conversations.yaml"
REPORTS_DIR = PROJECT_ROOT / "reports"

#: Ports of the benchmark's own stack, apart from a running `lotse run` and the e2e tests.
WEB_PORT = 8208
RASA_PORT = 5208
ACTION_PORT = 5258
BOT_API_PORT = 8291
HOST = "127.0.0.1"
CHANNEL_TOKEN = "bench-channel-token"
TELEGRAM_TOKEN = "123456789:BenchTokenNotARealBot_0123456789"
TELEGRAM_SECRET = "bench-webhook-secret"

#: Concurrent conversations per level: the full run and `--quick`.
LEVELS = (1, 10, 20, 50)
QUICK_LEVELS = (1, 10)
#: Seconds each channel is measured at each level: the full run and `--quick`.
LEVEL_SECONDS = 30.0
QUICK_SECONDS = 8.0
#: How many scripted conversations `--quick` takes (spread over the languages).
QUICK_CONVERSATIONS = 10

#: The channels, in the order they are measured at each level.
RAW_REST = "rasa-rest"
WEB = "web"
TELEGRAM = "telegram"
CHANNELS = (RAW_REST, WEB, TELEGRAM)
#: Rasa's Lotse channel without the web app: splits the app's overhead into channel and web app.
LOTSE_CHANNEL = "rasa-lotse"
OPTIONAL_CHANNELS = (LOTSE_CHANNEL,)
#: Rasa's own REST channel, the baseline the app's overhead is measured against.
REST_WEBHOOK = "/webhooks/rest/webhook"

#: Seconds a simulated person waits for one answer before counting it as an error.
TURN_TIMEOUT = 60.0
#: Seconds between two memory samples of the processes.
MEMORY_INTERVAL = 0.5
#: Seconds to wait for the stack to become healthy.
START_TIMEOUT = 300.0

#: Done-criteria of issue 7 (web channel, one Rasa replica, 20 concurrent conversations).
TARGET_LEVEL = 20
TARGET_TURNS_PER_SECOND = 30.0
TARGET_P95_SECONDS = 0.250
TARGET_OVERHEAD = 1.15
