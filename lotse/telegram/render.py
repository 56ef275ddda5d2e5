"""Rasa's answer → keyword arguments of Telegram's sendMessage (no I/O).

Texts longer than Telegram's limit are split on paragraph, then line, then word boundaries.
Rasa buttons become an inline keyboard (one button per row) on the last part of their message;
a button's callback_data is its payload, or "p:<hash>" for payloads longer than Telegram's
64 bytes, resolved through a small bounded `PayloadStore`.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from lotse.telegram.constants import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_MESSAGE_LENGTH,
    STORED_PAYLOAD_HASH_LENGTH,
    STORED_PAYLOAD_PREFIX,
    STORED_PAYLOADS,
)

#: Where a long text is preferably cut, best first.
_SEPARATORS = ("\n\n", "\n", " ")


class PayloadStore:
    """Button payloads too long for callback_data, keyed by a short hash (least recent dropped)."""

    def __init__(self, size: int = STORED_PAYLOADS) -> None:
        """Keep at most `size` payloads."""
        self._size = size
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        """Number of stored payloads."""
        return len(self._payloads)

    def callback_data(self, payload: str) -> str:
        """The callback_data for a payload: itself if it fits, else "p:<hash>" (stored)."""
        fits = len(payload.encode()) <= MAX_CALLBACK_DATA_BYTES
        if fits and not payload.startswith(STORED_PAYLOAD_PREFIX):
            return payload
        key = hashlib.sha256(payload.encode()).hexdigest()[:STORED_PAYLOAD_HASH_LENGTH]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self._size:
            self._payloads.popitem(last=False)
        return STORED_PAYLOAD_PREFIX + key

    def resolve(self, data: str) -> str | None:
        """The payload behind a callback_data, or None if it was dropped (or never stored)."""
        if not data.startswith(STORED_PAYLOAD_PREFIX):
            return data
        return self._payloads.get(data.removeprefix(STORED_PAYLOAD_PREFIX))


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: most emoji count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """The number of characters of `text` that fit into `limit` UTF-16 code units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split a text into parts of at most `limit`, at paragraph, line or word boundaries."""
    parts: list[str] = []
    rest = text.strip()
    while telegram_length(rest) > limit:
        window = rest[: _fitting_prefix(rest, limit) + 1]  # +1: a separator right at the limit
        cut = next(
            (pos for sep in _SEPARATORS if (pos := window.rfind(sep)) > 0),
            max(_fitting_prefix(rest, limit), 1),
        )
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    if rest:
        parts.append(rest)
    return parts


def keyboard(
    buttons: Iterable[Mapping[str, Any]], payloads: PayloadStore
) -> InlineKeyboardMarkup | None:
    """Rasa buttons ({title, payload}) as an inline keyboard, one button per row."""
    rows = [
        [
            InlineKeyboardButton(
                str(button.get("title") or button.get("payload")),
                callback_data=payloads.callback_data(str(button["payload"])),
            )
        ]
        for button in buttons
        if button.get("payload")
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def render_messages(
    messages: Iterable[Mapping[str, Any]], payloads: PayloadStore
) -> list[dict[str, Any]]:
    """Rasa bot messages → sendMessage keyword arguments (without chat_id), in order.

    Messages without text (images, custom payloads) are left out, as in the chat API.
    """
    calls: list[dict[str, Any]] = []
    for message in messages:
        parts = split_text(str(message.get("text") or ""))
        if not parts:
            continue
        calls.extend({"text": part} for part in parts)
        markup = keyboard(message.get("buttons") or [], payloads)
        if markup is not None:
            calls[-1]["reply_markup"] = markup
    return calls
