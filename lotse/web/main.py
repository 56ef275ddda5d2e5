"""The FastAPI app: `uvicorn lotse.web.main:app` or `lotse run`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from lotse import __version__
from lotse.config import Settings, get_settings
from lotse.telegram.application import telegram_relay
from lotse.web.rasa_client import RasaClient
from lotse.web.ratelimit import IPRateLimitMiddleware, RateLimits
from lotse.web.redis_client import SharedRedis
from lotse.web.routers import chat, health, telegram, widget
from lotse.web.security import BodyLimitMiddleware, SecurityHeadersMiddleware
from lotse.workspace import routes as workspace
from lotse.workspace.background import stop_task
from lotse.workspace.notify import start_notifier
from lotse.workspace.retention import start_retention

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings or override `get_rasa_client`."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.rasa_client = RasaClient.from_settings(settings)
        retention = start_retention(settings, lambda: app.state.rasa_client)  # hourly deletion
        try:
            async with telegram_relay(settings) as app.state.telegram:  # None without a token
                notifier = start_notifier(settings, lambda: app.state.telegram)  # new hand-offs
                try:
                    yield
                finally:
                    await stop_task(notifier)
        finally:
            await stop_task(retention)
        await app.state.rasa_client.aclose()
        if app.state.redis is not None:
            await app.state.redis.aclose()

    app = FastAPI(
        title="Lotse",
        version=__version__,
        description="Chat API of Lotse, the guide to the recognition of foreign qualifications "
        "in Germany. POST a message to /api/chat; answer a button by sending its payload.",
        lifespan=lifespan,
    )
    app.state.settings = settings

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        """422 with one readable sentence per problem (bad JSON, missing field, too long)."""
        problems = [
            f"{'.'.join(str(part) for part in e['loc'][1:]) or 'body'}: {e['msg']}"
            for e in error.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": problems})

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        """The minimal chat page."""
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    # Middlewares, innermost first: the per-IP limit, the body limit, CORS (so 413 and 429
    # reach the widget on other sites), security headers on everything.
    # With LOTSE_REDIS_URL, rate limits and remembered answers are shared by all replicas.
    app.state.redis = SharedRedis(settings.redis_url) if settings.redis_url else None
    app.state.rate_limits = RateLimits(settings, redis=app.state.redis)
    app.add_middleware(IPRateLimitMiddleware, limits=app.state.rate_limits)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.widget_origins:  # the widget on other sites calls /api/chat across origins
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.widget_origins,
            allow_methods=["GET", "POST"],  # GET: the widget polls /api/chat/updates
            allow_headers=["content-type"],
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.environment != "development")
    app.include_router(chat.router)
    app.include_router(health.router)
    app.include_router(widget.router)
    app.include_router(telegram.router)
    app.include_router(workspace.router)
    app.mount(
        workspace.STATIC_URL,
        StaticFiles(directory=workspace.STATIC_DIR),
        name="workspace-static",
    )
    return app


app = create_app()
