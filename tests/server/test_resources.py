"""One builder for what a process shares: the API's lifespan and the worker's runtime open the same
resources through `open_resources`, and close every connection they opened when they stop."""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import dataclass, fields

import pytest
import redis
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.app import create_app
from app.core.config import Settings
from app.db.session import create_engine
from app.services.resources import Resources
from app.workers.runtime import WorkerRuntime

# Closing a socket is seen by the server a moment later.
CLOSE_SEEN_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Opened:
    """Resources as one process got them, and the server-side ids of the connections they opened."""

    resources: Resources
    postgres_pid: int
    redis_client_id: int


async def use(resources: Resources) -> Opened:
    # Each pool keeps the connection it opened here until the resources are closed.
    async with resources.engine.connect() as connection:
        pid = await connection.scalar(text("SELECT pg_backend_pid()"))
    client_id = await resources.redis.client_id()
    assert isinstance(pid, int)
    return Opened(resources, pid, client_id)


async def postgres_pids(engine: AsyncEngine) -> set[int]:
    async with engine.connect() as connection:
        return set((await connection.scalars(text("SELECT pid FROM pg_stat_activity"))).all())


def redis_client_ids(settings: Settings) -> set[int]:
    with redis.Redis.from_url(settings.REDIS_URL) as client:
        return {int(entry["id"]) for entry in client.client_list()}


async def wait_until_closed(opened: Opened, engine: AsyncEngine, settings: Settings) -> None:
    """Fails unless the database and Redis both drop the connections `opened` made."""
    deadline = time.monotonic() + CLOSE_SEEN_SECONDS
    while True:
        pid_open = opened.postgres_pid in await postgres_pids(engine)
        client_open = opened.redis_client_id in redis_client_ids(settings)
        if not pid_open and not client_open:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"still open after the resources closed: database {pid_open}, Redis {client_open}")
        await asyncio.sleep(0.2)


async def test_the_api_and_the_worker_open_the_same_resources_and_close_them(
    settings: Settings, engine: AsyncEngine
) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        api = await use(app.state.resources)
        assert api.postgres_pid in await postgres_pids(engine)
        assert api.redis_client_id in redis_client_ids(settings)
    await wait_until_closed(api, engine, settings)

    runtime = WorkerRuntime()
    try:
        worker = await asyncio.to_thread(runtime.run, use)
        assert worker.postgres_pid in await postgres_pids(engine)
        assert worker.redis_client_id in redis_client_ids(settings)
    finally:
        await asyncio.to_thread(runtime.close)
    await wait_until_closed(worker, engine, settings)

    assert type(api.resources) is type(worker.resources) is Resources
    for field in fields(Resources):
        assert type(getattr(api.resources, field.name)) is type(getattr(worker.resources, field.name)), field
    # Built apart, one set per process, from the same settings.
    assert api.resources.engine is not worker.resources.engine
    assert api.resources.settings == worker.resources.settings


def test_a_job_stopped_from_outside_leaves_no_connection_open(settings: Settings) -> None:
    runtime = WorkerRuntime()
    seen: list[Opened] = []

    async def interrupted(resources: Resources) -> None:
        seen.append(await use(resources))
        # Celery's soft time limit: a signal whose handler raises in the worker's main thread.
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        await asyncio.Event().wait()

    def time_limit(signum: int, frame: object) -> None:
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, time_limit)
    try:
        with pytest.raises(SoftTimeLimitExceeded):
            runtime.run(interrupted)
        signal.setitimer(signal.ITIMER_REAL, 0)
        # The dropped loop's resources are closed before the next job opens new ones.
        asyncio.run(closed_on_a_loop_of_its_own(seen[0], settings))
        after = runtime.run(use)
        assert after.resources is not seen[0].resources
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        runtime.close()


async def closed_on_a_loop_of_its_own(opened: Opened, settings: Settings) -> None:
    # The suite's engine lives on the test session's loop; a sync test checks with its own.
    probe = create_engine(settings.DATABASE_URL, pooled=False)
    try:
        await wait_until_closed(opened, probe, settings)
    finally:
        await probe.dispose()
