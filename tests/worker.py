"""A real Celery worker process for the tests, started the way production starts it."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from celery import Celery

from app.workers.celery_app import celery_app
from bundled_services.launchers.process import ManagedProcess
from bundled_services.launchers.server_processes import celery_worker


@contextmanager
def running_worker(
    log_path: Path, extra_env: Mapping[str, str] | None = None, broker_app: Celery = celery_app
) -> Iterator[ManagedProcess]:
    """`broker_app` reaches the worker's broker, where it answers the readiness ping."""
    process = celery_worker(log_path, {**os.environ, **(extra_env or {})})
    process.start()
    try:
        process.wait_ready(lambda: bool(broker_app.control.ping(timeout=0.5)), timeout=60, interval=0.5)
        yield process
    finally:
        process.stop(grace=20)
