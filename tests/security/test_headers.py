"""Security headers on every route, 413 for big bodies, 429 rate limits with an injectable clock."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lotse.config import Settings
from lotse.telegram.constants import SECRET_HEADER, WEBHOOK_PATH
from lotse.web.deps import get_rasa_client
from lotse.web.main import STATIC_DIR, create_app
from lotse.web.messages import RATE_LIMITED
from lotse.web.ratelimit import TokenBucketLimiter, retry_after
from lotse.web.security import HSTS, HTML_CSP, SECURITY_HEADERS, BodyLimitMiddleware
from tests.security.conftest import EchoRasa, app_settings
from tests.telegram.bot_api import RecordingBotApi
from tests.telegram.conftest import SECRET

LIMIT = 64 * 1024
ORIGIN = "https://beratung.example.org"


class FakeClock:
    """A monotonic clock the test moves forward."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_client(
    bot_api: RecordingBotApi, rasa: EchoRasa, clock: FakeClock, **settings: Any
) -> TestClient:
    app = create_app(app_settings(bot_api, **settings))
    app.dependency_overrides[get_rasa_client] = lambda: rasa
    app.state.rate_limits.clock = clock
    return TestClient(app)


@pytest.fixture
def limited(bot_api: RecordingBotApi, rasa: EchoRasa, clock: FakeClock) -> Iterator[TestClient]:
    """Per IP 60/min burst 3; per session 6/min burst 2; widget origin allowed (CORS)."""
    with make_client(
        bot_api, rasa, clock,
        rate_limit_ip_per_minute=60, rate_limit_ip_burst=3,
        rate_limit_session_per_minute=6, rate_limit_session_burst=2,
        widget_origins=[ORIGIN],
    ) as client:  # fmt: skip
        yield client


def chat(client: TestClient, text: str = "Hallo", session: str = "s", **kwargs: Any) -> Any:
    return client.post("/api/chat", json={"session_id": session, "text": text}, **kwargs)


def assert_security_headers(response: Any) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name
    if response.headers.get("content-type", "").startswith("text/html"):
        assert response.headers["content-security-policy"]


# --- headers ------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/", None),
    ("GET", "/demo", None),
    ("GET", "/widget.js", None),
    ("HEAD", "/widget.js", None),
    ("GET", "/healthz", None),
    ("GET", "/openapi.json", None),
    ("GET", "/docs", None),
    ("GET", "/redoc", None),
    ("GET", "/no-such-page", None),
    ("POST", "/api/chat", {"session_id": "a", "text": "Hallo"}),
    ("POST", "/api/chat", {"session_id": "a"}),
    ("GET", "/api/chat", None),
    ("POST", WEBHOOK_PATH, {"update_id": 1}),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_every_route_has_the_security_headers(
    client: TestClient, method: str, path: str, body: dict | None
) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code < 500
    assert_security_headers(response)
    assert "strict-transport-security" not in response.headers  # development


@pytest.mark.parametrize("path", ["/", "/demo"])
def test_html_pages_get_the_content_security_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == HTML_CSP


def test_json_and_javascript_get_no_page_policy(client: TestClient) -> None:
    assert "content-security-policy" not in client.get("/healthz").headers
    assert "content-security-policy" not in client.get("/widget.js").headers


def test_widget_js_stays_loadable_from_other_sites(client: TestClient) -> None:
    headers = client.get("/widget.js").headers
    assert headers["cross-origin-resource-policy"] == "cross-origin"
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("page", ["index.html", "demo.html"])
def test_pages_load_nothing_the_policy_forbids(page: str) -> None:
    """Scripts, styles and images are inline or same-origin; fetches go to the same origin."""
    html = (STATIC_DIR / page).read_text("utf-8")
    sources = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    assert all(s.startswith(("/", "#", "{{LOTSE_URL}}/")) for s in sources), sources
    assert not re.search(r"<(?:iframe|object|embed|base)\b", html)
    assert not re.search(r"fetch\(\s*[\"']https?:", html)


