"""The workspace's router (prefix /workspace), assembling every sub-router.

Each part of the workspace adds its own `router.include_router(...)` line below.
`lotse.web.main.create_app` includes `router` and mounts `STATIC_DIR` under `STATIC_URL`.
"""

from __future__ import annotations

from fastapi import APIRouter

from lotse.workspace.routes import admin, auth, cases, inbox
from lotse.workspace.routes import records as records_routes
from lotse.workspace.routes import stats as stats_routes
from lotse.workspace.routes import takeover as takeover_routes
from lotse.workspace.templating import STATIC_DIR, STATIC_URL

__all__ = ["STATIC_DIR", "STATIC_URL", "router"]

router = APIRouter(prefix="/workspace", include_in_schema=False)
router.include_router(auth.router)
router.include_router(inbox.router)
router.include_router(cases.router)
router.include_router(admin.router)
router.include_router(records_routes.router)
router.include_router(stats_routes.router)
router.include_router(takeover_routes.router)
