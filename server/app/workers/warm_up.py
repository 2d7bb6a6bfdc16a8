"""Readying the worker for its first job when it starts (`WORKER_WARM_UP`; see `app.services.warm_up`).

It runs in its own thread and event loop, one request at a time between jobs: a job that arrives
meanwhile waits for one warm-up request at most, and no warm-up request lands between a job's own
model calls (the model server keeps only the last prompt, which the job's next call starts from)."""

from __future__ import annotations

import asyncio
import threading

from celery.signals import worker_ready

from app.core.config import get_settings
from app.services.warm_up import warm_up
from app.workers.runtime import runtime


@worker_ready.connect
def _warm_up(**_: object) -> None:
    settings = get_settings()
    if settings.WORKER_WARM_UP:
        threading.Thread(
            target=lambda: asyncio.run(warm_up(settings, between_jobs=runtime.between_jobs)),
            name="warm-up",
            daemon=True,
        ).start()
