"""What job bookkeeping (`tracking`, `sweeper`) needs of a process: its settings, database sessions
and the queue. The worker's `Resources` are one; the sweeper's thread builds its own, unpooled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.services.jobs.dispatch import JobDispatcher


class JobRowsContext(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def session_factory(self) -> async_sessionmaker[AsyncSession]: ...

    @property
    def jobs(self) -> JobDispatcher: ...


@dataclass(frozen=True, slots=True)
class JobRows:
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    jobs: JobDispatcher
