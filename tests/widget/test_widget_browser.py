"""The chat widget in headless Chromium, embedded in the demo page, talking to the real web app.

A whole German and a whole Arabic conversation, keyboard-only use, the mobile layout, and a
message resent after a network error without being answered twice. Screenshots are saved to
var/test-results/screenshots/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.widget.scripted_rasa import AUTHORITY_NAME, ScriptedRasa

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
expect = sync_api.expect
Page = sync_api.Page

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TIMEOUT_MS = 10_000
HOTPINK = "rgb(255, 105, 180)"  # the demo page styles every <button> like this
# The widget's own texts (lotse/web/static/widget.js) and Lotse's (bot/**/responses).
PRIVACY_DE = "Lotse ist ein Chatbot, keine Beratungsperson."
PRIVACY_AR = "لوتسه (Lotse) برنامج محادثة آلي وليس مستشارًا."
GREETING_DE = "Datenschutz: Ich speichere unser Gespräch nur"
GREETING_AR = "حماية البيانات: أحفظ هذه المحادثة فقط"
RETRY_DE = "Nicht gesendet – erneut versuchen"


# ------------------------------------------------------------------ helpers


@pytest.fixture
def page(browser: Any, lotse_url: str) -> Iterator[Any]:
    """A fresh browser profile (empty localStorage) on a German desktop, on the demo page."""
    context = browser.new_context(
        locale="de-DE", viewport={"width": 1280, "height": 860}, base_url=lotse_url
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/demo")
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def widget(page: Page, selector: str) -> Any:
    """A locator inside the widget's (open) shadow root."""
    return page.locator("lotse-widget").locator(selector)


def focused(page: Page) -> str:
    """What has the keyboard focus inside the widget: its id, else its classes, else ''."""
    return page.evaluate(
        """() => {
            const el = document.querySelector("lotse-widget").shadowRoot.activeElement;
            return el ? (el.id || el.className || el.tagName) : "";
        }"""
    )


def bot_says(page: Page, text: str) -> Any:
    """Wait until a bot message containing `text` is shown; return it."""
    message = widget(page, ".msg.bot").filter(has_text=text).last
    expect(message).to_be_visible()
    return message


def type_and_send(page: Page, text: str) -> None:
    """Type into the message field and press Enter."""
    field = widget(page, "textarea")
    field.fill(text)
    field.press("Enter")
    expect(widget(page, ".msg.me").filter(has_text=text).last).to_be_visible()


def open_and_accept(page: Page, privacy_text: str = PRIVACY_DE) -> None:
    """Open the chat, read the privacy notice and accept it."""
    widget(page, ".launcher").click()
    expect(widget(page, ".privacy")).to_be_visible()
    expect(widget(page, ".privacy")).to_contain_text(privacy_text)
    expect(widget(page, "textarea")).to_be_hidden()  # nothing can be sent before accepting
    widget(page, ".accept").click()
    expect(widget(page, ".privacy")).to_be_hidden()


def requests_to_chat(page: Page) -> list[dict]:
    """Collect the JSON bodies the page posts to /api/chat from now on."""
    bodies: list[dict] = []

    def collect(request: Any) -> None:
        if request.url.endswith("/api/chat"):
            bodies.append(json.loads(request.post_data or "{}"))

    page.on("request", collect)
    return bodies


def edges(locator: Any) -> tuple[float, float]:
    """Left and right edge of an element on the page."""
    box = locator.bounding_box()
    assert box is not None
    return box["x"], box["x"] + box["width"]


# ------------------------------------------------------------------ the tests


