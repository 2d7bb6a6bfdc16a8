"""What a worker process needs to run the async service code: one event loop, and the resources on it.

Celery tasks are synchronous; each worker process keeps a single `asyncio.Runner` so that its
resources (`app.services.resources`), opened lazily on first use after the fork, live on one loop
for their whole life and are closed on it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import TypeVar

from celery.signals import worker_process_shutdown, worker_shutting_down

from app.core.config import get_settings
from app.services.resources import Resources, open_resources

logger = logging.getLogger(__name__)

T = TypeVar("T")


class WorkerRuntime:
    def __init__(self) -> None:
        self._runner: asyncio.Runner | None = None
        self._resources: Resources | None = None
        # Closes the resources; run on the loop they were opened on.
        self._opened: AsyncExitStack | None = None
        self._lock = threading.Lock()
        self._job_arrived = False
        self._stopping = False
        # The preparation step running now, so that a shutdown can cancel it instead of waiting it out.
        self._background: tuple[asyncio.AbstractEventLoop, asyncio.Task[None]] | None = None

    def run(self, job: Callable[[Resources], Awaitable[T]]) -> T:
        # Set before the wait: background work checks it to give way to a job already queued.
        self._job_arrived = True
        with self._lock:
            return self._run_locked(job)

    def run_before_first_job(self, step: Callable[[Resources], Awaitable[None]]) -> bool:
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
        self, step: Callable[[Resources], Awaitable[None]]
    ) -> Callable[[Resources], Awaitable[None]]:
        async def run(context: Resources) -> None:
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

    def _run_locked(self, job: Callable[[Resources], Awaitable[T]]) -> T:
        if self._runner is None:
            self._runner = asyncio.Runner()
        runner = self._runner
        try:
            return runner.run(self._run(job))
        except BaseException:
            # Raised from outside the job (Celery's soft time limit arrives as a signal): the job's
            # task is left pending on the loop and would resume inside the next job. Cancel it, close
            # the resources and drop the loop; the next job opens new ones on a new loop.
            if any(not task.done() for task in asyncio.all_tasks(runner.get_loop())):
                self._runner = None
                self._shut_down(runner)
            raise

    async def _run(self, job: Callable[[Resources], Awaitable[T]]) -> T:
        if self._resources is None:
            # Imported here: the Celery app imports the task modules that import this one.
            from app.workers.celery_app import celery_app

            opened = AsyncExitStack()
            self._resources = await opened.enter_async_context(open_resources(get_settings(), celery_app))
            self._opened = opened
        return await job(self._resources)

    def _shut_down(self, runner: asyncio.Runner) -> None:
        """Cancel what is left on the loop, close the resources on it, then close the loop."""
        opened, self._opened, self._resources = self._opened, None, None
        try:
            runner.run(_cancel_others_then_close(opened))
        except Exception:
            # The worker is stopping or dropping this loop either way; a failed close must not hide why.
            logger.exception("the worker's resources did not close cleanly")
        finally:
            runner.close()

    def close(self) -> None:
        with self._lock:
            runner, self._runner = self._runner, None
            if runner is not None:
                self._shut_down(runner)


async def _cancel_others_then_close(opened: AsyncExitStack | None) -> None:
    # A job stranded by a signal is cancelled first, so it cannot run on while its connections close.
    current = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not current]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
    if opened is not None:
        await opened.aclose()


runtime = WorkerRuntime()


@worker_process_shutdown.connect
def _close_runtime(**_: object) -> None:
    runtime.close()


@worker_shutting_down.connect
def _stop_background(**_: object) -> None:
    runtime.stop_background()
