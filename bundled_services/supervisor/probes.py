"""Readiness checks the embedded stack needs beyond a service's own probe.

The Celery worker is ready when it answers a ping through the broker; the speech and language-model
servers, spawned on ports picked before they listen, are started again on a new port when another
program took theirs in the meantime.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TypeVar

from bundled_services.launchers.llm_server import LLMServerHandle
from bundled_services.launchers.process import ServiceStartError, free_port, port_is_free
from bundled_services.launchers.speech_server import SpeechServerHandle

PORT_ATTEMPTS = 3


class WorkerProbe:
    """Readiness of the Celery worker: it answers a broadcast ping through the broker."""

    def __init__(self, broker_url: str) -> None:
        from celery import Celery

        self._app = Celery("ascend-supervisor", broker=broker_url)
        # Celery prefers CELERY_BROKER_URL from the environment over the broker it was given, and a
        # user's shell may name a team server's broker there; the read and write URLs come first.
        self._app.conf.update(broker_read_url=broker_url, broker_write_url=broker_url)

    def __call__(self) -> bool:
        return bool(self._app.control.ping(timeout=1.0))

    def close(self) -> None:
        self._app.close()


_Handle = TypeVar("_Handle", SpeechServerHandle, LLMServerHandle)


def ready_or_respawned(
    waiting: Callable[[], AbstractContextManager[None]], handle: _Handle, respawn: Callable[[int], _Handle]
) -> _Handle:
    """Wait for a service spawned on a port picked earlier; if another program took that port in the
    meantime (so the service could not listen), start it again on a new one."""
    for attempt in range(1, PORT_ATTEMPTS + 1):
        try:
            with waiting():
                handle.wait_ready()
        except ServiceStartError:
            if attempt == PORT_ATTEMPTS or port_is_free(handle.port):
                raise
            handle = respawn(free_port())
        else:
            return handle
    raise AssertionError("unreachable")