def test_whole_german_conversation(page: Page, rasa: ScriptedRasa, screenshots: Path) -> None:
    bodies = requests_to_chat(page)
    open_and_accept(page)
    assert page.evaluate("localStorage.getItem('lotse.privacy')") == "1"

    bot_says(page, GREETING_DE)  # the greeting with Lotse's own privacy note
    bot_says(page, "Welchen Beruf haben Sie gelernt oder studiert?")
    expect(widget(page, ".panel")).to_have_attribute("dir", "ltr")

    type_and_send(page, "Ich bin Krankenschwester")
    bot_says(page, "In welchem Land haben Sie Ihren Abschluss erworben?")
    type_and_send(page, "aus Syrien")
    bot_says(page, "Leben Sie schon in Deutschland oder noch im Ausland?")

    widget(page, ".buttons button").filter(has_text="Ich lebe in Deutschland").click()
    expect(widget(page, ".msg.me").filter(has_text="Ich lebe in Deutschland")).to_be_visible()
    expect(widget(page, ".buttons")).to_have_count(0)  # answered choices disappear
    bot_says(page, "Wo in Deutschland wohnen Sie?")

    type_and_send(page, "Leipzig")
    bot_says(page, "Ihr deutscher Referenzberuf ist wahrscheinlich Pflegefachfrau")
    bot_says(page, "ist in Deutschland ein reglementierter Beruf")
    authority = bot_says(page, "Zuständige Stelle in Sachsen")
    expect(authority).to_contain_text(AUTHORITY_NAME)
    expect(authority.locator("a")).to_have_attribute("href", re.compile(r"^https://www\.ksv"))
    bot_says(page, "Soll ich Ihren Fall dorthin weitergeben?")
    page.screenshot(path=str(screenshots / "widget-de.png"))

    widget(page, ".buttons button").filter(has_text="Nein, danke").click()
    bot_says(page, "ich habe nichts weitergegeben")

    # Every request: the same session, the German hint, its own message_id.
    session_id = page.evaluate("localStorage.getItem('lotse.session')")
    assert session_id
    assert {body["session_id"] for body in bodies} == {session_id}
    assert {body["language"] for body in bodies} == {"de"}
    assert [body["text"] for body in bodies] == [
        "/start",
        "Ich bin Krankenschwester",
        "aus Syrien",
        '/inform{"residence":"germany"}',
        "Leipzig",
        "/deny",
    ]
    assert len({body["message_id"] for body in bodies}) == len(bodies)
    sent = [(text, meta) for sender, text, meta in rasa.sent if sender == f"web-{session_id}"]
    assert sent[1] == (
        "Ich bin Krankenschwester",
        {"channel": "web", "language_hint": "de", "message_id": bodies[1]["message_id"]},
    )

    # Another page of the same site: the conversation is still there, the notice is not.
    shown = widget(page, ".msg").count()
    page.reload()
    expect(widget(page, ".panel")).to_be_visible()
    expect(widget(page, ".privacy")).to_be_hidden()
    expect(widget(page, ".msg")).to_have_count(shown)
    assert page.evaluate("localStorage.getItem('lotse.session')") == session_id


def test_whole_arabic_conversation_right_to_left(
    page: Page, rasa: ScriptedRasa, screenshots: Path
) -> None:
    bodies = requests_to_chat(page)
    widget(page, ".launcher").click()
    # The notice can be read in any of the five languages before accepting it.
    widget(page, "select").select_option("ar")
    expect(widget(page, ".privacy")).to_contain_text(PRIVACY_AR)
    expect(widget(page, ".panel")).to_have_attribute("dir", "rtl")
    expect(widget(page, ".accept")).to_have_text("موافق، متابعة")
    widget(page, ".accept").click()

    bot_says(page, GREETING_AR)
    bot_says(page, "ما المهنة التي تعلّمتها أو درستها؟")
    assert bodies[0]["text"] == "/start" and bodies[0]["language"] == "ar"

    type_and_send(page, "أنا ممرضة")
    bot_says(page, "في أي بلد حصلت على مؤهلك؟")
    type_and_send(page, "من سوريا")
    bot_says(page, "أين مكان إقامتك حاليًا")
    widget(page, ".buttons button").filter(has_text="أعيش في ألمانيا").click()
    bot_says(page, "ما مكان سكنك في ألمانيا؟")
    type_and_send(page, "لايبزيغ")
    bot_says(page, "المهنة المرجعية الألمانية (Referenzberuf)")
    authority = bot_says(page, "الجهة المختصة (zuständige Stelle) في ساكسونيا")
    expect(authority).to_contain_text(AUTHORITY_NAME)
    bot_says(page, "هل أحيل حالتك إليه؟")

    # Right to left: the panel, its computed direction, and where the bubbles sit.
    panel = widget(page, ".panel")
    expect(panel).to_have_attribute("dir", "rtl")
    expect(panel).to_have_attribute("lang", "ar")
    assert panel.evaluate("el => getComputedStyle(el).direction") == "rtl"
    log_left, log_right = edges(widget(page, ".log"))
    bot_left, bot_right = edges(widget(page, ".msg.bot").filter(has_text="في أي بلد"))
    me_left, me_right = edges(widget(page, ".msg.me").filter(has_text="من سوريا"))
    assert log_right - bot_right < 30, "a bot message starts on the right"
    assert bot_left - log_left > 60, "… and leaves room on the left"
    assert me_left - log_left < 30, "own messages sit on the left"
    assert log_right - me_right > 60
    for message in widget(page, ".msg").all():
        assert message.get_attribute("dir") == "auto"
    assert widget(page, ".msg.bot").first.evaluate("el => getComputedStyle(el).direction") == "rtl"
    page.screenshot(path=str(screenshots / "widget-ar.png"))

    widget(page, ".buttons button").filter(has_text="لا، شكرًا").click()
    bot_says(page, "حسنًا، لم أُرسل أي شيء.")
    assert {body["language"] for body in bodies} == {"ar"}
    assert rasa.texts_sent("أنا ممرضة") == 1


