"""Readying the worker for its first job when it starts (`WORKER_WARM_UP`; see `app.services.warm_up`).

A thread of its own drives it, and each step runs as a job would, on the jobs' event loop, until the
first job arrives: that job waits for one step at most."""

from __future__ import annotations

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
            target=warm_up, args=(settings, runtime.run_before_first_job), name="warm-up", daemon=True
        ).start()
