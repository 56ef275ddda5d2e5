"""Telegram's webhook: POST /telegram/webhook (only with LOTSE_TELEGRAM_TOKEN).

Every request must carry the secret token in X-Telegram-Bot-Api-Secret-Token (403 otherwise,
before anything is parsed or sent). The update is processed before the request returns, so
Telegram's answer is sent when the webhook answers 200; a failing handler is logged and still
answers 200, so Telegram does not deliver the same update again and again. An update whose
update_id was processed already (a replay, or Telegram's redelivery after a timeout) is answered
200 without being processed again.
"""

from __future__ import annotations

import hmac
import json
import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from telegram import Update

from lotse.telegram.application import TelegramRelay
from lotse.telegram.constants import RASA_CLIENT_KEY, SECRET_HEADER, WEBHOOK_PATH
from lotse.web.deps import RasaClientDep

logger = logging.getLogger(__name__)
router = APIRouter(tags=["telegram"], include_in_schema=False)


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail})


def _secret_ok(request: Request, relay: TelegramRelay) -> bool:
    supplied = request.headers.get(SECRET_HEADER, "")
    return bool(relay.secret_token) and hmac.compare_digest(
        supplied.encode(), relay.secret_token.encode()
    )


@router.post(WEBHOOK_PATH)
async def telegram_webhook(request: Request, rasa: RasaClientDep) -> Response:
    """Receive one update from Telegram and answer it through Rasa."""
    relay: TelegramRelay | None = getattr(request.app.state, "telegram", None)
    if relay is None:
        return _problem(404, "Telegram is not configured")
    if not _secret_ok(request, relay):
        logger.warning("Telegram webhook called without the right secret token")
        return _problem(403, "wrong secret token")
    try:
        data = json.loads(await request.body())
    except (ValueError, RecursionError):  # not UTF-8, not JSON, too deep, a 5000-digit number
        return _problem(400, "body must be JSON")
    if not relay.running:
        return _problem(503, "Telegram channel not running")
    if not isinstance(data, dict):
        return _problem(400, "body is not a Telegram update")
    try:
        update = Update.de_json(data, relay.application.bot)
    except (AttributeError, KeyError, TypeError, ValueError):
        return _problem(400, "body is not a Telegram update")
    if not relay.recent_updates.first_time(update.update_id):
        logger.info("Telegram update %s was processed already; ignored", update.update_id)
        return Response(status_code=200)
    relay.application.bot_data[RASA_CLIENT_KEY] = rasa
    await relay.application.process_update(update)
    return Response(status_code=200)
