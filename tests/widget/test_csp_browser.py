"""The pages work under their Content-Security-Policy in Chromium: no violation is reported."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
expect = sync_api.expect

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

#: Collects securitypolicyviolation events from the start of every document.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def page(browser: Any, lotse_url: str) -> Iterator[Any]:
    context = browser.new_context(locale="de-DE", base_url=lotse_url)
    context.set_default_timeout(10_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    yield page
    violations = page.evaluate("window.__cspViolations")
    context.close()
    assert violations == []
    assert not [text for text in console if "Content Security Policy" in text]


def test_chat_page_sends_and_shows_an_answer_under_its_policy(page: Any) -> None:
    response = page.goto("/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.fill("#text", "Hallo")
    page.press("#text", "Enter")
    expect(page.locator(".msg.bot").first).to_be_visible()
    expect(page.locator(".msg.bot").first).not_to_contain_text("⚠")


def test_demo_page_loads_and_opens_the_widget_under_its_policy(page: Any) -> None:
    response = page.goto("/demo")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.get_by_role("button", name="Jetzt im Chat fragen").click()  # the inline onclick handler
    widget = page.locator("lotse-widget")
    expect(widget.locator(".privacy")).to_be_visible()
    widget.locator(".accept").click()
    expect(widget.locator(".msg.bot").first).to_be_visible()
