"""The public chat API's request and response bodies (keep them stable)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, validator

from lotse.config import get_settings
from lotse.web.sanitize import clean_text

Language = Literal["de", "en", "ar", "ru", "pl"]


class ChatRequest(BaseModel):
    """One message from a person. A button is answered by sending its payload as `text`."""

    session_id: str = Field(
        ...,
        min_length=1,
        max_length=128,
        regex=r"^[A-Za-z0-9._:-]+$",
        description="Chosen by the client; the same id continues the same conversation.",
        example="3f2a9c1e-web",
    )
    text: str = Field(..., min_length=1, description="What the person typed, or a button payload.")
    language: Language | None = Field(
        None, description="Optional hint, e.g. the language picked in the client (not binding)."
    )
    message_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        regex=r"^[A-Za-z0-9-]+$",
        description="Optional idempotency key (1–64 characters [A-Za-z0-9-], e.g. a UUID) chosen "
        "by the client for each new message. Resending a message with the same session_id and "
        "message_id (after a network error) returns the first answer again instead of sending the "
        "message to Lotse twice; answers are remembered for about 10 minutes.",
        example="0b6f1c2e-4d7a-4f0e-9a51-6f3d2c1b8e90",
    )

    class Config:
        extra = "forbid"

    @validator("text")
    def _text_clean_not_blank_nor_too_long(cls, value: str) -> str:
        limit = get_settings().max_text_length
        value = clean_text(value)
        if not value.strip():
            raise ValueError("text must not be empty")
        if len(value) > limit:
            raise ValueError(f"text must be at most {limit} characters")
        return value


class Button(BaseModel):
    """A quick reply: show `title`, send `payload` back as `text` when chosen."""

    title: str
    payload: str


class Message(BaseModel):
    """One bot message."""

    text: str
    buttons: list[Button] = []


class ChatResponse(BaseModel):
    """The bot's answer, in the conversation's language."""

    language: Language
    messages: list[Message]


class Update(BaseModel):
    """A message to the person from the counselling centre (or a take-over notice)."""

    id: int = Field(..., description="Increasing; pass the last one seen as `after`.")
    kind: Literal["counsellor", "takeover", "handback"] = Field(
        ...,
        description="counsellor: written by a counsellor; takeover: a counsellor writes now, "
        "Lotse pauses; handback: Lotse answers again.",
    )
    text: str
    at: str = Field(..., description="When it was sent (ISO 8601, UTC).")


class UpdatesResponse(BaseModel):
    """Messages for a web chat session since `after`, and whether a counsellor is writing."""

    messages: list[Update]
    counsellor: bool = Field(
        ..., description="True while a counsellor has taken the conversation over."
    )
