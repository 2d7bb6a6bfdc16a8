"""Readiness: can this process serve requests? Each dependency is probed for real, in parallel."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from minio.error import MinioException
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from urllib3.exceptions import HTTPError as Urllib3Error

from app.services.storage import ObjectStorage

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 3.0
# Any key does: a missing one answers "no such key", a missing bucket or a dead server an error.
_PROBE_KEY = ".ready-probe"
# What a dependency that is down, unreachable or refusing us raises (the S3 client speaks urllib3).
PROBE_FAILURES = (OSError, TimeoutError, SQLAlchemyError, RedisError, MinioException, Urllib3Error)


async def _database(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _broker(broker_url: str) -> None:
    async with Redis.from_url(broker_url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS) as client:
        await client.ping()


async def _object_store(storage: ObjectStorage) -> None:
    await storage.exists(_PROBE_KEY)


async def _passes(name: str, probe: Callable[[], Awaitable[None]]) -> bool:
    try:
        await asyncio.wait_for(probe(), PROBE_TIMEOUT_SECONDS)
    except PROBE_FAILURES:
        logger.warning("readiness probe %s failed", name, exc_info=True)
        return False
    return True


async def probe_dependencies(engine: AsyncEngine, broker_url: str, storage: ObjectStorage) -> dict[str, bool]:
    names = ("database", "broker", "object_store")
    results = await asyncio.gather(
        _passes("database", lambda: _database(engine)),
        _passes("broker", lambda: _broker(broker_url)),
        _passes("object_store", lambda: _object_store(storage)),
    )
    return dict(zip(names, results, strict=True))
