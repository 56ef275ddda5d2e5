"""The embeddable chat widget (GET /widget.js) and a demo page that embeds it (GET /demo)."""

from __future__ import annotations

import hashlib
import html
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(include_in_schema=False)

#: The URL of widget.js does not change between releases, so browsers keep it only briefly and
#: then revalidate it with its ETag (a 304 costs almost nothing).
WIDGET_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=86400"


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _not_modified(request: Request, etag: str) -> bool:
    """True when the browser's copy (If-None-Match) is the current one."""
    wanted = request.headers.get("if-none-match", "")
    return etag in (tag.strip().removeprefix("W/") for tag in wanted.split(","))


@router.api_route("/widget.js", methods=["GET", "HEAD"])
async def widget_js(request: Request) -> Response:
    """The widget: one script, styles included, no other downloads."""
    content = (STATIC_DIR / "widget.js").read_bytes()
    etag = _etag(content)
    headers = {
        "Cache-Control": WIDGET_CACHE_CONTROL,
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
        # Pages that isolate themselves (Cross-Origin-Embedder-Policy) may still load it.
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(content, media_type="text/javascript; charset=utf-8", headers=headers)


@router.get("/demo", response_class=HTMLResponse)
async def demo(request: Request) -> HTMLResponse:
    """A mock counselling-centre website (German) with the widget embedded by one script tag."""
    lotse_url = str(request.base_url).rstrip("/")
    page = (STATIC_DIR / "demo.html").read_text(encoding="utf-8")
    page = page.replace("{{LOTSE_URL}}", html.escape(lotse_url, quote=True))
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})
