"""Request-scoped dependencies and their `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.services.jobs.dispatch import JobDispatcher
from app.services.resources import Resources
from app.services.storage import ObjectStorage


# These return what the lifespan built: `async def` keeps FastAPI from running each in its threadpool,
# a thread hand-off per dependency per request.
async def get_resources(request: Request) -> Resources:
    # Built once per process by the lifespan (`open_resources`) and shared by every request.
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_settings_dep(resources: ResourcesDep) -> Settings:
    return resources.settings


async def get_db(resources: ResourcesDep) -> AsyncIterator[AsyncSession]:
    # Writes commit explicitly in the service layer, before any job is enqueued, so a worker never
    # looks for a row that is not committed yet; whatever is left uncommitted on an error is undone.
    async with resources.session_factory() as db:
        try:
            yield db
        except BaseException:
            await db.rollback()
            raise


async def get_storage(resources: ResourcesDep) -> ObjectStorage:
    return resources.storage


async def get_jobs(resources: ResourcesDep) -> JobDispatcher:
    return resources.jobs


def get_redis(resources: ResourcesDep) -> Redis:
    return resources.redis


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DbDep = Annotated[AsyncSession, Depends(get_db)]
StorageDep = Annotated[ObjectStorage, Depends(get_storage)]
JobsDep = Annotated[JobDispatcher, Depends(get_jobs)]
RedisDep = Annotated[Redis, Depends(get_redis)]
