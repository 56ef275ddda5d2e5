"""GET /healthz: do Rasa and the action server answer?"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lotse.web.deps import RasaClientDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(rasa: RasaClientDep) -> JSONResponse:
    """200 when every part answers, 503 otherwise; the body names each part."""
    parts = await rasa.health()
    healthy = all(parts.values())
    body = {"status": "ok" if healthy else "unavailable", **parts}
    return JSONResponse(status_code=200 if healthy else 503, content=body)


@router.get("/livez")
async def livez() -> dict[str, str]:
    """200 while the web app itself runs (it can still say "please try again" without Rasa)."""
    return {"status": "ok"}
