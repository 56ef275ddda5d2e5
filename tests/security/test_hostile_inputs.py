"""The hostile-input corpus sent to every entry point: a 4xx or a polite reply, never a 5xx.

Hand-written entries are in tests/data/hostile_inputs.yaml; generated ones (size sweeps, every
control character, floods, deep and huge bodies) are added here. One app serves the whole
module, so damage done by one entry would show in the next; after every entry a normal message
must still be answered.
"""

from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from fastapi.testclient import TestClient

from lotse import PROJECT_ROOT
from lotse.telegram.constants import MAX_MESSAGE_LENGTH, SECRET_HEADER, WEBHOOK_PATH
from lotse.web.deps import get_rasa_client
from lotse.web.main import create_app
from lotse.web.sanitize import BIDI_CONTROLS
from tests.security.conftest import EchoRasa, app_settings
from tests.telegram.bot_api import RecordingBotApi
from tests.telegram.conftest import SECRET

CORPUS = yaml.safe_load((PROJECT_ROOT / "tests/data/hostile_inputs.yaml").read_text("utf-8"))
USER = {"id": 424242, "is_bot": False, "first_name": "Amira", "language_code": "de"}
CHAT = {"id": 424242, "type": "private", "first_name": "Amira"}
GET_ROUTES = ("/healthz", "/", "/demo", "/widget.js")
HTML_ROUTES = ("/", "/demo")
#: Longest query string sent (servers refuse longer request lines; httpx stops at 64 KiB).
MAX_QUERY = 8192
SECRETS = {"right": SECRET, "wrong": "forged-secret"}
DEEP = 10_000
NESTED = "[" * DEEP + "]" * DEEP


def _generated_texts() -> list[dict[str, str]]:
    """Size sweeps, every control character alone, each bidi control, floods."""
    texts = [
        {"id": f"{name}-x{size}", "text": char * size}
        for size in (1, 1999, 2000, 2001, 4096, 10_000, 100_000)
        for name, char in (("ascii", "a"), ("umlaut", "ä"), ("emoji", "😀"))
    ]
    controls = [chr(code) for code in (*range(0x20), *range(0x7F, 0xA0))]
    texts += [{"id": f"control-U+{ord(c):04X}", "text": f"x{c}y"} for c in controls]
    texts += [{"id": f"only-control-U+{ord(c):04X}", "text": c * 3} for c in controls[:32]]
    bidi = [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]
    texts += [{"id": f"bidi-U+{ord(c):04X}", "text": f"{c}abc"} for c in bidi]
    texts += [
        {"id": "newline-flood", "text": "\n" * 1999 + "a"},
        {"id": "combining-flood", "text": "a" + "\u0301" * 1999},
        {"id": "zero-width-flood", "text": "\u200b" * 1999 + "a"},
        {"id": "zwj-emoji-flood", "text": "👨‍👩‍👧‍👦" * 500},
    ]
    return texts


def _generated_chat_bodies() -> list[dict[str, Any]]:
    """Deep JSON, huge numbers; huge bodies are in test_headers (413)."""
    return [
        {"id": "deep-arrays-top", "raw": NESTED},
        {"id": "deep-arrays-as-text", "raw": '{"session_id": "a", "text": ' + NESTED + "}"},
        {"id": "deep-objects", "raw": '{"a":' * 5000 + "1" + "}" * 5000},
        {"id": "deep-unclosed", "raw": "[" * 60_000},
        {"id": "text-5000-digits", "raw": '{"session_id": "a", "text": ' + "1" * 5000 + "}"},
        {"id": "session-5000-digits", "raw": '{"session_id": ' + "9" * 5000 + ', "text": "hi"}'},
        {"id": "many-keys", "raw": json.dumps({f"k{i}": i for i in range(5000)})},
        {"id": "long-key", "raw": json.dumps({"x" * 60_000: 1})},
        {"id": "huge-body-1mb", "raw": json.dumps({"session_id": "a", "text": "a" * 1_000_000})},
    ]  # fmt: skip


def _generated_updates() -> list[dict[str, Any]]:
    return [
        {"id": "update-id-5000-digits", "raw": '{"update_id": ' + "1" * 5000 + "}"},
        {"id": "deep-arrays", "raw": NESTED},
        {"id": "deep-update", "raw": '{"update_id": 1, "message": ' + NESTED + "}"},
        {"id": "text-100kb", "message": {"text": "a" * 100_000}},
        {"id": "text-5000", "message": {"text": "a" * 5000}},
        {"id": "huge-body-1mb", "raw": json.dumps({"update_id": 1, "x": "a" * 1_000_000})},
    ]  # fmt: skip


TEXTS = CORPUS["texts"] + _generated_texts()
CHAT_BODIES = CORPUS["chat_bodies"] + _generated_chat_bodies()
UPDATES = CORPUS["telegram_updates"] + _generated_updates()
#: Telegram gets the texts without the one-per-control-character variants (same cleaning as the
#: chat route, which gets them all; the hand-written texts have control characters too).
TELEGRAM_TEXTS = [entry for entry in TEXTS if "control-U+" not in entry["id"]]


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["id"] for entry in entries]


