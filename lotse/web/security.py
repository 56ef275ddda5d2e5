"""Pure ASGI middlewares: a request-body size limit and security headers on every response.

Pure ASGI (not BaseHTTPMiddleware): responses pass through untouched except for their headers,
so streaming stays cheap. Request bodies are small (a chat message, a Telegram update), so the
size limit reads the body up to the limit before the app sees it and hands it on in one piece.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Headers every response gets (unless the route set its own value).
SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The widget is embedded with a script tag, never in a frame: no page may be framed.
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
#: Content-Security-Policy of HTML pages. 'unsafe-inline': index.html and demo.html have an
#: inline <style>, index.html an inline <script> and demo.html an onclick handler.
HTML_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
#: The counsellor workspace (/workspace): no inline script or style at all, forms post only to
#: the app itself. Its pages are never cached (they show personal data).
WORKSPACE_PREFIX = "/workspace"
WORKSPACE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
#: FastAPI's /docs and /redoc load Swagger UI and ReDoc from a CDN.
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; worker-src blob:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
#: Strict-Transport-Security outside development (one year; subdomains are the operator's).
HSTS = "max-age=31536000"


async def send_json(
    send: Send, status: int, body: dict, headers: dict[str, str] | None = None
) -> None:
    """Send a whole JSON response through a raw ASGI `send`."""
    content = json.dumps(body, ensure_ascii=False).encode()
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(content)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": content})


async def send_problem(send: Send, status: int, detail: str) -> None:
    """A JSON {"detail": ...} response; the connection is closed (a refused body is not read)."""
    await send_json(send, status, {"detail": detail}, {"Connection": "close"})


class BodyLimitMiddleware:
    """413 for request bodies over `max_bytes`: by Content-Length and by counting (chunked)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        """Wrap `app`."""
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = f"request body larger than {self.max_bytes} bytes"
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await send_problem(send, 400, "invalid Content-Length")
                return
            if int(declared) > self.max_bytes:
                await send_problem(send, 413, too_large)
                return
        chunks: list[bytes] = []
        size = 0
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: nobody to answer
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await send_problem(send, 413, too_large)
                return
            chunks.append(chunk)
            more_body = message.get("more_body", False)
        await self.app(scope, _replay(b"".join(chunks), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that returns the read body first, then whatever the client sends next."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


WORKSPACE_STATIC = WORKSPACE_PREFIX + "/static/"


def _in_workspace(path: str) -> bool:
    return path == WORKSPACE_PREFIX or path.startswith(WORKSPACE_PREFIX + "/")


def _csp_for(path: str) -> str:
    """The Content-Security-Policy of an HTML page at `path`."""
    if path in DOCS_PATHS:
        return DOCS_CSP
    return WORKSPACE_CSP if _in_workspace(path) else HTML_CSP


class SecurityHeadersMiddleware:
    """Security headers on every HTTP response; CSP on HTML; HSTS if `hsts`."""

    def __init__(self, app: ASGIApp, hsts: bool) -> None:
        """Wrap `app`; `hsts` outside development (the site is served over HTTPS)."""
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        workspace_page = _in_workspace(path) and not path.startswith(WORKSPACE_STATIC)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", _csp_for(path))
                if workspace_page:
                    headers.setdefault("Cache-Control", "no-store")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                message["headers"] = headers.raw
            await send(message)

        await self.app(scope, receive, send_with_headers)
