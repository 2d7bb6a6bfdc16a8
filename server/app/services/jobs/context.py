"""What background jobs are given to work with (built once per worker process)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.services.jobs.dispatch import JobDispatcher
from app.services.storage import ObjectStorage


@dataclass(frozen=True, slots=True)
class JobContext:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    storage: ObjectStorage
    jobs: JobDispatcher
