"""The Redis client (REDIS_URL) behind rate limits and sign-in state, shared by a worker's requests.

The lifespan opens one pool per process and closes it at shutdown. An app built without its
lifespan (tests that hand in their own resources) has no pool, so each use gets a short-lived
client instead of one that would never be closed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis
from starlette.applications import Starlette

from app.core.config import Settings

_ATTRIBUTE = "redis"


def open_shared_redis(app: Starlette, settings: Settings) -> None:
    setattr(app.state, _ATTRIBUTE, Redis.from_url(settings.REDIS_URL))


async def close_shared_redis(app: Starlette) -> None:
    client: Redis | None = getattr(app.state, _ATTRIBUTE, None)
    if client is not None:
        delattr(app.state, _ATTRIBUTE)
        await client.aclose()


@asynccontextmanager
async def redis_for(app: Starlette) -> AsyncIterator[Redis]:
    shared: Redis | None = getattr(app.state, _ATTRIBUTE, None)
    if shared is not None:
        yield shared
        return
    settings: Settings = app.state.resources.settings
    async with Redis.from_url(settings.REDIS_URL) as client:
        yield client


async def get_redis(request: Request) -> AsyncIterator[Redis]:
    async with redis_for(request.app) as client:
        yield client


RedisDep = Annotated[Redis, Depends(get_redis)]
