"""The public chat API's request and response bodies (keep them stable)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, validator

from lotse.config import get_settings

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

    class Config:
        extra = "forbid"

    @validator("text")
    def _text_not_blank_nor_too_long(cls, value: str) -> str:
        limit = get_settings().max_text_length
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
