"""What a worker process needs to run the async service code: one event loop, one engine, one store.

Celery tasks are synchronous; each worker process keeps a single `asyncio.Runner` so that the
database engine, created lazily on first use after the fork, lives on one loop for its whole life.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from celery.signals import worker_process_shutdown, worker_shutting_down

from app.core.config import get_settings
from app.db.session import create_engine, create_session_factory
from app.services.jobs.context import JobContext
from app.services.jobs.dispatch import JobDispatcher
from app.services.storage import ObjectStorage

T = TypeVar("T")


class WorkerRuntime:
    def __init__(self) -> None:
        self._runner: asyncio.Runner | None = None
        self._resources: JobContext | None = None
        self._lock = threading.Lock()
        self._job_arrived = False
        self._stopping = False
        # The preparation step running now, so that a shutdown can cancel it instead of waiting it out.
        self._background: tuple[asyncio.AbstractEventLoop, asyncio.Task[None]] | None = None

    def run(self, job: Callable[[JobContext], Awaitable[T]]) -> T:
        # Set before the wait: background work checks it to give way to a job already queued.
        self._job_arrived = True
        with self._lock:
            return self._run_locked(job)

    def run_before_first_job(self, step: Callable[[JobContext], Awaitable[None]]) -> bool:
        """Run `step` as a job would, unless a job has arrived already (False then): preparation for
        the first job gives way to it rather than delay it."""
        with self._lock:
            if self._job_arrived or self._stopping:
                return False
            try:
                self._run_locked(self._cancellable(step))
            except asyncio.CancelledError:
                return False
            return not self._stopping

    def _cancellable(
        self, step: Callable[[JobContext], Awaitable[None]]
    ) -> Callable[[JobContext], Awaitable[None]]:
        async def run(context: JobContext) -> None:
            task = asyncio.ensure_future(step(context))
            self._background = (asyncio.get_running_loop(), task)
            if self._stopping:
                # Told to stop while this step was being set up, before there was a task to cancel.
                task.cancel()
            try:
                await task
            finally:
                self._background = None

        return run

    def stop_background(self) -> None:
        """Cancel the preparation step at its next await and decline the rest: a worker told to stop
        must not first spend a minute embedding what nobody will read. Safe from a signal handler."""
        self._stopping = True
        background = self._background
        if background is not None:
            loop, task = background
            loop.call_soon_threadsafe(task.cancel)

    def _run_locked(self, job: Callable[[JobContext], Awaitable[T]]) -> T:
        if self._runner is None:
            self._runner = asyncio.Runner()
        runner = self._runner
        try:
            return runner.run(self._run(job))
        except BaseException:
            # Raised from outside the job (Celery's soft time limit arrives as a signal): the job's
            # task is left pending on the loop and would resume inside the next job. Drop the loop
            # with whatever it still holds; the next job starts a new one.
            if any(not task.done() for task in asyncio.all_tasks(runner.get_loop())):
                self._runner = None
                self._resources = None
                runner.close()
            raise

    async def _run(self, job: Callable[[JobContext], Awaitable[T]]) -> T:
        if self._resources is None:
            # Imported here: the Celery app imports the task modules that import this one.
            from app.workers.celery_app import celery_app

            settings = get_settings()
            engine = create_engine(
                settings.DATABASE_URL,
                pool_size=settings.DATABASE_POOL_SIZE,
                max_overflow=settings.DATABASE_MAX_OVERFLOW,
            )
            self._resources = JobContext(
                settings=settings,
                engine=engine,
                session_factory=create_session_factory(engine),
                storage=ObjectStorage.from_settings(settings),
                jobs=JobDispatcher(celery_app),
            )
        return await job(self._resources)

    def close(self) -> None:
        with self._lock:
            if self._runner is None:
                return
            if self._resources is not None:
                self._runner.run(self._resources.engine.dispose())
                self._resources = None
            self._runner.close()
            self._runner = None


runtime = WorkerRuntime()


@worker_process_shutdown.connect
def _close_runtime(**_: object) -> None:
    runtime.close()


@worker_shutting_down.connect
def _stop_background(**_: object) -> None:
    runtime.stop_background()
