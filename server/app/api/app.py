"""The FastAPI application factory; every shared resource is built in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from app.api import health as readiness
from app.api.deps import AppResources, ResourcesDep
from app.api.v1 import api_router
from app.core.config import Settings, get_settings
from app.core.errors import install_error_handlers
from app.core.middleware import install_middleware
from app.core.shared_redis import close_shared_redis, open_shared_redis
from app.db.session import create_engine, create_session_factory
from app.services.jobs.dispatch import JobDispatcher
from app.services.storage import ObjectStorage

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from app.workers.celery_app import celery_app

        active = settings or get_settings()
        engine = create_engine(
            active.DATABASE_URL,
            pool_size=active.DATABASE_POOL_SIZE,
            max_overflow=active.DATABASE_MAX_OVERFLOW,
        )
        storage = ObjectStorage.from_settings(active)
        await storage.ensure_bucket()
        app.state.resources = AppResources(
            settings=active,
            engine=engine,
            session_factory=create_session_factory(engine),
            storage=storage,
            jobs=JobDispatcher(celery_app),
        )
        open_shared_redis(app, active)
        try:
            yield
        finally:
            await close_shared_redis(app)
            await engine.dispose()

    app = FastAPI(
        title="Ascend AI",
        version="0.1.0",
        description="Private, on-device interview coaching: resumes, mock interviews and feedback.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_middleware(app)
    app.include_router(api_router)
    app.include_router(readiness.router)

    @app.get("/health", tags=["health"])
    async def health(resources: ResourcesDep) -> dict[str, str]:
        """Ready when the database answers: supervisors probe this instead of sleeping."""
        async with resources.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app