@pytest.fixture(scope="module")
def app_client(bot_api_server: RecordingBotApi) -> Iterator[tuple[TestClient, EchoRasa]]:
    """One app for the whole corpus (exceptions in the app fail the test)."""
    rasa = EchoRasa()
    app = create_app(app_settings(bot_api_server))
    app.dependency_overrides[get_rasa_client] = lambda: rasa
    with TestClient(app) as test_client:
        yield test_client, rasa


@pytest.fixture
def client(app_client: tuple[TestClient, EchoRasa], bot_api: RecordingBotApi) -> TestClient:
    app_client[1].sent.clear()
    return app_client[0]


@pytest.fixture
def rasa(app_client: tuple[TestClient, EchoRasa]) -> EchoRasa:
    return app_client[1]


# --- helpers -------------------------------------------------------------------------------


def encode(entry: dict[str, Any]) -> tuple[bytes, str]:
    """The body bytes and content type of a corpus entry (JSON escapes keep lone surrogates)."""
    content_type = entry.get("content_type", "application/json")
    if "hex" in entry:
        return bytes.fromhex(entry["hex"]), content_type
    if "raw" in entry:
        return entry["raw"].encode("utf-8", "surrogatepass"), content_type
    return json.dumps(entry["json"]).encode(), content_type


def post(client: TestClient, path: str, body: bytes, content_type: str, **headers: str):
    """POST raw bytes (no content-type header if `content_type` is empty)."""
    if content_type:
        headers["content-type"] = content_type
    return client.post(path, content=body, headers=headers)


_update_ids = iter(range(10_000, 10**9))


def message_update(text: Any = "Hallo", **changes: Any) -> dict[str, Any]:
    """A valid Telegram text message update with `changes` merged into the message."""
    message = {"message_id": 1, "from": USER, "chat": CHAT, "date": int(time.time()), "text": text}
    return {"update_id": next(_update_ids), "message": _merge(message, changes)}


def callback_update(**changes: Any) -> dict[str, Any]:
    """A valid pressed-button update with `changes` merged into the callback query."""
    message = {"message_id": 2, "chat": CHAT, "date": int(time.time()), "text": "Weiter?"}
    query = {"id": "1", "from": USER, "chat_instance": "-1", "data": "/none_of_these"}
    query["message"] = message
    return {"update_id": next(_update_ids), "callback_query": _merge(query, changes)}


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **changes}
    return {key: value for key, value in merged.items() if value is not None}


def update_body(entry: dict[str, Any]) -> tuple[bytes, str]:
    if "message" in entry:
        return json.dumps(message_update(**entry["message"])).encode(), "application/json"
    if "callback" in entry:
        return json.dumps(callback_update(**entry["callback"])).encode(), "application/json"
    return encode(entry)


def assert_polite_chat_answer(response: Any) -> None:
    """200 (or 503/429 in the same shape) with messages, or a 4xx with a readable detail."""
    assert response.status_code < 500 or response.status_code == 503, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    if response.status_code in (200, 429, 503):
        assert body["language"] in ("de", "en", "ar", "ru", "pl")
        assert body["messages"] and all(m["text"] for m in body["messages"])
    else:
        assert 400 <= response.status_code < 500 and body["detail"]


