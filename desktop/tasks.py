"""Background work for the UI: a callable runs on a pool thread and reports back through signals only.

The UI thread never waits on the network, the disk or the embedded services; it submits work here
and reacts to `succeeded`, `failed`, `cancelled` and `progress`, which Qt delivers on the UI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar, cast

from desktop.api.errors import TaskCancelledError, describe
from desktop.qt import QObject, QRunnable, QThreadPool, Signal

logger = logging.getLogger(__name__)

Result = TypeVar("Result")
Produced_co = TypeVar("Produced_co", covariant=True)


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise TaskCancelledError


class Progress(Protocol):
    def __call__(self, done: int, total: int) -> None: ...


class Work(Protocol[Produced_co]):
    def __call__(self, token: CancelToken, progress: Progress, /) -> Produced_co: ...


class TaskHandle(QObject):
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    progress = Signal(int, int)
    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.token = CancelToken()

    def cancel(self) -> None:
        self.token.cancel()


class _Runnable(QRunnable, Generic[Result]):
    def __init__(self, work: Work[Result], handle: TaskHandle) -> None:
        super().__init__()
        self._work = work
        self._handle = handle

    def run(self) -> None:
        handle = self._handle

        def report(done: int, total: int) -> None:
            handle.progress.emit(done, total)

        try:
            result = self._work(handle.token, report)
        except TaskCancelledError:
            handle.cancelled.emit()
        except Exception as error:  # noqa: BLE001 - every failure becomes a sentence on screen; `describe` logs the unexpected ones
            if handle.token.cancelled:
                handle.cancelled.emit()
            else:
                handle.failed.emit(describe(error))
        else:
            if handle.token.cancelled:
                handle.cancelled.emit()
            else:
                handle.succeeded.emit(result)
        handle.finished.emit()


class TaskRunner(QObject):
    """Owns the worker threads and keeps every running task's handle alive until it has finished."""

    def __init__(self, max_threads: int = 4) -> None:
        super().__init__()
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(max_threads)
        self._running: set[TaskHandle] = set()

    def submit(
        self,
        work: Work[Result],
        on_success: Callable[[Result], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        *,
        on_progress: Callable[[int, int], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> TaskHandle:
        """Start `work` on a pool thread; every callback is connected before it can first fire."""
        handle = TaskHandle()
        self._running.add(handle)
        if on_success is not None:
            callback = on_success
            handle.succeeded.connect(lambda value: callback(cast(Result, value)))
        if on_error is not None:
            handle.failed.connect(on_error)
        if on_progress is not None:
            handle.progress.connect(on_progress)
        if on_cancelled is not None:
            handle.cancelled.connect(on_cancelled)
        handle.finished.connect(lambda: self._running.discard(handle))
        self._pool.start(_Runnable(work, handle))
        return handle

    def cancel_all(self) -> None:
        for handle in list(self._running):
            handle.cancel()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        return self._pool.waitForDone(timeout_ms)

    @property
    def busy(self) -> bool:
        return bool(self._running)


def ignore_progress(_done: int, _total: int) -> None:
    return None


def simple(function: Callable[[], Result]) -> Work[Result]:
    """Work that neither reports progress nor checks for cancellation."""

    def work(_token: CancelToken, _progress: Progress) -> Result:
        return function()

    return work