def test_switching_language_mid_conversation(page: Page, screenshots: Path) -> None:
    bodies = requests_to_chat(page)
    open_and_accept(page)
    bot_says(page, "Welchen Beruf haben Sie gelernt oder studiert?")
    expect(widget(page, ".panel")).to_have_attribute("dir", "ltr")

    widget(page, "select").select_option("ar")
    expect(widget(page, ".msg.me").filter(has_text="العربية")).to_be_visible()
    bot_says(page, "حسنًا، سأكتب لك بالعربية من الآن فصاعدًا.")
    bot_says(page, "ما المهنة التي تعلّمتها أو درستها؟")  # the open question, asked again
    assert bodies[-1]["text"] == '/change_language{"language":"ar"}'
    assert bodies[-1]["language"] == "ar"
    expect(widget(page, ".panel")).to_have_attribute("dir", "rtl")
    expect(widget(page, "textarea")).to_have_attribute("placeholder", "رسالتك")

    type_and_send(page, "أنا ممرضة")
    bot_says(page, "في أي بلد حصلت على مؤهلك؟")
    assert bodies[-1]["language"] == "ar"

    widget(page, "select").select_option("de")
    bot_says(page, "In Ordnung, ab jetzt schreibe ich auf Deutsch.")
    bot_says(page, "In welchem Land haben Sie Ihren Abschluss erworben?")
    expect(widget(page, ".panel")).to_have_attribute("dir", "ltr")
    page.screenshot(path=str(screenshots / "widget-language-switch.png"))


def test_keyboard_only(page: Page) -> None:
    # Tab from the top of the page reaches the launcher (it comes after the page's own links).
    for _ in range(20):
        page.keyboard.press("Tab")
        if focused(page).startswith("launcher"):
            break
    assert focused(page).startswith("launcher")
    expect(widget(page, ".launcher")).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")

    dialog = widget(page, "[role=dialog]")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-labelledby", "lotse-title")
    expect(widget(page, "[role=log]")).to_have_attribute("aria-live", "polite")
    expect(widget(page, ".launcher")).to_have_attribute("aria-expanded", "true")
    assert focused(page).startswith("primary accept")  # the notice's button has the focus
    page.keyboard.press("Enter")
    assert focused(page) == "lotse-input"
    bot_says(page, "Welchen Beruf haben Sie gelernt oder studiert?")

    page.keyboard.type("Ich bin Krankenschwester")
    page.keyboard.press("Enter")
    bot_says(page, "In welchem Land haben Sie Ihren Abschluss erworben?")
    page.keyboard.type("aus Syrien")
    page.keyboard.press("Enter")
    bot_says(page, "Leben Sie schon in Deutschland oder noch im Ausland?")

    # The quick replies come right before the message field: Shift+Tab twice, Enter.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(
        "document.querySelector('lotse-widget').shadowRoot.activeElement.textContent"
    ) == ("Ich lebe in Deutschland")
    page.keyboard.press("Enter")
    bot_says(page, "Wo in Deutschland wohnen Sie?")
    assert focused(page) == "lotse-input"  # back in the field, ready to type

    # From the language picker, Tab walks on to the message field.
    widget(page, "select").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused(page) == "lotse-input":
            break
    assert focused(page) == "lotse-input"

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert focused(page).startswith("launcher")
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    assert focused(page) == "lotse-input"