def test_the_demo_page_loads_the_widget_from_its_own_origin(client: TestClient) -> None:
    [src] = re.findall(r'<script src="([^"]+)"', client.get("/demo").text)
    assert src == "http://testserver/widget.js"  # 'self' for a page at http://testserver/demo


def test_hsts_outside_development(bot_api: RecordingBotApi, rasa: EchoRasa) -> None:
    settings = app_settings(bot_api, environment="production", channel_token="a-real-secret")
    with TestClient(create_app(settings)) as client:
        for path in ("/", "/healthz", "/widget.js"):
            assert client.get(path).headers["strict-transport-security"] == HSTS


# --- 413 ----------------------------------------------------------------------------------


def test_a_body_over_the_limit_gets_413_by_content_length(
    client: TestClient, rasa: EchoRasa
) -> None:
    response = chat(client, "a" * (LIMIT + 10))
    assert response.status_code == 413
    assert response.json() == {"detail": f"request body larger than {LIMIT} bytes"}
    assert_security_headers(response)
    assert rasa.sent == []


def test_a_chunked_body_over_the_limit_gets_413(client: TestClient, rasa: EchoRasa) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"session_id": "a", "text": "'
        for _ in range(100):
            yield b"a" * 1024
        yield b'"}'

    response = client.post(
        "/api/chat", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert rasa.sent == []


def test_a_body_at_the_limit_passes(client: TestClient) -> None:
    body = b'{"session_id": "a", "text": "hi"}'
    body = body[:-1] + b" " * (LIMIT - len(body)) + b"}"
    assert len(body) == LIMIT
    response = client.post("/api/chat", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200


def test_the_telegram_webhook_has_the_limit_too(client: TestClient) -> None:
    response = client.post(
        WEBHOOK_PATH, content=b"x" * (LIMIT + 1), headers={SECRET_HEADER: SECRET}
    )
    assert response.status_code == 413


def test_an_invalid_content_length_gets_400() -> None:
    sent = run_asgi(BodyLimitMiddleware(_echo_app, 10), [b"x"], {"content-length": "12abc"})
    assert sent[0]["status"] == 400


async def _echo_app(scope: dict, receive: Any, send: Any) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def run_asgi(app: Any, chunks: list[bytes], headers: dict[str, str] | None = None) -> list[dict]:
    """Drive a pure ASGI app with a request body streamed in `chunks`; return what it sent."""
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/chat",
        "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    asyncio.run(app(scope, receive, send))
    return sent


def test_many_small_chunks_are_counted() -> None:
    middleware = BodyLimitMiddleware(_echo_app, 1000)
    refused = run_asgi(middleware, [b"x" * 100] * 11)
    assert refused[0]["status"] == 413
    passed = run_asgi(middleware, [b"x" * 100] * 10)
    assert passed[0]["status"] == 200 and passed[1]["body"] == b"x" * 1000


# --- 429 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"), [("Привет, как дела?", "ru"), ("مرحبا", "ar"), ("Hello there", "en")]
)
def test_per_session_limit_answers_429_in_the_persons_language(
    bot_api: RecordingBotApi, rasa: EchoRasa, clock: FakeClock, text: str, language: str
) -> None:
    limits = {"rate_limit_session_per_minute": 6, "rate_limit_session_burst": 2}
    with make_client(bot_api, rasa, clock, **limits) as limited:
        per_session_limit(limited, clock, text, language)


def per_session_limit(limited: TestClient, clock: FakeClock, text: str, language: str) -> None:
    assert chat(limited, text, session="one").status_code == 200
    assert chat(limited, text, session="one").status_code == 200
    response = chat(limited, text, session="one")
    assert response.status_code == 429
    assert response.json() == {
        "language": language,
        "messages": [{"text": RATE_LIMITED[language], "buttons": []}],
    }
    assert response.headers["retry-after"] == "10"  # 6 per minute: one every 10 s
    assert_security_headers(response)
    assert chat(limited, text, session="two").status_code == 200  # other sessions go on
    clock.advance(10)
    assert chat(limited, text, session="one").status_code == 200


def test_per_ip_limit_answers_429_with_retry_after(
    limited: TestClient, rasa: EchoRasa, clock: FakeClock
) -> None:
    for session in ("a", "b", "c"):
        assert chat(limited, "Cześć, jak się masz?", session=session).status_code == 200
    response = chat(limited, "Cześć, jak się masz?", session="d")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert response.json() == {
        "language": "pl",
        "messages": [{"text": RATE_LIMITED["pl"], "buttons": []}],
    }
    assert len(rasa.sent) == 3
    clock.advance(1.0)
    assert chat(limited, "Hallo", session="d").status_code == 200
    assert chat(limited, "Hallo", session="e").status_code == 429


def test_limits_refill_after_time(limited: TestClient, clock: FakeClock) -> None:
    for session in ("a", "b", "c"):
        chat(limited, session=session)
    assert chat(limited, session="y").status_code == 429
    clock.advance(60)
    for session in ("p", "q", "r"):
        assert chat(limited, session=session).status_code == 200  # full burst again


@pytest.mark.parametrize(
    "body", [b"{not json", b"[]", b'{"text": 5}', b'{"text": "\\u043f\\u0440\\u0438\\u0432"}']
)
def test_an_ip_limited_odd_body_still_gets_a_chat_shaped_429(
    limited: TestClient, body: bytes
) -> None:
    for session in ("a", "b", "c"):
        chat(limited, session=session)
    response = limited.post("/api/chat", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 429
    assert response.json()["language"] == ("ru" if b"u043f" in body else "de")


def test_429_reaches_the_widget_on_another_site(limited: TestClient) -> None:
    headers = {"origin": ORIGIN}
    for session in ("a", "b", "c"):
        chat(limited, session=session, headers=headers)
    response = chat(limited, session="d", headers=headers)
    assert response.status_code == 429
    assert response.headers["access-control-allow-origin"] == ORIGIN


def test_other_posts_get_a_plain_429(limited: TestClient) -> None:
    for session in ("a", "b", "c"):
        chat(limited, session=session)
    response = limited.post("/healthz")
    assert response.status_code == 429
    assert response.json() == {"detail": "too many requests, please wait a moment"}
    assert limited.get("/healthz").status_code == 200  # GET is not limited


def test_the_telegram_webhook_is_not_limited_per_ip(
    limited: TestClient, bot_api: RecordingBotApi
) -> None:
    for session in ("a", "b", "c"):
        chat(limited, session=session)
    for update_id in range(5):
        response = limited.post(
            WEBHOOK_PATH, json={"update_id": update_id}, headers={SECRET_HEADER: SECRET}
        )
        assert response.status_code == 200


def test_zero_switches_a_limit_off(client: TestClient) -> None:
    assert all(chat(client, session="same").status_code == 200 for _ in range(50))


def test_default_settings_limit() -> None:
    settings = Settings(_env_file=None)
    assert (settings.rate_limit_ip_per_minute, settings.rate_limit_ip_burst) == (60, 20)
    assert (settings.rate_limit_session_per_minute, settings.rate_limit_session_burst) == (20, 10)
    assert settings.max_body_bytes == LIMIT


def test_token_bucket_and_retry_after(clock: FakeClock) -> None:
    bucket = TokenBucketLimiter(per_minute=30, burst=2, clock=clock)
    assert bucket.take("k") == 0 and bucket.take("k") == 0
    assert bucket.take("k") == pytest.approx(2.0)
    clock.advance(1.5)
    assert bucket.take("k") == pytest.approx(0.5)
    assert retry_after(0.5) == "1" and retry_after(2.01) == "3"
    clock.advance(0.5)
    assert bucket.take("k") == 0


def test_the_limiter_forgets_the_least_recent_keys(clock: FakeClock) -> None:
    bucket = TokenBucketLimiter(per_minute=60, burst=1, clock=clock, max_keys=100)
    for key in range(1000):
        bucket.take(str(key))
    assert len(bucket) == 100
