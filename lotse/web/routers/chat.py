"""The public chat API: POST /api/chat."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lotse import languages
from lotse.web.deps import RasaClientDep
from lotse.web.idempotency import IdempotencyStoreDep
from lotse.web.messages import TRY_AGAIN
from lotse.web.rasa_client import RasaUnavailable
from lotse.web.ratelimit import RateLimitsDep, chat_body, retry_after
from lotse.web.schemas import Button, ChatRequest, ChatResponse, Message

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["chat"])

#: Rasa sender ids are namespaced by channel, so a web session can never continue a Telegram chat.
WEB_SENDER_PREFIX = "web-"


def to_message(rasa_message: dict) -> Message | None:
    """Convert one Rasa bot message to the API's form (None for messages without text)."""
    text = rasa_message.get("text")
    if not text:
        return None
    buttons = [
        Button(title=str(button.get("title", "")), payload=str(button.get("payload", "")))
        for button in rasa_message.get("buttons") or []
    ]
    return Message(text=text, buttons=buttons)


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses={
        429: {"model": ChatResponse, "description": "Too many messages; 'wait a moment'"},
        503: {"model": ChatResponse, "description": "Rasa unavailable; 'try again'"},
    },
)
async def chat(
    request: ChatRequest, rasa: RasaClientDep, answers: IdempotencyStoreDep, limits: RateLimitsDep
) -> ChatResponse | JSONResponse:
    """Send one message to Lotse and get its answer in the conversation's language.

    With a `message_id`, a resent message is answered from memory and not sent to Rasa again.
    Too many messages in one session get 429 with Retry-After ("please wait a moment").
    """
    if wait := limits.per_session.take(request.session_id):
        language = languages.decide(request.text, None, hint=request.language)
        return JSONResponse(
            status_code=429, content=chat_body(language), headers={"Retry-After": retry_after(wait)}
        )
    metadata = {"channel": "web"}
    if request.language:
        metadata["language_hint"] = request.language
    if request.message_id:
        metadata["message_id"] = request.message_id

    async def answer() -> ChatResponse:
        reply = await rasa.send(WEB_SENDER_PREFIX + request.session_id, request.text, metadata)
        language = reply.language if reply.language in languages.SUPPORTED else None
        language = language or languages.decide(request.text, None, hint=request.language)
        messages = [m for m in map(to_message, reply.messages) if m is not None]
        return ChatResponse(language=language, messages=messages)

    try:
        if request.message_id:
            return await answers.run((request.session_id, request.message_id), answer)
        return await answer()
    except RasaUnavailable as error:
        logger.warning("Rasa unavailable for a web message: %s", error)
        language = languages.decide(request.text, None, hint=request.language)
        body = ChatResponse(language=language, messages=[Message(text=TRY_AGAIN[language])])
        return JSONResponse(status_code=503, content=body.dict())