def test_resend_after_network_error_uses_the_same_message_id(
    page: Page, rasa: ScriptedRasa, screenshots: Path
) -> None:
    open_and_accept(page)
    bot_says(page, "Welchen Beruf haben Sie gelernt oder studiert?")
    attempts: list[dict] = []
    failures = {"Ich bin Krankenschwester": "abort", "aus Syrien": "lose the answer"}

    def flaky_network(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        attempts.append(body)
        failure = failures.pop(body.get("text"), None)
        if failure == "abort":  # the message never leaves the browser
            route.abort("internetdisconnected")
        elif failure == "lose the answer":  # Lotse answers, the answer never arrives
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/chat", flaky_network)

    # 1. The request fails before reaching Lotse: "not sent – retry", then the retry goes through.
    type_and_send(page, "Ich bin Krankenschwester")
    retry = widget(page, ".msg.me.failed .retry")
    expect(retry).to_have_text(RETRY_DE)
    page.screenshot(path=str(screenshots / "widget-retry.png"))
    retry.click()
    bot_says(page, "In welchem Land haben Sie Ihren Abschluss erworben?")
    expect(widget(page, ".msg.me").filter(has_text="Ich bin Krankenschwester")).to_have_count(1)
    expect(widget(page, ".failed")).to_have_count(0)

    # 2. Lotse answered but the answer was lost: the retry gets that answer, Rasa saw it once.
    type_and_send(page, "aus Syrien")
    widget(page, ".msg.me.failed .retry").click()
    bot_says(page, "Leben Sie schon in Deutschland oder noch im Ausland?")
    expect(widget(page, ".msg.me").filter(has_text="aus Syrien")).to_have_count(1)
    expect(widget(page, ".msg.bot").filter(has_text="Leben Sie schon")).to_have_count(1)

    for text in ("Ich bin Krankenschwester", "aus Syrien"):
        tries = [a for a in attempts if a["text"] == text]
        assert len(tries) == 2
        assert tries[0]["message_id"] == tries[1]["message_id"]
        session = f"web-{tries[0]['session_id']}"
        assert sum(1 for s, t, _ in rasa.sent if s == session and t == text) == 1


def test_mobile_layout_is_full_screen(browser: Any, lotse_url: str, screenshots: Path) -> None:
    context = browser.new_context(
        locale="ar", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"{lotse_url}/demo")
        widget(page, ".launcher").tap()
        expect(widget(page, ".privacy")).to_contain_text(PRIVACY_AR)  # the browser's language
        widget(page, ".accept").tap()
        bot_says(page, GREETING_AR)
        box = widget(page, ".panel").bounding_box()
        assert box == {"x": 0, "y": 0, "width": 390, "height": 844}
        expect(widget(page, ".panel")).to_have_attribute("dir", "rtl")
        page.screenshot(path=str(screenshots / "widget-mobile-ar.png"))
    finally:
        context.close()


def test_page_css_does_not_reach_the_widget(page: Page) -> None:
    launcher = widget(page, ".launcher")
    expect(launcher).to_be_visible()
    assert page.locator("button").first.evaluate("el => getComputedStyle(el).backgroundColor") == (
        HOTPINK
    )
    assert launcher.evaluate("el => getComputedStyle(el).backgroundColor") != HOTPINK
    assert launcher.evaluate("el => getComputedStyle(el).textTransform") == "none"
    # Only the one script tag and the widget's own element were added to the page.
    assert page.locator("script[src$='/widget.js'][data-lotse-url]").count() == 1
    assert page.evaluate("document.querySelectorAll('lotse-widget').length") == 1
