"""A real Celery worker process for the tests, started the way production starts it."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from app.workers.celery_app import celery_app
from bundled_services.launchers.process import ManagedProcess
from bundled_services.launchers.server_processes import celery_worker


def _answers_ping() -> bool:
    return bool(celery_app.control.ping(timeout=0.5))


@contextmanager
def running_worker(log_path: Path, extra_env: Mapping[str, str] | None = None) -> Iterator[ManagedProcess]:
    process = celery_worker(log_path, {**os.environ, **(extra_env or {})})
    process.start()
    try:
        process.wait_ready(_answers_ping, timeout=60, interval=0.5)
        yield process
    finally:
        process.stop(grace=20)
