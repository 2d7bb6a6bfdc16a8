"""A team's shared server on this machine: the real API served by Uvicorn on a loopback port.

It runs in a thread of the test process against the suite's real services (PostgreSQL, the broker,
the object store), with its own settings: the suite's plus the local OAuth provider's, as a team
would configure Google and GitHub sign-in in its environment.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from app.api.app import create_app
from app.core.config import Settings
from bundled_services.launchers.process import free_port

START_TIMEOUT_SECONDS = 30


def with_overrides(base: Settings, overrides: dict[str, Any]) -> Settings:
    """`base` plus `overrides`, validated as the environment would be."""
    return Settings.model_validate({**base.model_dump(), **overrides})


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The API on 127.0.0.1; yields its base URL (ending in /api/v1)."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        ws="none",
        http="h11",
        loop="asyncio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="team-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("the team server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
