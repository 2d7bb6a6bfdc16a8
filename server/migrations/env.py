"""Alembic environment: runs migrations over the app's async engine."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from app.core.config import get_settings
from app.db import locks, models  # noqa: F401  (models registers every table on the metadata)
from app.db.base import Base
from app.db.session import create_engine

target_metadata = Base.metadata


def _database_url() -> str:
    configured = context.config.attributes.get("database_url")
    return str(configured) if configured else get_settings().DATABASE_URL


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        # Replicas starting at once migrate one after the other; the next reads the version the first wrote.
        locks.hold_until_commit(connection, locks.MIGRATIONS)
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(_database_url(), pooled=False)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_online())
