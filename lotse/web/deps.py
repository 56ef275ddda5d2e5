"""FastAPI dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lotse.web.rasa_client import RasaClient


def get_rasa_client(request: Request) -> RasaClient:
    """The app's Rasa client, created in the lifespan."""
    return request.app.state.rasa_client


RasaClientDep = Annotated[RasaClient, Depends(get_rasa_client)]
