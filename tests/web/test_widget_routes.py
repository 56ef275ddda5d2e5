"""The widget's routes: /widget.js, /demo, and the chat page / next to them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lotse.web.main import STATIC_DIR, create_app


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        yield test_client


def test_widget_js_is_served_as_javascript_with_cache_headers(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["etag"]
    assert response.content == (STATIC_DIR / "widget.js").read_bytes()
    assert client.head("/widget.js").status_code == 200


def test_widget_js_is_revalidated_with_its_etag(client: TestClient) -> None:
    etag = client.get("/widget.js").headers["etag"]
    response = client.get("/widget.js", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert client.get("/widget.js", headers={"if-none-match": '"old"'}).status_code == 200


def test_widget_loads_nothing_from_elsewhere(client: TestClient) -> None:
    """No CDN, no web fonts, no framework: the only URLs in it are in comments and texts."""
    source = client.get("/widget.js").text
    code = re.sub(r"/\*.*?\*/|^\s*//.*$", "", source, flags=re.S | re.M)
    assert not re.search(r"https?://", code)
    assert "@import" not in code and "@font-face" not in code
    assert "import(" not in code


def test_demo_page_embeds_the_widget_with_one_script_tag(client: TestClient) -> None:
    response = client.get("/demo")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    tags = re.findall(r"<script\b[^>]*>", response.text)
    assert tags == [
        '<script src="http://testserver/widget.js" data-lotse-url="http://testserver" defer>'
    ]
    assert 'lang="de"' in response.text
    assert "{{" not in response.text


def test_chat_page_still_served_at_the_root(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "/api/chat" in response.text


def test_widget_routes_are_not_in_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/widget.js" not in paths and "/demo" not in paths


def test_widget_origins_may_call_the_chat_api_across_origins() -> None:
    """A preflight from a configured website is allowed; from any other site it is not."""
    from fastapi.testclient import TestClient

    from lotse.config import Settings
    from lotse.web.main import create_app

    app = create_app(Settings(widget_origins=["https://beratung.example.org"]))
    with TestClient(app) as client:
        allowed = client.options(
            "/api/chat",
            headers={
                "Origin": "https://beratung.example.org",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        other = client.options(
            "/api/chat",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
    assert allowed.headers["access-control-allow-origin"] == "https://beratung.example.org"
    assert "access-control-allow-origin" not in other.headers
