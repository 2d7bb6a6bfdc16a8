"""Asks the server the same question every few seconds, one request in flight at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from desktop.qt import QObject, QTimer
from desktop.tasks import TaskHandle, TaskRunner, simple

Value = TypeVar("Value")


class Poller(QObject, Generic[Value]):
    def __init__(
        self,
        runner: TaskRunner,
        fetch: Callable[[], Value],
        on_value: Callable[[Value], bool],
        on_error: Callable[[str], None],
        interval_ms: int = 2_000,
    ) -> None:
        """`on_value` returns True to keep polling, False when the answer is final."""
        super().__init__()
        self._runner = runner
        self._fetch = fetch
        self._on_value = on_value
        self._on_error = on_error
        self._in_flight: TaskHandle | None = None
        self._generation = 0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll_now)

    def start(self) -> None:
        self._timer.start()
        self.poll_now()

    def stop(self) -> None:
        self._timer.stop()
        if self._in_flight is not None:
            self._in_flight.cancel()
            self._in_flight = None

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def poll_now(self) -> None:
        if self._in_flight is not None:
            return
        self._generation += 1
        generation = self._generation
        self._in_flight = self._runner.submit(
            simple(self._fetch), self._received, self._failed, on_cancelled=lambda: self._forget(generation)
        )

    def _forget(self, generation: int) -> None:
        if self._generation == generation:
            self._in_flight = None

    def _received(self, value: Value) -> None:
        self._in_flight = None
        if not self._timer.isActive():
            return
        if not self._on_value(value):
            self._timer.stop()

    def _failed(self, message: str) -> None:
        self._in_flight = None
        if self._timer.isActive():
            self._timer.stop()
            self._on_error(message)
