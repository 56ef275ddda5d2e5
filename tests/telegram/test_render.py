"""Rasa messages → sendMessage arguments: splitting, keyboards, long payloads."""

from __future__ import annotations

import pytest

from lotse.telegram.constants import MAX_CALLBACK_DATA_BYTES, MAX_MESSAGE_LENGTH
from lotse.telegram.render import PayloadStore, render_messages, split_text, telegram_length

LANGUAGE_PAYLOAD = '/change_language{"language":"ar"}'
#: A real long payload: an occupation picked from the buttons of an unsure match.
LONG_PAYLOAD = '/inform{"occupation":"Gesundheits- und Krankenpfleger/in (Pflegefachfrau/-mann)"}'


def test_short_text_is_one_part() -> None:
    assert split_text("  Hallo!\n") == ["Hallo!"]
    assert split_text("   ") == []


def test_long_text_is_split_at_paragraphs() -> None:
    first, second = "a" * 3000, "b" * 3000
    assert split_text(f"{first}\n\n{second}") == [first, second]


def test_line_boundaries_come_before_words() -> None:
    lines = "\n".join(f"• Schritt {i}: " + "x" * 90 for i in range(60))
    parts = split_text(lines)
    assert len(parts) == 2
    assert all(part.startswith("• Schritt") for part in parts)
    assert "\n".join(parts) == lines


def test_text_without_breaks_is_split_at_words_then_hard() -> None:
    words = " ".join(["Anerkennung"] * 500)
    parts = split_text(words)
    assert len(parts) == 2 and all(len(p) <= MAX_MESSAGE_LENGTH for p in parts)
    assert " ".join(parts) == words
    assert split_text("x" * 5000) == ["x" * 4096, "x" * 904]


def test_limit_counts_utf16_units_like_telegram() -> None:
    text = "😀" * 3000  # 6000 UTF-16 code units
    parts = split_text(text)
    assert [telegram_length(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text


@pytest.mark.parametrize("text", ["ب" * 5000, "Здравствуйте! " * 400], ids=["arabic", "russian"])
def test_every_part_fits(text: str) -> None:
    parts = split_text(text)
    assert len(parts) == 2
    assert all(0 < telegram_length(p) <= MAX_MESSAGE_LENGTH for p in parts)


def test_buttons_become_an_inline_keyboard_on_the_last_part() -> None:
    message = {
        "recipient_id": "tg-1",
        "text": "x" * 3000 + "\n\n" + "y" * 3000,
        "buttons": [
            {"title": "العربية", "payload": LANGUAGE_PAYLOAD},
            {"title": "Deutsch", "payload": '/change_language{"language":"de"}'},
        ],
    }
    first, last = render_messages([message], PayloadStore())
    assert "reply_markup" not in first
    rows = last["reply_markup"].inline_keyboard
    assert [[(b.text, b.callback_data) for b in row] for row in rows] == [
        [("العربية", LANGUAGE_PAYLOAD)],
        [("Deutsch", '/change_language{"language":"de"}')],
    ]


def test_messages_without_text_are_left_out() -> None:
    calls = render_messages(
        [{"image": "https://example.org/x.png"}, {"text": "Hallo"}, {"text": ""}], PayloadStore()
    )
    assert calls == [{"text": "Hallo"}]


def test_long_payload_is_stored_and_resolved() -> None:
    store = PayloadStore()
    assert len(LONG_PAYLOAD.encode()) > MAX_CALLBACK_DATA_BYTES
    [call] = render_messages(
        [{"text": "Meinten Sie …", "buttons": [{"title": "Pflege", "payload": LONG_PAYLOAD}]}],
        store,
    )
    data = call["reply_markup"].inline_keyboard[0][0].callback_data
    assert data.startswith("p:") and len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
    assert store.resolve(data) == LONG_PAYLOAD
    assert store.callback_data(LONG_PAYLOAD) == data  # same payload, same key
    assert store.resolve(LANGUAGE_PAYLOAD) == LANGUAGE_PAYLOAD


def test_multibyte_payload_is_measured_in_bytes() -> None:
    store = PayloadStore()
    payload = '/inform{"occupation":"Врач-терапевт"}'  # 37 characters, 50 bytes
    assert store.callback_data(payload) == payload
    longer = '/inform{"occupation":"Врач-терапевт участковый"}'  # 48 characters, 70 bytes
    assert store.callback_data(longer).startswith("p:")


def test_payload_that_looks_stored_is_stored() -> None:
    store = PayloadStore()
    data = store.callback_data("p:abc")
    assert data != "p:abc" and store.resolve(data) == "p:abc"


def test_store_is_bounded_and_forgets_the_oldest() -> None:
    store = PayloadStore(size=2)
    first, second, third = (store.callback_data(f"/x{'y' * 70}{i}") for i in range(3))
    assert len(store) == 2
    assert store.resolve(first) is None
    assert store.resolve(second) and store.resolve(third)
