"""What a process shares among its requests or its jobs, opened once by `open_resources` and closed with it.

The API's lifespan and the worker's runtime both build it here, so an endpoint and a job body reach the
database, the object store, Redis, the embedding model and the model clients the same way. Nothing is
created at import time: embedded mode only learns its URLs at run time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from celery import Celery
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.db.session import create_engine, create_session_factory
from app.services.embedding import EmbeddingService, get_embedding_service
from app.services.jobs.dispatch import JobDispatcher
from app.services.llm import LLMProvider, configured_llm_provider
from app.services.practice.whisper_client import WhisperClient
from app.services.storage import ObjectStorage


@dataclass(frozen=True, slots=True)
class Resources:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    storage: ObjectStorage
    jobs: JobDispatcher
    # Rate limits and sign-in state in the API, delivery counts in the worker.
    redis: Redis
    embeddings: EmbeddingService
    llm: LLMProvider
    whisper: WhisperClient


@asynccontextmanager
async def open_resources(settings: Settings, celery: Celery) -> AsyncIterator[Resources]:
    """Everything a process shares, built from `settings`; on exit the Redis pool is closed, then the
    database engine disposed (the reverse of opening). `celery` is the app jobs are queued on, which
    only the layers above may import."""
    async with AsyncExitStack() as opened:
        engine = create_engine(
            settings.DATABASE_URL,
            pool_size=settings.DATABASE_POOL_SIZE,
            max_overflow=settings.DATABASE_MAX_OVERFLOW,
        )
        opened.push_async_callback(engine.dispose)
        redis = Redis.from_url(settings.REDIS_URL)
        opened.push_async_callback(redis.aclose)
        yield Resources(
            settings=settings,
            engine=engine,
            session_factory=create_session_factory(engine),
            # MinIO's client has no close of its own: it clears its connection pool when collected.
            storage=ObjectStorage.from_settings(settings),
            jobs=JobDispatcher(celery),
            redis=redis,
            # Process-wide: the model is loaded once however many times resources are opened.
            embeddings=get_embedding_service(settings),
            llm=configured_llm_provider(settings),
            whisper=WhisperClient.from_settings(settings),
        )
