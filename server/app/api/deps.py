"""Request-scoped dependencies and their `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.services.jobs.dispatch import JobDispatcher
from app.services.storage import ObjectStorage


@dataclass(frozen=True, slots=True)
class AppResources:
    """What the lifespan builds once per process and every request shares."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    storage: ObjectStorage
    jobs: JobDispatcher


# These return what the lifespan built: `async def` keeps FastAPI from running each in its threadpool,
# a thread hand-off per dependency per request.
async def get_resources(request: Request) -> AppResources:
    resources: AppResources = request.app.state.resources
    return resources


ResourcesDep = Annotated[AppResources, Depends(get_resources)]


async def get_settings_dep(resources: ResourcesDep) -> Settings:
    return resources.settings


async def get_session(resources: ResourcesDep) -> AsyncIterator[AsyncSession]:
    # Writes commit explicitly in the service layer, before any job is enqueued, so a worker never
    # looks for a row that is not committed yet; whatever is left uncommitted on an error is undone.
    async with resources.session_factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise


async def get_storage(resources: ResourcesDep) -> ObjectStorage:
    return resources.storage


async def get_jobs(resources: ResourcesDep) -> JobDispatcher:
    return resources.jobs


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
StorageDep = Annotated[ObjectStorage, Depends(get_storage)]
JobsDep = Annotated[JobDispatcher, Depends(get_jobs)]
