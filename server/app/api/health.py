"""`GET /ready`: 200 when the database, the broker and the object store all answer, else 503 naming them.

`/health` (in the app factory) stays the cheap liveness probe; orchestrators route traffic on this one.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.api.deps import ResourcesDep
from app.services.readiness import probe_dependencies

router = APIRouter(tags=["health"])

NOT_READY = "NOT_READY"


class ReadyResponse(BaseModel):
    status: str
    checks: dict[str, str]


class NotReadyResponse(BaseModel):
    detail: str
    error_code: str
    checks: dict[str, str]


@router.get("/ready", response_model=ReadyResponse, responses={503: {"model": NotReadyResponse}})
async def ready(resources: ResourcesDep) -> ReadyResponse | JSONResponse:
    results = await probe_dependencies(
        resources.engine, resources.settings.CELERY_BROKER_URL, resources.storage
    )
    checks = {name: "ok" if passed else "failed" for name, passed in results.items()}
    failed = [name for name, passed in results.items() if not passed]
    if failed:
        body = NotReadyResponse(detail=f"Not ready: {', '.join(failed)}", error_code=NOT_READY, checks=checks)
        return JSONResponse(body.model_dump(), status_code=503)
    return ReadyResponse(status="ready", checks=checks)
