"""Async engine and session factory.

Engines are built by whoever owns the process lifetime (the API's lifespan, a worker process,
a CLI command), never at import time: embedded mode only knows the database URL at run time.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool


def create_engine(
    database_url: str, *, pooled: bool = True, pool_size: int = 5, max_overflow: int = 5
) -> AsyncEngine:
    """`pool_size` connections are kept open and up to `max_overflow` more opened under load, per
    process: every Gunicorn worker and Celery pool process has its own pool."""
    # hide_parameters: a failed statement's message must never carry a resume or transcript into logs.
    if pooled:
        return create_async_engine(
            database_url,
            pool_pre_ping=True,
            pool_size=pool_size,
            max_overflow=max_overflow,
            hide_parameters=True,
        )
    # Short-lived processes (CLI commands, tests) should not keep idle connections around.
    return create_async_engine(database_url, poolclass=NullPool, hide_parameters=True)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: responses are built from objects after the commit that made them durable.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