def assert_clean(texts: list[str]) -> None:
    """What reached Rasa has no control characters, bidi controls or lone surrogates."""
    for text in texts:
        assert not BIDI_CONTROLS.search(text)
        assert all(c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs") for c in text)
        text.encode("utf-8")


def assert_still_answers(client: TestClient) -> None:
    response = client.post("/api/chat", json={"session_id": "normal", "text": "Hallo"})
    assert response.status_code == 200
    assert response.json()["messages"][0]["text"] == "Sie schrieben: Hallo"


# --- the corpus --------------------------------------------------------------------------


def test_the_corpus_has_at_least_200_entries() -> None:
    hand_written = sum(len(CORPUS[key]) for key in CORPUS)
    assert hand_written >= 200
    assert len(TEXTS) + len(CHAT_BODIES) + len(UPDATES) >= 350


@pytest.mark.parametrize("entry", TEXTS, ids=_ids(TEXTS))
def test_chat_text(client: TestClient, rasa: EchoRasa, entry: dict[str, str]) -> None:
    body = json.dumps({"session_id": "hostile", "text": entry["text"]}).encode()
    response = post(client, "/api/chat", body, "application/json")
    assert_polite_chat_answer(response)
    assert response.status_code in (200, 413, 422)
    assert_clean([text for _, text, _ in rasa.sent])
    assert_still_answers(client)


@pytest.mark.parametrize("entry", CHAT_BODIES, ids=_ids(CHAT_BODIES))
def test_chat_body(client: TestClient, rasa: EchoRasa, entry: dict[str, Any]) -> None:
    response = post(client, "/api/chat", *encode(entry))
    assert_polite_chat_answer(response)
    assert response.status_code in (200, 400, 413, 415, 422)
    for sender, _, metadata in rasa.sent:
        assert sender.startswith("web-") and metadata["channel"] == "web"
    assert_clean([text for _, text, _ in rasa.sent])
    assert_still_answers(client)


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize("entry", TELEGRAM_TEXTS, ids=_ids(TELEGRAM_TEXTS))
def test_telegram_text(
    client: TestClient,
    rasa: EchoRasa,
    bot_api: RecordingBotApi,
    entry: dict[str, str],
    secret: str,
) -> None:
    update = message_update(entry["text"])
    if entry["text"].startswith("/"):
        command = len(entry["text"].split()[0]) if entry["text"].split() else 1
        update["message"]["entities"] = [{"offset": 0, "length": command, "type": "bot_command"}]
    body = json.dumps(update).encode()
    response = post(client, WEBHOOK_PATH, body, "application/json", **_secret(secret))
    assert_telegram_outcome(client, response, rasa, bot_api, secret, check_after=False)


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize("entry", UPDATES, ids=_ids(UPDATES))
def test_telegram_update(
    client: TestClient,
    rasa: EchoRasa,
    bot_api: RecordingBotApi,
    entry: dict[str, Any],
    secret: str,
) -> None:
    response = post(client, WEBHOOK_PATH, *update_body(entry), **_secret(secret))
    assert_telegram_outcome(client, response, rasa, bot_api, secret)


def _secret(secret: str) -> dict[str, str]:
    return {SECRET_HEADER: SECRETS[secret]}


def assert_telegram_outcome(
    client: TestClient,
    response: Any,
    rasa: EchoRasa,
    bot_api: RecordingBotApi,
    secret: str,
    check_after: bool = True,
) -> None:
    """Wrong secret: 403 (or 413 before it is checked) and nothing done. Right: 200 or 4xx.

    With `check_after`, a normal message sent next must be answered.
    """
    if secret == "wrong":
        assert response.status_code in (403, 413)
        assert rasa.sent == [] and [call.method for call in bot_api.calls] == []
    else:
        assert response.status_code in (200, 400, 413), response.text[:300]
        for sent in bot_api.of("sendMessage"):
            assert sent["text"] and len(sent["text"]) <= MAX_MESSAGE_LENGTH
        assert_clean([text for _, text, _ in rasa.sent])
        for sender, _, _ in rasa.sent:
            assert sender.startswith("tg-")
    if check_after:
        assert_telegram_still_answers(client, bot_api)


def assert_telegram_still_answers(client: TestClient, bot_api: RecordingBotApi) -> None:
    bot_api.reset()
    normal = json.dumps(message_update("Hallo")).encode()
    answer = post(client, WEBHOOK_PATH, normal, "application/json", **_secret("right"))
    assert answer.status_code == 200
    assert bot_api.of("sendMessage")


@pytest.mark.parametrize("entry", TEXTS, ids=_ids(TEXTS))
def test_get_routes_with_the_text_as_query(client: TestClient, entry: dict[str, str]) -> None:
    query = quote(entry["text"].encode("utf-8", "surrogatepass"), safe="")[:MAX_QUERY]
    for route in GET_ROUTES:
        response = client.get(f"{route}?q={query}&{query}")
        assert response.status_code < 500
        if route in HTML_ROUTES:  # the query changes nothing on the page
            assert response.text == client.get(route).text


@pytest.mark.parametrize("query", CORPUS["queries"])
def test_get_routes_with_odd_query_strings(client: TestClient, query: str) -> None:
    for route in GET_ROUTES:
        response = client.get(f"{route}?{query}")
        assert response.status_code < 500
        if route in HTML_ROUTES:
            assert response.text == client.get(route).text


@pytest.mark.parametrize("path", CORPUS["paths"])
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "OPTIONS"])
def test_odd_paths_and_methods(client: TestClient, rasa: EchoRasa, path: str, method: str) -> None:
    response = client.request(method, path)
    assert response.status_code < 500
    if response.headers.get("content-type", "").startswith("text/html"):
        assert "<script>alert" not in response.text
    assert_still_answers(client)


@pytest.mark.parametrize(
    "host", ['evil.example"><script>alert(1)</script>', "evil.example/<img src=x>", "a'b"]
)
def test_a_forged_host_header_is_escaped_in_the_demo_page(client: TestClient, host: str) -> None:
    response = client.get("/demo", headers={"host": host})
    assert response.status_code < 500
    assert "<script>alert" not in response.text and "<img src=x>" not in response.text
    assert "a'b" not in response.text


def test_a_replayed_telegram_update_is_answered_without_error(
    client: TestClient, rasa: EchoRasa
) -> None:
    body = json.dumps(message_update("Ich bin Ärztin")).encode()
    for _ in range(3):
        response = post(client, WEBHOOK_PATH, body, "application/json", **_secret("right"))
        assert response.status_code == 200
    assert {metadata["message_id"] for _, _, metadata in rasa.sent} == {
        str(json.loads(body)["update_id"])
    }  # the same message id each time: Rasa's side can recognise the replay


def test_the_app_still_answers_after_the_whole_corpus(
    client: TestClient, bot_api: RecordingBotApi
) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    assert_still_answers(client)
    assert_telegram_still_answers(client, bot_api)
