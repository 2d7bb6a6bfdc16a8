"""Every worker sweeps for lost and dead jobs (`app.services.jobs.sweeper`) every
`JOB_SWEEP_INTERVAL_SECONDS`, from a thread of its own in the worker's main process.

A thread rather than a periodic task: Celery has no beat here, and a solo-pool worker (the laptop's)
runs each job on its main thread, where a periodic task would wait for the job it should watch over.
The thread has its own event loop and its own database connections, one at a time.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from celery.signals import worker_ready, worker_shutting_down
from sqlalchemy.exc import SQLAlchemyError

from app.core.config import Settings, get_settings
from app.db.session import create_engine, create_session_factory
from app.services.jobs.dispatch import JobDispatcher
from app.services.jobs.rows import JobRows
from app.services.jobs.sweeper import sweep

logger = logging.getLogger(__name__)


class JobSweeper:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="job-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop after the sweep under way, without waiting: safe from a signal handler
        (a sweep cut short by the process's exit is rolled back by the database)."""
        self._stop.set()

    def _run(self) -> None:
        asyncio.run(self._sweep_until_stopped())

    async def _sweep_until_stopped(self) -> None:
        # Imported here: the Celery app imports this module.
        from app.workers.celery_app import celery_app

        settings = self._settings
        # Unpooled: a sweep every minute or so needs no connection kept open in between.
        engine = create_engine(settings.DATABASE_URL, pooled=False)
        context = JobRows(
            settings=settings,
            session_factory=create_session_factory(engine),
            jobs=JobDispatcher(celery_app, own_connections=True),
        )
        interval = settings.JOB_SWEEP_INTERVAL_SECONDS
        try:
            # The first sweep after one interval: a worker just started takes the queue's jobs first.
            while not await asyncio.to_thread(self._stop.wait, interval):
                try:
                    report = await sweep(context)
                except (SQLAlchemyError, OSError) as exc:
                    logger.warning("job sweep failed (%s); trying again in %gs", exc, interval)
                    continue
                except Exception:
                    # Logged in full and tried again next time: one bad sweep must not end every later one.
                    logger.exception("job sweep failed; trying again in %gs", interval)
                    continue
                if report.requeued or report.failed:
                    logger.info(
                        "job sweep: %d job(s) queued again, %d row(s) failed", report.requeued, report.failed
                    )
        finally:
            await engine.dispose()


# The sweeper of this worker process, while it runs.
_running: list[JobSweeper] = []


@worker_ready.connect
def _start_sweeper(**_: object) -> None:
    sweeper = JobSweeper(get_settings())
    sweeper.start()
    _running.append(sweeper)


@worker_shutting_down.connect
def _stop_sweeper(**_: object) -> None:
    while _running:
        _running.pop().stop()
